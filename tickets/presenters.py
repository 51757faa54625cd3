"""How a line of a ticket's history reads: one renderer per event kind, in the reader's
language, with the labels of what was stored ("In progress", not "in_progress"). The ticket
page, the service archive and anything else that prints a history line call ``event_line``.

The wings register the lines of the events they write (``register_event_line`` in their
``AppConfig.ready``), as they register their panels.
"""

import datetime
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _

from tickets.models import Metric, Priority, SLAClock, Ticket, TicketEvent, TicketLink

Kind = TicketEvent.Kind
_RENDERERS: dict[str, Callable[[dict[str, Any]], str]] = {}


def register_event_line(kind: str, render: Callable[[dict[str, Any]], str]) -> None:
    """``render(data)`` says, in the active language, what an event of ``kind`` changed."""
    _RENDERERS[kind] = render


def _join(items) -> str:
    return pgettext("list separator", ", ").join(str(item) for item in items if item)


def _label(choices, value: Any) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value or "")


def priority_label(value: str) -> str:
    """ "High": a priority as the pages show it (``get_priority_display`` without its cost: it
    rebuilds the choices' dictionary on every call, 40 µs, and a queue page shows fifty)."""
    return _label(Priority, value)


def status_label(value: str) -> str:
    """ "In progress": a ticket's status as the pages show it."""
    return _label(Ticket.Status, value)


def _metric(data: dict[str, Any]) -> str:
    return _label(Metric, data.get("metric"))


def _status(data: dict[str, Any]) -> str:
    return _label(Ticket.Status, data.get("new"))


def _priority(data: dict[str, Any]) -> str:
    return _label(Priority, data.get("new"))


def _created(data: dict[str, Any]) -> str:
    return _join([_label(Ticket.Channel, data.get("channel")), _label(Priority, data.get("priority"))])


def _escalated(data: dict[str, Any]) -> str:
    recipients = _join(data.get("recipients") or [])
    return f"{_metric(data)} → {recipients}" if recipients else _metric(data)


def _rated(data: dict[str, Any]) -> str:
    rating = data.get("rating")
    return _("%(rating)s of 5") % {"rating": rating} if rating else ""


def _link(data: dict[str, Any]) -> str:
    """A link made or removed: "Duplicate of SD-2026-000012" (as this side reads it), or the incident's reference."""
    kind = data.get("link_kind")
    if kind in TicketLink.Kind.values:
        words = TicketLink.Kind(kind).label if data.get("wording") != "target" else TicketLink.REVERSE_LABELS[kind]
        return f"{words} {data.get('reference', '')}"
    return data.get("reference", "")


def _clock_stopped(data: dict[str, Any]) -> str:
    if data.get("cancelled"):
        return _("%(metric)s, cancelled by the merge") % {"metric": _metric(data)}
    return _metric(data)


for _kind, _render in {
    Kind.MERGED: lambda data: data.get("reference", ""),
    Kind.MERGED_IN: lambda data: data.get("reference", ""),
    Kind.LINKED: _link,
    Kind.UNLINKED: _link,
    Kind.CREATED: _created,
    Kind.STATUS: _status,
    Kind.PRIORITY: _priority,
    Kind.ASSIGNED: lambda data: data.get("assignee_name") or data.get("team_name") or _("nobody"),
    Kind.ATTACHMENT: lambda data: data.get("name", ""),
    Kind.DISPATCHED: lambda data: data.get("engineer_name", ""),
    Kind.ARRIVED: lambda data: data.get("engineer_name", ""),
    Kind.DEPARTED: lambda data: data.get("engineer_name", ""),
    Kind.CLOCK_STOPPED: _clock_stopped,
    Kind.BREACHED: _metric,
    Kind.WARNED: _metric,
    Kind.ESCALATED: _escalated,
    Kind.ESCALATION_ACKNOWLEDGED: lambda data: _join(_label(Metric, metric) for metric in data.get("metrics", [])),
    Kind.RATED: _rated,
    Kind.INCIDENT: lambda data: data.get("reference", ""),
    Kind.CC: lambda data: _join(data.get("new") or []) or "—",
}.items():
    register_event_line(_kind, _render)


