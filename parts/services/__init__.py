"""What parts does: the catalogue and locations (``catalogue``), stock movements and
reservations (``stock``), returns (``rmas``); and where the wings above register what follows
an issue (``register_issued``). Other apps import from here."""

from parts.hooks import register_issued
from parts.services.catalogue import location_save, part_save
from parts.services.rmas import NEXT as RMA_NEXT
from parts.services.rmas import rma_open, rma_transition, rma_update
from parts.services.stock import (
    Reserved,
    incident_parts_reserve,
    movement_record,
    reservation_release,
    reservations_release_closed,
    stock_set_low_level,
)

__all__ = [
    "RMA_NEXT",
    "Reserved",
    "incident_parts_reserve",
    "location_save",
    "movement_record",
    "part_save",
    "register_issued",
    "reservation_release",
    "reservations_release_closed",
    "rma_open",
    "rma_transition",
    "rma_update",
    "stock_set_low_level",
]
