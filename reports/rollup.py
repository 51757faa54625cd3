"""The SLA roll-up: the decided clocks (stopped, or marked breached) summed per received day
and per (organisation, project, priority, metric, engineer), with the tickets received, kept in
``reports_slafact`` (PostgreSQL only; on SQLite the dashboard reads the tickets, docs/reports.md).

How it stays exact: database triggers on ``tickets_slaclock`` and ``tickets_ticket`` (statement
triggers with transition tables, so bulk UPDATEs and bulk_create count as much as ``save()``)
write the ``received_at`` of every ticket whose decided clocks, or whose keys, changed into
``reports_slafactchange``, in the writer's transaction. The readers (``reports.rollup_read``)
take the days named there from the tickets themselves, in the same statement as the facts of
the other days; the refresh (beat, every minute) recomputes those days, then their months, and
deletes the change rows it saw, in one transaction. So a figure never lags; only the share of
it read live grows while the refresh does not run.

Histograms: the stopped clocks' working and wall seconds counted in the fixed logarithmic
buckets of ``reports.models.HISTOGRAM_BUCKETS``; a percentile is interpolated inside the bucket
that holds its rank (``percentile``), so it is off by less than one bucket's width: 19 % of the
value (under 60 s: by less than 60 s).
"""

import datetime
import logging
import math

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from reports.models import HISTOGRAM_BUCKETS, SLAFact, SLAFactChange, SLARollup

logger = logging.getLogger(__name__)

LOCK = 7_221_021  # pg_advisory_xact_lock: one refresh or rebuild at a time
STEPS_PER_OCTAVE = 4
FIRST_BOUND = 60.0  # seconds: bucket 0 is [0, 60 s)
LAST = HISTOGRAM_BUCKETS - 1
REFRESH_DAYS = 62  # days recomputed per transaction of a refresh
W = [f"w{k}" for k in range(HISTOGRAM_BUCKETS)]
X = [f"x{k}" for k in range(HISTOGRAM_BUCKETS)]
GRAINS = SLAFact.Grain
# the columns a grain keeps (the others are null): month grains are sums of day rows
_KEPT = {
    GRAINS.MONTH: ("organisation_id", "project_id", "engineer_id"),
    GRAINS.MONTH_PROJECTS: ("organisation_id", "project_id"),
    GRAINS.MONTH_ENGINEERS: ("engineer_id",),
    GRAINS.MONTH_TOTALS: (),
}
SUMMED = ["tickets", "met", "breached", "stopped", "working_count", "working_sum", "wall_sum", *W, *X]


# --- buckets and percentiles --------------------------------------------------------------


def bucket_bounds(bucket: int) -> tuple[float, float]:
    """[low, high) seconds of a bucket; the last one's high is one more step (docs/reports.md)."""
    if bucket == 0:
        return 0.0, FIRST_BOUND
    return (
        FIRST_BOUND * 2 ** ((bucket - 1) / STEPS_PER_OCTAVE),
        FIRST_BOUND * 2 ** (bucket / STEPS_PER_OCTAVE),
    )


def bucket_of(seconds: float) -> int:
    if seconds < FIRST_BOUND:
        return 0
    return min(LAST, 1 + math.floor(STEPS_PER_OCTAVE * math.log(seconds / FIRST_BOUND) / math.log(2.0)))


def bucket_sql(expression: str) -> str:
    """The bucket of ``expression`` (float seconds, or null) in SQL, as ``bucket_of``."""
    return (
        f"CASE WHEN {expression} IS NULL THEN NULL WHEN {expression} < {FIRST_BOUND} THEN 0 ELSE "
        f"least({LAST}, 1 + floor({STEPS_PER_OCTAVE} * ln({expression} / {FIRST_BOUND}) / ln(2.0)))::int END"
    )


def percentile(counts: list[int], fraction: float) -> float | None:
    """The ``fraction`` percentile of a histogram, continuous as ``percentile_cont``: the values
    at the two ranks around (n - 1) × fraction, each placed inside its bucket as if the bucket's
    values were spread evenly, then interpolated between as ``percentile_cont`` does."""
    total = sum(counts)
    if not total:
        return None
    rank = (total - 1) * fraction
    low, high = _value_at(counts, math.floor(rank)), _value_at(counts, math.ceil(rank))
    return low + (high - low) * (rank - math.floor(rank))


def _value_at(counts: list[int], index: int) -> float:
    seen = 0
    for bucket, count in enumerate(counts):
        if count and index < seen + count:
            low, high = bucket_bounds(bucket)
            return low + (high - low) * (index - seen + 0.5) / count
        seen += count
    return bucket_bounds(LAST)[1]  # not reached: index < the total


