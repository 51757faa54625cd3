"""CC addresses waiting for staff: an email asked to copy them on a ticket, but they are not
contacts of the ticket's organisation, so nobody mails them until staff approve."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import ServiceDeskError
from core.writes import require_staff
from mail.models import CcRequest
from tickets import services as tickets


@transaction.atomic
def cc_request_decide(*, request_id: int, actor: User, approve: bool) -> CcRequest:
    """Approve (the address joins the ticket's CC list, in its history) or refuse a waiting
    address; staff only, once."""
    require_staff(actor)
    cc_request = CcRequest.objects.select_for_update(of=("self",)).select_related("ticket").get(pk=request_id)
    if cc_request.status != CcRequest.Status.PENDING:
        raise ServiceDeskError(_("This address has been decided already."))
    if approve:
        ticket = tickets.ticket_for_update(cc_request.ticket_id)
        if cc_request.address not in ticket.cc:
            tickets.ticket_set_cc(ticket_id=ticket.pk, actor=actor, cc=[*ticket.cc, cc_request.address])
    cc_request.status = CcRequest.Status.APPROVED if approve else CcRequest.Status.REFUSED
    cc_request.decided_by, cc_request.decided_at = actor, timezone.now()
    cc_request.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
    return cc_request
