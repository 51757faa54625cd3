"""Billable time on a ticket that is not covered becomes billable labour (in hours), and a time
entry withdrawn (deleted, or changed) withdraws its labour. Registered with
``tickets.services.register_time_billing`` at start-up: tickets sits below maintenance and never
imports it. The decided coverage rules; before the root cause is recorded, the verdict for a
repair on the day the ticket was received (as for parts, ``parts_billing``)."""

from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from maintenance import selectors
from maintenance.models import BillableItem, Decision
from maintenance.services.warranties import ticket_verdict
from tickets.models import TimeEntry


def _billable(entry: TimeEntry) -> bool:
    decided = selectors.ticket_coverage(ticket_id=entry.ticket_id)
    decision = decided.decision if decided is not None else ticket_verdict(entry.ticket, None).decision
    return decision == Decision.BILLABLE


def hours(minutes: int) -> Decimal:
    """Minutes as hours with two decimals (at least 0.01: a billable minute is billed)."""
    return max((Decimal(minutes) / 60).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP), Decimal("0.01"))


def bill_time_entry(entry: TimeEntry) -> BillableItem | None:
    """In the entry's transaction: labour for billable time on an uncovered ticket, else None."""
    if not entry.billable or not _billable(entry):
        return None
    description = _("Labour: %(note)s") % {"note": entry.note} if entry.note else _("Labour")
    return BillableItem.objects.create(
        ticket_id=entry.ticket_id,
        kind=BillableItem.Kind.LABOUR,
        description=f"{description} ({entry.engineer})"[:200],
        quantity=hours(entry.minutes),
        recorded_by=entry.engineer,
        time_entry=entry,
    )


def withdraw_time_entry(entry: TimeEntry) -> None:
    """In the entry's transaction: its labour item, if any, is removed."""
    BillableItem.objects.filter(time_entry=entry).delete()
