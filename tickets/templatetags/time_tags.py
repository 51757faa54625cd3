"""The time entries of the ticket page's sidebar (``tickets/_time_entries.html``) and how a
number of minutes reads ("1 h 30 min"), for the ticket, incident and report pages."""

from django import template

from tickets.forms_time import TimeEntryForm
from tickets.models import TimeEntry
from tickets.services import minutes_label, time_entries_summary

register = template.Library()


@register.filter
def minutes(value) -> str:
    return minutes_label(value or 0)


@register.simple_tag(takes_context=True)
def ticket_time(context, ticket) -> dict | None:
    """Staff only (None for a customer): the ticket's time entries, totals and the add form. One query."""
    user = context.get("user")
    if user is None or not user.is_staff_member:
        return None
    entries = list(TimeEntry.objects.filter(ticket=ticket).select_related("engineer"))
    return time_entries_summary(entries, user) | {"form": TimeEntryForm()}
