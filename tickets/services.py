"""Every write to a ticket. Each function locks the ticket row, checks the rule, writes, appends
the history event in the same transaction, moves the SLA clocks, and queues the emails after
commit. A broken rule raises ``ServiceDeskError`` (400) or ``NotAllowed`` (403) and nothing
changes."""

import datetime
from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import Team, User
from core.errors import NotAllowed, ServiceDeskError
from core.references import counter_take
from core.uploads import check_upload
from customers.models import Project
from notifications.models import Reason
from notifications.services import Message, notify
from tickets import sla
from tickets.models import Attachment, Comment, Metric, OnsiteVisit, Priority, Ticket, TicketCounter, TicketEvent

Status = Ticket.Status

# The workflow. Reopening is resolved/closed -> in_progress.
TRANSITIONS: dict[str, set[str]] = {
    Status.NEW: {Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.WAITING_ON_CUSTOMER, Status.RESOLVED},
    Status.ACKNOWLEDGED: {Status.IN_PROGRESS, Status.WAITING_ON_CUSTOMER, Status.RESOLVED},
    Status.IN_PROGRESS: {Status.WAITING_ON_CUSTOMER, Status.RESOLVED},
    Status.WAITING_ON_CUSTOMER: {Status.IN_PROGRESS, Status.RESOLVED},
    Status.RESOLVED: {Status.CLOSED, Status.IN_PROGRESS},
    Status.CLOSED: {Status.IN_PROGRESS},
}
# What a customer may do: close a resolved ticket, reopen a resolved or closed one.
CUSTOMER_TRANSITIONS = {
    (Status.RESOLVED, Status.CLOSED),
    (Status.RESOLVED, Status.IN_PROGRESS),
    (Status.CLOSED, Status.IN_PROGRESS),
}


def _lock(ticket_id: int) -> Ticket:
    # lock the ticket row only (the policy join is an outer join, which PostgreSQL cannot lock)
    return (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("project", "project__sla_policy")
        .get(pk=ticket_id)
    )


def _event(ticket: Ticket, actor: User | None, kind: str, public: bool = True, **data) -> TicketEvent:
    return TicketEvent.objects.create(ticket=ticket, actor=actor, kind=kind, public=public, data=data)


def ticket_for_update(ticket_id: int) -> Ticket:
    """The ticket locked until the caller's transaction ends: for a wing that writes something
    depending on the ticket's state (its coverage, an incident opened from it)."""
    return _lock(ticket_id)


@transaction.atomic
def ticket_event_add(*, ticket: Ticket, actor: User | None, kind: str, public: bool = True, **data: Any) -> TicketEvent:
    """A line in the ticket's history written by a wing (an incident opened, coverage decided),
    in the caller's transaction; ``tickets.presenters`` says how it reads."""
    return _event(ticket, actor, kind, public, **data)


def _next_reference(year: int) -> str:
    return f"SD-{year}-{counter_take(TicketCounter, year):06d}"


def _subject_context(ticket: Ticket) -> dict:
    return {"reference": ticket.reference, "title": ticket.title, "ticket": ticket}


def _notify(
    ticket: Ticket,
    users: Iterable[User | None],
    subject: str,
    template: str,
    *,
    event: str,
    reason: str,
    addresses: Iterable[str] = (),
    written_by_person: bool = False,
    **extra,
) -> None:
    """Tell about ``event`` (unique per ticket: "created", "event:<id>", "comment:<id>") once.
    A ticket that came by email is answered in that email's thread. ``written_by_person``: the
    email carries a person's words (a reply), not an automatic notice (RFC 3834)."""
    headers = {"X-Service-Desk-Ticket": ticket.reference}
    if written_by_person:
        headers["Auto-Submitted"] = "no"
    if ticket.email_thread:
        headers |= {"In-Reply-To": ticket.email_thread, "References": ticket.email_thread}
    notify(
        users=users,
        addresses=addresses,
        key=f"ticket:{ticket.pk}:{event}",
        message=Message(
            reason=reason,
            subject=subject,
            template=template,
            context={**_subject_context(ticket), **extra},
            url=reverse("tickets:detail", args=[ticket.pk]),
            ticket_id=ticket.pk,
            reference=ticket.reference,
            headers=headers,
        ),
    )


