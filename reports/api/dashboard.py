"""API: /api/v1/reports/sla/ (the attainment rows the charts draw, grouped as asked) and
/api/v1/reports/dashboard/ (every figure of the dashboard in one document). Any signed-in
user; a customer's figures are always its own organisation's."""

import datetime

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import site_url
from core.time import desk_today
from emergency.models import Grade
from reports import selectors
from reports.api.shared import FILTER_PARAMETERS, GROUP_PARAMETER, report_filter
from reports.filters import ReportFilter
from tickets.models import Metric, Priority, SLAClock

LISTED = 50  # breaches and expiring warranties listed in the dashboard document
GROUP_CHOICES = [(group, group) for group in selectors.GROUPS]
PRIORITY_LABELS = dict(Priority.choices)


def _group(value) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, datetime.date) else str(value)


def attainment_rows(
    report: ReportFilter, group_by: str | None, *, now: datetime.datetime, rows: list[dict] | None = None
) -> list[dict]:
    """The selector's rows (or ``rows``, already fetched) with ``group`` as a string (an id, a
    priority, a month's first day) and a priority's label in words."""
    rows = selectors.attainment(report, group_by, now=now) if rows is None else rows
    for row in rows:
        if group_by == "priority":
            row["label"] = str(PRIORITY_LABELS.get(row["group"], row["group"]))
        row["group"] = _group(row["group"])
        row["label"] = str(row["label"] or "")
    return rows


# --- output ---------------------------------------------------------------------------------


class AttainmentRowOutput(serializers.Serializer):
    group = serializers.CharField(
        allow_null=True,
        help_text="What the row is of: the priority, the organisation's, project's or engineer's id, or the "
        "month's first day (YYYY-MM-01); null without group_by, and for tickets nobody is assigned to.",
    )
    label = serializers.CharField(help_text="The group in words (a name, YYYY-MM); empty without group_by.")
    metric = serializers.ChoiceField(choices=Metric.choices)
    clocks = serializers.IntegerField(help_text="Clocks of the tickets received in the period.")
    met = serializers.IntegerField(help_text="Stopped by their due moment.")
    breached = serializers.IntegerField(
        help_text="Stopped late, marked breached, or running past due now: in the ticket's last cycle and, for "
        "the update target, its current interval."
    )
    ever_breached = serializers.IntegerField(
        help_text="Breached in any cycle of the ticket (a reopened ticket starts a new one) or any update interval."
    )
    pending = serializers.IntegerField(help_text="Not decided yet: running in time, or paused.")
    attainment = serializers.FloatField(
        allow_null=True, help_text="met ÷ (met + breached) in percent, one decimal; null when nothing is decided."
    )
    mean_working_seconds = serializers.IntegerField(
        allow_null=True, help_text="Of the stopped clocks: working time on the clock's calendar, pauses left out."
    )
    p90_working_seconds = serializers.IntegerField(
        allow_null=True, help_text="90th percentile (continuous, interpolated) of the same."
    )
    mean_wall_seconds = serializers.IntegerField(allow_null=True, help_text="Of the stopped clocks: start to stop.")
    p90_wall_seconds = serializers.IntegerField(allow_null=True)


class _FromTo(serializers.Serializer):
    """``from`` is a Python keyword: the field is added by name."""

    def get_fields(self):
        fields = super().get_fields()
        return {
            "from": serializers.DateField(source="start", help_text="First day, inclusive."),
            "to": serializers.DateField(source="end", help_text="Last day, inclusive."),
            **fields,
        }


class SLAReportOutput(_FromTo):
    group_by = serializers.ChoiceField(choices=GROUP_CHOICES, allow_null=True)
    rows = AttainmentRowOutput(many=True)


class BreachOutput(serializers.Serializer):
    ticket = serializers.IntegerField(source="ticket_id")
    reference = serializers.CharField(source="ticket.reference")
    title = serializers.CharField(source="ticket.title")
    priority = serializers.ChoiceField(source="ticket.priority", choices=Priority.choices)
    organisation = serializers.IntegerField(source="ticket.organisation_id")
    organisation_name = serializers.CharField(source="ticket.organisation.name")
    project = serializers.IntegerField(source="ticket.project_id")
    project_name = serializers.CharField(source="ticket.project.name")
    assignee = serializers.IntegerField(source="ticket.assignee_id", allow_null=True)
    assignee_name = serializers.SerializerMethodField()
    metric = serializers.ChoiceField(choices=Metric.choices)
    due_at = serializers.DateTimeField()
    stopped_at = serializers.DateTimeField(allow_null=True)
    breached_at = serializers.DateTimeField(allow_null=True, help_text="When the deadline watch marked it.")
    late_seconds = serializers.SerializerMethodField(help_text="From due to stop, or to now while it runs.")
    url = serializers.SerializerMethodField(help_text="The ticket's page.")

    def get_assignee_name(self, clock: SLAClock) -> str | None:
        return str(clock.ticket.assignee) if clock.ticket.assignee_id else None

    def get_late_seconds(self, clock: SLAClock) -> int:
        return max(0, round(((clock.stopped_at or self.context["now"]) - clock.due_at).total_seconds()))

    def get_url(self, clock: SLAClock) -> str:
        return site_url(reverse("tickets:detail", args=[clock.ticket_id]))


