"""A ticket's life: filed, moved, assigned, answered, copied and rated."""

import datetime
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import Team, User
from core.errors import NotAllowed, ServiceDeskError
from core.text import one_line
from core.uploads import files_removed_on_failure, removed_on_failure
from customers.models import InstalledProduct, Project
from notifications.models import Reason
from tickets import sla
from tickets.models import Comment, Priority, Ticket, TicketEvent
from tickets.services.common import (
    Status,
    _apply_status,
    _check_files,
    _event,
    _lock,
    _notify,
    _reference_assign,
    _reference_placeholder,
    _responded,
    _save_attachments,
    clean_cc,
)


def _filed_with_key(actor: User, request_key: str) -> int | None:
    """The id of the ticket ``actor`` filed with ``request_key``, if any (the id alone: the whole
    row is read only for a repeated key)."""
    # the pair is unique: no ordering (``first()`` sorts by the model's order)
    ids = Ticket.objects.filter(created_by=actor, request_key=request_key).order_by().values_list("pk", flat=True)
    return next(iter(ids[:1]), None)


class _RequestKeyTaken(Exception):
    """The ticket's insert met the request key's constraint: a parallel retry of the same request
    committed first (raised out of the transaction, which rolls back)."""


def ticket_create(
    *,
    actor: User,
    project: Project,
    title: str,
    description: str,
    priority: str = Priority.NORMAL,
    category: str = Ticket.Category.FAULT,
    channel: str | None = None,
    received_at: datetime.datetime | None = None,
    occurred_at: datetime.datetime | None = None,
    location: str = "",
    impact: str = "",
    measures_taken: str = "",
    reporter: User | None = None,
    attachments: Iterable[UploadedFile] = (),
    request_key: str | None = None,
    cc: Iterable[str] = (),
    via_email: bool = False,
    email_thread: str = "",
    sender_verified: bool | None = None,
    asset: InstalledProduct | None = None,
) -> Ticket:
    """A new ticket. Customers file for their own organisation's projects, received now; staff
    logging a call may name the reporter and an earlier ``received_at`` (never a future one).

    ``request_key`` (the API's Idempotency-Key): the same actor sending the same key again gets
    the ticket the first request made, and nothing is filed or mailed twice.

    A new ticket comes back with the clocks it started in ``started_clocks`` (the API answers
    with them instead of reading them back); a ticket returned for a repeated key has none.
    """
    if request_key and (existing := _filed_with_key(actor, request_key)):
        return Ticket.objects.get(pk=existing)
    try:
        # The ticket's insert is not wrapped in a savepoint of its own: where this transaction
        # is the outermost (the API's, the pages'), a duplicate key rolls it back whole (nothing
        # was written before the insert); inside a caller's transaction, ``atomic`` makes the
        # savepoint it rolls back to.
        with removed_on_failure(), transaction.atomic():
            return _ticket_file(
                actor=actor,
                project=project,
                title=title,
                description=description,
                priority=priority,
                category=category,
                channel=channel,
                received_at=received_at,
                occurred_at=occurred_at,
                location=location,
                impact=impact,
                measures_taken=measures_taken,
                reporter=reporter,
                attachments=attachments,
                request_key=request_key,
                cc=cc,
                via_email=via_email,
                email_thread=email_thread,
                sender_verified=sender_verified,
                asset=asset,
            )
    except _RequestKeyTaken as taken:
        # the same key raced in from a parallel retry, which committed first
        existing = Ticket.objects.filter(created_by=actor, request_key=request_key).first()
        if existing is None:
            raise taken.__cause__ from None
        return existing


