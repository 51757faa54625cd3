"""Time spent on an emergency incident, on the tickets' time entry base."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from emergency.models.incidents import Incident
from tickets.models import TimeEntryBase


class IncidentTimeEntry(TimeEntryBase):
    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="time_entries", verbose_name=_("incident")
    )

    class Meta(TimeEntryBase.Meta):
        verbose_name = _("incident time entry")
        verbose_name_plural = _("incident time entries")
        indexes = [models.Index(fields=["incident", "-worked_at"], name="time_entry_incident")]
