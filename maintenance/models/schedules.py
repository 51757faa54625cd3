"""What an inspection schedule and a return-visit schedule share: an RFC 5545 recurrence rule
from a first date, planned a number of days ahead."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel


class RecurringSchedule(TimeStampedModel):
    """A project's recurring visit; ``maintenance.services.common.plan_visits`` makes its dates."""

    name = models.CharField(_("name"), max_length=120)
    rule = models.CharField(
        _("recurrence rule"),
        max_length=300,
        help_text=_("RFC 5545, for example FREQ=MONTHLY;INTERVAL=3 (quarterly) or FREQ=MONTHLY;INTERVAL=6."),
    )
    first_date = models.DateField(_("first visit"))
    lead_days = models.PositiveSmallIntegerField(
        _("planned ahead (days)"),
        default=30,
        validators=[MinValueValidator(0), MaxValueValidator(365)],
        help_text=_("Each visit is created this many days before its date."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.project}: {self.name}"
