"""The one way in: every message, from the poller, `fetch_mail --file` or the tests, is stored
once and filed, ignored, sent to triage or quarantined here."""

import re
from dataclasses import dataclass

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import User
from core.errors import ServiceDeskError
from core.uploads import check_upload, removed_on_failure, stored
from customers.models import Project
from mail.authentication import Verdict, sender_verdict
from mail.models import CcRequest, InboundMessage, Mailbox
from mail.parsing import BrokenMessage, ParsedMessage, header_section, parse, synthetic_id
from mail.services.common import (
    ORIGINAL_NAME,
    REPLY_PREFIX,
    Status,
    choose_project,
    logger,
    own_addresses,
    thread_ticket,
)
from mail.trim import trim_reply
from tickets import services as tickets
from tickets.models import Ticket


@dataclass
class Files:
    accepted: list[SimpleUploadedFile]
    refused: list[str]  # "name: why"


def _files(parsed: ParsedMessage) -> Files:
    """The message's files as uploads the ticket accepts; the others named with the reason.
    The original message is attached too (when it is within the attachment limit)."""
    parts = [(p.name, p.data, p.content_type) for p in parsed.attachments if p.data]
    parts.append((ORIGINAL_NAME, parsed.raw, "message/rfc822"))
    accepted, refused = [], []
    for name, data, content_type in parts:
        upload = SimpleUploadedFile(name, data, content_type)
        try:
            check_upload(upload)
        except ValidationError as error:
            refused.append(f"{name}: {' '.join(error.messages)}")
            continue
        accepted.append(upload)
    return Files(accepted, refused)


def _with_refusals(text: str, files: Files) -> str:
    if not files.refused:
        return text
    lines = "\n".join(f"- {item}" for item in files.refused)
    return f"{text}\n\n[{_('Attachments not kept on the ticket (the original email has them):')}]\n{lines}"


def _cc(parsed: ParsedMessage, ignore: set[str]) -> list[str]:
    addresses = []
    for address in [*parsed.to, *parsed.cc]:
        if address in ignore or address == parsed.sender or address in addresses:
            continue
        try:
            validate_email(address)
        except ValidationError:
            continue
        addresses.append(address)
    return addresses[: tickets.MAX_CC]


def _title(subject: str) -> str:
    return REPLY_PREFIX.sub("", subject).strip()[:200] or _("(no subject)")


def _split_cc(addresses: list[str], organisation_id: int) -> tuple[list[str], list[str]]:
    """The addresses of the organisation's active contacts (copied at once) and the others
    (they wait for a staff decision)."""
    contacts = set(
        User.objects.filter(
            is_active=True, role=User.Role.CUSTOMER, organisation_id=organisation_id, email__isnull=False
        ).values_list("email", flat=True)
    )
    contacts = {address.lower() for address in contacts}
    return [a for a in addresses if a in contacts], [a for a in addresses if a not in contacts]


def _request_cc(record: InboundMessage, ticket: Ticket, addresses: list[str]) -> None:
    """Addresses outside the ticket's organisation: nobody mails them until staff approve."""
    waiting = set(
        CcRequest.objects.filter(ticket=ticket, status=CcRequest.Status.PENDING).values_list("address", flat=True)
    )
    CcRequest.objects.bulk_create(
        [
            CcRequest(ticket=ticket, address=address, inbound=record if record.pk else None)
            for address in addresses
            if address not in waiting and address not in ticket.cc
        ]
    )


def _open_ticket(record: InboundMessage, parsed: ParsedMessage, actor: User, project: Project, **extra) -> Ticket:
    """A ticket from the email. Its CC list: from a verified email only, the organisation's
    contacts at once and the other addresses waiting for staff; an unverified email adds none."""
    files = _files(parsed)
    description = _with_refusals(parsed.text.strip() or record.subject or _("(no text)"), files)
    asked = _cc(parsed, own_addresses(record.mailbox)) if record.sender_verified else []
    copied, waiting = _split_cc(asked, project.organisation_id)
    ticket = tickets.ticket_create(
        actor=actor,
        project=project,
        title=_title(parsed.subject),
        description=description,
        attachments=files.accepted,
        email_thread=parsed.message_id if not parsed.message_id.endswith(".invalid>") else "",
        cc=copied,
        sender_verified=record.sender_verified,
        **extra,
    )
    if waiting:
        _request_cc(record, ticket, waiting)
    return ticket


def _add_reply(record: InboundMessage, parsed: ParsedMessage, author: User, ticket: Ticket, public: bool) -> None:
    files = _files(parsed)
    body = trim_reply(parsed.text) or _("(no text)")
    if not public:
        body = _("Email from %(sender)s:") % {"sender": parsed.sender} + "\n\n" + body
    record.body = body
    tickets.comment_add(
        ticket_id=ticket.pk,
        actor=author,
        body=_with_refusals(body, files),
        public=public,
        attachments=files.accepted,
        via_email=True,
        sender_verified=record.sender_verified,
    )


