"""Time spent on a ticket (and, through the same base, on an emergency incident): who worked,
how many minutes, when, whether it is billable, and a note."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from tickets.models.tickets import Ticket

MAX_MINUTES = 1440  # one entry covers at most a day


class TimeEntryQuerySet(models.QuerySet):
    def totals(self) -> dict[str, int]:
        """Minutes in all, billable and not, in one aggregate query."""
        row = self.aggregate(
            total=Coalesce(Sum("minutes"), 0), billable=Coalesce(Sum("minutes", filter=Q(billable=True)), 0)
        )
        return {
            "total_minutes": row["total"],
            "billable_minutes": row["billable"],
            "non_billable_minutes": row["total"] - row["billable"],
        }


class TimeEntryBase(models.Model):
    """What every time entry holds; the subclasses add what the time was spent on."""

    engineer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("engineer")
    )
    minutes = models.PositiveIntegerField(
        _("minutes"),
        validators=[MinValueValidator(1), MaxValueValidator(MAX_MINUTES)],
        help_text=_("From 1 to 1440 (a whole day)."),
    )
    worked_at = models.DateTimeField(_("when"), db_index=True)
    billable = models.BooleanField(_("billable"), default=False)
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = TimeEntryQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["-worked_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(minutes__gte=1) & Q(minutes__lte=MAX_MINUTES),
                name="%(app_label)s_%(class)s_minutes_range",
            )
        ]

    def __str__(self) -> str:
        return f"{self.engineer} {self.minutes} min"

    @property
    def hours(self) -> float:
        return round(self.minutes / 60, 2)


class TimeEntry(TimeEntryBase):
    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="time_entries", verbose_name=_("ticket"))

    class Meta(TimeEntryBase.Meta):
        verbose_name = _("time entry")
        verbose_name_plural = _("time entries")
        indexes = [models.Index(fields=["ticket", "-worked_at"], name="time_entry_ticket")]
