"""Polling the mailboxes over IMAP."""

from dataclasses import dataclass
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ServiceDeskError
from core.outbound import validate_outbound_host
from core.writes import assign, validated_save
from mail import imap
from mail.models import Mailbox
from mail.services.common import logger
from mail.services.ingest import message_ingest


@dataclass
class PollResult:
    read: int = 0  # messages fetched from the server
    new: int = 0  # of them, not read before
    error: str = ""
    stopped: bool = False  # the task's time limit came: the rest waits for the next poll


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
    goes on; a server that fails (or an address the outbound rules refuse) is recorded on the
    mailbox for the admins. The task's soft time limit stops the poll cleanly: the message being
    filed is neither stored nor marked read, and is filed at the next poll."""
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
    except SoftTimeLimitExceeded:
        logger.warning("mailbox %s: the poll's time is up; the rest waits for the next poll", mailbox)
        result.stopped = True
    except Exception as error:  # the server: refused login, gone, timed out; tried next time
        logger.warning("mailbox %s: %s", mailbox, error)
        result.error = f"{type(error).__name__}: {error}"[:2000]
    finally:
        cache.delete(lock)
        Mailbox.objects.filter(pk=mailbox.pk).update(last_polled_at=timezone.now(), last_error=result.error)
    return result


def mailboxes_poll() -> dict[str, PollResult]:
    """Poll every active mailbox (the beat task and ``fetch_mail``); once the time limit
    stops one, the others wait for the next poll."""
    mailbox_from_settings()
    results = {}
    for mailbox in Mailbox.objects.filter(is_active=True):
        results[mailbox.name] = result = mailbox_poll(mailbox=mailbox)
        if result.stopped:
            break
    return results


# what decides where the stored password is sent: changing any of them needs the password again
SERVER_FIELDS = ("host", "port", "security")


@transaction.atomic
def mailbox_save(*, mailbox: Mailbox | None = None, password: str | None = None, **fields: Any) -> Mailbox:
    """Create or change a mailbox of the admin (the settings' own is kept by ``mailbox_from_settings``).

    ``password``: empty keeps the stored one. Changing the server (host, port or security) of a
    mailbox with a stored password needs it entered again: otherwise whoever may edit the
    mailbox could send the stored password to a server of theirs, or in clear. A new or changed
    host must be one the desk may call (``core.outbound``)."""
    mailbox = mailbox or Mailbox()
    stored = Mailbox.objects.filter(pk=mailbox.pk).values(*SERVER_FIELDS, "password").first() if mailbox.pk else None
    assign(mailbox, fields)
    if stored is not None:
        changed = [name for name in SERVER_FIELDS if getattr(mailbox, name) != stored[name]]
        if changed and stored["password"] and not password:
            raise ServiceDeskError(
                _(
                    "Enter the password again to change the server, port or security: the stored password is only "
                    "sent to the server it was entered for."
                ),
                field="password",
            )
        mailbox.password = password or stored["password"]
    elif password is not None:
        mailbox.password = password
    if stored is None or mailbox.host != stored["host"]:
        try:
            validate_outbound_host(mailbox.host)
        except ValidationError as error:
            raise ServiceDeskError(" ".join(error.messages), field="host") from error
    validated_save(mailbox)
    return mailbox
