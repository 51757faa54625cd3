"""The parts catalogue and the stock locations."""

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import ServiceDeskError
from core.writes import assign, validated_save
from parts.models import Part, StockLocation


@transaction.atomic
def part_save(*, part: Part | None = None, fits: Iterable[Any] | None = None, **fields: Any) -> Part:
    """Add or change a catalogue part; ``fits`` (products) replaces the list when given."""
    part = part or Part()
    assign(part, fields)
    if Part.objects.filter(part_number__iexact=part.part_number).exclude(pk=part.pk).exists():
        raise ServiceDeskError(_("Another part has this part number."), field="part_number")
    validated_save(part)
    if fits is not None:
        part.fits.set(list(fits))
    return part


@transaction.atomic
def location_save(*, location: StockLocation | None = None, **fields: Any) -> StockLocation:
    """Add or change a stock location: a warehouse, or an engineer's van."""
    location = location or StockLocation()
    assign(location, fields)
    if location.kind == StockLocation.Kind.VAN:
        engineer: User | None = location.engineer
        if engineer is None:
            raise ServiceDeskError(_("A van belongs to an engineer."), field="engineer")
        if not engineer.is_staff_member:
            raise ServiceDeskError(_("A van belongs to a member of staff."), field="engineer")
    else:
        location.engineer = None
    validated_save(location)
    return location