def _why(record: InboundMessage, status: str, template: str, **params: str) -> None:
    """Set what became of the message and why: ``template`` is marked for translation
    (``gettext_noop``); each reader gets it in their language (``reason_display``)."""
    record.status, record.reason_template, record.reason_params = status, template, params
    record.reason = template % params if params else template


def _verify(record: InboundMessage, parsed: ParsedMessage) -> Verdict | None:
    """The verdict on the sender of the authserv-id that counts for the message's mailbox (or
    the settings'); None when none is configured: senders are not verified."""
    authserv_id = record.mailbox.effective_authserv_id if record.mailbox else settings.MAIL_AUTHSERV_ID
    if not authserv_id:
        record.sender_verified = False
        return None
    verdict = sender_verdict(parsed.authentication_results, parsed.from_addresses, authserv_id)
    record.sender_verified = verdict.verified
    return verdict


def _route(record: InboundMessage, parsed: ParsedMessage) -> None:
    """Decide and do what becomes of a stored message (see the module's doc)."""
    if parsed.auto:
        _why(record, Status.IGNORED, gettext_noop("Automatic message (%(why)s)."), why=parsed.auto)
        return
    if parsed.sender in own_addresses(record.mailbox):
        _why(record, Status.IGNORED, gettext_noop("Sent by the service desk itself."))
        return
    verdict = _verify(record, parsed)
    users = list(User.objects.filter(email__iexact=parsed.sender, is_active=True)[:2])
    if len(users) > 1:
        _why(record, Status.TRIAGE, gettext_noop("Several accounts use this address; choose the contact."))
        return
    user = users[0] if users else None
    ticket = thread_ticket(parsed)
    if user is not None and verdict is not None and not verdict.verified:
        # MAIL_AUTHSERV_ID is set and the server did not vouch for the From address: a known
        # address is what a forger would use, so nothing is filed as that person
        record.ticket = ticket
        _why(record, Status.TRIAGE, verdict.template, **verdict.params)
        return
    record.contact = user if user is not None and user.is_customer else None
    if ticket is not None:
        if user is not None and user.is_customer and user.organisation_id == ticket.organisation_id:
            if ticket.status == Ticket.Status.CLOSED:
                record.ticket = _open_ticket(record, parsed, user, ticket.project, via_email=True)
                _why(
                    record,
                    Status.TICKET,
                    gettext_noop("A reply to %(reference)s, which is closed: a follow-up ticket."),
                    reference=ticket.reference,
                )
                return
            _add_reply(record, parsed, user, ticket, public=True)
            record.ticket, record.status = ticket, Status.REPLY
            return
        if user is not None and user.is_staff_member:
            record.ticket = ticket
            if not record.sender_verified:
                # without MAIL_AUTHSERV_ID anyone can write an engineer's address in From:
                _why(
                    record,
                    Status.TRIAGE,
                    gettext_noop(
                        "An email from a staff address whose sender cannot be verified (MAIL_AUTHSERV_ID is not "
                        "set): it is never written as staff."
                    ),
                )
                return
            _add_reply(record, parsed, user, ticket, public=False)
            _why(
                record,
                Status.REPLY,
                gettext_noop("An engineer's email is kept as an internal note; answer the customer on the ticket."),
            )
            return
        if user is None:
            record.ticket = ticket
            _why(record, Status.TRIAGE, gettext_noop("The sender is not a contact of the ticket's organisation."))
            return
        # a contact of another organisation naming this ticket: nothing of it is theirs
    if user is None:
        _why(record, Status.TRIAGE, gettext_noop("The sender is not a known contact."))
        return
    if user.is_staff_member:
        _why(record, Status.TRIAGE, gettext_noop("An email from staff; file it for the customer."))
        return
    project, priority = choose_project(user, parsed, record.mailbox)
    if project is None:
        _why(record, Status.TRIAGE, gettext_noop("No rule or default chooses one of the organisation's projects."))
        return
    record.ticket = _open_ticket(record, parsed, user, project, priority=priority, via_email=True)
    record.status = Status.TICKET


def _file(record: InboundMessage, parsed: ParsedMessage) -> None:
    """Route a stored message; a rule of the tickets that refuses it (an inactive project, a
    closed ticket) leaves it for staff to decide, with the refusal as the reason."""
    try:
        with removed_on_failure(), transaction.atomic():
            _route(record, parsed)
    except (ServiceDeskError, ValidationError) as error:
        # said in the language of the moment (the desk's, for the poller)
        record.status, record.reason_template, record.reason_params = Status.TRIAGE, "", {}
        record.reason = error.message if isinstance(error, ServiceDeskError) else "; ".join(error.messages)


