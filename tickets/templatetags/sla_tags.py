"""How clocks read on the pages: "due in 3 h 20 min", "overdue by 2 d 4 h"."""

from django import template
from django.utils.translation import gettext as _

from tickets import presenters

register = template.Library()


@register.filter
def duration(seconds: int) -> str:
    seconds = abs(int(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return _("%(days)d d %(hours)d h") % {"days": days, "hours": hours}
    if hours:
        return _("%(hours)d h %(minutes)02d min") % {"hours": hours, "minutes": minutes}
    return _("%(minutes)d min") % {"minutes": minutes}


@register.inclusion_tag("tickets/_clock.html")
def clock(clock, state):
    return {"clock": clock, "state": state}


@register.simple_tag
def acknowledge_url(ticket, user) -> str:
    from tickets.escalation import acknowledge_url as url

    return url(ticket, user) if user is not None and ticket is not None else ""


@register.filter
def metric_label(value: str) -> str:
    """A metric's name, as history entries store its code."""
    from tickets.models import Metric

    return Metric(value).label if value in Metric.values else value


@register.filter
def event_line(event) -> str:
    """A history line in the reader's language (``tickets.presenters``)."""
    return presenters.event_line(event)
