"""Incidents with their timeline, resources, dispatches, escalation and post-incident review."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel
from emergency.models.plans import Grade, Level, ResourceKind, ResponsePlan


class IncidentCounter(models.Model):
    """The last incident number handed out per year (row-locked while an incident is created)."""

    year = models.PositiveIntegerField(primary_key=True)
    value = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.value}"


class Incident(TimeStampedModel):
    class Status(models.TextChoices):
        REPORTED = "reported", _("Reported")
        ASSESSED = "assessed", _("Assessed and graded")
        PLAN_ACTIVATED = "plan_activated", _("Plan activated")
        REMOTE_HANDLING = "remote_handling", _("Remote diagnosis and handling")
        ONSITE = "onsite", _("On-site support")
        RECOVERED = "recovered", _("Recovered")
        VERIFIED = "verified", _("Verified")
        REVIEWED = "reviewed", _("Reviewed")
        CLOSED = "closed", _("Closed")

    class Channel(models.TextChoices):
        PHONE = "phone", _("Phone call")
        PORTAL = "portal", _("Portal")
        TICKET = "ticket", _("Promoted ticket")
        ESCALATION = "escalation", _("Escalation")

    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    organisation = models.ForeignKey(
        "customers.Organisation", on_delete=models.PROTECT, related_name="incidents", verbose_name=_("organisation")
    )
    project = models.ForeignKey(
        "customers.Project", on_delete=models.PROTECT, related_name="incidents", verbose_name=_("delivered project")
    )
    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="incidents",
        verbose_name=_("ticket"),
    )
    asset = models.ForeignKey(
        "customers.InstalledProduct",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="incidents",
        verbose_name=_("asset"),
        help_text=_("The installed product the emergency is about, when known."),
    )
    title = models.CharField(_("title"), max_length=200)
    symptoms = models.TextField(_("symptoms"))
    occurred_at = models.DateTimeField(_("when it happened"), null=True, blank=True)
    location = models.CharField(_("where"), max_length=200, blank=True)
    scope = models.TextField(_("scope of impact"), blank=True)
    measures_taken = models.TextField(_("measures already taken"), blank=True)
    reporter_name = models.CharField(_("who reported it"), max_length=120)
    reporter_phone = models.CharField(_("reporter's phone"), max_length=40, blank=True)
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices, default=Channel.PHONE)
    reported_at = models.DateTimeField(_("reported at"))
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    status = models.CharField(_("step"), max_length=16, choices=Status.choices, default=Status.REPORTED)
    status_changed_at = models.DateTimeField(_("step reached at"))

    # assessment and grading
    grade = models.CharField(_("grade"), max_length=10, choices=Grade.choices, blank=True)
    severity = models.CharField(_("severity"), max_length=10, choices=Level.choices, blank=True)
    scope_level = models.CharField(_("scope"), max_length=10, choices=Level.choices, blank=True)
    urgency = models.CharField(_("urgency"), max_length=10, choices=Level.choices, blank=True)
    suggested_grade = models.CharField(_("grade by the matrix"), max_length=10, choices=Grade.choices, blank=True)
    grade_reason = models.TextField(_("reason for the grade"), blank=True)
    assessment = models.TextField(_("first assessment"), blank=True)

    # the plan and its clocks
    plan = models.ForeignKey(
        ResponsePlan,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="incidents",
        verbose_name=_("response plan"),
    )
    responders = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="incidents_responding", verbose_name=_("people assigned")
    )
    response_due_at = models.DateTimeField(_("response due"), null=True, blank=True)
    responded_at = models.DateTimeField(_("handling started at"), null=True, blank=True)
    response_breached_at = models.DateTimeField(_("response target breached at"), null=True, blank=True)
    recovery_due_at = models.DateTimeField(_("recovery due"), null=True, blank=True)
    recovered_at = models.DateTimeField(_("recovered at"), null=True, blank=True)
    recovery_breached_at = models.DateTimeField(_("recovery target breached at"), null=True, blank=True)

    # the escalation chain of an unanswered response (``emergency.services.escalation``)
    escalation_policy = models.ForeignKey(
        "tickets.EscalationPolicy",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("escalation policy"),
    )
    escalation_position = models.PositiveIntegerField(default=0)
    escalation_next_at = models.DateTimeField(_("next escalation step at"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("escalation acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("escalation acknowledged by"),
    )

    # verification, review, closure
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("verified by"),
    )
    verification_note = models.TextField(_("verification note"), blank=True)
    root_cause = models.TextField(_("root cause"), blank=True)
    summary = models.TextField(_("summary"), blank=True)
    went_well = models.TextField(_("what went well"), blank=True)
    to_improve = models.TextField(_("what to improve"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("emergency incident")
        verbose_name_plural = _("emergency incidents")
        ordering = ["-reported_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "grade"], name="incident_board"),
            # the deadline sweep: open incidents whose targets have not been marked breached
            models.Index(
                fields=["response_due_at"],
                name="incident_response_watch",
                condition=models.Q(responded_at=None, response_breached_at=None, response_due_at__isnull=False),
            ),
            models.Index(
                fields=["recovery_due_at"],
                name="incident_recovery_watch",
                condition=models.Q(recovered_at=None, recovery_breached_at=None, recovery_due_at__isnull=False),
            ),
            models.Index(
                fields=["escalation_next_at"],
                name="incident_escalation_watch",
                condition=models.Q(escalation_next_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status != self.Status.CLOSED


class IncidentEntry(models.Model):
    """One line of an incident's timeline: every step, grade, note, action, with its actor."""

    class Kind(models.TextChoices):
        REPORTED = "reported", _("Reported")
        STEP = "step", _("Step")
        GRADED = "graded", _("Graded")
        NOTE = "note", _("Note")
        ACTION = "action", _("Action taken")
        ASSIGNED = "assigned", _("People assigned")
        RESOURCE = "resource", _("Resource checked off")
        DISPATCH = "dispatch", _("Engineer dispatched")
        ARRIVAL = "arrival", _("Arrived on site")
        BREACH = "breach", _("Target breached")
        REVIEW_ACTION = "review_action", _("Improvement action")
        ESCALATED = "escalated", _("Escalated")
        ACKNOWLEDGED = "acknowledged", _("Escalation acknowledged")

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="entries")
    created_at = models.DateTimeField(_("at"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    public = models.BooleanField(_("shown to the customer"), default=False)
    text = models.TextField(_("text"), blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("timeline entry")
        verbose_name_plural = _("timeline entries")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.kind}"


class IncidentResource(models.Model):
    """A resource the plan allocates to this incident, checked off when it is in place."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="resources")
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(_("kind"), max_length=12, choices=ResourceKind.choices)
    description = models.CharField(_("description"), max_length=200)
    quantity = models.PositiveIntegerField(
        _("quantity"), default=1, validators=[MinValueValidator(1), MaxValueValidator(10_000)]
    )
    checked_at = models.DateTimeField(_("in place at"), null=True, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.description


class IncidentDispatch(models.Model):
    """On-site support: who went, when, when expected, when they arrived, what they did."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="dispatches")
    engineer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("engineer")
    )
    dispatched_at = models.DateTimeField(_("dispatched at"))
    expected_arrival_at = models.DateTimeField(_("expected arrival"), null=True, blank=True)
    arrival_due_at = models.DateTimeField(_("arrival due"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("arrived at"), null=True, blank=True)
    arrival_breached_at = models.DateTimeField(_("arrival target breached at"), null=True, blank=True)
    work_done = models.TextField(_("work done"), blank=True)

    class Meta:
        ordering = ["dispatched_at", "pk"]
        indexes = [
            models.Index(
                fields=["arrival_due_at"],
                name="dispatch_arrival_watch",
                condition=models.Q(arrived_at=None, arrival_breached_at=None, arrival_due_at__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return f"{self.engineer} @ {self.incident_id}"


class IncidentEscalationFire(models.Model):
    """One step of an incident's escalation chain, taken once: the unique constraint makes a
    second attempt (a task run twice, two workers) take nothing."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="escalation_fires")
    step = models.ForeignKey("tickets.EscalationStep", on_delete=models.CASCADE, related_name="+")
    repetition = models.PositiveSmallIntegerField(default=0)
    fired_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["incident", "step", "repetition"], name="one_incident_fire_per_step")
        ]

    def __str__(self) -> str:
        return f"{self.incident_id}/{self.step_id}/{self.repetition}"


class ReviewAction(models.Model):
    """An improvement action from the post-incident review, with its owner and due date."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="review_actions")
    description = models.CharField(_("action"), max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("owner")
    )
    due_date = models.DateField(_("due date"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("owner reminded at"), null=True, blank=True)
    overdue_reported_at = models.DateTimeField(_("overdue reported at"), null=True, blank=True)

    class Meta:
        verbose_name = _("improvement action")
        verbose_name_plural = _("improvement actions")
        ordering = ["due_date", "pk"]

    def __str__(self) -> str:
        return self.description
