"""The coverage panel on the ticket page (registered with ``tickets.panels``)."""

from django.http import HttpRequest

from tickets.models import Ticket


def coverage_panel(request: HttpRequest, ticket: Ticket) -> str:
    return ""  # filled in by the pages of this issue
