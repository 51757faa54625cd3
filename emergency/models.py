"""The emergency plan: the liaison rota, the risk register, grades and their response plans,
and incidents with their timeline, resources, dispatches and post-incident review.

The groups themselves (leadership, technical, liaisons) are ``accounts.Team`` rows of a fixed
kind, their members' roles ``TeamMembership.position``.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import TimeStampedModel


class Grade(models.TextChoices):
    """From least to most serious; ``GRADE_ORDER`` compares them."""

    GENERAL = "general", _("General")
    IMPORTANT = "important", _("Important")
    URGENT = "urgent", _("Urgent")
    CRITICAL = "critical", _("Critical")


GRADE_ORDER = {value: index for index, value in enumerate(Grade.values)}


class Level(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


# --- grading and response plans -----------------------------------------------------------


class GradingRule(models.Model):
    """One cell of the grading matrix: severity x scope x urgency -> grade."""

    severity = models.CharField(_("severity"), max_length=10, choices=Level.choices)
    scope = models.CharField(
        _("scope"),
        max_length=10,
        choices=Level.choices,
        help_text=_("Low: one user or device; medium: a department or subsystem; high: the whole system or site."),
    )
    urgency = models.CharField(_("urgency"), max_length=10, choices=Level.choices)
    grade = models.CharField(_("grade"), max_length=10, choices=Grade.choices)

    class Meta:
        verbose_name = _("grading rule")
        verbose_name_plural = _("grading matrix")
        ordering = ["severity", "scope", "urgency"]
        constraints = [models.UniqueConstraint(fields=["severity", "scope", "urgency"], name="one_grade_per_cell")]

    def __str__(self) -> str:
        return f"{self.get_severity_display()} / {self.get_scope_display()} / {self.get_urgency_display()}"


class ResponsePlan(TimeStampedModel):
    """What a grade starts: who is told, the response and recovery targets, the resources."""

    grade = models.CharField(_("grade"), max_length=10, choices=Grade.choices, unique=True)
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    notify_leadership = models.BooleanField(_("notify the emergency leadership group"), default=True)
    notify_technical = models.BooleanField(_("notify the emergency technical group"), default=True)
    notify_liaisons = models.BooleanField(_("notify the emergency liaisons"), default=True)
    notify_managers = models.BooleanField(_("notify the managers"), default=False)
    response_minutes = models.PositiveIntegerField(
        _("response target (minutes)"),
        validators=[MinValueValidator(1), MaxValueValidator(525_600)],
        help_text=_("From the report until handling starts."),
    )
    recovery_minutes = models.PositiveIntegerField(
        _("recovery target (minutes)"),
        validators=[MinValueValidator(1), MaxValueValidator(525_600)],
        help_text=_("From the report until the system is recovered."),
    )
    calendar = models.ForeignKey(
        "tickets.BusinessCalendar",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("calendar"),
        help_text=_("Empty: the targets count round the clock."),
    )

    history = HistoricalRecords(verbose_name=_("historical response plan"))

    class Meta:
        verbose_name = _("response plan")
        verbose_name_plural = _("response plans")

    def __str__(self) -> str:
        return self.name


class ResourceKind(models.TextChoices):
    PEOPLE = "people", _("People")
    SPARE_PART = "spare_part", _("Spare parts")
    TOOL = "tool", _("Tools")


class PlanResource(models.Model):
    plan = models.ForeignKey(ResponsePlan, on_delete=models.CASCADE, related_name="resources")
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    kind = models.CharField(_("kind"), max_length=12, choices=ResourceKind.choices)
    description = models.CharField(_("description"), max_length=200)
    quantity = models.PositiveIntegerField(
        _("quantity"), default=1, validators=[MinValueValidator(1), MaxValueValidator(10_000)]
    )

    class Meta:
        verbose_name = _("resource to allocate")
        verbose_name_plural = _("resources to allocate")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.description


# --- incidents ----------------------------------------------------------------------------


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
    arrived_at = models.DateTimeField(_("arrived at"), null=True, blank=True)
    work_done = models.TextField(_("work done"), blank=True)

    class Meta:
        ordering = ["dispatched_at", "pk"]

    def __str__(self) -> str:
        return f"{self.engineer} @ {self.incident_id}"


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
        ordering = ["due_date", "pk"]

    def __str__(self) -> str:
        return self.description


# --- the liaison rota ---------------------------------------------------------------------


class Rota(TimeStampedModel):
    """A 7x24 rotation: members take turns of ``shift_days`` days, handing over at ``handover``
    (wall-clock time in ``timezone``); the first turn starts on ``starts_on``."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    description = models.TextField(_("description"), blank=True)
    timezone = models.CharField(_("time zone"), max_length=64, default=settings.TIME_ZONE)
    handover = models.TimeField(_("hand-over time"))
    shift_days = models.PositiveSmallIntegerField(
        _("days per shift"), default=7, validators=[MinValueValidator(1), MaxValueValidator(28)]
    )
    starts_on = models.DateField(_("first shift starts on"))
    is_active = models.BooleanField(_("active"), default=True)
    projects = models.ManyToManyField(
        "customers.Project",
        blank=True,
        related_name="liaison_rotas",
        verbose_name=_("projects covered"),
        help_text=_("The projects whose customers see this rota's liaison on duty. Empty: every project."),
    )

    history = HistoricalRecords(verbose_name=_("historical rota"))

    class Meta:
        verbose_name = _("liaison rota")
        verbose_name_plural = _("liaison rotas")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class RotaMember(models.Model):
    rota = models.ForeignKey(Rota, on_delete=models.CASCADE, related_name="members")
    position = models.PositiveSmallIntegerField(_("order"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rota_turns", verbose_name=_("user")
    )

    class Meta:
        verbose_name = _("rota member")
        verbose_name_plural = _("rota members")
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["rota", "position"], name="one_member_per_rota_position")]

    def __str__(self) -> str:
        return f"{self.rota_id}/{self.position}: {self.user}"


