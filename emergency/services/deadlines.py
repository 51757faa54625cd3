"""The response and recovery targets: breaches marked and told once."""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from accounts.models import Team
from accounts.selectors import team_members
from emergency.models import (
    Incident,
)
from emergency.services.common import Kind, Status, _entry, _message
from notifications.services import notify


def incident_deadlines(now: datetime.datetime | None = None) -> int:
    """Mark every response or recovery target that passed unmet, once, and tell the leadership
    group and the people assigned at once. Runs every minute from beat."""
    now = now or timezone.now()
    marked = 0
    for target in ("response", "recovery"):
        done = "responded_at" if target == "response" else "recovered_at"
        due_ids = list(
            Incident.objects.filter(**{f"{target}_due_at__lte": now, done: None, f"{target}_breached_at": None})
            .exclude(status=Status.CLOSED)
            .values_list("pk", flat=True)[:500]
        )
        for pk in due_ids:
            marked += _breach(pk, target, now)
    return marked


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
    subject = (
        gettext_noop("[%(reference)s] Response target breached: %(title)s")
        if target == "response"
        else gettext_noop("[%(reference)s] Recovery target breached: %(title)s")
    )
    notify(
        users=list(team_members(kind=Team.Kind.LEADERSHIP)) + list(incident.responders.all()),
        teams=Team.objects.filter(is_active=True, kind=Team.Kind.LEADERSHIP),
        key=f"incident:{incident.pk}:breach:{target}:{due.timestamp():.0f}",
        message=_message(incident, subject, urgent=True),
    )
    return 1
