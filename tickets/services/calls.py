"""Logged calls: a staff member spoke to the customer on the phone and notes what was said."""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import NotAllowed, ServiceDeskError
from tickets import sla
from tickets.models import Comment, TicketEvent
from tickets.services.common import Status, _event, _lock, _responded


@transaction.atomic
def ticket_log_call(*, ticket_id: int, actor: User, summary: str, at: datetime.datetime | None = None) -> Comment:
    """A call with the customer, written as a public reply marked as a call (the customer sees
    it in the history; it is not mailed: they were on the phone). It meets the first response
    and restarts the update target like a reply. ``at``: when the call was (default now; not in
    the future, not before the ticket was received)."""
    if not actor.is_staff_member:
        raise NotAllowed(_("Only staff may log a call."))
    if not summary.strip():
        raise ServiceDeskError(_("Write what was said."), field="summary")
    ticket = _lock(ticket_id)
    if ticket.status == Status.CLOSED:
        raise ServiceDeskError(_("This ticket is closed; reopen it to log a call."), field="summary")
    now = timezone.now()
    at = at or now
    if at > now or at < ticket.received_at:
        raise ServiceDeskError(_("The call must lie between the report and now."), field="at")
    comment = Comment.objects.create(ticket=ticket, author=actor, body=summary, public=True)
    _event(ticket, actor, TicketEvent.Kind.REPLY, public=True, comment=comment.pk, call=True, at=at.isoformat())
    _responded(ticket, actor, at)
    sla.ticket_refresh_next_due(ticket)
    return comment
