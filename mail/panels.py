"""What the email intake adds to the ticket page (registered in ``MailConfig.ready``, so tickets
never imports mail): the CC addresses an email asked for that wait for staff to approve them."""

from django.http import HttpRequest
from django.template.loader import render_to_string

from mail import selectors
from tickets.models import Ticket


def cc_requests_panel(request: HttpRequest, ticket: Ticket) -> str:
    """Staff only: customers never see addresses nobody approved."""
    user = request.user
    if not user.is_authenticated or not user.is_staff_member:
        return ""
    waiting = list(selectors.pending_cc_requests(ticket_id=ticket.pk))
    if not waiting:
        return ""
    return render_to_string("mail/_cc_requests_panel.html", {"ticket": ticket, "waiting": waiting}, request=request)