class RotaOverride(TimeStampedModel):
    """Someone covers the rota for a while (leave, illness, a swap); it wins over the turns."""

    rota = models.ForeignKey(Rota, on_delete=models.CASCADE, related_name="overrides", verbose_name=_("rota"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rota_overrides", verbose_name=_("on duty")
    )
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("rota override")
        verbose_name_plural = _("rota overrides")
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                name="override_ends_after_start", condition=models.Q(ends_at__gt=models.F("starts_at"))
            )
        ]

    def clean(self) -> None:
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("The end must be after the start.")})


# --- the risk register --------------------------------------------------------------------


class Risk(TimeStampedModel):
    class Category(models.TextChoices):
        HARDWARE = "hardware", _("Hardware failure")
        SOFTWARE = "software", _("Software crash")
        DATA = "data", _("Data corruption or loss")
        NETWORK = "network", _("Network outage")
        VIRUS = "virus", _("Virus attack")
        DISASTER = "disaster", _("Natural disaster")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        MITIGATED = "mitigated", _("Mitigated")
        CLOSED = "closed", _("Closed")

    project = models.ForeignKey(
        "customers.Project", on_delete=models.PROTECT, related_name="risks", verbose_name=_("delivered project")
    )
    category = models.CharField(_("category"), max_length=12, choices=Category.choices)
    title = models.CharField(_("risk"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    likelihood = models.PositiveSmallIntegerField(
        _("likelihood"),
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("1 (rare) to 5 (almost certain)"),
    )
    impact = models.PositiveSmallIntegerField(
        _("impact"), validators=[MinValueValidator(1), MaxValueValidator(5)], help_text=_("1 (minor) to 5 (severe)")
    )
    mitigation = models.TextField(_("mitigation"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="risks_owned",
        verbose_name=_("owner"),
    )
    review_date = models.DateField(_("next review"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)

    history = HistoricalRecords(verbose_name=_("historical risk"))

    class Meta:
        verbose_name = _("risk")
        verbose_name_plural = _("risk register")
        ordering = ["project", "category", "-likelihood", "-impact", "pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def score(self) -> int:
        return self.likelihood * self.impact

    @property
    def level(self) -> str:
        """High from 15, medium from 6 (of 25): the usual 5x5 heat map."""
        return Level.HIGH if self.score >= 15 else Level.MEDIUM if self.score >= 6 else Level.LOW
