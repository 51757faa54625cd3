"""Tickets, their history, replies, attachments and on-site visits; business calendars, SLA
policies and the SLA clocks of each ticket."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel
from tickets.worktime import format_hhmm


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class Metric(models.TextChoices):
    FIRST_RESPONSE = "first_response", _("First response")
    RESOLUTION = "resolution", _("Resolution")
    ONSITE_ARRIVAL = "onsite_arrival", _("On-site arrival")


# --- business calendars -------------------------------------------------------------------


class BusinessCalendar(TimeStampedModel):
    """Working hours per weekday in a time zone, with dated exceptions."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    timezone = models.CharField(_("time zone"), max_length=64, default=settings.TIME_ZONE)
    country = models.CharField(
        _("country"),
        max_length=2,
        blank=True,
        help_text=_(
            "ISO 3166 code, e.g. CN: its public holidays and make-up working days are imported every "
            "December for the coming year. Empty for a calendar without holidays."
        ),
    )
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class WorkingHours(models.Model):
    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="hours")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    # minutes after local midnight; 1440 is 24:00
    start_minute = models.PositiveSmallIntegerField(_("start"), validators=[MaxValueValidator(1439)])
    end_minute = models.PositiveSmallIntegerField(_("end"), validators=[MinValueValidator(1), MaxValueValidator(1440)])

    class Meta:
        verbose_name = _("working hours")
        verbose_name_plural = _("working hours")
        ordering = ["weekday", "start_minute"]
        constraints = [
            models.CheckConstraint(
                name="working_hours_start_before_end", condition=Q(start_minute__lt=models.F("end_minute"))
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {format_hhmm(self.start_minute)}-{format_hhmm(self.end_minute)}"


class CalendarDay(models.Model):
    """A dated exception: a holiday, or a weekend date that is worked (调休上班日)."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Public holiday")
        WORKDAY = "workday", _("Make-up working day")

    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="days")
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["calendar", "date"], name="one_exception_per_calendar_date")]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"


# --- SLA policies -------------------------------------------------------------------------


class SLAPolicy(TimeStampedModel):
    name = models.CharField(_("name"), max_length=120, unique=True)
    description = models.TextField(_("description"), blank=True)
    is_default = models.BooleanField(
        _("default"), default=False, help_text=_("Covers the projects that have no policy of their own.")
    )
    warn_at_percent = models.PositiveSmallIntegerField(
        _("warn at (percent of target)"),
        null=True,
        blank=True,
        default=75,
        validators=[MinValueValidator(1), MaxValueValidator(99)],
        help_text=_("The assignee is warned when this share of a target's time is used; empty for no warning."),
    )

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True), name="one_default_sla_policy")
        ]

    def __str__(self) -> str:
        return self.name


class SLATarget(models.Model):
    policy = models.ForeignKey(SLAPolicy, on_delete=models.CASCADE, related_name="targets")
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices)
    metric = models.CharField(_("metric"), max_length=20, choices=Metric.choices)
    minutes = models.PositiveIntegerField(_("minutes"), validators=[MinValueValidator(1), MaxValueValidator(525_600)])
    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.PROTECT, related_name="targets", verbose_name=_("calendar")
    )

    class Meta:
        verbose_name = _("SLA target")
        verbose_name_plural = _("SLA targets")
        ordering = ["priority", "metric"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "priority", "metric"], name="one_target_per_priority_and_metric")
        ]

    def __str__(self) -> str:
        return f"{self.get_priority_display()} · {self.get_metric_display()} · {self.minutes}"


# --- tickets ------------------------------------------------------------------------------


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


class SLAClock(models.Model):
    """One SLA metric of one ticket.

    ``due_at = calendar.add(started_at, target + paused)`` where ``paused`` is the working time
    spent paused (waiting on the customer, or between resolution and reopening). It is always
    stored, so "what is due next" is an index scan. ``version`` changes with every move, so a
    deadline task that was queued for an older due moment can tell it is stale.
    """

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="clocks")
    metric = models.CharField(max_length=20, choices=Metric.choices)
    target_minutes = models.PositiveIntegerField()
    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField()
    due_at = models.DateTimeField()
    paused_at = models.DateTimeField(null=True, blank=True)
    paused_seconds = models.BigIntegerField(default=0, help_text="working seconds spent paused, all pauses together")
    stopped_at = models.DateTimeField(null=True, blank=True)
    working_seconds = models.BigIntegerField(
        null=True, blank=True, help_text="working seconds from start to stop, pauses left out; set when it stops"
    )
    breached_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    # deadline enforcement (tickets/deadlines.py)
    warn_percent = models.PositiveSmallIntegerField(null=True, blank=True, help_text="the policy's, at the start")
    warn_at = models.DateTimeField(null=True, blank=True)
    warned_at = models.DateTimeField(null=True, blank=True)
    escalation_policy = models.ForeignKey(
        "EscalationPolicy", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    escalation_position = models.PositiveIntegerField(default=0, help_text="steps taken, all repetitions together")
    escalation_next_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("acknowledged by"),
    )

    class Meta:
        verbose_name = _("SLA clock")
        verbose_name_plural = _("SLA clocks")
        constraints = [models.UniqueConstraint(fields=["ticket", "metric"], name="one_clock_per_ticket_metric")]
        indexes = [
            # running clocks ordered by due: "breaching within an hour"
            models.Index(
                fields=["due_at"], name="sla_running_due", condition=Q(stopped_at__isnull=True, paused_at__isnull=True)
            ),
            models.Index(fields=["ticket", "due_at"], name="sla_ticket_due"),
            # the watchdog's three questions: who breaches, who is warned, whose escalation moves next
            models.Index(
                fields=["due_at"],
                name="sla_watch_due",
                condition=Q(stopped_at__isnull=True, paused_at__isnull=True, breached_at__isnull=True),
            ),
            models.Index(
                fields=["warn_at"],
                name="sla_watch_warn",
                condition=Q(
                    stopped_at__isnull=True, paused_at__isnull=True, breached_at__isnull=True, warned_at__isnull=True
                ),
            ),
            models.Index(
                fields=["escalation_next_at"],
                name="sla_watch_escalation",
                condition=Q(escalation_next_at__isnull=False),
            ),
            # the dashboard's breaches, the latest due first (reports.selectors.breaches): its first
            # page walks this index instead of sorting every breached clock of the period
            models.Index(fields=["-due_at", "-id"], name="sla_latest_due"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.metric}"

    @property
    def is_running(self) -> bool:
        return self.stopped_at is None and self.paused_at is None


# --- escalation ---------------------------------------------------------------------------


class EscalationPolicy(TimeStampedModel):
    """What happens after a breach: ordered steps, each a delay after the previous one, the
    whole chain repeated ``repeat_count`` more times. Chosen at the breach by the most specific
    match of project, priority and metric (empty matches any)."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    description = models.TextField(_("description"), blank=True)
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices, blank=True)
    metric = models.CharField(_("metric"), max_length=20, choices=Metric.choices, blank=True)
    project = models.ForeignKey(
        "customers.Project",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="escalation_policies",
        verbose_name=_("delivered project"),
    )
    repeat_count = models.PositiveSmallIntegerField(
        _("repeat"), default=0, validators=[MaxValueValidator(10)], help_text=_("How many more times the chain runs.")
    )
    repeat_after_minutes = models.PositiveIntegerField(
        _("repeat after (minutes)"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(10_080)],
        help_text=_("Between the last step and the first step of the next round."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("escalation policy")
        verbose_name_plural = _("escalation policies")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class EscalationStep(models.Model):
    class Action(models.TextChoices):
        NOTIFY_ASSIGNEE = "notify_assignee", _("Notify the assignee")
        NOTIFY_TEAM = "notify_team", _("Notify a team")
        NOTIFY_GROUP = "notify_group", _("Notify a group")
        NOTIFY_TEAM_LEAD = "notify_team_lead", _("Notify the team lead")
        NOTIFY_MANAGERS = "notify_managers", _("Notify the managers")
        NOTIFY_LIAISON = "notify_liaison", _("Notify the on-duty liaison")
        RAISE_PRIORITY = "raise_priority", _("Raise the priority")
        OPEN_INCIDENT = "open_incident", _("Open an emergency incident")

    policy = models.ForeignKey(EscalationPolicy, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    delay_minutes = models.PositiveIntegerField(
        _("delay (minutes)"),
        default=0,
        validators=[MaxValueValidator(10_080)],
        help_text=_("After the previous step (the first step: after the breach)."),
    )
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("team")
    )
    group = models.CharField(
        _("group"),
        max_length=16,
        blank=True,
        choices=[
            ("support", _("Engineers (the support teams)")),
            ("technical", _("Emergency technical group")),
            ("leadership", _("Emergency leadership group")),
            ("liaison", _("Emergency liaisons")),
        ],
    )

    class Meta:
        verbose_name = _("escalation step")
        verbose_name_plural = _("escalation steps")
        ordering = ["policy", "position", "pk"]

    def __str__(self) -> str:
        return f"{self.position}. {self.get_action_display()}"

    def clean(self) -> None:
        from tickets.escalation import action_offered

        if self.action == self.Action.NOTIFY_TEAM and not self.team_id:
            raise ValidationError({"team": _("Choose the team to notify.")})
        if self.action == self.Action.NOTIFY_GROUP and not self.group:
            raise ValidationError({"group": _("Choose the group to notify.")})
        if self.action and not action_offered(self.action):
            raise ValidationError({"action": _("This action is not available.")})


class EscalationFire(models.Model):
    """One step of one repetition taken for one run of a clock. The unique constraint is the
    exactly-once guard: two workers, a retried task and the watchdog cannot all take it."""

    clock = models.ForeignKey(SLAClock, on_delete=models.CASCADE, related_name="escalations")
    clock_started_at = models.DateTimeField()
    step = models.ForeignKey(EscalationStep, on_delete=models.CASCADE, related_name="+")
    repetition = models.PositiveSmallIntegerField()
    fired_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["clock", "clock_started_at", "step", "repetition"], name="escalation_step_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.clock} {self.step_id} #{self.repetition}"