def _ticket_file(
    *,
    actor: User,
    project: Project,
    title: str,
    description: str,
    priority: str,
    category: str,
    channel: str | None,
    received_at: datetime.datetime | None,
    occurred_at: datetime.datetime | None,
    location: str,
    impact: str,
    measures_taken: str,
    reporter: User | None,
    attachments: Iterable[UploadedFile],
    request_key: str | None,
    cc: Iterable[str],
    via_email: bool,
    email_thread: str,
    sender_verified: bool | None,
    asset: InstalledProduct | None = None,
) -> Ticket:
    """``ticket_create``'s checks and writes, in its transaction."""
    now = timezone.now()
    if actor.is_customer:
        if project.organisation_id != actor.organisation_id:
            raise ServiceDeskError(_("Choose one of your organisation's projects."), field="project")
        if received_at is not None:
            raise NotAllowed(_("Only staff may set when a report was received."))
        if reporter is not None and reporter != actor:
            raise ServiceDeskError(_("Only staff may file on someone's behalf."), field="reporter")
        # what a customer files comes through the portal, or by email through the intake
        reporter, channel = actor, Ticket.Channel.EMAIL if via_email else Ticket.Channel.PORTAL
    else:
        reporter = reporter or actor
        channel = channel or Ticket.Channel.HOTLINE
        if reporter.is_customer and reporter.organisation_id != project.organisation_id:
            raise ServiceDeskError(_("The reporter is not a contact of the project's organisation."), field="reporter")
    if received_at is not None and received_at > now:
        raise ServiceDeskError(_("The report cannot have been received in the future."), field="received_at")
    if not project.is_active:
        raise ServiceDeskError(_("This project is no longer active."), field="project")
    if asset is not None and asset.project_id != project.pk:
        raise ServiceDeskError(_("Choose an asset of the ticket's project."), field="asset")
    files = _check_files(attachments)
    cc = clean_cc(cc)
    ticket = Ticket(
        organisation_id=project.organisation_id,
        project=project,
        reporter=reporter,
        channel=channel,
        category=category,
        priority=priority,
        title=one_line(title),  # the pages and the API refuse line breaks; an email's subject is folded
        description=description,
        occurred_at=occurred_at,
        location=location,
        impact=impact,
        measures_taken=measures_taken,
        received_at=received_at or now,
        created_by=actor,
        request_key=request_key or None,
        cc=cc,
        email_thread=email_thread[:998],
        sender_verified=sender_verified,
        asset=asset,
    )
    # a placeholder, unique, never committed: the yearly number is taken last (see below)
    ticket.reference = _reference_placeholder()
    # the foreign keys are rows just read and the request key's constraint is the database's
    # (``ticket_create`` answers a duplicate): their checks would each cost a query
    ticket.full_clean(
        exclude=["reference", "organisation", "project", "reporter", "created_by", "asset"], validate_constraints=False
    )
    clocks = sla.clocks_plan(ticket=ticket)
    ticket.next_due_at = sla.next_due(clocks)
    try:
        ticket.save()
    except IntegrityError as error:
        if request_key:
            raise _RequestKeyTaken from error
        raise
    _event(ticket, actor, TicketEvent.Kind.CREATED, channel=channel, priority=priority)
    _save_attachments(ticket, actor, files, comment=None, public=True)
    sla.clocks_save(ticket=ticket, clocks=clocks)
    # The yearly counter's row stays locked until commit, so every other filing waits for it:
    # taken last, it is held only for the acknowledgement's rows. The year of the series is the
    # local year of receipt (a call at 00:30 on 1 January is next year's).
    _reference_assign(ticket, timezone.localtime(ticket.received_at, ZoneInfo(settings.TIME_ZONE)).year)
    _notify(
        ticket,
        [reporter],
        gettext_noop("[%(reference)s] We received your report: %(title)s"),
        "notifications/email/ticket_created.txt",
        event="created",
        reason=Reason.TICKET_CREATED,
    )
    ticket.started_clocks = clocks
    return ticket


@transaction.atomic
def ticket_update(
    *,
    ticket_id: int,
    actor: User,
    status: str | None = None,
    priority: str | None = None,
    at: datetime.datetime | None = None,
) -> Ticket:
    """Move a ticket's status and/or priority (the API's PATCH)."""
    ticket = _lock(ticket_id)
    at = at or timezone.now()
    if priority is not None and priority != ticket.priority:
        if actor.is_customer:
            raise NotAllowed(_("Only staff may change the priority."))
        old = ticket.priority
        ticket.priority = priority
        ticket.save(update_fields=["priority", "updated_at"])
        _event(ticket, actor, TicketEvent.Kind.PRIORITY, old=old, new=priority)
        sla.clocks_retarget(ticket=ticket)
        sla.ticket_refresh_next_due(ticket)
    if status is not None:
        _apply_status(ticket, actor, status, at)
    return ticket


@transaction.atomic
def ticket_assign(*, ticket_id: int, actor: User, assignee: User | None, team: Team | None = None) -> Ticket:
    if not actor.is_staff_member:
        raise NotAllowed(_("Only staff may assign tickets."))
    if assignee is not None and (assignee.is_customer or not assignee.is_active):
        raise ServiceDeskError(_("Tickets are assigned to active engineers."), field="assignee")
    ticket = _lock(ticket_id)
    if not ticket.is_open:
        raise ServiceDeskError(_("Closed or resolved tickets cannot be reassigned; reopen first."), field="assignee")
    if (ticket.assignee_id, ticket.team_id) == (getattr(assignee, "pk", None), getattr(team, "pk", None)):
        return ticket
    ticket.assignee, ticket.team = assignee, team
    ticket.save(update_fields=["assignee", "team", "updated_at"])
    assigned = _event(
        ticket,
        actor,
        TicketEvent.Kind.ASSIGNED,
        public=False,
        assignee=getattr(assignee, "pk", None),
        assignee_name=str(assignee) if assignee else "",
        team=getattr(team, "pk", None),
        team_name=str(team) if team else "",
    )
    if assignee is not None and assignee != actor:
        _notify(
            ticket,
            [assignee],
            gettext_noop("[%(reference)s] Assigned to you: %(title)s"),
            "notifications/email/ticket_assigned.txt",
            event=f"event:{assigned.pk}",
            reason=Reason.TICKET_ASSIGNED,
        )
    return ticket


