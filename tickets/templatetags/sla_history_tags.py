"""``{% sla_history ticket %}``: the ticket page's SLA cycles table (tickets.sla_history)."""

from django import template

from tickets.sla_history import sla_history
from tickets.views_calls import LogCallForm

register = template.Library()


@register.inclusion_tag("tickets/_sla_history.html")
def sla_history_table(ticket) -> dict:
    cycles = sla_history(ticket)
    return {"cycles": cycles, "current": cycles[-1]["number"] if cycles else 1}


@register.simple_tag
def log_call_form() -> LogCallForm:
    return LogCallForm()
