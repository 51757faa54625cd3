"""What a quality review holds: its period (a calendar month or quarter in the desk's time
zone) and its figures, from the same selectors as the dashboard, as JSON the PDF and the API
read."""

import datetime

from dateutil.relativedelta import relativedelta
from django.db.models import Count, Q

from customers.models import Organisation
from emergency.models import Incident
from maintenance.models import Inspection
from reports import selectors
from reports.filters import ReportFilter
from reports.models import QualityReview
from tickets.models import SLAPolicy, SLATarget
from training.models import Enrolment, TrainingSession

Period = QualityReview.Period
MONTHS = {Period.MONTH: 1, Period.QUARTER: 3}


def period_bounds(period: str, day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The month or quarter holding ``day``: its first and last day."""
    months = MONTHS[period]
    start = day.replace(day=1, month=(day.month - 1) // months * months + 1)
    return start, start + relativedelta(months=months) - datetime.timedelta(days=1)


def previous_period(period: str, today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The last month or quarter that ended before ``today``."""
    start, _end = period_bounds(period, today)
    return period_bounds(period, start - datetime.timedelta(days=1))


def _promise(organisation: Organisation) -> list[dict]:
    """The targets of the SLA policies covering the organisation's projects (the contract's
    promise), one row per policy, priority and metric."""
    projects = organisation.projects.filter(is_active=True)
    policies = {project.sla_policy_id for project in projects if project.sla_policy_id}
    if not policies or any(project.sla_policy_id is None for project in projects):
        default = SLAPolicy.objects.filter(is_default=True).values_list("pk", flat=True).first()
        if default:
            policies.add(default)
    return list(
        SLATarget.objects.filter(policy_id__in=policies)
        .order_by("policy__name", "priority", "metric")
        .values("policy__name", "priority", "metric", "minutes", "calendar__name")
    )


def figures(organisation: Organisation, start: datetime.date, end: datetime.date) -> dict:
    """The review's figures; every count comes from the database."""
    report = ReportFilter(start=start, end=end, organisation_id=organisation.pk)
    incidents = Incident.objects.filter(
        organisation=organisation, reported_at__gte=report.since, reported_at__lt=report.until
    )
    inspections = Inspection.objects.filter(
        project__organisation=organisation, completed_at__gte=report.since, completed_at__lt=report.until
    )
    sessions = TrainingSession.objects.filter(
        plan__project__organisation=organisation,
        starts_at__gte=report.since,
        starts_at__lt=report.until,
        status=TrainingSession.Status.SCHEDULED,
    )
    return {
        "attainment": selectors.attainment(report),
        "attainment_by_priority": selectors.attainment(report, "priority"),
        "promise": _promise(organisation),
        "incidents": list(
            incidents.order_by("reported_at", "pk").values(
                "pk", "reference", "title", "grade", "status", "reported_at", "recovered_at", "root_cause", "summary"
            )
        ),
        "inspections": inspections.aggregate(
            done=Count("pk", filter=Q(status=Inspection.Status.COMPLETED)),
            health_checks=Count("pk", filter=Q(status=Inspection.Status.COMPLETED, kind=Inspection.Kind.HEALTH_CHECK)),
        ),
        "trainings": list(
            sessions.order_by("starts_at", "pk")
            .values("pk", "title", "starts_at")
            .annotate(present=Count("enrolments", filter=Q(enrolments__attendance=Enrolment.Attendance.PRESENT)))
        ),
        "satisfaction": selectors.satisfaction(report),
        "open_actions": list(
            selectors.open_review_actions(report).values(
                "pk", "description", "due_date", "incident__reference", "owner__username"
            )
        ),
    }