def _record(parsed: ParsedMessage, mailbox: Mailbox | None, uid: int | None) -> InboundMessage:
    return InboundMessage(
        message_id=parsed.message_id,
        mailbox=mailbox,
        uid=uid,
        received_at=timezone.now(),
        sent_at=parsed.sent_at,
        sender=parsed.sender[:320],
        sender_name=parsed.sender_name,
        recipients=[*parsed.to, *parsed.cc][:50],
        subject=parsed.subject,
        in_reply_to=" ".join(parsed.in_reply_to),
        references=" ".join(parsed.references),
        body=parsed.text,
        attachment_names=[p.name for p in parsed.attachments],
        size=len(parsed.raw),
        status=Status.TRIAGE,
    )


def _store_raw(record: InboundMessage, raw: bytes) -> None:
    record.raw.save(f"{record.pk}.eml", ContentFile(raw), save=False)
    stored(record.raw.storage, record.raw.name)  # removed again if the filing fails (removed_on_failure)


def _quarantine(
    raw: bytes, mailbox: Mailbox | None, uid: int | None, message_id: str, why: BrokenMessage, size: int | None = None
) -> InboundMessage:
    with removed_on_failure(), transaction.atomic():
        record = InboundMessage.objects.filter(message_id=message_id).first()
        if record is not None:
            return record
        record = InboundMessage(
            message_id=message_id,
            mailbox=mailbox,
            uid=uid,
            received_at=timezone.now(),
            size=len(raw) if size is None else size,  # the full size when only the header was fetched
        )
        _why(record, Status.QUARANTINED, why.template, **why.params)
        record.save()
        _store_raw(record, raw)
        record.save(update_fields=["raw"])
    return record


def _failure(template: str, error: Exception) -> BrokenMessage:
    return BrokenMessage(template, error=f"{type(error).__name__}: {error}")


READ_ERROR = gettext_noop("It could not be read: %(error)s")


FILE_ERROR = gettext_noop("It could not be filed: %(error)s")


def _too_large(size: int) -> BrokenMessage:
    return BrokenMessage(
        gettext_noop("The message is %(size)s, larger than the limit of %(limit)s."),
        size=filesizeformat(size),
        limit=filesizeformat(settings.MAIL_MAX_BYTES),
    )


def _header_id(raw: bytes) -> str:
    """The Message-ID of a message that is not parsed (too large, broken), or one from its bytes."""
    head = header_section(raw)
    match = re.search(rb"^message-id:\s*(<[^<>\s]+>)", head, re.IGNORECASE | re.MULTILINE)
    return match.group(1).decode("ascii", "replace")[:250] if match else synthetic_id(raw)


def message_ingest(
    *, raw: bytes, mailbox: Mailbox | None = None, uid: int | None = None, size: int | None = None
) -> tuple[InboundMessage, bool]:
    """Store and route one message (``raw``: its bytes; ``size``: its full size when only its
    header was fetched). Returns the record and whether it is new; a message already read
    returns its first record and changes nothing."""
    size = len(raw) if size is None else size
    message_id = _header_id(raw)
    existing = InboundMessage.objects.filter(message_id=message_id).first()
    if existing is not None:
        return existing, False
    if size > settings.MAIL_MAX_BYTES:
        return _quarantine(raw, mailbox, uid, message_id, _too_large(size), size), True
    try:
        parsed = parse(raw)
    except BrokenMessage as error:  # broken, or over a limit (MAIL_MAX_*)
        return _quarantine(raw, mailbox, uid, message_id, error), True
    except SoftTimeLimitExceeded:
        raise  # the poll's time is up: nothing is written, the message is read at the next poll
    except Exception as error:  # a parser bug must not stop the mailbox at this message
        logger.exception("email %s could not be read", message_id)
        return _quarantine(raw, mailbox, uid, message_id, _failure(READ_ERROR, error)), True
    try:
        # a filing that fails halfway leaves no file behind: the rows roll back, the files go
        with removed_on_failure(), transaction.atomic():
            # the row first: a second poller reading the same message waits on its unique
            # Message-ID here, then fails and files nothing
            record = _record(parsed, mailbox, uid)
            record.save()
            _store_raw(record, raw)
            _file(record, parsed)
            record.save()
            return record, True
    except IntegrityError:
        existing = InboundMessage.objects.filter(message_id=parsed.message_id).first()
        if existing is None:
            raise
        return existing, False
    except SoftTimeLimitExceeded:
        raise  # not the message's fault: it stays unread and is filed at the next poll
    except Exception as error:  # a bug must not stop the poller: the message waits for an admin
        logger.exception("email %s could not be filed", parsed.message_id)
        return _quarantine(raw, mailbox, uid, parsed.message_id, _failure(FILE_ERROR, error)), True
