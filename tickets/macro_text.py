"""A macro's text for a ticket: the placeholders it may hold and their values, in the reader's
language and time zone. Pure reads: no writes, no template engine.

A placeholder is ``{{ name }}`` with a name of the fixed list ``PLACEHOLDERS``; nothing else in
the text is interpreted (``{% ... %}`` is plain text). The values are plain strings put in
one pass, so a ticket title that itself reads ``{{ ticket.reference }}`` or ``<b>`` stays as
written: the pages escape the text, the emails are plain text.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from tickets import presenters
from tickets.models import Macro, Metric, Ticket, TicketEvent

PLACEHOLDER = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")


def _due(metric: str) -> Callable[["_Reading"], str]:
    def value(reading: "_Reading") -> str:
        clocks = [clock for clock in reading.ticket.clocks.all() if clock.metric == metric]
        if not clocks:
            return "—"
        clock = max(clocks, key=lambda c: (c.cycle, c.pk))
        local = timezone.localtime(clock.due_at, reading.zone)
        return formats.date_format(local, "DATETIME_FORMAT")

    return value


# name -> (what it says, for the editor; how its value is read)
PLACEHOLDERS: dict[str, tuple[str, Callable[["_Reading"], str]]] = {
    "ticket.reference": (gettext_lazy("The ticket's reference"), lambda r: r.ticket.reference),
    "ticket.title": (gettext_lazy("The ticket's title"), lambda r: r.ticket.title),
    "ticket.status": (gettext_lazy("The ticket's status"), lambda r: presenters.status_label(r.ticket.status)),
    "ticket.priority": (
        gettext_lazy("The ticket's priority"),
        lambda r: presenters.priority_label(r.ticket.priority),
    ),
    "customer.name": (gettext_lazy("The reporter's name"), lambda r: str(r.ticket.reporter)),
    "organisation.name": (gettext_lazy("The customer organisation"), lambda r: r.ticket.organisation.name),
    "project.name": (gettext_lazy("The delivered project"), lambda r: r.ticket.project.name),
    "engineer.name": (gettext_lazy("Your name (who applies the macro)"), lambda r: str(r.engineer)),
    "sla.first_response_due": (gettext_lazy("When the first response is due"), _due(Metric.FIRST_RESPONSE)),
    "sla.resolution_due": (gettext_lazy("When the resolution is due"), _due(Metric.RESOLUTION)),
}


def placeholders_unknown(text: str) -> list[str]:
    """The placeholders of ``text`` that are not on the list, each once, as written."""
    unknown: list[str] = []
    for match in PLACEHOLDER.finditer(text or ""):
        if match.group(1) not in PLACEHOLDERS and match.group(0) not in unknown:
            unknown.append(match.group(0))
    # a lone "{{" or "}}" left after the matches is a placeholder written wrong
    rest = PLACEHOLDER.sub("", text or "")
    if "{{" in rest or "}}" in rest:
        unknown.append("{{" if "{{" in rest else "}}")
    return unknown


def placeholders_help() -> list[tuple[str, str]]:
    """``[("{{ ticket.reference }}", "The ticket's reference"), ...]`` for the editor's help."""
    return [(f"{{{{ {name} }}}}", str(label)) for name, (label, _value) in PLACEHOLDERS.items()]


@dataclass
class _Reading:
    ticket: Ticket
    engineer: User
    zone: ZoneInfo


@dataclass
class Rendered:
    """A macro's text for a ticket's reader, and what else applying it does (in the language
    active where it is read: the engineer's)."""

    text: str
    language: str
    public: bool
    actions: list[str] = field(default_factory=list)


def reader_of(ticket: Ticket) -> tuple[str, ZoneInfo]:
    """The language and time zone of who reads the ticket's replies: its reporter (as the
    notifications choose them), else the desk's."""
    reporter = ticket.reporter
    language = reporter.language or settings.LANGUAGE_CODE
    return language, ZoneInfo(reporter.time_zone or settings.TIME_ZONE)


def fill(text: str, *, ticket: Ticket, engineer: User, language: str, zone: ZoneInfo) -> str:
    """``text`` with its placeholders replaced by their values for ``ticket``, in ``language``
    and ``zone``; an unknown placeholder stays as written."""
    reading = _Reading(ticket=ticket, engineer=engineer, zone=zone)
    values: dict[str, str] = {}

    def value(match: re.Match) -> str:
        name = match.group(1)
        if name not in PLACEHOLDERS:
            return match.group(0)
        if name not in values:
            values[name] = str(PLACEHOLDERS[name][1](reading))
        return values[name]

    with translation.override(language):
        return PLACEHOLDER.sub(value, text)


def macro_actions(macro: Macro) -> list[str]:
    """What applying ``macro`` does besides its text, in the active language."""
    actions = [_("Sends a public reply") if macro.public else _("Adds an internal note")]
    if macro.set_status:
        actions.append(_("Sets the status to %(status)s") % {"status": presenters.status_label(macro.set_status)})
    if macro.set_priority:
        actions.append(
            _("Sets the priority to %(priority)s") % {"priority": presenters.priority_label(macro.set_priority)}
        )
    if macro.assignment == Macro.Assignment.APPLIER:
        actions.append(_("Assigns the ticket to you"))
    elif macro.assignment == Macro.Assignment.USER and macro.assignee is not None:
        actions.append(_("Assigns the ticket to %(name)s") % {"name": macro.assignee})
    return actions


def macro_render(*, macro: Macro, ticket: Ticket, actor: User) -> Rendered:
    """The text ``actor`` would send on ``ticket`` with ``macro``: the body in the reader's
    language (the other one when it has none), placeholders filled for that reader."""
    language, zone = reader_of(ticket)
    chinese = language.lower().startswith("zh")
    own, other = (macro.body_zh_hans, macro.body_en) if chinese else (macro.body_en, macro.body_zh_hans)
    # no text in the reader's language: the other one, its values in that language too
    body, used = (own, language) if own.strip() else (other, "en" if chinese else "zh-hans")
    text = fill(body, ticket=ticket, engineer=actor, language=used, zone=zone)
    return Rendered(text=text, language=used, public=macro.public, actions=macro_actions(macro))


def _macro_line(data: dict) -> str:
    return data.get("name", "")


presenters.register_event_line(TicketEvent.Kind.MACRO, _macro_line)
