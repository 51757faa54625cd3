"""How a line of a ticket's history reads: one renderer per event kind, in the reader's
language, with the labels of what was stored ("In progress", not "in_progress"). The ticket
page, the service archive and anything else that prints a history line call ``event_line``.

The wings register the lines of the events they write (``register_event_line`` in their
``AppConfig.ready``), as they register their panels.
"""

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from tickets.models import Metric, Priority, Ticket, TicketEvent

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


for _kind, _render in {
    Kind.CREATED: _created,
    Kind.STATUS: _status,
    Kind.PRIORITY: _priority,
    Kind.ASSIGNED: lambda data: data.get("assignee_name") or data.get("team_name") or _("nobody"),
    Kind.ATTACHMENT: lambda data: data.get("name", ""),
    Kind.DISPATCHED: lambda data: data.get("engineer_name", ""),
    Kind.ARRIVED: lambda data: data.get("engineer_name", ""),
    Kind.DEPARTED: lambda data: data.get("engineer_name", ""),
    Kind.CLOCK_STOPPED: _metric,
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
