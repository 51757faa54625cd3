"""The parts lines of an asset's service history (registered with ``customers.asset_history``
at start-up): the parts issued to the asset or returned from it, and, for staff, the returns
(RMA) of parts taken out of it. Two queries whatever the count."""

from collections.abc import Iterator

from django.urls import reverse
from django.utils.translation import gettext as _

from customers.asset_history import HistoryEntry
from customers.models import InstalledProduct
from parts import selectors
from tickets.selectors import ticket_list


def part_lines(*, asset: InstalledProduct, user) -> Iterator[HistoryEntry]:
    found = selectors.replacements_for_asset(asset_id=asset.pk)
    movements = found["movements"]
    if not user.is_staff_member:
        movements = movements.filter(ticket__in=ticket_list(user=user).values("pk"))
    for movement in movements:
        yield HistoryEntry(
            at=movement.at,
            kind="part",
            object_id=movement.pk,
            reference=movement.part.part_number,
            title=_("%(kind)s: %(part)s × %(quantity)d")
            % {"kind": movement.get_kind_display(), "part": movement.part.name, "quantity": movement.quantity},
            status=movement.get_kind_display(),
            url=reverse("parts:part_detail", args=[movement.part_id]) if user.is_staff_member else "",
            details={"serial_numbers": movement.serial_numbers, "ticket": movement.ticket_id},
        )
    if not user.is_staff_member:
        return
    for rma in found["rmas"]:
        yield HistoryEntry(
            at=rma.created_at,
            kind="part",
            object_id=rma.pk,
            reference=rma.reference,
            title=_("Return of %(part)s (serial %(serial)s)")
            % {"part": rma.part.name, "serial": rma.serial_number or "–"},
            status=rma.get_state_display(),
            url=reverse("parts:rma_detail", args=[rma.pk]),
            details={"rma": rma.reference, "supplier_reference": rma.supplier_reference},
        )