MAX_CC = 20


def clean_cc(addresses: Iterable[str]) -> list[str]:
    """The CC list as stored: valid addresses, lower case, each once, at most ``MAX_CC``."""
    cleaned: list[str] = []
    for address in addresses:
        address = str(address).strip().lower()
        if not address or address in cleaned:
            continue
        try:
            validate_email(address)
        except ValidationError:
            raise ServiceDeskError(
                _("%(address)s is not an email address.") % {"address": address}, field="cc"
            ) from None
        cleaned.append(address)
    if len(cleaned) > MAX_CC:
        raise ServiceDeskError(_("At most %(count)d addresses may be copied.") % {"count": MAX_CC}, field="cc")
    return cleaned


def _save_attachments(
    ticket: Ticket, actor: User, files: Iterable[UploadedFile], comment: Comment | None, public: bool
) -> None:
    for upload in files:
        content_type = check_upload(upload)
        attachment = Attachment(
            ticket=ticket,
            comment=comment,
            name=upload.name[:200],
            content_type=content_type,
            size=upload.size,
            public=public,
            uploaded_by=actor,
        )
        attachment.file.save(upload.name, upload, save=False)
        attachment.save()
        _event(
            ticket, actor, TicketEvent.Kind.ATTACHMENT, public=public, attachment=attachment.pk, name=attachment.name
        )


def _check_files(files: Iterable[UploadedFile]) -> list[UploadedFile]:
    """Check every file before anything is written, so a bad one saves nothing."""
    files = list(files)
    errors = []
    for upload in files:
        try:
            check_upload(upload)
        except ValidationError as error:
            errors.extend(error.messages)
    if errors:
        raise ValidationError({"attachments": errors})
    return files


@transaction.atomic
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
) -> Ticket:
    """A new ticket. Customers file for their own organisation's projects, received now; staff
    logging a call may name the reporter and an earlier ``received_at`` (never a future one).

    ``request_key`` (the API's Idempotency-Key): the same actor sending the same key again gets
    the ticket the first request made, and nothing is filed or mailed twice.
    """
    if request_key:
        existing = Ticket.objects.filter(created_by=actor, request_key=request_key).first()
        if existing is not None:
            return existing
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
    files = _check_files(attachments)
    cc = clean_cc(cc)
    ticket = Ticket(
        organisation_id=project.organisation_id,
        project=project,
        reporter=reporter,
        channel=channel,
        category=category,
        priority=priority,
        title=title,
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
    )
    ticket.reference = "pending"
    ticket.full_clean(exclude=["reference"])
    # the year of the series is the local year of receipt (a call at 00:30 on 1 January is next year's)
    ticket.reference = _next_reference(timezone.localtime(ticket.received_at, ZoneInfo(settings.TIME_ZONE)).year)
    try:
        with transaction.atomic():
            ticket.save()
    except IntegrityError:
        # the same key raced in from a parallel retry, which committed first
        existing = Ticket.objects.filter(created_by=actor, request_key=request_key).first() if request_key else None
        if existing is None:
            raise
        return existing
    _event(ticket, actor, TicketEvent.Kind.CREATED, channel=channel, priority=priority)
    _save_attachments(ticket, actor, files, comment=None, public=True)
    sla.clocks_start(ticket=ticket)
    sla.ticket_refresh_next_due(ticket)
    _notify(
        ticket,
        [reporter],
        gettext_noop("[%(reference)s] We received your report: %(title)s"),
        "notifications/email/ticket_created.txt",
        event="created",
        reason=Reason.TICKET_CREATED,
    )
    return ticket


