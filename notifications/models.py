"""In-app notifications, the users' channel preferences, webhooks, and deliveries.

Deliveries: each message to send (an email, a webhook POST) is a row first (the outbox),
written in the same transaction as the change it reports, then sent after commit by a task
and, should that task be lost or the send fail, by the minute sweeper, with backoff. The row's
state makes sending safe to attempt twice.

The notifications module sits at the bottom of the house: it names what a notification is
about (``ticket_id``, ``reference``, ``url``) without importing the module that made it.
"""

import uuid

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.outbound import validate_outbound_url


class Reason(models.TextChoices):
    """Why someone is told: the API's ``reason``."""

    TICKET_CREATED = "ticket_created", _("Ticket received")
    TICKET_STATUS = "ticket_status", _("Status changed")
    TICKET_ASSIGNED = "ticket_assigned", _("Ticket assigned")
    TICKET_REPLY = "ticket_reply", _("New reply")
    TICKET_DISPATCHED = "ticket_dispatched", _("Engineer dispatched")
    SLA_WARNING = "sla_warning", _("SLA target at risk")
    SLA_BREACH = "sla_breach", _("SLA target breached")
    ESCALATION = "escalation", _("Escalation")
    ACKNOWLEDGED = "acknowledged", _("Escalation acknowledged")
    INCIDENT = "incident", _("Emergency incident")
    MAINTENANCE = "maintenance", _("Warranty and maintenance")
    TRAINING = "training", _("Training")


# What a team's or everyone's webhook gets unless its reasons say otherwise.
ALERT_REASONS = [Reason.SLA_WARNING, Reason.SLA_BREACH, Reason.ESCALATION, Reason.ACKNOWLEDGED, Reason.INCIDENT]


