"""The risk register."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import TimeStampedModel
from emergency.models.plans import Level


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
