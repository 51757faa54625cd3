"""Deliveries: each message to send is a row first (the outbox), written in the same
transaction as the change it reports, then sent after commit by a task and, should that task
be lost, by the minute sweeper. The row's state makes sending safe to attempt twice."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Delivery(models.Model):
    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    key = models.CharField(
        max_length=200,
        unique=True,
        help_text="what this message is about and for whom: the same key is never sent twice",
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.EMAIL)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        related_name="deliveries",
        verbose_name=_("recipient"),
    )
    address = models.CharField(_("address"), max_length=254)
    subject = models.CharField(_("subject"), max_length=255)
    body = models.TextField(_("message"))
    headers = models.JSONField(default=dict, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    claim = models.UUIDField(null=True, blank=True, help_text="the attempt that is sending it")
    claimed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["created_at"], name="delivery_unsent", condition=models.Q(status__in=["pending", "sending"])
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.address}: {self.subject}"

    @staticmethod
    def new_claim() -> uuid.UUID:
        return uuid.uuid4()
