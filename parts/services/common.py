"""What the parts services share: locked stock rows, the related models named by string."""

from collections.abc import Iterable

from django.db.models import Model

from parts.models import Movement, Part, Stock, StockLocation


def incident_model() -> type[Model]:
    """The incident model (emergency sits above parts: named, never imported)."""
    return Movement._meta.get_field("incident").related_model


def stock_rows_for_update(part: Part, locations: Iterable[StockLocation]) -> dict[int, Stock]:
    """The stock rows of ``part`` at ``locations`` (made when missing), locked in key order so
    two movements never wait on each other in a circle. Keyed by location id."""
    location_ids = sorted({location.pk for location in locations})
    for location_id in location_ids:
        Stock.objects.get_or_create(part=part, location_id=location_id)
    rows = Stock.objects.select_for_update().filter(part=part, location_id__in=location_ids).order_by("pk")
    return {row.location_id: row for row in rows}
