"""Returns of faulty parts (RMA): opened when a part is taken out, then followed to the end."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import ServiceDeskError
from core.references import counter_take
from core.writes import require_staff
from customers.models import InstalledProduct
from parts.models import Part, Rma, RmaCounter, RmaEvent
from tickets.models import Ticket

State = Rma.State

# from each state, the states a return may move to
NEXT: dict[str, tuple[str, ...]] = {
    State.AWAITING_RETURN: (State.RECEIVED, State.SCRAPPED),
    State.RECEIVED: (State.REPAIRED, State.REPLACED, State.SCRAPPED),
    State.REPAIRED: (),
    State.REPLACED: (),
    State.SCRAPPED: (),
}


@transaction.atomic
def rma_open(
    *,
    actor: User,
    part: Part,
    serial_number: str = "",
    asset: InstalledProduct | None = None,
    ticket: Ticket | None = None,
    fault: str = "",
    supplier_reference: str = "",
) -> Rma:
    """Open a return for a faulty part taken out (of an asset, on a ticket): awaiting return."""
    require_staff(actor)
    if asset is not None and ticket is not None and asset.project_id != ticket.project_id:
        raise ServiceDeskError(_("The asset belongs to another project than the ticket."), field="asset")
    if ticket is not None and asset is None:
        asset = ticket.asset
    now = timezone.now()
    rma = Rma.objects.create(
        reference=f"RMA-{now.year}-{counter_take(RmaCounter, now.year):04d}",
        part=part,
        serial_number=serial_number.strip(),
        asset=asset,
        ticket=ticket,
        fault=fault.strip(),
        supplier_reference=supplier_reference.strip(),
        created_by=actor,
    )
    RmaEvent.objects.create(rma=rma, at=now, actor=actor, to_state=rma.state, note=rma.fault[:500])
    return rma


@transaction.atomic
def rma_transition(*, rma_id: int, actor: User, to: str, note: str = "", supplier_reference: str | None = None) -> Rma:
    """Move a return on: received, then repaired, replaced or scrapped (final)."""
    require_staff(actor)
    rma = Rma.objects.select_for_update().get(pk=rma_id)
    if to not in State.values:
        raise ServiceDeskError(_("There is no state called %(state)s.") % {"state": to}, field="to")
    if to not in NEXT[rma.state]:
        allowed = ", ".join(str(State(each).label) for each in NEXT[rma.state]) or _("nothing: it is finished")
        raise ServiceDeskError(
            _("A return that is %(current)s cannot become %(state)s; next comes %(allowed)s.")
            % {"current": State(rma.state).label, "state": State(to).label, "allowed": allowed},
            field="to",
        )
    previous = rma.state
    rma.state = to
    if supplier_reference is not None and supplier_reference.strip():
        rma.supplier_reference = supplier_reference.strip()
    rma.save()
    RmaEvent.objects.create(
        rma=rma, at=timezone.now(), actor=actor, from_state=previous, to_state=to, note=note.strip()[:500]
    )
    return rma


@transaction.atomic
def rma_update(*, rma_id: int, actor: User, supplier_reference: str, fault: str | None = None) -> Rma:
    """Record the supplier's reference (and the fault) without moving the return on."""
    require_staff(actor)
    rma = Rma.objects.select_for_update().get(pk=rma_id)
    rma.supplier_reference = supplier_reference.strip()
    if fault is not None:
        rma.fault = fault.strip()
    rma.save()
    return rma
