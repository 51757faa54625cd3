"""The time entries of the incident page (``emergency/_time_entries.html``)."""

from django import template

from emergency.models import IncidentTimeEntry
from emergency.time_views import IncidentTimeEntryForm
from tickets.services import time_entry_may_change

register = template.Library()


@register.simple_tag(takes_context=True)
def incident_time(context, incident) -> dict | None:
    """Staff only (None for a customer): the entries, their totals and the add form. One query."""
    user = context.get("user")
    if user is None or not user.is_staff_member:
        return None
    entries = list(IncidentTimeEntry.objects.filter(incident=incident).select_related("engineer"))
    total = billable = 0
    for entry in entries:
        entry.may_change = time_entry_may_change(entry, user)
        total += entry.minutes
        billable += entry.minutes if entry.billable else 0
    return {
        "entries": entries,
        "total_minutes": total,
        "billable_minutes": billable,
        "non_billable_minutes": total - billable,
        "form": IncidentTimeEntryForm(),
    }
