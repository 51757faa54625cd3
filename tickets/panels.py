"""Panels that higher modules add to the ticket page, registered at start-up
(``AppConfig.ready``) so that tickets imports none of them.

``register_panel(render)``: ``render(request, ticket)`` returns the panel's HTML (``render_to_string``), or ``""``
when it has nothing to show this user.

``register_form_aside(render)``: ``render(request)`` returns what is shown beside the form that
files a ticket (the knowledge base's suggestions), or ``""``.
"""

from collections.abc import Callable

from django.http import HttpRequest
from django.utils.html import format_html_join
from django.utils.safestring import SafeString

from tickets.models import Ticket

Panel = Callable[[HttpRequest, Ticket], str]
Aside = Callable[[HttpRequest], str]
_panels: list[Panel] = []
_asides: list[Aside] = []


def register_panel(render: Panel) -> None:
    if render not in _panels:
        _panels.append(render)


def render_panels(request: HttpRequest, ticket: Ticket) -> SafeString:
    # a panel's template output is safe already; anything else is escaped
    return format_html_join("", "{}", ((render(request, ticket),) for render in _panels))


def register_form_aside(render: Aside) -> None:
    if render not in _asides:
        _asides.append(render)


def render_form_asides(request: HttpRequest) -> SafeString:
    return format_html_join("", "{}", ((render(request),) for render in _asides))
