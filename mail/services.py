"""What the desk does with an email. ``message_ingest`` is the one way in: the poller, the
``fetch_mail --file`` command and the tests all call it with the raw bytes.

A message is stored once (its Message-ID is unique: a second copy, or the same one read again
after a crash between storing and marking it read, changes nothing), then:
- a robot's (auto-reply, bounce, list mail) or the desk's own is **ignored**: it opens nothing
  and nothing answers it;
- a reply (``In-Reply-To``/``References`` naming one of the desk's emails or of the ticket's
  thread, or the ticket's reference in the subject) from a contact of the ticket's
  organisation is **added to the ticket** as their reply, quoted history and signature trimmed,
  the original attached; from an engineer, as an internal note; a reply to a closed ticket
  opens a follow-up ticket;
- a new message from a contact **opens a ticket** in their organisation, in the project a rule,
  the mailbox's default or the organisation's only project chooses;
- the rest (unknown sender, several accounts on one address, staff writing a new email, no
  project) waits for **triage** by staff, never dropped and never creating a customer; a
  contact naming another organisation's ticket is treated as writing a new email;
- what cannot be read (broken, too large, or an error while filing it) is **quarantined** with
  the reason, for admins, and the poller goes on with the next message; once the cause is
  fixed, staff file it again from its stored original (``inbound_retry``).
"""

import logging
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import User
from core.errors import ServiceDeskError
from core.uploads import check_upload
from core.writes import require_staff
from customers.models import Project
from mail import imap
from mail.models import InboundMessage, Mailbox, RoutingRule
from mail.parsing import BrokenMessage, ParsedMessage, parse, synthetic_id
from mail.trim import trim_reply
from notifications.models import Delivery
from tickets import services as tickets
from tickets.models import Priority, Ticket

logger = logging.getLogger(__name__)

Status = InboundMessage.Status
REFERENCE = re.compile(r"\bSD-\d{4}-\d{6}\b")
REPLY_PREFIX = re.compile(r"^\s*((re|fw|fwd|aw|sv|答复|回复|回覆|转发|轉寄)\s*[:：]\s*)+", re.IGNORECASE)
ORIGINAL_NAME = "original-message.eml"


def own_addresses(mailbox: Mailbox | None = None) -> set[str]:
    """The desk's addresses: mail from them is its own, and they are never copied on a ticket."""
    addresses = {settings.DEFAULT_FROM_EMAIL, settings.MAIL_REPLY_TO, settings.MAIL_ADDRESS}
    addresses |= set(Mailbox.objects.exclude(address="").values_list("address", flat=True))
    if mailbox is not None:
        addresses |= {mailbox.address, mailbox.username}
    return {a.strip().lower() for a in addresses if a and "@" in a}


# --- finding the ticket a message answers -------------------------------------------------


def thread_ticket(parsed: ParsedMessage) -> Ticket | None:
    """The ticket the message answers: by the Message-IDs it names (the desk's emails, the
    messages already on a ticket, the email that opened one), nearest first; else by the
    ticket reference in its subject."""
    ids = parsed.thread_ids
    if ids:
        # one query: (Message-ID, ticket) from the three places a thread's ids are kept
        sent = Delivery.objects.filter(message_id__in=ids, ticket_id__isnull=False).order_by()
        read = InboundMessage.objects.filter(message_id__in=ids, ticket__isnull=False).order_by()
        opened = Ticket.objects.filter(email_thread__in=ids).order_by()
        sent, read = sent.values_list("message_id", "ticket_id"), read.values_list("message_id", "ticket")
        opened = opened.values_list("email_thread", "pk")
        found: dict[str, int] = {}
        for message_id, ticket_id in sent.union(read, opened, all=True):
            found.setdefault(message_id, ticket_id)
        for message_id in ids:
            if message_id in found:
                return Ticket.objects.select_related("organisation", "reporter").get(pk=found[message_id])
    match = REFERENCE.search(parsed.subject)
    if match:
        return Ticket.objects.select_related("organisation", "reporter").filter(reference=match.group()).first()
    return None


def choose_project(contact: User, parsed: ParsedMessage, mailbox: Mailbox | None) -> tuple[Project | None, str]:
    """The project and priority of a contact's new email: the first active rule that matches
    and names a project of the contact's organisation, else the mailbox's default project if
    it is theirs, else their organisation's only active project."""
    projects = Project.objects.filter(organisation_id=contact.organisation_id, is_active=True)
    rules = (
        RoutingRule.objects.filter(is_active=True, project__in=projects)
        .filter(Q(mailbox=None) | Q(mailbox=mailbox) if mailbox is not None else Q(mailbox=None))
        .select_related("project")
    )
    fields = {
        RoutingRule.Field.SENDER: [parsed.sender],
        RoutingRule.Field.RECIPIENT: parsed.to + parsed.cc + parsed.delivered_to,
        RoutingRule.Field.SUBJECT: [parsed.subject],
    }
    for rule in rules:
        if any(rule.contains.lower() in value.lower() for value in fields[rule.field]):
            return rule.project, rule.priority
    if mailbox is not None and mailbox.default_project_id and mailbox.default_project in projects:
        return mailbox.default_project, Priority.NORMAL
    only = list(projects[:2])
    return (only[0] if len(only) == 1 else None), Priority.NORMAL


# --- the one way in -----------------------------------------------------------------------


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


