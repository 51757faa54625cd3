"""Polling the mailboxes over IMAP."""

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

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


@transaction.atomic
def mailbox_save(*, mailbox: Mailbox | None = None, **fields: Any) -> Mailbox:
    """Create or change a mailbox of the admin (the settings' own is kept by ``mailbox_from_settings``)."""
    mailbox = mailbox or Mailbox()
    assign(mailbox, fields)
    validated_save(mailbox)
    return mailbox
