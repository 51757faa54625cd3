"""Panels that higher modules add to the ticket page, registered at start-up
(``AppConfig.ready``) so that tickets imports none of them.

``register_panel(render)``: ``render(request, ticket)`` returns the panel's HTML (``render_to_string``), or ``""``
when it has nothing to show this user.
"""

from collections.abc import Callable

from django.http import HttpRequest
from django.utils.html import format_html_join
from django.utils.safestring import SafeString

from tickets.models import Ticket

Panel = Callable[[HttpRequest, Ticket], str]
_panels: list[Panel] = []


def register_panel(render: Panel) -> None:
    if render not in _panels:
        _panels.append(render)


def render_panels(request: HttpRequest, ticket: Ticket) -> SafeString:
    # a panel's template output is safe already; anything else is escaped
    return format_html_join("", "{}", ((render(request, ticket),) for render in _panels))
