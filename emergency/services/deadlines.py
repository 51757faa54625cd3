"""The response, recovery and on-site arrival targets: breaches marked and told once, and the
escalation chain of an unanswered response stepped on."""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from accounts.models import Team
from accounts.selectors import team_members
from emergency.models import Incident, IncidentDispatch
from emergency.services.common import Kind, Status, _entry, _message
from emergency.services.escalation import alert_message, chain_advance, chain_start
from notifications.models import Reason
from notifications.services import notify

BATCH = 500


def incident_deadlines(now: datetime.datetime | None = None) -> int:
    """Mark every response, recovery or arrival target that passed unmet, once, tell the
    leadership group and the people assigned at once, and take the escalation steps due. Runs
    every minute from beat; running it twice, or two at a time, marks and tells nothing twice.
    Returns the number of breaches marked and steps taken."""
    now = now or timezone.now()
    marked = 0
    for target in ("response", "recovery"):
        done = "responded_at" if target == "response" else "recovered_at"
        due_ids = list(
            Incident.objects.filter(**{f"{target}_due_at__lte": now, done: None, f"{target}_breached_at": None})
            .exclude(status=Status.CLOSED)
            .values_list("pk", flat=True)[:BATCH]
        )
        for pk in due_ids:
            marked += _breach(pk, target, now)
    arrivals = list(
        IncidentDispatch.objects.filter(arrival_due_at__lte=now, arrived_at=None, arrival_breached_at=None)
        .exclude(incident__status=Status.CLOSED)
        .values_list("pk", flat=True)[:BATCH]
    )
    for pk in arrivals:
        marked += _arrival_breach(pk, now)
    for pk in Incident.objects.filter(escalation_next_at__lte=now).values_list("pk", flat=True)[:BATCH]:
        marked += _escalate(pk, now)
    return marked


def _recipients(incident: Incident) -> list:
    return list(team_members(kind=Team.Kind.LEADERSHIP)) + list(incident.responders.all())


@transaction.atomic
def _breach(incident_id: int, target: str, now: datetime.datetime) -> int:
    incident = Incident.objects.select_for_update(skip_locked=True).filter(pk=incident_id).first()
    done = incident and getattr(incident, "responded_at" if target == "response" else "recovered_at")
    if incident is None or done or getattr(incident, f"{target}_breached_at") or not incident.is_open:
        return 0
    due = getattr(incident, f"{target}_due_at")
    if due is None or due > now:
        return 0
    setattr(incident, f"{target}_breached_at", now)
    incident.save(update_fields=[f"{target}_breached_at", "updated_at"])
    _entry(incident, None, Kind.BREACH, target=target, due_at=due.isoformat())
    key = f"incident:{incident.pk}:breach:{target}:{due.timestamp():.0f}"
    teams = Team.objects.filter(is_active=True, kind=Team.Kind.LEADERSHIP)
    if target == "response":
        # unanswered: the leadership group at once (urgent: quiet hours do not hold it), each
        # with the link that acknowledges; then the escalation chain
        subject = gettext_noop("[%(reference)s] Response target breached: %(title)s")
        message = alert_message(incident, subject, reason=Reason.INCIDENT)
        notify(users=_recipients(incident), teams=teams, key=key, message=message)
        chain_start(incident)
        if incident.escalation_next_at is not None and incident.escalation_next_at <= now:
            return 1 + chain_advance(incident, now)
    else:
        subject = gettext_noop("[%(reference)s] Recovery target breached: %(title)s")
        notify(users=_recipients(incident), teams=teams, key=key, message=_message(incident, subject, urgent=True))
    return 1


@transaction.atomic
def _arrival_breach(dispatch_id: int, now: datetime.datetime) -> int:
    dispatch = (
        IncidentDispatch.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("incident", "engineer")
        .filter(pk=dispatch_id)
        .first()
    )
    if dispatch is None or dispatch.arrived_at or dispatch.arrival_breached_at or not dispatch.incident.is_open:
        return 0
    if dispatch.arrival_due_at is None or dispatch.arrival_due_at > now:
        return 0
    dispatch.arrival_breached_at = now
    dispatch.save(update_fields=["arrival_breached_at"])
    incident = dispatch.incident
    _entry(
        incident,
        None,
        Kind.BREACH,
        target="arrival",
        due_at=dispatch.arrival_due_at.isoformat(),
        engineer=str(dispatch.engineer),
    )
    notify(
        users=_recipients(incident),
        teams=Team.objects.filter(is_active=True, kind=Team.Kind.LEADERSHIP),
        key=f"incident:{incident.pk}:breach:arrival:{dispatch.pk}",
        message=_message(
            incident, gettext_noop("[%(reference)s] On-site arrival target breached: %(title)s"), urgent=True
        ),
    )
    return 1


@transaction.atomic
def _escalate(incident_id: int, now: datetime.datetime) -> int:
    incident = (
        Incident.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("escalation_policy", "plan")
        .filter(pk=incident_id)
        .first()
    )
    if incident is None or incident.escalation_next_at is None or incident.escalation_next_at > now:
        return 0
    return chain_advance(incident, now)
