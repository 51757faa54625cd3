"""Business calendars: working hours per weekday in a time zone, with dated exceptions."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel
from tickets.worktime import format_hhmm


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
