"""Time entries on an incident: recorded by staff, changed or deleted by their author or a
manager, each write with an internal note on the incident's timeline in the same transaction.
The rules of an entry (whole minutes from 1 to 1440, not in the future) are the tickets'
(``tickets.services.time_entry_check``). Incident time is not billed as labour: billing follows
a ticket's coverage."""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import NotAllowed, ServiceDeskError
from emergency.models import IncidentTimeEntry
from emergency.services.common import Kind, _entry, _lock
from tickets.services import minutes_label, time_entry_assign, time_entry_check, time_entry_require_changer


def _require_staff(actor: User) -> None:
    if not actor.is_staff_member:
        raise NotAllowed(_("Only staff record time."))


def _note(entry: IncidentTimeEntry, actor: User, change: str) -> None:
    _entry(
        entry.incident,
        actor,
        Kind.NOTE,
        public=False,
        text=_("Time recorded: %(time)s") % {"time": minutes_label(entry.minutes)}
        if change != "deleted"
        else _("Time entry deleted: %(time)s") % {"time": minutes_label(entry.minutes)},
        time_entry=entry.pk,
        minutes=entry.minutes,
        billable=entry.billable,
        change=change,
    )


@transaction.atomic
def incident_time_entry_add(
    *,
    actor: User,
    incident_id: int,
    minutes: int,
    worked_at: datetime.datetime | None = None,
    billable: bool = False,
    note: str = "",
) -> IncidentTimeEntry:
    """Record time spent on an incident (staff)."""
    _require_staff(actor)
    incident = _lock(incident_id)
    entry = IncidentTimeEntry(
        incident=incident,
        engineer=actor,
        minutes=minutes,
        worked_at=worked_at or timezone.now(),
        billable=bool(billable),
        note=(note or "").strip(),
    )
    time_entry_check(entry, opened_at=entry.incident.reported_at, exclude=["incident"])
    entry.save()
    _note(entry, actor, "added")
    return entry


def _for_update(entry_id: int, incident_id: int | None) -> IncidentTimeEntry:
    entries = IncidentTimeEntry.objects.all()
    if incident_id is not None:
        entries = entries.filter(incident_id=incident_id)
    found = entries.filter(pk=entry_id).values_list("incident_id", flat=True).first()
    if found is None:
        raise ServiceDeskError(_("No such time entry on this incident."), field="entry")
    incident = _lock(found)
    entry = IncidentTimeEntry.objects.select_for_update().get(pk=entry_id)
    entry.incident = incident
    return entry


@transaction.atomic
def incident_time_entry_update(
    *,
    actor: User,
    entry_id: int,
    incident_id: int | None = None,
    minutes: int | None = None,
    worked_at: datetime.datetime | None = None,
    billable: bool | None = None,
    note: str | None = None,
) -> IncidentTimeEntry:
    _require_staff(actor)
    entry = _for_update(entry_id, incident_id)
    time_entry_require_changer(entry, actor)
    time_entry_assign(entry, minutes=minutes, worked_at=worked_at, billable=billable, note=note)
    time_entry_check(entry, opened_at=entry.incident.reported_at, exclude=["incident"])
    entry.save()
    _note(entry, actor, "changed")
    return entry


@transaction.atomic
def incident_time_entry_delete(*, actor: User, entry_id: int, incident_id: int | None = None) -> None:
    _require_staff(actor)
    entry = _for_update(entry_id, incident_id)
    time_entry_require_changer(entry, actor)
    _note(entry, actor, "deleted")
    entry.delete()