class BreachListOutput(serializers.Serializer):
    total = serializers.IntegerField(help_text="All breached clocks of the period.")
    rows = BreachOutput(many=True, help_text=f"The {LISTED} latest due.")


class BacklogRowOutput(serializers.Serializer):
    priority = serializers.ChoiceField(choices=Priority.choices)
    total = serializers.IntegerField(help_text="Open tickets now.")
    under_1d = serializers.IntegerField(help_text="Received less than a day ago.")
    d1_3 = serializers.IntegerField(help_text="One to three days ago.")
    d3_7 = serializers.IntegerField()
    d7_30 = serializers.IntegerField()
    over_30d = serializers.IntegerField()


class IncidentGradeRowOutput(serializers.Serializer):
    grade = serializers.ChoiceField(choices=Grade.choices, allow_blank=True, help_text="Empty: not graded yet.")
    total = serializers.IntegerField(help_text="Open incidents now.")
    by_status = serializers.DictField(child=serializers.IntegerField(), help_text="Per step (status) of the incident.")


class InspectionRowOutput(serializers.Serializer):
    project = serializers.IntegerField(source="project_id")
    project_name = serializers.CharField(source="project__name")
    organisation_name = serializers.CharField(source="project__organisation__name")
    due = serializers.IntegerField(help_text="Open, due within 30 days.")
    overdue = serializers.IntegerField(help_text="Open, due before today.")


class ExpiringWarrantyOutput(serializers.Serializer):
    id = serializers.IntegerField()
    project = serializers.IntegerField(source="project_id")
    project_name = serializers.CharField(source="project.name")
    organisation_name = serializers.CharField(source="project.organisation.name")
    asset = serializers.IntegerField(source="asset_id", allow_null=True)
    asset_name = serializers.SerializerMethodField()
    terms_name = serializers.CharField(source="terms.name")
    start_date = serializers.DateField()
    end_date = serializers.DateField(help_text="The last day covered.")
    days_left = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField(help_text="The warranty's page.")

    def get_asset_name(self, warranty) -> str:
        return f"{warranty.asset.name} {warranty.asset.version}".strip() if warranty.asset_id else ""

    def get_days_left(self, warranty) -> int:
        return (warranty.end_date - self.context["today"]).days

    def get_url(self, warranty) -> str:
        return site_url(reverse("maintenance:warranty_detail", args=[warranty.pk]))


class ExpiringWarrantyListOutput(serializers.Serializer):
    total = serializers.IntegerField()
    rows = ExpiringWarrantyOutput(many=True, help_text=f"The {LISTED} ending soonest.")


class SatisfactionRowOutput(serializers.Serializer):
    month = serializers.DateField(help_text="The month's first day.")
    tickets_count = serializers.IntegerField(help_text="Rated tickets resolved in the month.")
    tickets_mean = serializers.FloatField(allow_null=True, help_text="Their mean rating, 1 to 5.")
    return_visits_count = serializers.IntegerField()
    return_visits_mean = serializers.FloatField(allow_null=True)
    training_count = serializers.IntegerField(help_text="Feedback on sessions held in the month.")
    training_mean = serializers.FloatField(allow_null=True)


class DeflectionRowOutput(serializers.Serializer):
    month = serializers.DateField(help_text="The month's first day.")
    solved_count = serializers.IntegerField(help_text="Problems an article solved without a ticket.")
    filed_count = serializers.IntegerField(help_text="Tickets received.")
    rate = serializers.FloatField(allow_null=True, help_text="solved ÷ (solved + filed) in percent.")


class OpenReviewActionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    incident = serializers.IntegerField(source="incident_id")
    incident_reference = serializers.CharField(source="incident.reference")
    description = serializers.CharField()
    owner = serializers.IntegerField(source="owner_id")
    owner_name = serializers.SerializerMethodField()
    due_date = serializers.DateField()
    overdue_days = serializers.SerializerMethodField(help_text="Days past the due date; 0 while not due.")
    url = serializers.SerializerMethodField(help_text="The incident's page.")

    def get_owner_name(self, action) -> str:
        return action.owner.get_full_name() or action.owner.username

    def get_overdue_days(self, action) -> int:
        return max((self.context["today"] - action.due_date).days, 0)

    def get_url(self, action) -> str:
        return site_url(reverse("emergency:detail", args=[action.incident_id]))


