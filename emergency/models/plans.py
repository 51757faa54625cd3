"""Grades, the grading matrix and the response plan of each grade."""

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
    onsite_minutes = models.PositiveIntegerField(
        _("on-site arrival target (minutes)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(10_080)],
        help_text=_("Round the clock, from each dispatch until the engineer is on site. Empty: no target."),
    )
    escalation_policy = models.ForeignKey(
        "tickets.EscalationPolicy",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("escalation policy"),
        help_text=_(
            "The chain that runs when the response target passes unanswered. An incident not graded yet "
            "follows the plan with the shortest response target."
        ),
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
    part = models.ForeignKey(
        "parts.Part",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="plan_resources",
        verbose_name=_("spare part"),
        help_text=_("A spare part: activating the plan reserves this many where stock exists."),
    )

    class Meta:
        verbose_name = _("resource to allocate")
        verbose_name_plural = _("resources to allocate")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.description