def _stop_first_response(ticket: Ticket, actor: User, at: datetime.datetime) -> None:
    if ticket.first_response_at is None and actor.is_staff_member:
        ticket.first_response_at = at
        ticket.save(update_fields=["first_response_at", "updated_at"])
        sla.clock_stop(ticket=ticket, metric=Metric.FIRST_RESPONSE, at=at, actor=actor)


def _apply_status(ticket: Ticket, actor: User, status: str, at: datetime.datetime, by_reply: bool = False) -> None:
    previous = ticket.status
    if status == previous:
        return
    if status not in TRANSITIONS[previous]:
        raise ServiceDeskError(
            _("A ticket cannot go from %(old)s to %(new)s.")
            % {"old": Status(previous).label, "new": Status(status).label},
            field="status",
        )
    if actor.is_customer and not by_reply and (previous, status) not in CUSTOMER_TRANSITIONS:
        raise NotAllowed(_("Customers may close a resolved ticket or reopen it; the rest is up to the engineers."))
    ticket.status = status
    reopening = previous in (Status.RESOLVED, Status.CLOSED) and status == Status.IN_PROGRESS
    if status == Status.RESOLVED:
        ticket.resolved_at = at
    if status == Status.CLOSED:
        ticket.closed_at = at
    if reopening:
        ticket.resolved_at = ticket.closed_at = None
    ticket.save(update_fields=["status", "resolved_at", "closed_at", "updated_at"])
    status_event = _event(ticket, actor, TicketEvent.Kind.STATUS, old=previous, new=status)

    if previous == Status.NEW:
        _stop_first_response(ticket, actor, at)
    if previous == Status.WAITING_ON_CUSTOMER:
        sla.clock_resume(ticket=ticket, metric=Metric.RESOLUTION, at=at)
    if status == Status.WAITING_ON_CUSTOMER:
        sla.clock_pause(ticket=ticket, metric=Metric.RESOLUTION, at=at)
    if status in (Status.RESOLVED, Status.CLOSED):
        sla.clock_stop(ticket=ticket, metric=Metric.RESOLUTION, at=at, actor=actor)
    if reopening:
        sla.clock_reopen(ticket=ticket, metric=Metric.RESOLUTION, at=at)
    sla.ticket_refresh_next_due(ticket)
    recipients = [ticket.reporter] if actor.is_staff_member else [ticket.assignee]
    _notify(
        ticket,
        recipients,
        gettext_noop("[%(reference)s] Status: %(status)s"),
        "notifications/email/ticket_status.txt",
        event=f"event:{status_event.pk}",
        reason=Reason.TICKET_STATUS,
        status=Status(status).label,
    )


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


