"""Tickets, their history, replies, attachments and on-site visits."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel
from tickets.models.common import Priority


class TicketCounter(models.Model):
    """The last reference number handed out per year (row-locked while a ticket is created)."""

    year = models.PositiveIntegerField(primary_key=True)
    value = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.value}"


OPEN_STATUS_VALUES = ["new", "acknowledged", "in_progress", "waiting_on_customer"]


class Ticket(TimeStampedModel):
    class Status(models.TextChoices):
        NEW = "new", _("New")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        IN_PROGRESS = "in_progress", _("In progress")
        WAITING_ON_CUSTOMER = "waiting_on_customer", _("Waiting on customer")
        RESOLVED = "resolved", _("Resolved")
        CLOSED = "closed", _("Closed")

    class Channel(models.TextChoices):
        PORTAL = "portal", _("Portal")
        HOTLINE = "hotline", _("Service hotline")
        EMAIL = "email", _("Email")
        INSTANT_MESSAGE = "instant_message", _("Instant message")
        REMOTE_DESKTOP = "remote_desktop", _("Remote desktop")
        ON_SITE = "on_site", _("On site")

    class Category(models.TextChoices):
        FAULT = "fault", _("Fault")
        QUESTION = "question", _("Question")
        REQUEST = "request", _("Service request")
        CHANGE = "change", _("Change or upgrade")
        COMPLAINT = "complaint", _("Complaint")

    OPEN_STATUSES = (Status.NEW, Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.WAITING_ON_CUSTOMER)

    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    organisation = models.ForeignKey(
        "customers.Organisation", on_delete=models.PROTECT, related_name="tickets", verbose_name=_("organisation")
    )
    project = models.ForeignKey(
        "customers.Project", on_delete=models.PROTECT, related_name="tickets", verbose_name=_("delivered project")
    )
    asset = models.ForeignKey(
        "customers.InstalledProduct",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("asset"),
        help_text=_("The installed product the report is about, when known."),
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reported_tickets", verbose_name=_("reporter")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("filed by"),
        help_text=_("Who entered the ticket: the reporter, or the engineer who logged the call."),
    )
    request_key = models.CharField(
        max_length=100, null=True, blank=True, editable=False, help_text="the client's Idempotency-Key, if it sent one"
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, default=Channel.PORTAL)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices, default=Category.FAULT)
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    status = models.CharField(_("status"), max_length=24, choices=Status.choices, default=Status.NEW)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("symptoms"), help_text=_("What happens, what you see, error messages."))
    occurred_at = models.DateTimeField(_("when it happened"), null=True, blank=True)
    location = models.CharField(_("where"), max_length=200, blank=True)
    impact = models.TextField(_("scope of impact"), blank=True, help_text=_("Who or what is affected, and how badly."))
    measures_taken = models.TextField(_("measures already taken"), blank=True)
    received_at = models.DateTimeField(
        _("received at"), help_text=_("When the report reached us; the SLA clocks start here.")
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_tickets",
        verbose_name=_("assignee"),
    )
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.PROTECT, null=True, blank=True, related_name="tickets", verbose_name=_("team")
    )
    first_response_at = models.DateTimeField(_("first response at"), null=True, blank=True)
    next_due_at = models.DateTimeField(
        _("next due"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("The earliest due moment of the running SLA clocks."),
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    rating = models.PositiveSmallIntegerField(
        _("rating"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    rating_comment = models.TextField(_("rating comment"), blank=True)
    cc = models.JSONField(
        _("CC list"),
        default=list,
        blank=True,
        help_text=_("Email addresses that receive the public replies, besides the reporter."),
    )
    email_thread = models.CharField(
        _("email thread"),
        max_length=998,
        blank=True,
        editable=False,
        help_text="the Message-ID of the email that opened the ticket; its emails answer it",
    )
    sender_verified = models.BooleanField(
        _("sender verified"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Filed from an email: whether its sender was authenticated. Empty: not filed from an email."),
    )

    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="merged_tickets",
        verbose_name=_("merged into"),
        help_text=_("The ticket this one continues in: set when it was merged, and it closed."),
    )

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["-received_at"]
        indexes = [
            models.Index(fields=["organisation", "status"], name="ticket_org_status"),
            models.Index(fields=["assignee", "status"], name="ticket_assignee_status"),
            models.Index(fields=["status", "priority"], name="ticket_status_priority"),
            models.Index(fields=["-received_at"], name="ticket_received"),
            # the queue: open tickets by their nearest due moment
            models.Index(fields=["next_due_at"], name="ticket_queue_due", condition=Q(status__in=OPEN_STATUS_VALUES)),
            # the email intake threads a reply onto the ticket its first email opened
            models.Index(fields=["email_thread"], name="ticket_email_thread", condition=~Q(email_thread="")),
            # the dashboard's ratings per month of resolution: an index-only scan of the rated
            # tickets (docs/benchmarks.md, the SLA dashboard)
            models.Index(
                fields=["resolved_at"],
                include=["rating", "id", "organisation", "project"],
                name="ticket_rated",
                condition=Q(rating__isnull=False),
            ),
        ]
        constraints = [
            # a client retrying a POST with the same Idempotency-Key gets the ticket it made
            models.UniqueConstraint(
                fields=["created_by", "request_key"],
                name="one_ticket_per_request_key",
                condition=Q(request_key__isnull=False),
            )
        ]

    def clean(self) -> None:
        if self.project_id and self.organisation_id and self.project.organisation_id != self.organisation_id:
            raise ValidationError({"project": _("The project belongs to another organisation.")})

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"


class TicketEvent(models.Model):
    """The ticket's append-only history: the service archive. Never updated, never deleted."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        STATUS = "status", _("Status changed")
        PRIORITY = "priority", _("Priority changed")
        ASSIGNED = "assigned", _("Assigned")
        REPLY = "reply", _("Public reply")
        NOTE = "note", _("Internal note")
        ATTACHMENT = "attachment", _("Attachment added")
        DISPATCHED = "dispatched", _("Engineer dispatched")
        ARRIVED = "arrived", _("Engineer arrived")
        DEPARTED = "departed", _("Engineer left the site")
        CLOCK_STOPPED = "clock_stopped", _("SLA clock stopped")
        BREACHED = "breached", _("SLA target breached")
        WARNED = "warned", _("SLA warning sent")
        ESCALATED = "escalated", _("Escalation step")
        ESCALATION_ACKNOWLEDGED = "escalation_ack", _("Escalation acknowledged")
        RATED = "rated", _("Resolution rated")
        INCIDENT = "incident", _("Emergency incident opened")
        COVERAGE = "coverage", _("Coverage decided")
        CC = "cc", _("CC list changed")
        MERGED = "merged", _("Merged into another ticket")
        MERGED_IN = "merged_in", _("Another ticket merged in")
        LINKED = "linked", _("Linked")
        UNLINKED = "unlinked", _("Link removed")
        TIME = "time", _("Time recorded")
        MACRO = "macro", _("Macro applied")
        IMPORTED = "imported", _("Imported")

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    public = models.BooleanField(default=True, help_text=_("Shown to the customer."))
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("ticket event")
        verbose_name_plural = _("ticket events")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind}"


