"""Time entries on a ticket: recorded by staff on their own or with a reply, changed or deleted
by their author or a manager. Each write appends an internal ``TIME`` event to the ticket's
history in the same transaction.

Billable labour is not the tickets' business: the apps above register handlers at start-up
(``register_time_billing``, as maintenance does in ``AppConfig.ready``) that are told, in the
same transaction, when an entry is recorded (or changed: withdrawn, then recorded again) and
when it is withdrawn; an error they raise undoes the write.
"""

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import NotAllowed, ServiceDeskError
from core.uploads import files_removed_on_failure
from tickets.models import MAX_MINUTES, Comment, TicketEvent, TimeEntry, TimeEntryBase
from tickets.presenters import register_event_line
from tickets.services.common import _event, _lock
from tickets.services.lifecycle import comment_add

# --- the billing hooks -----------------------------------------------------------------------


@dataclass(frozen=True)
class TimeBilling:
    """``recorded(entry)`` after an entry is written (or rewritten), ``withdrawn(entry)`` before
    it is deleted or rewritten: both in the write's transaction."""

    recorded: Callable[[TimeEntry], object]
    withdrawn: Callable[[TimeEntry], object]


_billing: list[TimeBilling] = []


def register_time_billing(*, recorded: Callable[[TimeEntry], object], withdrawn: Callable[[TimeEntry], object]) -> None:
    hooks = TimeBilling(recorded=recorded, withdrawn=withdrawn)
    if hooks not in _billing:
        _billing.append(hooks)


def _recorded(entry: TimeEntry) -> None:
    for hooks in _billing:
        hooks.recorded(entry)


def _withdrawn(entry: TimeEntry) -> None:
    for hooks in _billing:
        hooks.withdrawn(entry)


# --- the rules every time entry follows (tickets and incidents) ------------------------------


def time_minutes_check(minutes: object, *, field: str = "minutes") -> int:
    """Whole minutes from 1 to 1440, else a ``ServiceDeskError`` on ``field``."""
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 1 <= minutes <= MAX_MINUTES:
        raise ServiceDeskError(
            _("Enter the time spent in whole minutes, from 1 to %(maximum)d.") % {"maximum": MAX_MINUTES},
            field=field,
        )
    return minutes


def time_entry_check(entry: TimeEntryBase, *, opened_at: datetime.datetime, exclude: Iterable[str] = ()) -> None:
    """An entry about to be saved: its minutes, a valid row, worked between a day before the
    ticket or incident was received (``opened_at``: preparation the day before counts) and now."""
    time_minutes_check(entry.minutes)
    if entry.worked_at > timezone.now() + datetime.timedelta(minutes=5):
        raise ServiceDeskError(_("Time cannot be recorded for the future."), field="worked_at")
    earliest = opened_at - datetime.timedelta(days=1)
    if entry.worked_at < earliest:
        raise ServiceDeskError(
            _("Time cannot be recorded before %(date)s: the work comes after the report.")
            % {"date": formats.date_format(timezone.localtime(earliest), "SHORT_DATETIME_FORMAT")},
            field="worked_at",
        )
    try:
        entry.full_clean(exclude=["engineer", *exclude])
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise ServiceDeskError(messages[0], field=None if field == "__all__" else field) from error


def time_entry_may_change(entry: TimeEntryBase, actor: User) -> bool:
    """Its author or a manager changes or deletes an entry."""
    return actor.is_staff_member and (entry.engineer_id == actor.pk or actor.can_manage)


def time_entries_summary(entries: list[TimeEntryBase], user: User) -> dict:
    """The entries of a ticket or incident (each with ``may_change`` for ``user``) and their
    totals, counted from the rows already read (a list is short: no second query)."""
    total = billable = 0
    for entry in entries:
        entry.may_change = time_entry_may_change(entry, user)
        total += entry.minutes
        billable += entry.minutes if entry.billable else 0
    return {
        "entries": entries,
        "total_minutes": total,
        "billable_minutes": billable,
        "non_billable_minutes": total - billable,
    }


def time_entry_require_changer(entry: TimeEntryBase, actor: User) -> None:
    if not time_entry_may_change(entry, actor):
        raise NotAllowed(_("Only the engineer who recorded the time, or a manager, may change it."))


def time_entry_assign(
    entry: TimeEntryBase,
    *,
    minutes: int | None,
    worked_at: datetime.datetime | None,
    billable: bool | None,
    note: str | None,
) -> None:
    """A change to an entry: what is given (not None) replaces what it held."""
    if minutes is not None:
        entry.minutes = minutes
    if worked_at is not None:
        entry.worked_at = worked_at
    if billable is not None:
        entry.billable = bool(billable)
    if note is not None:
        entry.note = note.strip()


def _require_staff(actor: User) -> None:
    if not actor.is_staff_member:
        raise NotAllowed(_("Only staff record time."))


