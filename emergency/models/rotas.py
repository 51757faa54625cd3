"""The liaison rota: members taking turns, overrides."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import TimeStampedModel


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