# --- writing the facts --------------------------------------------------------------------

_COLUMNS = ["grain", "day", "organisation_id", "project_id", "priority", "metric", "engineer_id", *SUMMED]


def _day_facts_sql(*, few: bool = True) -> str:
    """INSERT the day rows of the days ``%(days)s`` (desk zone ``%(zone)s``) from the tickets.
    ``few`` days (the refresh): day by day through the index on ``received_at``, and each
    ticket's clocks through theirs (OFFSET 0 keeps the planner from hashing every clock);
    otherwise (the rebuild) as the planner likes."""
    clocks = (
        "CROSS JOIN LATERAL (SELECT * FROM tickets_slaclock c WHERE c.ticket_id = r.id OFFSET 0) AS c"
        if few
        else "JOIN tickets_slaclock c ON c.ticket_id = r.id"
    )
    histograms = ", ".join(
        [f"nullif(count(*) FILTER (WHERE wb = {k}), 0)" for k in range(HISTOGRAM_BUCKETS)]
        + [f"nullif(count(*) FILTER (WHERE xb = {k}), 0)" for k in range(HISTOGRAM_BUCKETS)]
    )
    empty = ", ".join(["NULL"] * (2 * HISTOGRAM_BUCKETS))
    return f"""
WITH days AS (SELECT unnest(%(days)s::date[]) AS day),
received AS (
    SELECT t.id, d.day, t.organisation_id, t.project_id, t.priority, t.assignee_id
    FROM days d CROSS JOIN LATERAL (
        SELECT t.id, t.organisation_id, t.project_id, t.priority, t.assignee_id FROM tickets_ticket t
        WHERE t.received_at >= (d.day::timestamp AT TIME ZONE %(zone)s)
          AND t.received_at < ((d.day + 1)::timestamp AT TIME ZONE %(zone)s) OFFSET 0
    ) AS t
),
decided AS (
    SELECT r.day, r.organisation_id, r.project_id, r.priority, c.metric, r.assignee_id,
        c.stopped_at IS NOT NULL AND c.stopped_at <= c.due_at AND c.breached_at IS NULL AS met,
        c.stopped_at IS NOT NULL AS stopped,
        CASE WHEN c.stopped_at IS NOT NULL THEN c.working_seconds::float8 END AS working,
        CASE WHEN c.stopped_at IS NOT NULL THEN date_part('epoch', c.stopped_at - c.started_at) END AS wall
    FROM received r {clocks}
    WHERE (c.stopped_at IS NOT NULL OR c.breached_at IS NOT NULL) AND c.cancelled_at IS NULL
),
bucketed AS (SELECT d.*, {bucket_sql("working")} AS wb, {bucket_sql("wall")} AS xb FROM decided d)
INSERT INTO reports_slafact ({", ".join(_COLUMNS)})
SELECT 'd', day, organisation_id, project_id, priority, metric, assignee_id, 0,
    count(*) FILTER (WHERE met), count(*) FILTER (WHERE NOT met), count(*) FILTER (WHERE stopped),
    count(working), sum(working), sum(wall), {histograms}
FROM bucketed GROUP BY day, organisation_id, project_id, priority, metric, assignee_id
UNION ALL
SELECT 'd', day, organisation_id, project_id, priority, '', assignee_id, count(*), 0, 0, 0, 0, NULL, NULL, {empty}
FROM received GROUP BY day, organisation_id, project_id, priority, assignee_id
"""  # noqa: S608 (SQL of constant names; the values are parameters)


def _month_facts_sql(grain: str) -> str:
    """INSERT the rows of a month grain for the months ``%(months)s``: the month rows with every
    key (``m``) from the day rows, the others from those (a twentieth of the rows to sum)."""
    kept = _KEPT[grain]
    source = "d" if grain == GRAINS.MONTH else GRAINS.MONTH
    keys = [column if column in kept else "NULL" for column in ("organisation_id", "project_id", "engineer_id")]
    sums = ", ".join(f"sum({column})" for column in SUMMED)
    return f"""
INSERT INTO reports_slafact ({", ".join(_COLUMNS)})
SELECT '{grain}', m.month, {keys[0]}, {keys[1]}, priority, metric, {keys[2]}, {sums}
FROM unnest(%(months)s::date[]) AS m(month)
JOIN reports_slafact f ON f.grain = '{source}' AND f.day >= m.month AND f.day < (m.month + interval '1 month')::date
GROUP BY {", ".join(["m.month", *kept, "priority", "metric"])}
"""  # noqa: S608 (SQL of constant names; the values are parameters)


