"""The parts panel on the ticket page (registered with ``tickets.panels``): staff see what is
reserved and issued for the ticket, with links to move stock and open a return; customers see
the parts used on their ticket, once there are any."""

from django.http import HttpRequest
from django.template.loader import render_to_string

from parts import selectors
from tickets.models import Ticket


def parts_panel(request: HttpRequest, ticket: Ticket) -> str:
    user = request.user
    if not user.is_authenticated:
        return ""
    movements = list(selectors.ticket_parts(ticket_id=ticket.pk, user=user))
    reservations = list(selectors.open_reservations(ticket_id=ticket.pk)) if user.is_staff_member else []
    if not user.is_staff_member and not movements:
        return ""
    context = {"ticket": ticket, "movements": movements, "reservations": reservations}
    return render_to_string("parts/_ticket_panel.html", context, request=request)
