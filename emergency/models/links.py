"""Tickets linked to an emergency incident: the many reports of one outage, gathered under it."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from emergency.models.incidents import Incident


class IncidentTicketLink(models.Model):
    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="ticket_links", verbose_name=_("incident")
    )
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="incident_links", verbose_name=_("ticket")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("linked by")
    )
    created_at = models.DateTimeField(_("linked at"), auto_now_add=True)

    class Meta:
        verbose_name = _("ticket linked to an incident")
        verbose_name_plural = _("tickets linked to incidents")
        ordering = ["created_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["incident", "ticket"], name="one_link_per_incident_ticket")]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.ticket_id}"