def _recompute(cursor, days: list[datetime.date], zone: str) -> None:
    """The day rows of ``days``, then every month grain of their months."""
    cursor.execute("DELETE FROM reports_slafact WHERE grain = 'd' AND day = ANY(%(days)s::date[])", {"days": days})
    cursor.execute(_day_facts_sql(), {"days": days, "zone": zone})
    months = sorted({day.replace(day=1) for day in days})
    cursor.execute(
        "DELETE FROM reports_slafact WHERE grain IN ('m', 'p', 'e', 't') AND day = ANY(%(months)s::date[])",
        {"months": months},
    )
    for grain in _KEPT:
        cursor.execute(_month_facts_sql(grain), {"months": months})


def available() -> bool:
    """Whether this database keeps the roll-up (PostgreSQL: the triggers are there)."""
    return connection.vendor == "postgresql"


def rollup_rebuild() -> int:
    """Every fact again from the tickets, in the desk's zone now (``manage.py
    rebuild_sla_rollup``); the change rows are folded in. Returns the days written."""
    if not available():
        return 0
    zone = settings.TIME_ZONE
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK])
        cursor.execute("SET LOCAL jit = off")  # compiling its hundreds of sums costs more than it saves
        cursor.execute("SELECT id FROM reports_slafactchange")
        seen = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT DISTINCT (received_at AT TIME ZONE %(zone)s)::date FROM tickets_ticket ORDER BY 1", {"zone": zone}
        )
        days = [row[0] for row in cursor.fetchall()]
        cursor.execute("TRUNCATE reports_slafact")
        for start in range(0, len(days), 92):
            cursor.execute(_day_facts_sql(few=False), {"days": days[start : start + 92], "zone": zone})
        months = sorted({day.replace(day=1) for day in days})
        for grain in _KEPT:
            cursor.execute(_month_facts_sql(grain), {"months": months})
        cursor.execute("DELETE FROM reports_slafactchange WHERE id = ANY(%s)", [seen])
        now = timezone.now()
        SLARollup.objects.update_or_create(pk=1, defaults={"zone": zone, "built_at": now, "refreshed_at": now})
        cursor.execute("ANALYZE reports_slafact")
    return len(days)


def rollup_refresh(*, max_days: int = REFRESH_DAYS * 4) -> int:
    """Fold the changed days into the facts (beat, every minute): the days named by the change
    rows, ``REFRESH_DAYS`` per transaction, up to ``max_days``. Returns the days recomputed. A
    roll-up of another zone than the desk's is left alone (it is not read either)."""
    if not available():
        return 0
    zone = settings.TIME_ZONE
    done = 0
    while done < max_days:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK])
            cursor.execute("SET LOCAL jit = off")  # compiling its hundreds of sums costs more than it saves
            state = SLARollup.objects.filter(pk=1).values_list("zone", flat=True).first()
            if state != zone:
                logger.warning("SLA roll-up in %s, the desk in %s: run manage.py rebuild_sla_rollup", state, zone)
                return done
            cursor.execute(
                "SELECT id, (received_at AT TIME ZONE %(zone)s)::date FROM reports_slafactchange "
                "ORDER BY id LIMIT 50000",
                {"zone": zone},
            )
            changes = cursor.fetchall()
            if not changes:
                return done
            days = sorted({day for _id, day in changes})[:REFRESH_DAYS]
            chosen = set(days)
            _recompute(cursor, days, zone)
            cursor.execute(
                "DELETE FROM reports_slafactchange WHERE id = ANY(%s)",
                [[change_id for change_id, day in changes if day in chosen]],
            )
            SLARollup.objects.filter(pk=1).update(refreshed_at=timezone.now())
        done += len(days)
    return done


def staleness() -> dict:
    """For the page: when the roll-up was refreshed, and the oldest change not folded in yet
    (None when it holds everything) with how many days are read from the tickets meanwhile."""
    if not available():
        return {"available": False}
    state = SLARollup.objects.filter(pk=1).first()
    zone = settings.TIME_ZONE
    oldest = SLAFactChange.objects.order_by("changed_at").values_list("changed_at", flat=True).first()
    return {
        "available": True,
        "current_zone": state is not None and state.zone == zone,
        "refreshed_at": state.refreshed_at if state else None,
        "oldest_change": oldest,
    }


def months_between(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    months, month = [], start.replace(day=1)
    while month <= end:
        months.append(month)
        month += relativedelta(months=1)
    return months
