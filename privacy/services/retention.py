"""The retention policy for closed tickets' files (docs/personal-data.md).

``RETENTION_ATTACHMENT_DAYS`` and ``RETENTION_ORIGINAL_EMAIL_DAYS`` (empty or 0: kept forever,
the default) count from the ticket's closing. Only tickets that are closed now count: a
reopened ticket is not closed, and nothing of it is removed. An attachment past the limit is
deleted, file and row (it leaves the ticket's page; the run's report names the ticket and the
file); an original email (the ``.eml`` an inbound email was read from) loses its file, and
the email's row, text and link to the ticket stay. Each run is a ``RetentionRun`` row, logged.
Batched, and idempotent: a second run finds nothing more to do; a file that cannot be deleted
is reported and its row kept, so the next run tries again.
"""

import datetime
import logging
from collections.abc import Iterator

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from mail.models import InboundMessage
from privacy.models import RetentionRun
from tickets.models import Attachment, Ticket

logger = logging.getLogger(__name__)

BATCH_SIZE = 200
REPORTED_ITEMS = 1000  # the run's report lists at most this many removed files


def _days(name: str) -> int | None:
    value = getattr(settings, name, None)
    return int(value) if value else None


def _closed_before(days: int | None, now: datetime.datetime) -> dict | None:
    if not days:
        return None
    return {"ticket__status": Ticket.Status.CLOSED, "ticket__closed_at__lt": now - datetime.timedelta(days=days)}


def expired_attachments(now: datetime.datetime, days: int | None) -> QuerySet[Attachment]:
    lookup = _closed_before(days, now)
    if lookup is None:
        return Attachment.objects.none()
    return Attachment.objects.filter(**lookup).select_related("ticket").order_by("pk")


def expired_originals(now: datetime.datetime, days: int | None) -> QuerySet[InboundMessage]:
    lookup = _closed_before(days, now)
    if lookup is None:
        return InboundMessage.objects.none()
    return InboundMessage.objects.filter(**lookup).exclude(raw="").select_related("ticket").order_by("pk")


def _batches(queryset: QuerySet, after: int = 0) -> Iterator[list]:
    while True:
        batch = list(queryset.filter(pk__gt=after)[:BATCH_SIZE])
        if not batch:
            return
        yield batch
        after = batch[-1].pk


def _remove_attachments(run: RetentionRun, now: datetime.datetime) -> None:
    storage = Attachment._meta.get_field("file").storage
    for batch in _batches(expired_attachments(now, run.attachment_days)):
        gone: list[Attachment] = []
        for attachment in batch:
            if not run.dry_run:
                try:
                    if attachment.file.name:
                        storage.delete(attachment.file.name)
                except OSError as error:
                    run.errors.append({"kind": "attachment", "id": attachment.pk, "error": str(error)[:300]})
                    continue
            gone.append(attachment)
        if not run.dry_run:
            Attachment.objects.filter(pk__in=[a.pk for a in gone]).delete()
        run.attachments_removed += len(gone)
        run.bytes_freed += sum(a.size for a in gone)
        _note(run, "attachment", gone, lambda a: a.name)


def _remove_originals(run: RetentionRun, now: datetime.datetime) -> None:
    storage = InboundMessage._meta.get_field("raw").storage
    # a real run empties ``raw``, so the rows it handled drop out of the query: page by pk anyway
    for batch in _batches(expired_originals(now, run.original_email_days)):
        gone: list[InboundMessage] = []
        for message in batch:
            if not run.dry_run:
                try:
                    storage.delete(message.raw.name)
                except OSError as error:
                    run.errors.append({"kind": "original_email", "id": message.pk, "error": str(error)[:300]})
                    continue
            gone.append(message)
        if not run.dry_run:
            InboundMessage.objects.filter(pk__in=[m.pk for m in gone]).update(raw="")
        run.original_emails_removed += len(gone)
        run.bytes_freed += sum(m.size for m in gone)
        _note(run, "original_email", gone, lambda m: m.raw.name.rsplit("/", 1)[-1])


def _note(run: RetentionRun, kind: str, items: list, name) -> None:
    for item in items:
        if len(run.removed) >= REPORTED_ITEMS:
            return
        run.removed.append({"kind": kind, "id": item.pk, "ticket": item.ticket.reference, "name": name(item)})


def retention_apply(*, dry_run: bool = False, now: datetime.datetime | None = None) -> RetentionRun:
    """Apply the retention settings once; the run's report (saved, also for a dry run)."""
    now = now or timezone.now()
    run = RetentionRun.objects.create(
        started_at=timezone.now(),
        dry_run=dry_run,
        attachment_days=_days("RETENTION_ATTACHMENT_DAYS"),
        original_email_days=_days("RETENTION_ORIGINAL_EMAIL_DAYS"),
    )
    # no transaction around a run: each batch's rows go in one statement after its files
    _remove_attachments(run, now)
    _remove_originals(run, now)
    run.finished_at = timezone.now()
    run.save()
    log = logger.warning if run.errors else logger.info
    log(
        "retention%s: %s attachments, %s original emails, %s bytes, %s errors",
        " (dry run)" if dry_run else "",
        run.attachments_removed,
        run.original_emails_removed,
        run.bytes_freed,
        len(run.errors),
    )
    return run
