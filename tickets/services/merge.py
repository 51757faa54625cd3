"""Merging one ticket into another: the twenty reports of one outage become one ticket.

``ticket_merge(actor=, ticket=, into=)`` (staff only) moves the merged ticket's replies and
notes (authors, times and public/internal kept), its attachments and its CC addresses to the
survivor, closes the merged ticket with ``merged_into`` pointing to the survivor, cancels its
undecided SLA clocks (neither met nor breached: ``SLAClock.cancelled_at``) and tells its reporter
where it continues. The history stays append-only: the merged ticket gets a MERGED event, the
survivor a MERGED_IN event and one reply or note event per moved comment, so the comment shows
in the survivor's history; no existing event is changed.

Refused (``ServiceDeskError`` on ``into``, nothing written): a merge across organisations, into
itself, into a closed ticket (a merged ticket is closed: the message names the ticket it
continues in), and of a ticket already closed or merged.
"""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import User
from core.errors import NotAllowed, ServiceDeskError
from notifications.models import Reason
from tickets import sla
from tickets.models import Attachment, Comment, SLAClock, Ticket, TicketEvent
from tickets.services.common import Status, _event, _lock, _notify, clean_cc

MAX_CHAIN = 50  # how far the message follows merged tickets to name the one it continues in


def merge_end(ticket: Ticket) -> Ticket:
    """The ticket a merged ticket finally continues in (itself when it was not merged)."""
    seen = 0
    while ticket.merged_into_id is not None and seen < MAX_CHAIN:
        ticket = Ticket.objects.only("pk", "reference", "merged_into").get(pk=ticket.merged_into_id)
        seen += 1
    return ticket


def _check(ticket: Ticket, into: Ticket) -> None:
    if ticket.organisation_id != into.organisation_id:
        raise ServiceDeskError(
            _("A merge across organisations is refused: %(reference)s belongs to another organisation.")
            % {"reference": into.reference},
            field="into",
        )
    if ticket.merged_into_id is not None:
        raise ServiceDeskError(
            _("%(reference)s was already merged into %(into)s.")
            % {"reference": ticket.reference, "into": merge_end(ticket).reference},
            field="into",
        )
    if ticket.status == Status.CLOSED:
        raise ServiceDeskError(
            _("%(reference)s is closed; reopen it before merging it.") % {"reference": ticket.reference},
            field="into",
        )
    if into.merged_into_id is not None:
        raise ServiceDeskError(
            _("%(reference)s was merged into %(end)s: merge into %(end)s instead.")
            % {"reference": into.reference, "end": merge_end(into).reference},
            field="into",
        )
    if into.status == Status.CLOSED:
        raise ServiceDeskError(
            _("%(reference)s is closed: a ticket cannot be merged into a closed ticket.")
            % {"reference": into.reference},
            field="into",
        )


def clocks_cancel(*, ticket: Ticket, at: datetime.datetime, actor: User | None = None) -> list[SLAClock]:
    """Stop the ticket's undecided clocks at ``at`` without a verdict: each is marked
    ``cancelled_at`` (and ``stopped_at``, so the deadline watch and its queued tasks see it
    stopped: ``version`` moves, the escalation chain ends). A clock already breached, or past its
    due moment at ``at``, keeps its breach and stops as breached: a merge hides no missed target."""
    cancelled = []
    for clock in SLAClock.objects.select_related("calendar").filter(ticket=ticket, stopped_at__isnull=True):
        if clock.paused_at is not None:
            clock.paused_seconds += sla._working_seconds(clock, clock.paused_at, at)
            clock.paused_at = None
            sla._recompute(clock)
        decided = clock.breached_at is not None or at > clock.due_at
        if decided:
            sla.clock_stop(ticket=ticket, metric=clock.metric, at=at, actor=actor)
            continue
        clock.stopped_at = clock.cancelled_at = at
        clock.working_seconds = max(0, sla._working_seconds(clock, clock.started_at, at) - clock.paused_seconds)
        clock.escalation_next_at = None
        clock.version += 1
        clock.save()
        _event(
            ticket,
            actor,
            TicketEvent.Kind.CLOCK_STOPPED,
            metric=clock.metric,
            due_at=clock.due_at.isoformat(),
            stopped_at=at.isoformat(),
            cancelled=True,
        )
        cancelled.append(clock)
    sla.ticket_refresh_next_due(ticket)
    return cancelled


