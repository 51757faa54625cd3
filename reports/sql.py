"""The SQL pieces Django does not ship: the 90th percentile (``percentile_cont`` on PostgreSQL,
the same interpolation as a user-defined aggregate on the embedded SQLite) and the seconds
between two instants."""

import math

from django.db.models import Aggregate, FloatField, Func


class Percentile(Aggregate):
    """The continuous percentile (``fraction`` 0–1) of a numeric expression, nulls ignored."""

    function = "percentile_cont"
    name = "Percentile"
    output_field = FloatField()
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression, *, fraction: float, **extra) -> None:
        if not 0 <= fraction <= 1:
            raise ValueError("fraction is between 0 and 1")
        super().__init__(expression, fraction=repr(float(fraction)), **extra)

    def as_sqlite(self, compiler, connection, **extra_context):
        clone = self.copy()
        clone.function = "servicedesk_percentile"
        clone.template = "%(function)s(%(expressions)s, %(fraction)s)"
        return clone.as_sql(compiler, connection, **extra_context)


class Seconds(Func):
    """``end - start`` in seconds, as a float."""

    output_field = FloatField()
    arity = 2

    def __init__(self, end, start, **extra) -> None:
        super().__init__(end, start, **extra)

    def as_postgresql(self, compiler, connection, **extra_context):
        # date_part is double precision; EXTRACT is numeric since PostgreSQL 14, and averaging
        # numerics over a year of clocks costs a fifth of the attainment query (docs/benchmarks.md)
        return self.as_sql(
            compiler, connection, template="date_part('epoch', %(expressions)s)", arg_joiner=" - ", **extra_context
        )

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            template="((julianday(%(expressions)s)) * 86400.0)",
            arg_joiner=") - julianday(",
            **extra_context,
        )


class _PercentileCont:
    """SQLite aggregate: linear interpolation between the closest ranks, as PostgreSQL's
    ``percentile_cont``."""

    def __init__(self) -> None:
        self.values: list[float] = []
        self.fraction = 0.5

    def step(self, value, fraction) -> None:
        if value is not None:
            self.values.append(float(value))
        self.fraction = float(fraction)

    def finalize(self) -> float | None:
        if not self.values:
            return None
        values = sorted(self.values)
        position = (len(values) - 1) * self.fraction
        low, high = math.floor(position), math.ceil(position)
        return values[low] + (values[high] - values[low]) * (position - low)


def register_sqlite_functions(sender, connection, **kwargs) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_aggregate("servicedesk_percentile", 2, _PercentileCont)
