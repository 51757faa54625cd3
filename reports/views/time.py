"""The time report page (``/reports/time/``) and its downloads
(``/reports/time/export/<group>.<csv|xlsx>``): staff only; customers get 403."""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render

from core.pages import staff_only
from reports.exports import csv_response, xlsx_response
from reports.time import GROUP_TITLES, GROUPS, TimeReportForm, time_report, time_table

FORMATS = ("csv", "xlsx")
LISTED = 50  # rows of the per-ticket table on the page; the downloads have them all


@login_required
def time_report_page(request: HttpRequest) -> HttpResponse:
    staff_only(request.user)
    form = TimeReportForm(request.GET, user=request.user)
    context: dict = {"form": form, "valid": form.is_valid()}
    if context["valid"]:
        time_filter = form.time_filter()
        form.data = form.data.copy()
        form.data["from"] = time_filter.report.start.isoformat()  # the inputs show the range in force
        form.data["to"] = time_filter.report.end.isoformat()
        report = time_report(time_filter)
        query = urlencode(time_filter.as_params())
        context.update(
            report=report,
            query=query,
            sections=[
                {
                    "key": group,
                    "title": GROUP_TITLES[group],
                    "rows": report.groups[group][:LISTED] if group == "ticket" else report.groups[group],
                    "count": len(report.groups[group]),
                    "listed": LISTED,
                }
                for group in GROUPS
            ],
        )
    return render(request, "reports/time.html", context)


@login_required
def time_report_export(request: HttpRequest, group: str, fmt: str) -> HttpResponse:
    staff_only(request.user)
    if group not in GROUPS or fmt not in FORMATS:
        raise Http404
    form = TimeReportForm(request.GET, user=request.user)
    if not form.is_valid():
        errors = [str(error) for messages in form.errors.values() for error in messages]
        return HttpResponseBadRequest("\n".join(errors), content_type="text/plain; charset=utf-8")
    table = time_table(time_report(form.time_filter(), groups=[group]), group)
    return csv_response(table) if fmt == "csv" else xlsx_response(table)