@transaction.atomic
def comment_add(
    *,
    ticket_id: int,
    actor: User,
    body: str,
    public: bool = True,
    attachments: Iterable[UploadedFile] = (),
    via_email: bool = False,
) -> Comment:
    """A public reply or (staff only) an internal note. A staff reply is the first response, and
    is mailed to the reporter and the CC list; a customer's reply to a ticket waiting on them
    puts it back in progress. ``via_email``: it came by email (the history says so)."""
    if not body.strip():
        raise ServiceDeskError(_("Write a message."), field="body")
    if actor.is_customer and not public:
        raise NotAllowed(_("Internal notes are for staff."))
    ticket = _lock(ticket_id)
    if ticket.status == Status.CLOSED:
        raise ServiceDeskError(_("This ticket is closed; reopen it to reply."), field="body")
    files = _check_files(attachments)
    now = timezone.now()
    comment = Comment.objects.create(ticket=ticket, author=actor, body=body, public=public)
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
        _stop_first_response(ticket, actor, now)
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
def ticket_dispatch(
    *,
    ticket_id: int,
    actor: User,
    engineer: User,
    expected_arrival_at: datetime.datetime | None = None,
    departed_at: datetime.datetime | None = None,
) -> OnsiteVisit:
    """Send an engineer on site; the on-site arrival clock starts now."""
    if not actor.is_staff_member:
        raise NotAllowed(_("Only staff may dispatch engineers."))
    if engineer.is_customer or not engineer.is_active:
        raise ServiceDeskError(_("Only an active engineer can be sent on site."), field="engineer")
    ticket = _lock(ticket_id)
    if not ticket.is_open:
        raise ServiceDeskError(_("Reopen the ticket before sending someone on site."), field="engineer")
    if expected_arrival_at is not None and expected_arrival_at < timezone.now():
        raise ServiceDeskError(_("The expected arrival lies in the past."), field="expected_arrival_at")
    if ticket.visits.filter(arrived_at__isnull=True).exists():
        raise ServiceDeskError(_("An engineer is already on the way; record the arrival first."), field="engineer")
    now = timezone.now()
    visit = OnsiteVisit.objects.create(
        ticket=ticket,
        engineer=engineer,
        dispatched_at=now,
        departed_at=departed_at,
        expected_arrival_at=expected_arrival_at,
    )
    _event(
        ticket,
        actor,
        TicketEvent.Kind.DISPATCHED,
        engineer=engineer.pk,
        engineer_name=str(engineer),
        expected_arrival_at=expected_arrival_at.isoformat() if expected_arrival_at else None,
    )
    sla.clock_start(ticket=ticket, metric=Metric.ONSITE_ARRIVAL, at=now)
    sla.ticket_refresh_next_due(ticket)
    _notify(
        ticket,
        [ticket.reporter],
        gettext_noop("[%(reference)s] An engineer is on the way: %(title)s"),
        "notifications/email/ticket_dispatched.txt",
        event=f"visit:{visit.pk}",
        reason=Reason.TICKET_DISPATCHED,
        visit=visit,
    )
    return visit


@transaction.atomic
def ticket_arrive(*, ticket_id: int, actor: User, arrived_at: datetime.datetime | None = None) -> OnsiteVisit:
    if not actor.is_staff_member:
        raise NotAllowed(_("Only staff may record an arrival."))
    ticket = _lock(ticket_id)
    visit = ticket.visits.filter(arrived_at__isnull=True).order_by("-dispatched_at").first()
    if visit is None:
        raise ServiceDeskError(_("Nobody is on the way to this site."), field="arrived_at")
    now = timezone.now()
    arrived_at = arrived_at or now
    if arrived_at > now or arrived_at < visit.dispatched_at:
        raise ServiceDeskError(_("The arrival must lie between the dispatch and now."), field="arrived_at")
    visit.arrived_at = arrived_at
    visit.save(update_fields=["arrived_at"])
    _event(
        ticket, actor, TicketEvent.Kind.ARRIVED, engineer_name=str(visit.engineer), arrived_at=arrived_at.isoformat()
    )
    sla.clock_stop(ticket=ticket, metric=Metric.ONSITE_ARRIVAL, at=arrived_at, actor=actor)
    sla.ticket_refresh_next_due(ticket)
    return visit


@transaction.atomic
def ticket_leave_site(*, ticket_id: int, actor: User, work_done: str) -> OnsiteVisit:
    if not actor.is_staff_member:
        raise NotAllowed(_("Only staff may record a visit."))
    ticket = _lock(ticket_id)
    visit = ticket.visits.filter(arrived_at__isnull=False, left_site_at__isnull=True).order_by("-arrived_at").first()
    if visit is None:
        raise ServiceDeskError(_("Nobody is on site for this ticket."), field="work_done")
    visit.left_site_at, visit.work_done = timezone.now(), work_done
    visit.save(update_fields=["left_site_at", "work_done"])
    _event(ticket, actor, TicketEvent.Kind.DEPARTED, engineer_name=str(visit.engineer), work_done=work_done)
    return visit


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
