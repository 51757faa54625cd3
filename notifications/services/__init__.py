"""Notifications: telling people (``telling``), sending what was written (``sending``), and what
readers and admins set (``preferences``). Other apps import from here."""

from notifications.services.preferences import (
    WEBHOOK_FIELDS,
    notification_read,
    notifications_read_all,
    personal_webhook_save,
    preference_save,
    webhook_save,
)
from notifications.services.sending import (
    BACKOFF_FIRST_SECONDS,
    BACKOFF_MAX_SECONDS,
    BATCH_SEND,
    MAX_ATTEMPTS,
    URGENT_QUEUE,
    backoff,
    deliveries_due,
    deliveries_enqueue,
    deliveries_send,
    delivery_enqueue,
    delivery_send,
)
from notifications.services.telling import READER_LINK, Message, Notice, mark, notify, notify_many, preference_for

__all__ = [
    "BACKOFF_FIRST_SECONDS",
    "BACKOFF_MAX_SECONDS",
    "BATCH_SEND",
    "MAX_ATTEMPTS",
    "READER_LINK",
    "URGENT_QUEUE",
    "WEBHOOK_FIELDS",
    "Message",
    "Notice",
    "backoff",
    "deliveries_due",
    "deliveries_enqueue",
    "deliveries_send",
    "delivery_enqueue",
    "delivery_send",
    "mark",
    "notification_read",
    "notifications_read_all",
    "notify",
    "notify_many",
    "personal_webhook_save",
    "preference_for",
    "preference_save",
    "webhook_save",
]
