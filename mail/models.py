"""The email intake: the mailboxes the desk reads, the rules that route a contact's email to a
project, and every message read, once (its Message-ID is unique), with what became of it."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel
from tickets.models import Priority


class Mailbox(TimeStampedModel):
    class Security(models.TextChoices):
        TLS = "tls", _("TLS (IMAPS)")
        STARTTLS = "starttls", _("STARTTLS")
        PLAIN = "plain", _("Plain (local servers only)")

    name = models.CharField(_("name"), max_length=120, unique=True)
    address = models.EmailField(
        _("support address"), blank=True, help_text=_("The address customers write to; mail from it is never read.")
    )
    host = models.CharField(_("IMAP server"), max_length=255)
    port = models.PositiveIntegerField(
        _("port"), default=993, validators=[MinValueValidator(1), MaxValueValidator(65535)]
    )
    security = models.CharField(_("security"), max_length=10, choices=Security.choices, default=Security.TLS)
    username = models.CharField(_("user name"), max_length=255)
    password = models.CharField(_("password"), max_length=255, blank=True)
    folder = models.CharField(_("folder"), max_length=255, default="INBOX")
    default_project = models.ForeignKey(
        "customers.Project",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("default project"),
        help_text=_("For contacts of its organisation when no rule chooses a project."),
    )
    authserv_id = models.CharField(
        _("authserv-id"),
        max_length=255,
        blank=True,
        help_text=_(
            "The name your receiving mail server gives itself in the Authentication-Results headers it adds "
            "(RFC 8601), e.g. mx.example.com. Only its verdicts count. Empty: the MAIL_AUTHSERV_ID setting."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)
    from_settings = models.BooleanField(
        default=False, editable=False, help_text="kept in step with the MAIL_IMAP_* settings at every poll"
    )
    last_polled_at = models.DateTimeField(_("last polled at"), null=True, blank=True, editable=False)
    last_error = models.TextField(_("last error"), blank=True, editable=False)

    class Meta:
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def effective_authserv_id(self) -> str:
        """The authserv-id whose verdicts count for this mailbox ("": senders are not verified)."""
        return self.authserv_id.strip() or settings.MAIL_AUTHSERV_ID


class RoutingRule(TimeStampedModel):
    """Sends a contact's new email to a project when the field contains the text (any case).
    Rules are tried in order; one naming another organisation's project never applies."""

    class Field(models.TextChoices):
        SENDER = "sender", _("Sender address")
        RECIPIENT = "recipient", _("To or Cc address")
        SUBJECT = "subject", _("Subject")

    name = models.CharField(_("name"), max_length=120)
    position = models.PositiveSmallIntegerField(_("order"), default=0, validators=[MaxValueValidator(32767)])
    mailbox = models.ForeignKey(
        Mailbox,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="rules",
        verbose_name=_("mailbox"),
        help_text=_("Empty: every mailbox."),
    )
    field = models.CharField(_("field"), max_length=10, choices=Field.choices)
    contains = models.CharField(_("contains"), max_length=200)
    project = models.ForeignKey(
        "customers.Project", on_delete=models.CASCADE, related_name="+", verbose_name=_("delivered project")
    )
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.name


def raw_path(instance: "InboundMessage", filename: str) -> str:
    return f"mail/{instance.received_at:%Y/%m}/{filename}"


class InboundMessage(models.Model):
    class Status(models.TextChoices):
        TICKET = "ticket", _("Opened a ticket")
        REPLY = "reply", _("Added to a ticket")
        TRIAGE = "triage", _("Waiting for triage")
        IGNORED = "ignored", _("Ignored")
        QUARANTINED = "quarantined", _("Quarantined")
        DISMISSED = "dismissed", _("Dismissed")

    message_id = models.CharField(_("Message-ID"), max_length=250, unique=True)
    mailbox = models.ForeignKey(
        Mailbox, on_delete=models.SET_NULL, null=True, blank=True, related_name="messages", verbose_name=_("mailbox")
    )
    uid = models.PositiveBigIntegerField(_("IMAP UID"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"), db_index=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    sender = models.CharField(pgettext_lazy("email sender", "from"), max_length=320, blank=True)
    sender_name = models.CharField(_("sender name"), max_length=200, blank=True)
    recipients = models.JSONField(_("to and cc"), default=list, blank=True)
    subject = models.CharField(_("subject"), max_length=998, blank=True)
    in_reply_to = models.TextField(blank=True)
    references = models.TextField(blank=True)
    body = models.TextField(_("text"), blank=True, help_text=_("The message's text, as it was stored on the ticket."))
    attachment_names = models.JSONField(_("attachments"), default=list, blank=True)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    sender_verified = models.BooleanField(
        _("sender verified"),
        default=False,
        help_text=_("The receiving server authenticated the From address (DMARC, or aligned DKIM or SPF)."),
    )
    raw = models.FileField(_("original message"), upload_to=raw_path, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    reason = models.TextField(pgettext_lazy("what became of an email", "reason"), blank=True)
    # the reason as its translatable text and values, so each reader gets it in their language
    reason_template = models.TextField(blank=True, editable=False)
    reason_params = models.JSONField(default=dict, blank=True, editable=False)
    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ticket"),
        help_text=_("The ticket it opened or was added to; for triage, the ticket it seems to answer."),
    )
    contact = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("contact"),
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("handled by"),
    )
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("inbound email")
        verbose_name_plural = _("inbound emails")
        ordering = ["-received_at", "-pk"]
        indexes = [models.Index(fields=["status", "-received_at"], name="inbound_status")]

    def __str__(self) -> str:
        return f"{self.sender}: {self.subject}"

    @property
    def reason_display(self) -> str:
        """The reason in the reader's language (a refusal of the tickets' rules stays as it was
        said: ``reason`` only)."""
        if not self.reason_template:
            return self.reason
        text = gettext(self.reason_template)
        return text % self.reason_params if self.reason_params else text


class CcRequest(TimeStampedModel):
    """An address an email asked to copy on a ticket that is not a contact of the ticket's
    organisation: it receives nothing until staff approve it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+", verbose_name=_("ticket"))
    address = models.EmailField(_("address"))
    inbound = models.ForeignKey(
        InboundMessage,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cc_requests",
        verbose_name=_("email"),
        help_text=_("The email that named the address."),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("CC address to approve")
        verbose_name_plural = _("CC addresses to approve")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "address"],
                condition=models.Q(status="pending"),
                name="one_pending_cc_request_per_address",
            )
        ]

    def __str__(self) -> str:
        return f"{self.address} ({self.get_status_display()})"
