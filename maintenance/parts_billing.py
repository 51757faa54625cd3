"""Spare parts issued to a ticket that is not covered become billable items (registered with
``parts.services.register_issued`` at start-up: parts sits below maintenance and never imports
it). The decided coverage rules; before the root cause is recorded, the verdict for a repair on
the day the ticket was received."""

from decimal import Decimal

from maintenance import selectors
from maintenance.models import BillableItem, Decision
from maintenance.services.warranties import ticket_verdict
from parts.models import Movement


def bill_issued_part(movement: Movement) -> BillableItem | None:
    """In the issue's transaction: a billable item for the parts, or None when covered."""
    if movement.ticket_id is None or movement.actor_id is None:
        return None
    decided = selectors.ticket_coverage(ticket_id=movement.ticket_id)
    decision = decided.decision if decided is not None else ticket_verdict(movement.ticket, None).decision
    if decision != Decision.BILLABLE:
        return None
    part = movement.part
    return BillableItem.objects.create(
        ticket_id=movement.ticket_id,
        kind=BillableItem.Kind.PART,
        description=f"{part.part_number} {part.name}"[:200],
        quantity=Decimal(movement.quantity),
        recorded_by=movement.actor,
    )
