"""Return visits to the customer, and the satisfaction survey after a resolved ticket."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel


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

    class Meta:
        verbose_name = _("return visit")
        verbose_name_plural = _("return visits")
        ordering = ["scheduled_for", "pk"]

    def __str__(self) -> str:
        return f"{self.project} {self.scheduled_for}"


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
