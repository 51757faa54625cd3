"""SLA policies with their targets, and escalation policies with their steps."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel
from tickets.models.calendars import BusinessCalendar
from tickets.models.common import Metric, Priority


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
    acknowledgement_stops_first_response = models.BooleanField(
        _("acknowledging meets the first response"),
        default=False,
        help_text=_(
            "Off: only a public reply, a logged call or an on-site arrival meets the first response target. "
            "On: setting a new ticket to Acknowledged meets it too."
        ),
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