@files_removed_on_failure
@transaction.atomic
def comment_add(
    *,
    ticket_id: int,
    actor: User,
    body: str,
    public: bool = True,
    attachments: Iterable[UploadedFile] = (),
    via_email: bool = False,
    sender_verified: bool | None = None,
) -> Comment:
    """A public reply or (staff only) an internal note. A staff reply is the first response (or
    the next update: docs/sla.md), and is mailed to the reporter and the CC list; a customer's
    reply to a ticket waiting on them puts it back in progress. ``via_email``: it came by email (the history says so);
    ``sender_verified``: whether that email's sender was authenticated (shown on the reply)."""
    if not body.strip():
        raise ServiceDeskError(_("Write a message."), field="body")
    if actor.is_customer and not public:
        raise NotAllowed(_("Internal notes are for staff."))
    ticket = _lock(ticket_id)
    if ticket.status == Status.CLOSED:
        raise ServiceDeskError(_("This ticket is closed; reopen it to reply."), field="body")
    files = _check_files(attachments, ticket)
    now = timezone.now()
    comment = Comment.objects.create(
        ticket=ticket, author=actor, body=body, public=public, sender_verified=sender_verified
    )
    _event(
        ticket,
        actor,
        TicketEvent.Kind.REPLY if public else TicketEvent.Kind.NOTE,
        public=public,
        comment=comment.pk,
        **({"channel": Ticket.Channel.EMAIL} if via_email else {}),
    )
    _save_attachments(ticket, actor, files, comment=comment, public=public)
    if public and actor.is_staff_member:
        _responded(ticket, actor, now)
        sla.ticket_refresh_next_due(ticket)
        _notify(
            ticket,
            [ticket.reporter],
            gettext_noop("[%(reference)s] New reply: %(title)s"),
            "notifications/email/ticket_reply.txt",
            event=f"comment:{comment.pk}",
            reason=Reason.TICKET_REPLY,
            addresses=ticket.cc,
            written_by_person=True,
            comment=comment,
        )
    elif public:
        if ticket.status == Status.WAITING_ON_CUSTOMER:
            # the customer answered: the ticket moves on, whatever the customer may do by hand
            _apply_status(ticket, actor, Status.IN_PROGRESS, now, by_reply=True)
        _notify(
            ticket,
            [ticket.assignee],
            gettext_noop("[%(reference)s] The customer replied: %(title)s"),
            "notifications/email/ticket_reply.txt",
            event=f"comment:{comment.pk}",
            reason=Reason.TICKET_REPLY,
            comment=comment,
        )
    return comment


@transaction.atomic
def ticket_set_cc(*, ticket_id: int, actor: User, cc: Iterable[str]) -> Ticket:
    """Who else gets the public replies by email. Staff, or a contact of the ticket's organisation."""
    ticket = _lock(ticket_id)
    if actor.is_customer and actor.organisation_id != ticket.organisation_id:
        raise NotAllowed(_("Only staff may change the CC list."))
    cc = clean_cc(cc)
    if cc != ticket.cc:
        old, ticket.cc = ticket.cc, cc
        ticket.save(update_fields=["cc", "updated_at"])
        _event(ticket, actor, TicketEvent.Kind.CC, old=old, new=cc)
    return ticket


@transaction.atomic
def ticket_rate(*, ticket_id: int, actor: User, rating: int, comment: str = "") -> Ticket:
    ticket = _lock(ticket_id)
    if not actor.is_customer or actor.organisation_id != ticket.organisation_id:
        raise NotAllowed(_("The customer rates the resolution."))
    if ticket.status not in (Status.RESOLVED, Status.CLOSED):
        raise ServiceDeskError(_("A ticket is rated once it is resolved."), field="rating")
    if not 1 <= rating <= 5:
        raise ServiceDeskError(_("Rate from 1 to 5."), field="rating")
    ticket.rating, ticket.rating_comment = rating, comment
    ticket.save(update_fields=["rating", "rating_comment", "updated_at"])
    _event(ticket, actor, TicketEvent.Kind.RATED, rating=rating)
    return ticket
