"""Yearly reference series (SD-2026-000042, INC-2026-0007): one counter row per year, taken
under lock, so two references are never the same whoever takes them at once."""

from django.db import connections, models, router


def counter_take(counter_model: type[models.Model], year: int, count: int = 1) -> int:
    """Take ``count`` numbers of the year's series (inside the caller's transaction); returns
    the first. ``counter_model`` has a unique ``year`` and a ``value``: the last number taken."""
    # one statement while the year's row exists (every time but the first of a year)
    connection = connections[router.db_for_write(counter_model)]
    table = connection.ops.quote_name(counter_model._meta.db_table)
    with connection.cursor() as cursor:
        # the table's name is the model's, quoted; the values are parameters
        cursor.execute(f"UPDATE {table} SET value = value + %s WHERE year = %s RETURNING value", [count, year])  # noqa: S608
        row = cursor.fetchone()
    if row is not None:
        return row[0] - count + 1
    counter, _created = counter_model.objects.select_for_update().get_or_create(year=year)
    first = counter.value + 1
    counter.value += count
    counter.save(update_fields=["value"])
    return first