def event_line(event: TicketEvent) -> str:
    """ "Status changed: In progress": the kind and what it changed, in the active language."""
    render = _RENDERERS.get(event.kind)
    detail = render(event.data or {}) if render else ""
    label = str(event.get_kind_display())
    return _("%(kind)s: %(detail)s") % {"kind": label, "detail": detail} if detail else label


# --- SLA clocks -----------------------------------------------------------------------------


def duration(seconds: int) -> str:
    """ "3 h 20 min", "2 d 4 h", "5 min": how long, whichever the sign."""
    seconds = abs(int(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return _("%(days)d d %(hours)d h") % {"days": days, "hours": hours}
    if hours:
        return _("%(hours)d h %(minutes)02d min") % {"hours": hours, "minutes": minutes}
    return _("%(minutes)d min") % {"minutes": minutes}


@lru_cache(maxsize=16)
def _clock_words(language: str | None) -> dict[str, str]:
    """The words of a badge in ``language`` (the active one when called): a hundred badges a
    page asked gettext for the same five words each."""
    words = {"due in": _("due in"), "overdue by": _("overdue by"), "met": _("met"), "missed": _("missed")}
    return words | {metric.value: str(metric.label) for metric in Metric}


@lru_cache(maxsize=4096)
def _short_moment(moment: datetime.datetime, zone: datetime.tzinfo | None, language: str | None) -> str:
    """``moment`` (already in ``zone``) as SHORT_DATETIME_FORMAT in ``language``: Django's date
    formatting parses the format on every call, 20 µs a badge. The zone is in the key because
    aware datetimes of the same instant are equal whatever their zone."""
    return formats.date_format(moment, "SHORT_DATETIME_FORMAT")


def clock_badge(clock: SLAClock, state: dict[str, Any]) -> SafeString:
    """A clock as the pages show it (the queue, the ticket, home): a badge coloured by its
    state, "due in 3 h 20 min" / "overdue by 2 d 4 h" / "paused, 1 h left" / "met" / "missed",
    and, while it runs, the due moment for the page's live countdown (static/js/countdown.js).
    Built here rather than from a template: the queue shows a hundred of them."""
    language = get_language()
    words = _clock_words(language)
    if state["breached"]:
        colour = "text-bg-danger"
    elif state["stopped_at"]:
        colour = "text-bg-success"
    elif state["paused"]:
        colour = "text-bg-secondary"
    elif state["remaining_seconds"] < 3600:
        colour = "text-bg-warning"
    else:
        colour = "text-bg-light border"
    remaining = state["remaining_seconds"]
    if state.get("cancelled"):
        colour, text = "text-bg-secondary", _("cancelled by a merge")
    elif state["stopped_at"]:
        text = words["missed"] if state["breached"] else words["met"]
    elif state["paused"]:
        text = _("paused, %(left)s left") % {"left": duration(remaining)}
    elif remaining >= 0:
        text = f"{words['due in']} {duration(remaining)}"
    else:
        text = f"{words['overdue by']} {duration(remaining)}"
    due = timezone.localtime(state["due_at"])
    label = words.get(clock.metric) or _label(Metric, clock.metric)
    live = ""
    if not state["stopped_at"] and not state["paused"]:
        live = format_html(
            ' data-due="{}" data-label-due="{}" data-label-overdue="{}"',
            due.isoformat(),  # the date filter's "c"
            words["due in"],
            words["overdue by"],
        )
    return format_html(
        '<span class="sla-clock badge {}" data-metric="{}"{} title="{}: {}">{}: '
        '<span class="sla-text">{}</span></span>',
        colour,
        clock.metric,
        live,
        label,
        _short_moment(due, due.tzinfo, language),
        label,
        text,
    )


def clock_badges(clock_states) -> SafeString:
    """A ticket's clocks' badges, each followed by a space (the queue's SLA cell)."""
    return format_html_join("", "{} ", ((clock_badge(clock, state),) for clock, state in clock_states))
