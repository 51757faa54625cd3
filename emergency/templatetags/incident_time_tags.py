"""The time entries of the incident page (``emergency/_time_entries.html``)."""

from django import template

from emergency.models import IncidentTimeEntry
from tickets.forms_time import TimeEntryForm
from tickets.services import time_entries_summary

register = template.Library()


@register.simple_tag(takes_context=True)
def incident_time(context, incident) -> dict | None:
    """Staff only (None for a customer): the entries, their totals and the add form. One query."""
    user = context.get("user")
    if user is None or not user.is_staff_member:
        return None
    entries = list(IncidentTimeEntry.objects.filter(incident=incident).select_related("engineer"))
    return {**time_entries_summary(entries, user), "form": TimeEntryForm()}