def _open_ticket(record: InboundMessage, parsed: ParsedMessage, actor: User, project: Project, **extra) -> Ticket:
    files = _files(parsed)
    description = _with_refusals(parsed.text.strip() or record.subject or _("(no text)"), files)
    return tickets.ticket_create(
        actor=actor,
        project=project,
        title=_title(parsed.subject),
        description=description,
        attachments=files.accepted,
        email_thread=parsed.message_id if not parsed.message_id.endswith(".invalid>") else "",
        cc=_cc(parsed, own_addresses(record.mailbox)),
        **extra,
    )


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
    )


def _why(record: InboundMessage, status: str, template: str, **params: str) -> None:
    """Set what became of the message and why: ``template`` is marked for translation
    (``gettext_noop``); each reader gets it in their language (``reason_display``)."""
    record.status, record.reason_template, record.reason_params = status, template, params
    record.reason = template % params if params else template


def _route(record: InboundMessage, parsed: ParsedMessage) -> None:
    """Decide and do what becomes of a stored message (see the module's doc)."""
    if parsed.auto:
        _why(record, Status.IGNORED, gettext_noop("Automatic message (%(why)s)."), why=parsed.auto)
        return
    if parsed.sender in own_addresses(record.mailbox):
        _why(record, Status.IGNORED, gettext_noop("Sent by the service desk itself."))
        return
    users = list(User.objects.filter(email__iexact=parsed.sender, is_active=True)[:2])
    if len(users) > 1:
        _why(record, Status.TRIAGE, gettext_noop("Several accounts use this address; choose the contact."))
        return
    user = users[0] if users else None
    record.contact = user if user is not None and user.is_customer else None
    ticket = thread_ticket(parsed)
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
            _add_reply(record, parsed, user, ticket, public=False)
            record.ticket = ticket
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
        with transaction.atomic():
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


def _quarantine(
    raw: bytes, mailbox: Mailbox | None, uid: int | None, message_id: str, why: BrokenMessage, size: int | None = None
) -> InboundMessage:
    with transaction.atomic():
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
    head = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
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
    except BrokenMessage as error:
        return _quarantine(raw, mailbox, uid, message_id, error), True
    except Exception as error:  # a parser bug must not stop the mailbox at this message
        logger.exception("email %s could not be read", message_id)
        return _quarantine(raw, mailbox, uid, message_id, _failure(READ_ERROR, error)), True
    try:
        with transaction.atomic():
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
    except Exception as error:  # a bug must not stop the poller: the message waits for an admin
        logger.exception("email %s could not be filed", parsed.message_id)
        return _quarantine(raw, mailbox, uid, parsed.message_id, _failure(FILE_ERROR, error)), True


# --- triage -------------------------------------------------------------------------------


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


# --- polling ------------------------------------------------------------------------------


@dataclass
class PollResult:
    read: int = 0  # messages fetched from the server
    new: int = 0  # of them, not read before
    error: str = ""


def mailbox_from_settings() -> Mailbox | None:
    """The mailbox of the ``MAIL_IMAP_*`` settings, kept in step with them, or None (and no
    longer polled) once ``MAIL_IMAP_HOST`` is unset."""
    if not settings.MAIL_IMAP_HOST:
        Mailbox.objects.filter(from_settings=True, is_active=True).update(is_active=False)
        return None
    mailbox, _created = Mailbox.objects.update_or_create(
        from_settings=True,
        defaults={
            "name": f"{settings.MAIL_IMAP_USER}@{settings.MAIL_IMAP_HOST}"[:120],
            "address": settings.MAIL_ADDRESS,
            "host": settings.MAIL_IMAP_HOST,
            "port": settings.MAIL_IMAP_PORT,
            "security": settings.MAIL_IMAP_SECURITY,
            "username": settings.MAIL_IMAP_USER,
            "password": settings.MAIL_IMAP_PASSWORD,
            "folder": settings.MAIL_IMAP_FOLDER,
            "is_active": True,
        },
    )
    return mailbox


def mailbox_poll(*, mailbox: Mailbox) -> PollResult:
    """Read the unread messages of ``mailbox`` (up to ``MAIL_POLL_BATCH``), file each, then mark
    it read. One poll per mailbox at a time; a message that fails is quarantined and the poll
    goes on; a server that fails is recorded on the mailbox for the admins."""
    result = PollResult()
    lock = f"mail:poll:{mailbox.pk}"
    if not cache.add(lock, "1", timeout=600):
        return result
    try:
        with imap.connect(mailbox) as client:
            for uid, size in imap.unseen(client, settings.MAIL_POLL_BATCH):
                raw = imap.fetch(client, uid, headers_only=size > settings.MAIL_MAX_BYTES)
                _record, new = message_ingest(raw=raw, mailbox=mailbox, uid=uid, size=size)
                imap.mark_read(client, uid)
                result.read += 1
                result.new += new
    except Exception as error:  # the server: refused login, gone, timed out; tried next time
        logger.warning("mailbox %s: %s", mailbox, error)
        result.error = f"{type(error).__name__}: {error}"[:2000]
    finally:
        cache.delete(lock)
        Mailbox.objects.filter(pk=mailbox.pk).update(last_polled_at=timezone.now(), last_error=result.error)
    return result


def mailboxes_poll() -> dict[str, PollResult]:
    """Poll every active mailbox (the beat task and ``fetch_mail``)."""
    mailbox_from_settings()
    return {mailbox.name: mailbox_poll(mailbox=mailbox) for mailbox in Mailbox.objects.filter(is_active=True)}
