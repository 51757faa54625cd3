"""How clocks read on the pages: "due in 3 h 20 min", "overdue by 2 d 4 h"."""

from django import template

from tickets import presenters

register = template.Library()


@register.filter
def duration(seconds: int) -> str:
    return presenters.duration(seconds)


@register.simple_tag
def clock(clock, state):
    """A clock's badge (``tickets.presenters.clock_badge``)."""
    return presenters.clock_badge(clock, state)


@register.filter
def metric_label(value: str) -> str:
    """A metric's name, as history entries store its code."""
    from tickets.models import Metric

    return Metric(value).label if value in Metric.values else value


@register.filter
def clock_badges(clock_states):
    """A ticket's clocks' badges, each followed by a space (``tickets.presenters.clock_badges``)."""
    return presenters.clock_badges(clock_states)


@register.filter
def priority_label(value: str) -> str:
    return presenters.priority_label(value)


@register.filter
def status_label(value: str) -> str:
    return presenters.status_label(value)


@register.filter
def event_line(event) -> str:
    """A history line in the reader's language (``tickets.presenters``)."""
    return presenters.event_line(event)