class OpenReviewActionListOutput(serializers.Serializer):
    total = serializers.IntegerField()
    rows = OpenReviewActionOutput(many=True, help_text=f"The {LISTED} due soonest.")


class DashboardOutput(_FromTo):
    organisation = serializers.IntegerField(source="organisation_id", allow_null=True)
    project = serializers.IntegerField(source="project_id", allow_null=True)
    priority = serializers.ChoiceField(choices=Priority.choices, allow_blank=True)
    attainment = AttainmentRowOutput(many=True, help_text="One row per metric over the period.")
    attainment_by_month = AttainmentRowOutput(many=True)
    breaches = BreachListOutput()
    backlog = BacklogRowOutput(many=True, help_text="Open tickets now by priority and age (the period does not apply).")
    incidents_by_grade = IncidentGradeRowOutput(many=True, help_text="Open incidents now, the most serious first.")
    inspections = InspectionRowOutput(many=True, help_text="Projects with inspections due or overdue now.")
    warranties_expiring = ExpiringWarrantyListOutput()
    satisfaction = SatisfactionRowOutput(many=True, help_text="Every month of the period.")
    deflection = DeflectionRowOutput(many=True, help_text="Every month of the period.")
    review_actions = OpenReviewActionListOutput(
        allow_null=True,
        help_text="Improvement actions of incident reviews not done yet, the earliest due first: the vendor's "
        "working notes, so staff only (null for a customer).",
    )


# --- views ----------------------------------------------------------------------------------


@extend_schema(tags=["reports"], parameters=[*FILTER_PARAMETERS, GROUP_PARAMETER], responses={200: SLAReportOutput})
class SLAReportView(APIView):
    """SLA attainment per metric (first response, on-site arrival, update, resolution) of the clocks
    of the tickets received in the period, with the mean and 90th percentile of working and
    wall time, optionally by priority, organisation, project, engineer or month."""

    def get(self, request):
        report, group_by = report_filter(request, grouped=True)
        now = timezone.now()
        rows = selectors.ever_breached_add(report, group_by, selectors.attainment(report, group_by, now=now), now=now)
        rows = attainment_rows(report, group_by, now=now, rows=rows)
        return Response(
            SLAReportOutput({"start": report.start, "end": report.end, "group_by": group_by, "rows": rows}).data
        )


@extend_schema(tags=["reports"], parameters=FILTER_PARAMETERS, responses={200: DashboardOutput})
class DashboardReportView(APIView):
    """Every figure of the SLA dashboard at once: attainment overall and by month, the
    breaches, the backlog by age, open incidents by grade, inspections due, warranties
    expiring, satisfaction and knowledge-base deflection per month, and (staff) the open
    improvement actions of incident reviews."""

    def get(self, request):
        report, _group_by = report_filter(request)
        now, today = timezone.now(), desk_today()
        breaches = selectors.breaches(report, now=now)
        # the tiles and the months in one attainment query; its breached clocks are the breaches'
        overall, by_month = selectors.attainment_sets(report, "month", now=now)
        selectors.ever_breached_add(report, "month", by_month, now=now, overall=overall)
        warranties = selectors.warranties_expiring(report, today=today)
        statuses = selectors.OPEN_INCIDENT_STEPS
        document = {
            "start": report.start,
            "end": report.end,
            "organisation_id": report.organisation_id,
            "project_id": report.project_id,
            "priority": report.priority,
            "attainment": attainment_rows(report, None, now=now, rows=overall),
            "attainment_by_month": attainment_rows(report, "month", now=now, rows=by_month),
            "breaches": {"total": sum(row["breached"] for row in overall), "rows": list(breaches[:LISTED])},
            "backlog": selectors.backlog(report, now=now),
            "incidents_by_grade": [
                {
                    "grade": row["grade"],
                    "total": row["total"],
                    "by_status": {status: row[status] for status in statuses},
                }
                for row in selectors.incidents_by_grade(report)
            ],
            "inspections": selectors.inspections(report, today=today),
            "warranties_expiring": {"total": warranties.count(), "rows": list(warranties[:LISTED])},
            "satisfaction": selectors.satisfaction(report),
            "deflection": selectors.deflection(report),
            "review_actions": None,
        }
        if request.user.is_staff_member:
            actions = selectors.open_review_actions(report)
            document["review_actions"] = {"total": actions.count(), "rows": list(actions[:LISTED])}
        return Response(DashboardOutput(document, context={"now": now, "today": today}).data)
