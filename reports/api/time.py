"""API: /api/v1/reports/time/: the minutes recorded on tickets and incidents in a period, in all
and per month, engineer, organisation and ticket or incident, billable or not. Staff only."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from reports.api.shared import FILTER_PARAMETERS, ID, empty_errors, form_errors
from reports.time import GROUPS, Row, TimeReportForm, time_report


class TimeRowOutput(serializers.Serializer):
    key = serializers.CharField(
        help_text="The group: the month's first day (YYYY-MM-01), the engineer's or organisation's id, or "
        "ticket:<id> / incident:<id>; 'total' for the totals."
    )
    label = serializers.CharField(help_text="The group in words: YYYY-MM, a name, a reference and title.")
    kind = serializers.CharField(help_text="ticket or incident (per-ticket rows); empty otherwise.")
    organisation = serializers.CharField(help_text="The organisation's name (per-ticket rows); empty otherwise.")
    entries = serializers.IntegerField()
    minutes = serializers.IntegerField()
    billable_minutes = serializers.IntegerField()
    non_billable_minutes = serializers.IntegerField()
    hours = serializers.DecimalField(max_digits=12, decimal_places=2, coerce_to_string=False)
    billable_hours = serializers.DecimalField(max_digits=12, decimal_places=2, coerce_to_string=False)


class TimeReportOutput(serializers.Serializer):
    start = serializers.DateField(help_text="The first day of the period, inclusive (the desk's time zone).")
    end = serializers.DateField(help_text="The last day of the period, inclusive.")
    total = TimeRowOutput()
    months = TimeRowOutput(many=True, help_text="Per month of the desk's time zone, oldest first.")
    engineers = TimeRowOutput(many=True, help_text="Per engineer, most time first.")
    organisations = TimeRowOutput(many=True, help_text="Per organisation, most time first.")
    tickets = TimeRowOutput(many=True, help_text="Per ticket and incident, most time first.")


def _row(row: Row) -> dict:
    return {
        "key": row.key,
        "label": row.label,
        "kind": row.kind,
        "organisation": row.organisation,
        "entries": row.entries,
        "minutes": row.minutes,
        "billable_minutes": row.billable_minutes,
        "non_billable_minutes": row.non_billable_minutes,
        "hours": row.hours,
        "billable_hours": row.billable_hours,
    }


TIME_PARAMETERS = [parameter for parameter in FILTER_PARAMETERS if parameter.name != "priority"] + [
    OpenApiParameter("engineer", ID, description="One engineer's entries (default everyone's).")
]


@extend_schema(tags=["reports"])
class TimeReportView(APIView):
    @extend_schema(parameters=TIME_PARAMETERS, responses={200: TimeReportOutput})
    def get(self, request):
        """Time recorded in the period (default the last twelve months), tickets and incidents
        together: the totals and the rows per month, engineer, organisation and ticket. Staff only."""
        if not request.user.is_staff_member:
            raise PermissionDenied(_("Only staff can do this."))
        form = TimeReportForm(request.query_params, user=request.user)
        errors = {} if form.is_valid() else form_errors(form)
        errors.update(empty_errors(request.query_params, ("from", "to", "organisation", "project", "engineer")))
        if errors:
            raise ValidationError(errors)
        report = time_report(form.time_filter())
        answer = {
            "start": report.filter.report.start,
            "end": report.filter.report.end,
            "total": _row(report.total),
            **{f"{group}s": [_row(row) for row in report.groups[group]] for group in GROUPS},
        }
        return Response(TimeReportOutput(answer).data)
