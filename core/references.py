"""Yearly reference series (SD-2026-000042, INC-2026-0007): one counter row per year, taken
under lock, so two references are never the same whoever takes them at once."""

from django.db import models


def counter_take(counter_model: type[models.Model], year: int, count: int = 1) -> int:
    """Take ``count`` numbers of the year's series (inside the caller's transaction); returns
    the first. ``counter_model`` has a unique ``year`` and a ``value``: the last number taken."""
    counter, _created = counter_model.objects.select_for_update().get_or_create(year=year)
    first = counter.value + 1
    counter.value += count
    counter.save(update_fields=["value"])
    return first