class Notification(models.Model):
    """One message in one user's bell. ``key`` is the event and the recipient: the unique
    constraint makes telling someone the same thing twice impossible, whoever tries."""

    key = models.CharField(max_length=200, unique=True)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("recipient")
    )
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    title = models.CharField(_("title"), max_length=255)
    body = models.TextField(_("message"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    ticket_id = models.PositiveBigIntegerField(_("ticket"), null=True, blank=True)
    reference = models.CharField(_("reference"), max_length=40, blank=True)
    urgent = models.BooleanField(_("urgent"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    # the reader's own link (``Message.reader_link``): a random token, made with the row, that
    # lets its recipient act on what it says (acknowledge an escalation) without signing in
    token = models.CharField(max_length=32, blank=True, default="", db_default="", editable=False)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox"),
            models.Index(fields=["recipient"], name="notification_unread", condition=models.Q(read_at__isnull=True)),
        ]
        constraints = [
            models.UniqueConstraint(fields=["token"], name="notification_token", condition=~models.Q(token=""))
        ]

    def __str__(self) -> str:
        return self.title


class Preference(models.Model):
    """A user's channels. The bell always gets everything; email and the personal webhook are
    the user's choice. During quiet hours (in the user's time zone) email and webhook messages
    wait until the quiet hours end, except urgent ones (the emergency groups' alerts)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    email = models.BooleanField(_("by email"), default=True)
    webhook = models.BooleanField(
        _("to my webhook"), default=True, help_text=_("Only if you have set up a personal webhook.")
    )
    quiet_from = models.TimeField(_("quiet hours from"), null=True, blank=True)
    quiet_until = models.TimeField(_("quiet hours until"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return str(self.user)


def _well_formed(url: str) -> bool:
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        return False
    return True


class Webhook(models.Model):
    """Where messages are POSTed: a team's group robot (DingTalk, WeCom, Feishu), a generic JSON
    endpoint signed with HMAC, or a person's own. A webhook of nobody (no team, no user) gets
    every alert; ``reasons`` narrows what it gets."""

    class Format(models.TextChoices):
        GENERIC = "generic", _("Generic JSON (HMAC-signed)")
        DINGTALK = "dingtalk", _("DingTalk group robot")
        WECOM = "wecom", _("WeCom group robot")
        FEISHU = "feishu", _("Feishu group robot")

    name = models.CharField(_("name"), max_length=120)
    url = models.URLField(_("URL"), max_length=500, validators=[URLValidator(schemes=["http", "https"])])
    format = models.CharField(_("format"), max_length=10, choices=Format.choices, default=Format.GENERIC)
    secret = models.CharField(
        _("signing secret"),
        max_length=200,
        blank=True,
        help_text=_("Generic: the HMAC key. DingTalk and Feishu: the robot's signing secret. Leave empty to not sign."),
    )
    team = models.ForeignKey(
        "accounts.Team",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="webhooks",
        verbose_name=_("team"),
        help_text=_("Messages to this team go here too."),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="webhooks",
        verbose_name=_("user"),
        help_text=_("A personal webhook: this user's messages go here."),
    )
    reasons = models.JSONField(
        _("reasons"),
        default=list,
        blank=True,
        help_text=_("Only these reasons; empty: the SLA alerts (a personal webhook: everything its user gets)."),
    )
    language = models.CharField(
        _("language"),
        max_length=10,
        blank=True,
        choices=settings.LANGUAGES,
        help_text=_("Of a team's or everyone's webhook; a personal one speaks its user's language."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                name="webhook_of_a_team_or_a_user",
                condition=models.Q(team__isnull=True) | models.Q(user__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, list] = {}
        if not isinstance(self.reasons, list) or not set(self.reasons) <= set(Reason.values):
            errors["reasons"] = [_("A list of reasons, from: %s") % ", ".join(Reason.values)]
        if self.url and _well_formed(self.url):  # a malformed URL has its field's error already
            try:
                validate_outbound_url(self.url)  # not on a loopback or private address (docs/security.md)
            except ValidationError as error:
                errors["url"] = error.messages
        if self.team_id and self.user_id:
            errors[NON_FIELD_ERRORS] = [_("A webhook belongs to a team or to a user, not both.")]
        if errors:
            raise ValidationError(errors)

    def wants(self, reason: str) -> bool:
        """A personal webhook gets what its user gets; the others the alerts, or their reasons."""
        wanted = self.reasons or (list(Reason.values) if self.user_id else ALERT_REASONS)
        return self.is_active and reason in wanted


class Delivery(models.Model):
    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        WEBHOOK = "webhook", _("Webhook")

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
    address = models.CharField(_("address"), max_length=500, help_text="an email address or a webhook URL")
    webhook = models.ForeignKey(Webhook, on_delete=models.SET_NULL, null=True, blank=True, related_name="deliveries")
    payload = models.JSONField(default=dict, blank=True, help_text="what a webhook delivery posts")
    subject = models.CharField(_("subject"), max_length=255)
    body = models.TextField(_("message"))
    headers = models.JSONField(default=dict, blank=True)
    attachments = models.JSONField(
        default=list, blank=True, help_text='files of an email: [{"filename", "content" (text), "mimetype"}]'
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    claim = models.UUIDField(null=True, blank=True, help_text="the attempt that is sending it")
    claimed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    next_attempt_at = models.DateTimeField(
        _("next attempt"),
        default=timezone.now,
        help_text="not before: now, after a failure's backoff, or when the recipient's quiet hours end",
    )
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    # an email's Message-ID, the same on every attempt, and the ticket it is about: a reply
    # naming it in In-Reply-To or References answers that ticket (the email intake)
    message_id = models.CharField(_("Message-ID"), max_length=250, blank=True, db_index=True)
    ticket_id = models.PositiveBigIntegerField(_("ticket"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="delivery_unsent",
                condition=models.Q(status__in=["pending", "sending"]),
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.address}: {self.subject}"

    @staticmethod
    def new_claim() -> uuid.UUID:
        return uuid.uuid4()
