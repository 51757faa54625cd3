"""What a reader sets and does: marking notifications read, their preferences and personal
webhook, and the admins' webhooks."""

import datetime

from django.db import transaction
from django.utils import timezone, translation

from accounts.models import User
from core.errors import NotAllowed
from notifications.models import Notification, Preference, Webhook


def notification_read(*, user: User, notification_id: int) -> Notification:
    notification = Notification.objects.get(pk=notification_id, recipient=user)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_read_all(*, user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at=None).update(read_at=timezone.now())


@transaction.atomic
def preference_save(
    *,
    user: User,
    email: bool,
    webhook: bool,
    quiet_from: datetime.time | None,
    quiet_until: datetime.time | None,
) -> Preference:
    preference, _created = Preference.objects.get_or_create(user=user)
    preference.email, preference.webhook = email, webhook
    preference.quiet_from, preference.quiet_until = quiet_from, quiet_until
    preference.save()
    return preference


@transaction.atomic
def personal_webhook_save(*, user: User, url: str, format: str, secret: str) -> Webhook | None:
    """A staff user's own webhook (one): set, changed, or removed with an empty URL."""
    if not user.is_staff_member:
        raise NotAllowed(translation.gettext("Personal webhooks are for staff."))
    webhook = user.webhooks.first()
    if not url:
        if webhook is not None:
            webhook.delete()
        return None
    webhook = webhook or Webhook(user=user, name=str(user))
    webhook.url, webhook.format, webhook.secret = url, format, secret
    webhook.full_clean()
    webhook.save()
    return webhook


WEBHOOK_FIELDS = ("name", "url", "format", "secret", "team", "user", "reasons", "is_active")


@transaction.atomic
def webhook_save(*, webhook: Webhook | None = None, **fields) -> Webhook:
    """An administrator's webhook: a team's robot, or one that takes every message of its reasons."""
    webhook = webhook or Webhook()
    for name in WEBHOOK_FIELDS:
        if name in fields:
            setattr(webhook, name, fields[name])
    webhook.full_clean()
    webhook.save()
    return webhook
