"""What the incident services share: the row lock, timeline entries, references, grading by
the matrix, messages, the plan's clocks, resources and recipients."""

import datetime

from django.conf import settings
from django.db.models import Min
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Team, User
from core.errors import ServiceDeskError
from core.references import counter_take
from customers.models import Project
from emergency.models import (
    Grade,
    GradingRule,
    Incident,
    IncidentCounter,
    IncidentEntry,
    IncidentResource,
    ResponsePlan,
)
from notifications.models import Reason
from notifications.services import Message
from tickets.selectors import schedule_for

Status = Incident.Status


Kind = IncidentEntry.Kind


# The response process: from each step, the steps it may move to. On-site support is for
# what remote work cannot fix, so remote handling may go straight to recovered; a recovery the
# customer does not confirm goes back to remote handling.
NEXT: dict[str, tuple[str, ...]] = {
    Status.REPORTED: (Status.ASSESSED,),
    Status.ASSESSED: (Status.PLAN_ACTIVATED,),
    Status.PLAN_ACTIVATED: (Status.REMOTE_HANDLING,),
    Status.REMOTE_HANDLING: (Status.ONSITE, Status.RECOVERED),
    Status.ONSITE: (Status.RECOVERED,),
    Status.RECOVERED: (Status.VERIFIED, Status.REMOTE_HANDLING),
    Status.VERIFIED: (Status.REVIEWED,),
    Status.REVIEWED: (Status.CLOSED,),
    Status.CLOSED: (),
}


URGENT_GRADES = {Grade.URGENT, Grade.CRITICAL}


GROUP_KINDS = (Team.Kind.TECHNICAL, Team.Kind.LEADERSHIP, Team.Kind.LIAISON)


def _lock(incident_id: int) -> Incident:
    return Incident.objects.select_for_update(of=("self",)).select_related("project", "plan").get(pk=incident_id)


def _entry(incident: Incident, actor: User | None, kind: str, *, public: bool = False, text: str = "", **data):
    return IncidentEntry.objects.create(
        incident=incident, actor=actor, kind=kind, public=public, text=text, data=data, created_at=timezone.now()
    )


def _next_reference(year: int) -> str:
    return f"INC-{year}-{counter_take(IncidentCounter, year):04d}"


def can_grade(user: User) -> bool:
    """The technical group assesses; the leadership group and managers may too."""
    return (
        user.can_manage
        or user.memberships.filter(
            team__is_active=True, team__kind__in=[Team.Kind.TECHNICAL, Team.Kind.LEADERSHIP]
        ).exists()
    )


def grade_by_matrix(*, severity: str, scope: str, urgency: str) -> str:
    rule = GradingRule.objects.filter(severity=severity, scope=scope, urgency=urgency).first()
    return rule.grade if rule else ""


def _message(
    incident: Incident, subject: str, *, urgent: bool, reason: str = Reason.INCIDENT, reader_link: str = "", **context
) -> Message:
    return Message(
        reason=reason,
        subject=subject,
        template="emergency/email/incident.txt",
        context={
            "reference": incident.reference,
            "title": incident.title,
            "incident": incident,
            "grade": Grade(incident.grade).label if incident.grade else _("not graded yet"),
            "step": Status(incident.status).label,
            **context,
        },
        url=reverse("emergency:detail", args=[incident.pk]),
        reference=incident.reference,
        urgent=urgent,
        headers={"X-Service-Desk-Incident": incident.reference},
        reader_link=reader_link,
    )


def _is_urgent(incident: Incident) -> bool:
    return not incident.grade or incident.grade in URGENT_GRADES


def _customers(incident: Incident) -> list[User]:
    people = [incident.reported_by] if incident.reported_by and incident.reported_by.is_customer else []
    liaison = incident.project.customer_liaison
    return people + ([liaison] if liaison and liaison.is_active else [])


def _clock_due(plan: ResponsePlan, start: datetime.datetime, minutes: int) -> datetime.datetime:
    duration = datetime.timedelta(minutes=minutes)
    return schedule_for(plan.calendar).add(start, duration) if plan.calendar_id else start + duration


FALLBACK_RESPONSE_MINUTES = 120


def response_minutes(project: Project) -> int:
    """The emergency response target of the project: its own, else the desk's setting, else the
    shortest response target of the response plans (120 minutes without any)."""
    if project.emergency_response_minutes:
        return project.emergency_response_minutes
    if settings.EMERGENCY_RESPONSE_MINUTES > 0:
        return settings.EMERGENCY_RESPONSE_MINUTES
    strictest = ResponsePlan.objects.aggregate(minutes=Min("response_minutes"))["minutes"]
    return strictest or FALLBACK_RESPONSE_MINUTES


def _first_response_due(project: Project, reported_at: datetime.datetime) -> datetime.datetime:
    """The response clock starts at the report and counts round the clock."""
    return reported_at + datetime.timedelta(minutes=response_minutes(project))


def _tighten_response(incident: Incident, plan: ResponsePlan | None) -> None:
    """A plan's response target may bring the due moment forward, never push it back."""
    if plan is None:
        return
    due = _clock_due(plan, incident.reported_at, plan.response_minutes)
    if incident.response_due_at is None or due < incident.response_due_at:
        incident.response_due_at = due


def _start_clocks(incident: Incident, plan: ResponsePlan) -> None:
    """The plan's targets count from the moment of the report, on the plan's calendar; its
    response target only tightens the one running since the report."""
    incident.plan = plan
    _tighten_response(incident, plan)
    incident.recovery_due_at = _clock_due(plan, incident.reported_at, plan.recovery_minutes)


def _grade_plan(grade: str) -> ResponsePlan | None:
    """The grade's response plan, or None (no grade yet, or no plan for it)."""
    return ResponsePlan.objects.select_related("calendar").filter(grade=grade).first() if grade else None


def _plan_for(grade: str) -> ResponsePlan:
    plan = ResponsePlan.objects.select_related("calendar").filter(grade=grade).first()
    if plan is None:
        raise ServiceDeskError(
            _("There is no response plan for the grade %(grade)s: an administrator sets one up.")
            % {"grade": Grade(grade).label},
            field="grade",
        )
    return plan


def _allocate(incident: Incident, plan: ResponsePlan) -> None:
    have = {(r.kind, r.description) for r in incident.resources.all()}
    IncidentResource.objects.bulk_create(
        IncidentResource(
            incident=incident, position=r.position, kind=r.kind, description=r.description, quantity=r.quantity
        )
        for r in plan.resources.all()
        if (r.kind, r.description) not in have
    )


def _plan_recipients(incident: Incident, plan: ResponsePlan) -> tuple[list[User], list[Team]]:
    kinds = [
        kind
        for kind, wanted in (
            (Team.Kind.LEADERSHIP, plan.notify_leadership),
            (Team.Kind.TECHNICAL, plan.notify_technical),
            (Team.Kind.LIAISON, plan.notify_liaisons),
        )
        if wanted
    ]
    users = list(
        User.objects.filter(is_active=True, memberships__team__is_active=True, memberships__team__kind__in=kinds)
    )
    if plan.notify_managers:
        users += list(User.objects.managers())
    users += list(incident.responders.all())
    return users, list(Team.objects.filter(is_active=True, kind__in=kinds))
