"""The ticket page's "Incidents" panel (registered with ``tickets.panels`` at start-up): the
incidents the ticket is linked to and, for staff, the form that links it to one. One query."""

from django.http import HttpRequest
from django.template.loader import render_to_string

from emergency import selectors_links
from tickets.models import Ticket


def incident_links_panel(request: HttpRequest, ticket: Ticket) -> str:
    links = list(selectors_links.ticket_incident_links(ticket=ticket, user=request.user))
    if not links and not request.user.is_staff_member:
        return ""
    return render_to_string("emergency/_ticket_incidents.html", {"ticket": ticket, "links": links}, request=request)
