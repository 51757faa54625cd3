"""The escalation chain of an unanswered incident: it runs like a ticket's, on the same
escalation policies and steps, and stops the same way (an acknowledgement, by the link in the
message or on the incident, or the response itself).

Which policy: the incident's plan's (or its grade's plan's) escalation policy; an incident not
graded yet follows the plan with the shortest response target. Each (incident, step, repetition)
is taken at most once: ``IncidentEscalationFire``'s unique constraint, written in the same
transaction as the step's notification rows, so a task run twice takes nothing twice.
"""

import datetime
import functools

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import Team, TeamMembership, User
from accounts.selectors import team_members
from core.errors import NotAllowed, ServiceDeskError
from emergency.models import Incident, IncidentEscalationFire, ResponsePlan
from emergency.services.common import Kind, Status, _entry, _grade_plan, _lock, _message
from notifications.models import Notification, Reason
from notifications.services import READER_LINK, notify
from tickets.models import EscalationPolicy, EscalationStep

Action = EscalationStep.Action
ACK_MAX_AGE = datetime.timedelta(days=7)
LEAD_POSITIONS = [TeamMembership.Position.PROJECT_LEAD, TeamMembership.Position.TECHNICAL_LEAD]


def escalation_policy_for(incident: Incident) -> EscalationPolicy | None:
    """The active policy of the incident's plan, else of its grade's plan, else (not graded yet,
    or that plan names none) of the plan with the shortest response target."""
    for plan in (incident.plan, _grade_plan(incident.grade)):
        if plan is not None and plan.escalation_policy_id:
            return plan.escalation_policy if plan.escalation_policy.is_active else None
    strictest = (
        ResponsePlan.objects.select_related("escalation_policy")
        .filter(escalation_policy__isnull=False)
        .order_by("response_minutes", "pk")
        .first()
    )
    return strictest.escalation_policy if strictest and strictest.escalation_policy.is_active else None


def reserved_escalation_policies() -> QuerySet:
    """The ids of the policies the response plans name: kept for incidents, never picked by a
    ticket's breach (registered with ``tickets.escalation`` at start-up)."""
    return ResponsePlan.objects.filter(escalation_policy__isnull=False).values("escalation_policy")


def _steps(policy: EscalationPolicy) -> list[EscalationStep]:
    return list(policy.steps.select_related("team").order_by("position", "pk"))


def chain_start(incident: Incident) -> None:
    """At the response breach (the incident locked by the caller): the first step is due its
    delay after the due moment. No policy, or one without steps: no chain."""
    policy = escalation_policy_for(incident)
    steps = _steps(policy) if policy else []
    if not steps or incident.response_due_at is None:
        return
    incident.escalation_policy, incident.escalation_position = policy, 0
    incident.escalation_next_at = incident.response_due_at + datetime.timedelta(minutes=steps[0].delay_minutes)
    incident.acknowledged_at = incident.acknowledged_by = None
    incident.save(
        update_fields=[
            "escalation_policy",
            "escalation_position",
            "escalation_next_at",
            "acknowledged_at",
            "acknowledged_by",
            "updated_at",
        ]
    )


def _ended(incident: Incident) -> bool:
    return bool(incident.acknowledged_at or incident.responded_at or incident.status == Status.CLOSED)


def chain_advance(incident: Incident, now: datetime.datetime) -> int:
    """Take every step due by ``now`` (the incident locked by the caller); returns how many."""
    policy = incident.escalation_policy
    steps = _steps(policy) if policy and policy.is_active else []
    taken = 0
    while incident.escalation_next_at is not None and incident.escalation_next_at <= now:
        repetition, index = divmod(incident.escalation_position, len(steps) or 1)
        if not steps or _ended(incident) or repetition > policy.repeat_count:
            incident.escalation_next_at = None
            break
        taken += _take(incident, steps[index], repetition, now)
        incident.escalation_position += 1
        repetition, index = divmod(incident.escalation_position, len(steps))
        if repetition > policy.repeat_count:
            incident.escalation_next_at = None
        else:
            delay = steps[index].delay_minutes + (policy.repeat_after_minutes if index == 0 else 0)
            incident.escalation_next_at += datetime.timedelta(minutes=delay)
    incident.save(update_fields=["escalation_position", "escalation_next_at", "updated_at"])
    return taken


