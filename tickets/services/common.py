"""What the ticket services share: the row lock, history rows, yearly references, telling
the people concerned, CC addresses, attachments and status moves."""

import datetime
import uuid
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import User
from core.errors import NotAllowed, ServiceDeskError
from core.references import counter_take
from core.uploads import check_quota, check_upload, stored
from notifications.models import Reason
from notifications.services import Message, notify
from tickets import sla
from tickets.models import Attachment, Comment, Metric, Ticket, TicketCounter, TicketEvent

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


def _reference_placeholder() -> str:
    """What a new ticket's row holds until ``_reference_assign`` gives it its number in the same
    transaction: unique (the column is), never committed."""
    return f"~{uuid.uuid4().hex[:19]}"


def _reference_assign(ticket: Ticket, year: int) -> None:
    """The ticket's reference in the year's series, taken under the counter's lock (kept until
    commit: take it as late as the transaction allows)."""
    ticket.reference = _next_reference(year)
    Ticket.objects.filter(pk=ticket.pk).update(reference=ticket.reference)


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
        stored(attachment.file.storage, attachment.file.name)  # removed again if the write fails
        attachment.save()
        _event(
            ticket, actor, TicketEvent.Kind.ATTACHMENT, public=public, attachment=attachment.pk, name=attachment.name
        )


def _check_files(files: Iterable[UploadedFile], ticket: Ticket | None = None) -> list[UploadedFile]:
    """Check every file, and the quotas (files per message, bytes per ticket: ``ticket`` is
    locked by the caller), before anything is written, so a bad one saves nothing."""
    files = list(files)
    errors = []
    for upload in files:
        try:
            check_upload(upload)
        except ValidationError as error:
            errors.extend(error.messages)
    if not errors:
        held = Attachment.objects.filter(ticket=ticket).aggregate(total=Sum("size"))["total"] if ticket else 0
        try:
            check_quota(files, stored_bytes=held or 0)
        except ValidationError as error:
            errors.extend(error.messages)
    if errors:
        raise ValidationError({"attachments": errors})
    return files


def _stop_first_response(ticket: Ticket, actor: User, at: datetime.datetime) -> None:
    if ticket.first_response_at is None and actor.is_staff_member:
        ticket.first_response_at = at
        ticket.save(update_fields=["first_response_at", "updated_at"])
        sla.clock_stop(ticket=ticket, metric=Metric.FIRST_RESPONSE, at=at, actor=actor)


def _responded(ticket: Ticket, actor: User, at: datetime.datetime) -> None:
    """Staff spoke to the customer (a public reply, a logged call, an arrival on site): the first
    response, if it was still due, and the next public update of an open ticket is due a full
    update target from now (paused while the ticket waits on the customer)."""
    if not actor.is_staff_member:
        return
    _stop_first_response(ticket, actor, at)
    if ticket.is_open:
        waiting = ticket.status == Status.WAITING_ON_CUSTOMER
        sla.clock_restart(ticket=ticket, metric=Metric.UPDATE, at=at, paused=waiting)


def _acknowledgement_responds(ticket: Ticket) -> bool:
    policy = sla.policy_for(ticket)
    return policy is not None and policy.acknowledgement_stops_first_response


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
    if ticket.merged_into_id is not None:  # merged: it stays closed, the work goes on in the survivor
        raise ServiceDeskError(_("This ticket was merged into another; continue there."), field="status")
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

    # A bare status change is no answer: only acknowledging, and only where the policy says so,
    # meets the first response. Resolving does (the customer is told), and stops every clock.
    if previous == Status.NEW and status == Status.ACKNOWLEDGED and _acknowledgement_responds(ticket):
        _responded(ticket, actor, at)
    for metric in (Metric.RESOLUTION, Metric.UPDATE):
        if previous == Status.WAITING_ON_CUSTOMER:
            sla.clock_resume(ticket=ticket, metric=metric, at=at)
        if status == Status.WAITING_ON_CUSTOMER:
            sla.clock_pause(ticket=ticket, metric=metric, at=at)
    if status in (Status.RESOLVED, Status.CLOSED):
        _stop_first_response(ticket, actor, at)
        sla.clock_stop(ticket=ticket, metric=Metric.RESOLUTION, at=at, actor=actor)
        sla.clock_stop(ticket=ticket, metric=Metric.UPDATE, at=at, actor=actor)
    if reopening:
        sla.cycle_next(ticket=ticket, at=at)
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