def _move(ticket: Ticket, into: Ticket, actor: User) -> dict[str, int]:
    """The comments and attachments go to ``into``; each moved comment gets its reply or note
    event on the survivor (its own time and author are the comment's)."""
    comments = list(Comment.objects.filter(ticket=ticket).order_by("created_at", "pk"))
    Comment.objects.filter(pk__in=[comment.pk for comment in comments]).update(ticket=into)
    moved_files = Attachment.objects.filter(ticket=ticket).update(ticket=into)
    TicketEvent.objects.bulk_create(
        [
            TicketEvent(
                ticket=into,
                actor=comment.author,
                kind=TicketEvent.Kind.REPLY if comment.public else TicketEvent.Kind.NOTE,
                public=comment.public,
                data={"comment": comment.pk, "merged_from": ticket.reference},
            )
            for comment in comments
        ]
    )
    return {"comments": len(comments), "attachments": moved_files}


@transaction.atomic
def ticket_merge(*, actor: User, ticket: Ticket, into: Ticket, at: datetime.datetime | None = None) -> Ticket:
    """Merge ``ticket`` into ``into`` (see the module). Returns the merged ticket, closed."""
    if not actor.is_staff_member:
        raise NotAllowed(_("Only staff may merge tickets."))
    if ticket.pk == into.pk:
        raise ServiceDeskError(_("A ticket cannot be merged into itself."), field="into")
    # both rows locked, in the order of their ids (two merges the other way round wait, not deadlock)
    locked = {pk: _lock(pk) for pk in sorted((ticket.pk, into.pk))}
    ticket, into = locked[ticket.pk], locked[into.pk]
    _check(ticket, into)
    at = at or timezone.now()

    moved = _move(ticket, into, actor)
    cc = list(into.cc)
    for address in [*ticket.cc, ticket.reporter.email if ticket.reporter_id != into.reporter_id else ""]:
        if address and address.lower() not in cc and address.lower() != into.reporter.email.lower():
            cc.append(address)
    cc = clean_cc(cc)
    if cc != into.cc:
        old, into.cc = into.cc, cc
        into.save(update_fields=["cc", "updated_at"])
        _event(into, actor, TicketEvent.Kind.CC, public=True, old=old, new=cc)

    clocks_cancel(ticket=ticket, at=at, actor=actor)
    previous = ticket.status
    ticket.status, ticket.closed_at, ticket.merged_into = Status.CLOSED, at, into
    ticket.save(update_fields=["status", "closed_at", "merged_into", "updated_at"])
    _event(ticket, actor, TicketEvent.Kind.STATUS, old=previous, new=Status.CLOSED, merged=True)
    merged = _event(
        ticket, actor, TicketEvent.Kind.MERGED, into=into.pk, reference=into.reference, title=into.title, **moved
    )
    _event(
        into,
        actor,
        TicketEvent.Kind.MERGED_IN,
        merged=ticket.pk,
        reference=ticket.reference,
        title=ticket.title,
        **moved,
    )
    _notify(
        ticket,
        [ticket.reporter],
        gettext_noop("[%(reference)s] Continued in %(survivor)s: %(title)s"),
        "notifications/email/ticket_merged.txt",
        event=f"event:{merged.pk}",
        reason=Reason.TICKET_STATUS,
        survivor=into.reference,
        survivor_title=into.title,
    )
    return ticket


def tickets_merge(*, actor: User, tickets: list[Ticket], into: Ticket) -> tuple[list[Ticket], list[tuple[Ticket, str]]]:
    """Merge each of ``tickets`` into ``into`` (the queue's bulk action), in one transaction,
    each merge in its own savepoint: returns the merged tickets and the refused ones with the
    reason. ``into`` itself, if among them, is left out."""
    done: list[Ticket] = []
    refused: list[tuple[Ticket, str]] = []
    with transaction.atomic():
        for ticket in tickets:
            if ticket.pk == into.pk:
                continue
            try:
                done.append(ticket_merge(actor=actor, ticket=ticket, into=into))
            except ServiceDeskError as error:
                refused.append((ticket, error.message))
    return done, refused
