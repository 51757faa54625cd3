"""Pages: the service archive (售后服务档案) of an organisation or a project, a timeline of
everything that happened, filtered by kind and dates (and project), with its CSV and PDF
exports under the same filter. Staff see any organisation's; a customer only its own (others
are not found)."""

from collections.abc import Iterator
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.pages import page_of
from core.time import desk_today
from customers.models import Organisation, Project
from customers.selectors import organisation_get, project_get
from reports.archive import archive
from reports.archive_pdf import LIMIT, archive_pdf
from reports.archive_rows import Entry, by_day, entries, linked
from reports.exports import Column, Table, csv_response
from reports.forms import ArchiveFilterForm

FORMATS = ("csv", "pdf")


def _form(request: HttpRequest, organisation: Organisation, project: Project | None) -> ArchiveFilterForm:
    projects = None if project else Project.objects.filter(organisation=organisation).order_by("name")
    return ArchiveFilterForm(request.GET or None, projects=projects)


def _rows(organisation: Organisation, project: Project | None, selection: dict[str, Any]):
    project = project or selection["project"]
    return archive(
        organisation_id=organisation.pk,
        project_id=project.pk if project else None,
        kinds=selection["kinds"],
        start=selection["start"],
        end=selection["end"],
    )


def _page(request: HttpRequest, organisation: Organisation, project: Project | None = None) -> HttpResponse:
    form = _form(request, organisation, project)
    page, params = page_of(request, _rows(organisation, project, form.selection()))
    items = linked(page.object_list, request.user)
    if project:
        export = reverse("reports:archive-project-export", args=[project.pk, "csv"])
    else:
        export = reverse("reports:archive-organisation-export", args=[organisation.pk, "csv"])
    query = f"?{params}" if params else ""
    context = {
        "organisation": organisation,
        "project": project,
        "form": form,
        "page": page,
        "params": params,
        "days": by_day(items),
        "csv_url": export + query,
        "pdf_url": export.removesuffix("csv") + "pdf" + query,
    }
    return render(request, "reports/archive.html", context)


@login_required
def organisation_archive(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, organisation_get(user=request.user, pk=pk))


@login_required
def project_archive(request: HttpRequest, pk: int) -> HttpResponse:
    project = project_get(user=request.user, pk=pk)
    return _page(request, project.organisation, project)


COLUMNS = [
    Column("when", gettext_lazy("Date and time"), lambda item: item.when),
    Column("kind", gettext_lazy("Kind"), lambda item: item.kind_label),
    Column("reference", gettext_lazy("Reference"), lambda item: item.reference),
    Column("title", gettext_lazy("Title"), lambda item: item.title),
    Column("detail", gettext_lazy("Detail"), lambda item: item.detail),
    Column("project", gettext_lazy("Project"), lambda item: item.project_name),
]


def _as_now(items: Iterator[Entry]) -> Iterator[Entry]:
    """``items`` read in this request's language and time zone when the response streams them,
    after the middleware let go of both."""
    language, zone = translation.get_language(), timezone.get_current_timezone()

    def read() -> Iterator[Entry]:
        with translation.override(language), timezone.override(zone):
            yield from items

    return read()


def _export(request: HttpRequest, fmt: str, organisation: Organisation, project: Project | None = None) -> HttpResponse:
    if fmt not in FORMATS:
        raise Http404
    form = _form(request, organisation, project)
    if form.is_bound and not form.is_valid():
        problems = [str(error) for errors in form.errors.values() for error in errors]
        return HttpResponseBadRequest(" ".join(problems), content_type="text/plain; charset=utf-8")
    selection = form.selection()
    rows = _rows(organisation, project, selection)
    whose = project or selection["project"]
    code = (whose.code if whose else organisation.code).lower()
    name = f"archive-{code}-{desk_today():%Y%m%d}"
    if fmt == "csv":
        columns = [Column(column.key, str(column.label), column.value) for column in COLUMNS]
        streamed = _as_now(entries(rows.iterator(chunk_size=2000)))
        return csv_response(Table(name=name, title=_("Service archive"), columns=columns, rows=streamed))
    label = f"{organisation.name} · {whose.name}" if whose else organisation.name
    pdf = archive_pdf(
        reference=f"ARCHIVE-{code.upper()}",
        whose=label,
        start=selection["start"],
        end=selection["end"],
        kinds=selection["kinds"],
        entries=entries(rows[:LIMIT]),
        total=rows.count(),
        projects=whose is None,
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
    return response


@login_required
def organisation_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    return _export(request, fmt, organisation_get(user=request.user, pk=pk))


@login_required
def project_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    project = project_get(user=request.user, pk=pk)
    return _export(request, fmt, project.organisation, project)
