"""Return visits to the customer, and the satisfaction survey after a resolved ticket."""

import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import TimeStampedModel
from core.time import desk_today
from maintenance.models.schedules import RecurringSchedule


class ReturnVisitSchedule(RecurringSchedule):
    """A project's recurring return visit: an RFC 5545 recurrence rule from a first date, as
    an inspection schedule has."""

    project = models.ForeignKey(
        "customers.Project",
        on_delete=models.PROTECT,
        related_name="return_visit_schedules",
        verbose_name=_("delivered project"),
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="return_visit_schedules",
        verbose_name=_("made by"),
    )
    remind_days = models.PositiveSmallIntegerField(
        _("reminder (days before)"),
        default=2,
        validators=[MinValueValidator(0), MaxValueValidator(60)],
        help_text=_("Who makes the visit is reminded this many days before its date."),
    )

    history = HistoricalRecords(verbose_name=_("historical return visit schedule"))

    class Meta:
        verbose_name = _("return visit schedule")
        verbose_name_plural = _("return visit schedules")
        ordering = ["project__name", "name"]


class ReturnVisitQuerySet(models.QuerySet):
    def overdue(self, today: datetime.date | None = None) -> "ReturnVisitQuerySet":
        return self.filter(ReturnVisit.overdue_q(today))


class ReturnVisit(TimeStampedModel):
    """A scheduled follow-up call or visit (回访) to hear how the customer is served."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    project = models.ForeignKey(
        "customers.Project", on_delete=models.PROTECT, related_name="return_visits", verbose_name=_("delivered project")
    )
    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="return_visits",
        verbose_name=_("ticket"),
    )
    scheduled_for = models.DateField(_("scheduled for"))
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="return_visits", verbose_name=_("made by")
    )
    contact_name = models.CharField(_("customer contact"), max_length=120, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PLANNED)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    satisfaction = models.PositiveSmallIntegerField(
        _("satisfaction"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("1 (very dissatisfied) to 5 (very satisfied)"),
    )
    suggestions = models.TextField(_("suggestions"), blank=True)
    schedule = models.ForeignKey(
        ReturnVisitSchedule,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="visits",
        verbose_name=_("schedule"),
    )
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True, editable=False)
    overdue_at = models.DateTimeField(_("flagged overdue at"), null=True, blank=True, editable=False)

    objects = ReturnVisitQuerySet.as_manager()

    class Meta:
        verbose_name = _("return visit")
        verbose_name_plural = _("return visits")
        ordering = ["scheduled_for", "pk"]
        indexes = [models.Index(fields=["status", "scheduled_for"], name="return_visit_status_date")]
        constraints = [
            # the beat may run twice: one visit per schedule and date
            models.UniqueConstraint(
                fields=["schedule", "scheduled_for"],
                name="one_return_visit_per_schedule_date",
                condition=Q(schedule__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return f"{self.project} {self.scheduled_for}"

    @classmethod
    def overdue_q(cls, today: datetime.date | None = None) -> Q:
        """Overdue: still planned after its date, on the desk's date (the one rule of it)."""
        return Q(status=cls.Status.PLANNED, scheduled_for__lt=today or desk_today())

    @property
    def is_overdue(self) -> bool:
        return self.status == self.Status.PLANNED and self.scheduled_for < desk_today()


class SurveyInvitation(models.Model):
    """The satisfaction survey sent to the reporter after a ticket is resolved: one per
    ticket, answered once (into the ticket's rating) through a signed link that expires."""

    ticket = models.OneToOneField("tickets.Ticket", on_delete=models.CASCADE, related_name="survey")
    sent_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("satisfaction survey")
        verbose_name_plural = _("satisfaction surveys")

    def __str__(self) -> str:
        return str(self.ticket_id)
