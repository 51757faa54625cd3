"""Notifications: rendered in each recipient's language and written as delivery rows in the
caller's transaction; sent after commit, once.

Sending a delivery: claim it (a token on the row, under lock), send, mark it sent. A second
attempt finds it claimed or sent and does nothing; a claim older than
``DELIVERY_CLAIM_TIMEOUT_SECONDS`` is taken as a lost attempt (the worker died) and sent
again. So a message is never lost; if a worker dies between the mail server's acceptance and
the commit of "sent", the message goes out again with the same Message-ID, which mail systems
treat as one message.
"""

import datetime
import hashlib
import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from notifications.models import Delivery

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8


def _claim_timeout() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.DELIVERY_CLAIM_TIMEOUT_SECONDS)


def email_users(
    *, users: Iterable, key: str, subject: str, template: str, context: dict, headers: dict | None = None
) -> list[Delivery]:
    """One email per user with an address, each in that user's language.

    ``key`` names the event (e.g. ``ticket:12:reply:34``); with the recipient it makes the
    delivery's unique key, so reporting the same event twice sends nothing twice. ``subject``
    is a translatable format string (marked with ``gettext_noop``) filled with ``context``.
    """
    deliveries = []
    for user in {u.pk: u for u in users if u is not None and u.email and u.is_active}.values():
        with translation.override(user.language or settings.LANGUAGE_CODE):
            rendered_subject = translation.gettext(subject) % context
            body = render_to_string(template, {**context, "recipient": user})
        delivery, created = Delivery.objects.get_or_create(
            key=f"{key}:user:{user.pk}",
            defaults={
                "recipient": user,
                "address": user.email,
                "subject": rendered_subject[:255],
                "body": body,
                "headers": headers or {},
            },
        )
        if created:
            deliveries.append(delivery)
            transaction.on_commit(lambda pk=delivery.pk: _enqueue(pk))
    return deliveries


def _enqueue(delivery_id: int) -> None:
    """Hand the delivery to a worker. The row is committed already: if the broker is down, the
    sweeper sends it later, and the request that caused it still succeeds."""
    from notifications.tasks import deliver

    try:
        deliver.delay(delivery_id)
    except Exception:
        logger.warning(
            "delivery %s not queued (broker unavailable); the sweeper will send it", delivery_id, exc_info=True
        )


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
        delivery.status, delivery.claim, delivery.claimed_at = Delivery.Status.SENDING, Delivery.new_claim(), now
        delivery.attempts += 1
        delivery.save(update_fields=["status", "claim", "claimed_at", "attempts"])
        return delivery, delivery.claim


def message_id(delivery: Delivery) -> str:
    """The same for every attempt at one delivery: a copy sent again after a lost "sent" record
    is the same message to the receiving mail system, which keeps one."""
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1] or "servicedesk"
    return f"<delivery-{delivery.pk}-{hashlib.sha256(delivery.key.encode()).hexdigest()[:16]}@{domain}>"


def delivery_send(*, delivery_id: int) -> bool:
    """Send one delivery unless it is sent or being sent. True when this call sent it."""
    claimed = _claim(delivery_id)
    if claimed is None:
        return False
    delivery, claim = claimed
    try:
        EmailMessage(
            subject=delivery.subject,
            body=delivery.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[delivery.address],
            headers={"Message-ID": message_id(delivery), **delivery.headers},
        ).send()
    except Exception as error:
        failed = delivery.attempts >= MAX_ATTEMPTS
        Delivery.objects.filter(pk=delivery.pk, claim=claim).update(
            status=Delivery.Status.FAILED if failed else Delivery.Status.PENDING,
            claim=None,
            last_error=f"{type(error).__name__}: {error}"[:2000],
        )
        logger.warning("delivery %s failed (attempt %s): %s", delivery.pk, delivery.attempts, error)
        raise
    Delivery.objects.filter(pk=delivery.pk, claim=claim).update(status=Delivery.Status.SENT, sent_at=timezone.now())
    return True


def deliveries_due() -> list[int]:
    """What the sweeper sends again: never claimed for a minute, or claimed too long ago."""
    now = timezone.now()
    return list(
        Delivery.objects.filter(
            Q(
                status=Delivery.Status.PENDING,
                created_at__lt=now - datetime.timedelta(seconds=settings.DELIVERY_SWEEP_AFTER_SECONDS),
            )
            | Q(status=Delivery.Status.SENDING, claimed_at__lt=now - _claim_timeout())
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:500]
    )