def _take(incident: Incident, step: EscalationStep, repetition: int, now: datetime.datetime) -> int:
    try:
        with transaction.atomic():
            IncidentEscalationFire.objects.create(incident=incident, step=step, repetition=repetition, fired_at=now)
    except IntegrityError:
        return 0  # taken already by another attempt
    users, teams = _recipients(incident, step)
    _entry(
        incident,
        None,
        Kind.ESCALATED,
        action=step.action,
        step=step.position,
        repetition=repetition,
        recipients=[str(user) for user in users],
    )
    if users or teams:
        notify(
            users=users,
            teams=teams,
            key=f"incident:{incident.pk}:escalation:{step.pk}:{repetition}",
            message=alert_message(
                incident, gettext_noop("[%(reference)s] Escalation: response target breached: %(title)s")
            ),
        )
    return 1


def _recipients(incident: Incident, step: EscalationStep) -> tuple[list[User], list[Team]]:
    """Whom a step tells, in an incident's terms: the people assigned are its assignee, the
    technical group's leads its team lead. Raising a priority or opening an incident means
    nothing here: those steps are recorded and tell nobody."""
    if step.action == Action.NOTIFY_ASSIGNEE:
        return list(incident.responders.filter(is_active=True)), []
    if step.action == Action.NOTIFY_TEAM and step.team_id:
        return list(team_members(slug=step.team.slug)), [step.team]
    if step.action == Action.NOTIFY_GROUP and step.group:
        return list(team_members(kind=step.group)), list(Team.objects.filter(is_active=True, kind=step.group))
    if step.action == Action.NOTIFY_TEAM_LEAD:
        members = team_members(kind=Team.Kind.TECHNICAL)
        leads = members.filter(memberships__position__in=LEAD_POSITIONS)
        return list(leads if leads.exists() else members), []
    if step.action == Action.NOTIFY_MANAGERS:
        return list(User.objects.managers()), []
    if step.action == Action.NOTIFY_LIAISON:
        from emergency.rotas import on_duty_users

        return list(on_duty_users(timezone.now())), list(Team.objects.filter(is_active=True, kind=Team.Kind.LIAISON))
    return [], []


def alert_message(incident: Incident, subject: str, reason: str = Reason.ESCALATION):
    """A breach or escalation notice: urgent (quiet hours do not hold it), with each reader's
    own acknowledgement link."""
    return _message(
        incident,
        subject,
        urgent=True,
        reason=reason,
        reader_link=_acknowledge_base(),
        acknowledge_link=READER_LINK,
    )


@transaction.atomic
def incident_acknowledge(*, incident_id: int, actor: User) -> Incident:
    """Someone takes the escalation of an unanswered incident: no further steps are taken, and
    the timeline and the people told so far learn who and when."""
    if not actor.is_staff_member:
        raise NotAllowed(_("Only staff acknowledge an escalation."))
    incident = _lock(incident_id)
    if not incident.response_breached_at or _ended(incident):
        raise ServiceDeskError(_("Nothing on this incident is escalating."))
    incident.acknowledged_at, incident.acknowledged_by = timezone.now(), actor
    incident.escalation_next_at = None
    incident.save(update_fields=["acknowledged_at", "acknowledged_by", "escalation_next_at", "updated_at"])
    entry = _entry(incident, actor, Kind.ACKNOWLEDGED)
    told = User.objects.filter(
        pk__in=Notification.objects.filter(key__startswith=f"incident:{incident.pk}:escalation:").values("recipient")
    ).exclude(pk=actor.pk)
    notify(
        users=told,
        key=f"incident:{incident.pk}:entry:{entry.pk}",
        message=_message(
            incident,
            gettext_noop("[%(reference)s] Escalation acknowledged: %(title)s"),
            urgent=False,
            reason=Reason.ACKNOWLEDGED,
        ),
    )
    return incident


def acknowledge_reader(token: str) -> tuple[Incident, User] | None:
    """Whose acknowledgement link this is, and for which incident: the breach or escalation
    notice that carries ``token``, not older than a week, its recipient still active."""
    notice = (
        Notification.objects.filter(
            token=token,
            reason__in=[Reason.ESCALATION, Reason.INCIDENT],
            key__startswith="incident:",
            created_at__gte=timezone.now() - ACK_MAX_AGE,
            recipient__is_active=True,
        )
        .exclude(token="")
        .select_related("recipient")
        .first()
    )
    if notice is None or not (":escalation:" in notice.key or ":breach:response:" in notice.key):
        return None
    incident_id = notice.key.split(":")[1]
    incident = Incident.objects.filter(pk=int(incident_id)).first() if incident_id.isdigit() else None
    return (incident, notice.recipient) if incident else None


def _acknowledge_base() -> str:
    return _link_prefix(settings.SITE_URL.rstrip("/"))


@functools.cache
def _link_prefix(site: str) -> str:
    return site + reverse("emergency:acknowledge_link", args=["-"])[:-2]
