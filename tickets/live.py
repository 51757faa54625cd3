"""The reads behind the live pages (docs/keyboard-and-live-updates.md): what a ticket page or the
queue has not shown yet, and which of it should stop a reply from going out unread.

Every answer is scoped like the pages (``accounts.scoping.scope_to_user``): a customer reads only
their organisation's tickets and only the public part of their history.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Max, OuterRef, QuerySet, Subquery
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.scoping import scope_to_user
from tickets import presenters, selectors
from tickets.models import Ticket, TicketEvent

Kind = TicketEvent.Kind

# What makes a reply written before it possibly wrong: someone else answered, noted, moved the
# ticket on or took it over. An SLA warning or a CC change does not.
STALE_KINDS = frozenset({Kind.REPLY, Kind.NOTE, Kind.STATUS, Kind.ASSIGNED, Kind.MERGED})

# How far back the queue's question looks before the moment it was last asked: an event is
# stamped when it is written and seen when its transaction commits, a little later.
QUEUE_LAG = datetime.timedelta(seconds=3)
QUEUE_MAX_CHANGED = 200


def visible_events(user: User) -> QuerySet[TicketEvent]:
    """The history rows ``user`` may read: staff all of them, a customer the public ones of their
    organisation's tickets."""
    events = scope_to_user(TicketEvent.objects.all(), user, organisation_field="ticket__organisation")
    return events.filter(public=True) if user.is_customer else events


def last_event_id(*, user: User, ticket_id: int) -> int:
    """The id of the newest history row of the ticket that ``user`` may read (0: none), in one
    query; 404 when the ticket is outside the user's scope."""
    newest = visible_events(user).filter(ticket=OuterRef("pk")).order_by("-pk").values("pk")[:1]
    row = (
        scope_to_user(Ticket.objects.all(), user)
        .filter(pk=ticket_id)
        .annotate(newest=Subquery(newest))
        .values_list("newest", flat=True)
    )
    found = list(row)
    if not found:
        raise Http404
    return found[0] or 0


def seen_of(timeline: list[TicketEvent]) -> int:
    """The newest entry a rendered timeline shows: what the reader has seen."""
    return max((event.pk for event in timeline), default=0)


def warns(event: TicketEvent, *, user: User) -> bool:
    """Whether ``event`` should stop ``user``'s reply written before it: another person's
    reply, note, status change or assignment."""
    return event.kind in STALE_KINDS and event.actor_id != user.pk


@dataclass
class Entry:
    event: TicketEvent
    warns: bool
    announcement: str


def announcement(event: TicketEvent) -> str:
    """What a screen reader hears of a new entry, in the active language."""
    name = str(event.actor) if event.actor_id else _("the system")
    if event.kind == Kind.REPLY:
        return _("New reply from %(name)s") % {"name": name}
    if event.kind == Kind.NOTE:
        return _("New internal note from %(name)s") % {"name": name}
    if event.kind == Kind.STATUS:
        return _("Status changed to %(status)s") % {"status": presenters.status_label(event.data.get("new"))}
    if event.kind == Kind.PRIORITY:
        return _("Priority changed to %(priority)s") % {"priority": presenters.priority_label(event.data.get("new"))}
    return presenters.event_line(event)


def entries_since(*, ticket: Ticket, user: User, since: int) -> list[Entry]:
    """The timeline entries after ``since`` that ``user`` may read, as the ticket page shows them
    (``selectors.ticket_timeline``: the same visibility, replies and files riding along)."""
    timeline = selectors.ticket_timeline(ticket=ticket, user=user)
    return [
        Entry(event=event, warns=warns(event, user=user), announcement=announcement(event))
        for event in timeline
        if event.pk > since
    ]


def stale_entries(*, ticket: Ticket, user: User, seen: int) -> list[Entry]:
    """What a reply written after seeing entry ``seen`` has not seen and should: empty when it
    may go. One cheap query when nothing is newer."""
    if not visible_events(user).filter(ticket=ticket, pk__gt=seen, kind__in=STALE_KINDS).exclude(actor=user).exists():
        return []
    return [entry for entry in entries_since(ticket=ticket, user=user, since=seen) if entry.warns]


def queue_changes(*, user: User, since: datetime.datetime) -> dict[int, int]:
    """The tickets in ``user``'s scope with history written after ``since`` (a little before, see
    ``QUEUE_LAG``), each with the id of its newest such row (its version): one query on the
    events' time index, at most ``QUEUE_MAX_CHANGED`` tickets."""
    rows = (
        visible_events(user)
        .filter(created_at__gt=since - QUEUE_LAG)
        .values("ticket_id")
        .annotate(version=Max("pk"))
        .order_by("-version")[:QUEUE_MAX_CHANGED]
    )
    return {row["ticket_id"]: row["version"] for row in rows}
