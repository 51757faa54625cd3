"""Sending a delivery: claim it (a token on the row, under lock), send, mark it sent. A second
attempt finds it claimed or sent and does nothing; a claim older than
``DELIVERY_CLAIM_TIMEOUT_SECONDS`` is taken as a lost attempt (the worker died) and sent
again. A failed send goes back to pending with a later ``next_attempt_at`` (exponential
backoff) until ``MAX_ATTEMPTS``, then stays failed, with its error, for admins to see; a webhook
whose address the desk may not call (``core.outbound``) fails at once. Urgent deliveries go to
their own queue.
"""

import datetime
import logging

from django.conf import settings
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from core.outbound import OutboundRefused
from notifications import channels
from notifications.models import Delivery

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
BACKOFF_FIRST_SECONDS = 30
BACKOFF_MAX_SECONDS = 3600


def _sweep_after() -> int:
    return settings.DELIVERY_SWEEP_AFTER_SECONDS


def _claim_timeout() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.DELIVERY_CLAIM_TIMEOUT_SECONDS)


URGENT_QUEUE = "urgent"
BATCH_SEND = 20


def delivery_enqueue(delivery_id: int, *, urgent: bool = False) -> None:
    """Hand the delivery to a worker: an urgent one (an emergency group's alert) on the
    ``urgent`` queue, which bulk mail never stands in front of. The row is committed already: if
    the broker is down, the sweeper sends it later, and the request that caused it still succeeds."""
    from notifications.tasks import deliver

    try:
        deliver.apply_async((delivery_id,), queue=URGENT_QUEUE if urgent else None)
    except Exception:
        logger.warning(
            "delivery %s not queued (broker unavailable); the sweeper will send it", delivery_id, exc_info=True
        )


def deliveries_enqueue(delivery_ids: list[int], *, urgent: bool = False) -> None:
    """Hand many deliveries to the workers, ``BATCH_SEND`` to a task (a burst of breaches)."""
    from notifications.tasks import deliver_batch

    queue = URGENT_QUEUE if urgent else None
    try:
        # one connection to the broker for all the tasks, not one taken from the pool per task
        with deliver_batch.app.producer_or_acquire() as producer:
            for start in range(0, len(delivery_ids), BATCH_SEND):
                chunk = delivery_ids[start : start + BATCH_SEND]
                deliver_batch.apply_async((chunk,), queue=queue, producer=producer)
    except Exception:
        logger.warning("deliveries %s not all queued (broker unavailable); the sweeper will send them", delivery_ids)


def _claim(delivery_id: int) -> tuple[Delivery, object] | None:
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().filter(pk=delivery_id).first()
        if delivery is None or delivery.status in (Delivery.Status.SENT, Delivery.Status.FAILED):
            return None
        now = timezone.now()
        if (
            delivery.status == Delivery.Status.SENDING
            and delivery.claimed_at
            and now - delivery.claimed_at < _claim_timeout()
        ):
            return None  # another attempt is sending it right now
        if delivery.status == Delivery.Status.PENDING and delivery.next_attempt_at > now:
            return None  # held for quiet hours, or backing off after a failure
        delivery.status, delivery.claim, delivery.claimed_at = Delivery.Status.SENDING, Delivery.new_claim(), now
        delivery.attempts += 1
        delivery.save(update_fields=["status", "claim", "claimed_at", "attempts"])
        return delivery, delivery.claim


def backoff(attempts: int) -> datetime.timedelta:
    """30 s after the first failure, doubling, at most an hour."""
    return datetime.timedelta(seconds=min(BACKOFF_FIRST_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_MAX_SECONDS))


def delivery_send(*, delivery_id: int) -> bool:
    """Send one delivery unless it is sent, being sent, or not due. True when this call sent
    it; a failure is recorded on the row (error, next attempt) and does not raise."""
    claimed = _claim(delivery_id)
    if claimed is None:
        return False
    delivery, claim = claimed
    try:
        channels.send(delivery)
    except Exception as error:
        _failed(delivery, claim, error)
        return False
    Delivery.objects.filter(pk=delivery.pk, claim=claim).update(status=Delivery.Status.SENT, sent_at=timezone.now())
    return True


def deliveries_send(*, delivery_ids: list[int]) -> int:
    """``delivery_send`` for a batch (a burst fanned out): the rows claimed together (one
    statement, rows another attempt holds skipped), the emails over one mail connection, each
    marked sent as soon as it is. A failure is recorded on its row as ``delivery_send`` does.
    Returns how many this call sent."""
    now = timezone.now()
    claim = Delivery.new_claim()
    with transaction.atomic():
        rows = list(
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pk__in=delivery_ids)
            .filter(
                Q(status=Delivery.Status.PENDING, next_attempt_at__lte=now)
                | Q(status=Delivery.Status.SENDING, claimed_at__lt=now - _claim_timeout())
            )
            .select_related("webhook")
            .order_by("pk")
        )
        Delivery.objects.filter(pk__in=[d.pk for d in rows]).update(
            status=Delivery.Status.SENDING, claim=claim, claimed_at=now, attempts=F("attempts") + 1
        )
    sent = 0
    connection = None
    try:
        for delivery in rows:
            delivery.attempts += 1
            try:
                if delivery.channel == Delivery.Channel.EMAIL and connection is None:
                    connection = get_connection()
                    connection.open()
                channels.send(delivery, connection=connection)
            except Exception as error:
                _failed(delivery, claim, error)
                continue
            Delivery.objects.filter(pk=delivery.pk, claim=claim).update(
                status=Delivery.Status.SENT, sent_at=timezone.now()
            )
            sent += 1
    finally:
        if connection is not None:
            connection.close()
    return sent


def _failed(delivery: Delivery, claim, error: Exception) -> None:
    # an address the desk may not call (it now resolves inside the network) will not get
    # better by retrying: the delivery fails at once, with the reason, for admins to see
    failed = delivery.attempts >= MAX_ATTEMPTS or isinstance(error, OutboundRefused)
    Delivery.objects.filter(pk=delivery.pk, claim=claim).update(
        status=Delivery.Status.FAILED if failed else Delivery.Status.PENDING,
        claim=None,
        next_attempt_at=timezone.now() + backoff(delivery.attempts),
        last_error=f"{type(error).__name__}: {error}"[:2000],
    )
    logger.warning("delivery %s failed (attempt %s): %s", delivery.pk, delivery.attempts, error)


def deliveries_due(limit: int = 500) -> list[int]:
    """What the sweeper sends: pending and due for ``DELIVERY_SWEEP_AFTER_SECONDS`` (a lost
    task, a retry after its backoff, the end of quiet hours: whatever a task has not picked up
    by then), or claimed too long ago (the worker died)."""
    now = timezone.now()
    return list(
        Delivery.objects.filter(
            Q(status=Delivery.Status.PENDING, next_attempt_at__lte=now - datetime.timedelta(seconds=_sweep_after()))
            | Q(status=Delivery.Status.SENDING, claimed_at__lt=now - _claim_timeout())
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


# --- the bell ------------------------------------------------------------------------------