class Comment(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("message"))
    public = models.BooleanField(
        _("public"), default=True, help_text=_("Unticked: an internal note, never shown to the customer.")
    )
    sender_verified = models.BooleanField(
        _("sender verified"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Added from an email: whether its sender was authenticated. Empty: not from an email."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("reply")
        verbose_name_plural = _("replies")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.body[:60]


def attachment_path(instance: "Attachment", filename: str) -> str:
    today = datetime.date.today()
    return f"tickets/{today:%Y/%m}/{instance.ticket_id}/{filename}"


class Attachment(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="attachments")
    comment = models.ForeignKey(Comment, on_delete=models.PROTECT, null=True, blank=True, related_name="attachments")
    file = models.FileField(upload_to=attachment_path)
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    public = models.BooleanField(default=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.name


class OnsiteVisit(models.Model):
    """An engineer sent on site: who goes, when they left, expected and actual arrival, departure."""

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="visits")
    engineer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="visits", verbose_name=_("engineer")
    )
    dispatched_at = models.DateTimeField(_("dispatched at"))
    departed_at = models.DateTimeField(_("left for the site at"), null=True, blank=True)
    expected_arrival_at = models.DateTimeField(_("expected arrival"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("arrived at"), null=True, blank=True)
    left_site_at = models.DateTimeField(_("left the site at"), null=True, blank=True)
    work_done = models.TextField(_("work done"), blank=True)

    class Meta:
        verbose_name = _("on-site visit")
        verbose_name_plural = _("on-site visits")
        ordering = ["dispatched_at", "pk"]

    def __str__(self) -> str:
        return f"{self.engineer} {self.dispatched_at:%Y-%m-%d %H:%M}"
