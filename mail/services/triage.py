"""Triage: staff open a ticket from a waiting email, add it to one, dismiss it, or file a
quarantined one again."""

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import ServiceDeskError
from core.uploads import files_removed_on_failure
from core.writes import require_staff
from customers.models import Project
from mail.models import InboundMessage
from mail.parsing import BrokenMessage, ParsedMessage, parse
from mail.services.common import Status, logger
from mail.services.ingest import FILE_ERROR, _add_reply, _failure, _file, _open_ticket, _record, _too_large
from tickets.models import Priority, Ticket


def _triaged(inbound_id: int, actor: User) -> tuple[InboundMessage, ParsedMessage]:
    require_staff(actor)
    record = InboundMessage.objects.select_for_update(of=("self",)).select_related("mailbox").get(pk=inbound_id)
    if record.status != Status.TRIAGE:
        raise ServiceDeskError(_("This email has been handled already."))
    with record.raw.open("rb") as stored:
        return record, parse(stored.read())


def _handled(record: InboundMessage, actor: User, status: str) -> InboundMessage:
    record.status, record.handled_by, record.handled_at = status, actor, timezone.now()
    record.save(update_fields=["status", "ticket", "contact", "body", "handled_by", "handled_at"])
    return record


@files_removed_on_failure
@transaction.atomic
def inbound_open_ticket(
    *, inbound_id: int, actor: User, project: Project, reporter: User, priority: str = Priority.NORMAL
) -> InboundMessage:
    """File a waiting email as a ticket of ``reporter`` (a contact of ``project``'s
    organisation), received when the email arrived: the SLA clocks count from then."""
    record, parsed = _triaged(inbound_id, actor)
    if not reporter.is_customer or reporter.organisation_id != project.organisation_id:
        raise ServiceDeskError(_("The reporter is not a contact of the project's organisation."), field="reporter")
    record.ticket = _open_ticket(
        record,
        parsed,
        actor,
        project,
        reporter=reporter,
        priority=priority,
        channel=Ticket.Channel.EMAIL,
        received_at=record.received_at,
    )
    record.contact = reporter
    return _handled(record, actor, Status.TICKET)


@files_removed_on_failure
@transaction.atomic
def inbound_add_to_ticket(*, inbound_id: int, actor: User, ticket: Ticket) -> InboundMessage:
    """Add a waiting email to ``ticket``: as the contact's reply if the sender is a contact of
    the ticket's organisation, else as an internal note naming the sender."""
    record, parsed = _triaged(inbound_id, actor)
    contact = User.objects.filter(
        email__iexact=parsed.sender, is_active=True, role=User.Role.CUSTOMER, organisation_id=ticket.organisation_id
    ).first()
    _add_reply(record, parsed, contact or actor, ticket, public=contact is not None)
    record.ticket, record.contact = ticket, contact
    return _handled(record, actor, Status.REPLY)


@transaction.atomic
def inbound_dismiss(*, inbound_id: int, actor: User) -> InboundMessage:
    """Nothing to file (spam, a thank-you): it stays on record, dismissed."""
    require_staff(actor)
    record = InboundMessage.objects.select_for_update().get(pk=inbound_id)
    if record.status not in (Status.TRIAGE, Status.QUARANTINED):
        raise ServiceDeskError(_("Only a waiting or quarantined email can be dismissed."))
    return _handled(record, actor, Status.DISMISSED)


# what a quarantined record learns from its original when it is read again
READ_AGAIN = ["sent_at", "sender", "sender_name", "recipients", "subject", "in_reply_to", "references", "body"]
READ_AGAIN += ["attachment_names"]


@files_removed_on_failure
@transaction.atomic
def inbound_retry(*, inbound_id: int, actor: User) -> InboundMessage:
    """File a quarantined email again from its stored original, once the cause is fixed (a
    bug, a larger ``MAIL_MAX_BYTES``): it is routed as if it had just arrived. Still unreadable
    or too large: refused with the reason, and it stays quarantined."""
    require_staff(actor)
    record = InboundMessage.objects.select_for_update(of=("self",)).select_related("mailbox").get(pk=inbound_id)
    if record.status != Status.QUARANTINED:
        raise ServiceDeskError(_("Only a quarantined email can be filed again."))
    with record.raw.open("rb") as stored:
        raw = stored.read()
    if record.size > len(raw):
        raise ServiceDeskError(_("Only the header of this email was kept; it cannot be filed."))
    if record.size > settings.MAIL_MAX_BYTES:
        raise ServiceDeskError(_too_large(record.size).said())
    try:
        parsed = parse(raw)
    except BrokenMessage as error:
        raise ServiceDeskError(error.said()) from error
    fresh = _record(parsed, record.mailbox, record.uid)
    for name in READ_AGAIN:
        setattr(record, name, getattr(fresh, name))
    record.reason, record.reason_template, record.reason_params = "", "", {}
    try:
        _file(record, parsed)
    except Exception as error:  # the cause is not fixed yet: say so, change nothing
        logger.exception("email %s could not be filed again", record.message_id)
        raise ServiceDeskError(_failure(FILE_ERROR, error).said()) from error
    record.handled_by, record.handled_at = actor, timezone.now()
    record.save()
    return record