def minutes_label(minutes: int) -> str:
    """ "1 h 30 min", "45 min", "26 h 05 min": a total of time in the active language."""
    hours, rest = divmod(int(minutes or 0), 60)
    if hours:
        return _("%(hours)d h %(minutes)02d min") % {"hours": hours, "minutes": rest}
    return _("%(minutes)d min") % {"minutes": rest}


def _time_line(data: dict) -> str:
    """How a ``TIME`` event reads in the ticket's history."""
    words = minutes_label(data.get("minutes", 0))
    if data.get("billable"):
        words = _("%(time)s, billable") % {"time": words}
    if data.get("change") == "deleted":
        words = _("%(time)s deleted") % {"time": words}
    elif data.get("change") == "changed":
        words = _("%(time)s (changed)") % {"time": words}
    return words


register_event_line(TicketEvent.Kind.TIME, _time_line)


# --- the ticket's time entries -----------------------------------------------------------------


def _time_event(entry: TimeEntry, actor: User, change: str) -> None:
    _event(
        entry.ticket,
        actor,
        TicketEvent.Kind.TIME,
        public=False,
        entry=entry.pk,
        minutes=entry.minutes,
        billable=entry.billable,
        change=change,
    )


@transaction.atomic
def time_entry_add(
    *,
    actor: User,
    ticket_id: int,
    minutes: int,
    worked_at: datetime.datetime | None = None,
    billable: bool = False,
    note: str = "",
    engineer: User | None = None,
) -> TimeEntry:
    """Record time spent on a ticket (staff). ``engineer``: who worked, the actor by default (a
    manager may record for an engineer). Billable time reaches the billing hooks."""
    _require_staff(actor)
    engineer = engineer or actor
    if engineer != actor and not actor.can_manage:
        raise NotAllowed(_("Only a manager records time for someone else."))
    if not engineer.is_staff_member:
        raise ServiceDeskError(_("Time is recorded for engineers."), field="engineer")
    ticket = _lock(ticket_id)
    entry = TimeEntry(
        ticket=ticket,
        engineer=engineer,
        minutes=minutes,
        worked_at=worked_at or timezone.now(),
        billable=bool(billable),
        note=(note or "").strip(),
    )
    time_entry_check(entry, opened_at=entry.ticket.received_at, exclude=["ticket"])
    entry.save()
    _time_event(entry, actor, "added")
    _recorded(entry)
    return entry


def _entry_for_update(entry_id: int, ticket_id: int | None) -> TimeEntry:
    """The entry, locked after its ticket (tickets first, as every ticket write locks)."""
    entries = TimeEntry.objects.all()
    if ticket_id is not None:
        entries = entries.filter(ticket_id=ticket_id)
    found = entries.filter(pk=entry_id).values_list("ticket_id", flat=True).first()
    if found is None:
        raise ServiceDeskError(_("No such time entry on this ticket."), field="entry")
    ticket = _lock(found)
    entry = TimeEntry.objects.select_for_update().get(pk=entry_id)
    entry.ticket = ticket
    return entry


@transaction.atomic
def time_entry_update(
    *,
    actor: User,
    entry_id: int,
    ticket_id: int | None = None,
    minutes: int | None = None,
    worked_at: datetime.datetime | None = None,
    billable: bool | None = None,
    note: str | None = None,
) -> TimeEntry:
    """Change an entry (its author or a manager); its billing follows (withdrawn, recorded again)."""
    _require_staff(actor)
    entry = _entry_for_update(entry_id, ticket_id)
    time_entry_require_changer(entry, actor)
    _withdrawn(entry)
    time_entry_assign(entry, minutes=minutes, worked_at=worked_at, billable=billable, note=note)
    time_entry_check(entry, opened_at=entry.ticket.received_at, exclude=["ticket"])
    entry.save()
    _time_event(entry, actor, "changed")
    _recorded(entry)
    return entry


@transaction.atomic
def time_entry_delete(*, actor: User, entry_id: int, ticket_id: int | None = None) -> None:
    """Delete an entry (its author or a manager); its billable labour is withdrawn."""
    _require_staff(actor)
    entry = _entry_for_update(entry_id, ticket_id)
    time_entry_require_changer(entry, actor)
    _withdrawn(entry)
    _time_event(entry, actor, "deleted")
    entry.delete()


@files_removed_on_failure
@transaction.atomic
def comment_add_with_time(
    *,
    ticket_id: int,
    actor: User,
    body: str,
    public: bool = True,
    attachments: Iterable[UploadedFile] = (),
    time_minutes: int | None = None,
    billable: bool = False,
) -> Comment:
    """A reply or note (``comment_add``) and, when ``time_minutes`` is given, the time spent on
    it, in one transaction: a refused entry saves no reply, a refused reply no time."""
    if time_minutes is not None:
        _require_staff(actor)
        time_minutes_check(time_minutes, field="time_minutes")
    comment = comment_add(ticket_id=ticket_id, actor=actor, body=body, public=public, attachments=attachments)
    if time_minutes is not None:
        time_entry_add(actor=actor, ticket_id=ticket_id, minutes=time_minutes, billable=billable)
    return comment
