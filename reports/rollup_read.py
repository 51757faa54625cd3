"""Reading the SLA roll-up (reports/rollup.py) on PostgreSQL: each figure is one statement that
sums the facts of the period and reads the rest live, in one snapshot:

- a month the range covers (mostly) is its month row, less the day rows of the days outside
  the range; a month it covers a little is the day rows of its days;
- a day named by a change row (a clock stopped or breached since the last refresh, a ticket
  received or moved) is read from the tickets, its facts left out (subtracted from its month);
  when the roll-up is in another zone than the desk's, every day of the range is;
- the undecided clocks (running without a breach mark, or paused) are always read live: whether
  a running clock is breached depends on "now".

Counts and means are exact; a 90th percentile is interpolated in its histogram bucket
(``rollup.percentile``) unless every stopped clock of the group was read live (then it is
``percentile_cont`` of them).
"""

import datetime

from django.conf import settings
from django.db import connections

from core.db import read_alias
from core.time import desk_today
from reports import rollup
from reports.filters import ReportFilter, midnight
from reports.models import HISTOGRAM_BUCKETS, SLAFact

# group_by -> (expression over a fact row f, expression over a live row l, the label join)
_KEYS = {
    None: ("NULL::bigint", "NULL::bigint", ""),
    "priority": ("f.priority", "l.priority", ""),
    "organisation": (
        "f.organisation_id",
        "l.organisation_id",
        "LEFT JOIN customers_organisation label ON label.id = a.key",
    ),
    "project": ("f.project_id", "l.project_id", "LEFT JOIN customers_project label ON label.id = a.key"),
    "engineer": ("f.engineer_id", "l.assignee_id", "LEFT JOIN accounts_user label ON label.id = a.key"),
    "month": (
        "date_trunc('month', f.day::timestamp)::date",
        "date_trunc('month', (l.received_at AT TIME ZONE %(zone)s))::date",
        "",
    ),
}
_LABELS = {
    "organisation": ", label.name AS label_name",
    "project": ", label.name AS label_name",
    "engineer": ", label.username AS label_username, label.first_name, label.last_name",
}

# JIT compiling the hundreds of sums of a statement costs seconds where running it costs
# milliseconds: off for the connection (sent with the statement, one round trip)
NO_JIT = "SET jit = off;\n"

DIRTY = """
dirty AS (
    SELECT DISTINCT (received_at AT TIME ZONE %(zone)s)::date AS day FROM reports_slafactchange
    WHERE received_at >= %(since)s AND received_at < %(until)s
    UNION
    SELECT g::date FROM generate_series(%(start)s::date, %(end)s::date, interval '1 day') AS g
    WHERE NOT EXISTS (SELECT 1 FROM reports_slarollup WHERE zone = %(zone)s)
)"""

# the tickets received on a changed day d, by the index on received_at (OFFSET 0: the day first)
DAY_TICKETS = (
    "SELECT t.id, t.received_at, t.organisation_id, t.project_id, t.priority, t.assignee_id "
    "FROM tickets_ticket t WHERE t.received_at >= (d.day::timestamp AT TIME ZONE %(zone)s) "
    "AND t.received_at < ((d.day + 1)::timestamp AT TIME ZONE %(zone)s) OFFSET 0"
)

# which facts: (sign, condition over f)
_PARTS = (
    (1, "f.grain = %(grain)s AND f.day = ANY(%(months)s::date[])"),
    (-1, "f.grain = 'd' AND f.day = ANY(%(minus)s::date[])"),
    (
        -1,
        "f.grain = 'd' AND f.day = ANY(ARRAY(SELECT day FROM dirty)) "
        "AND date_trunc('month', f.day::timestamp)::date = ANY(%(months)s::date[])",
    ),
    (1, "f.grain = 'd' AND f.day = ANY(%(plus)s::date[]) AND f.day NOT IN (SELECT day FROM dirty)"),
)


def plan(start: datetime.date, end: datetime.date, today: datetime.date) -> dict:
    """Which month rows (``months``), which day rows to subtract (``minus``: the days of those
    months outside the range) and which to add (``plus``: the days of the months the range
    covers less than half of). Days after today cost nothing to subtract (nothing is there)."""
    months, minus, plus = [], [], []
    for month in rollup.months_between(start, end):
        following = (month + datetime.timedelta(days=32)).replace(day=1)
        days = [month + datetime.timedelta(days=n) for n in range((following - month).days)]
        inside = [day for day in days if start <= day <= end]
        outside = [day for day in days if not start <= day <= end]
        if len([day for day in outside if day <= today]) <= len(inside):
            months.append(month)
            minus += outside
        else:
            plus += inside
    return {"months": months, "minus": minus, "plus": plus}


def _scope(report: ReportFilter, alias: str, *, priority: bool = True) -> str:
    sql = ""
    if report.organisation_id:
        sql += f" AND {alias}.organisation_id = %(organisation)s"
    if report.project_id:
        sql += f" AND {alias}.project_id = %(project)s"
    if priority and report.priority:
        sql += f" AND {alias}.priority = %(priority)s"
    return sql


def _params(report: ReportFilter, grain: str) -> dict:
    return {
        "zone": settings.TIME_ZONE,
        "since": report.since,
        "until": report.until,
        "start": report.start,
        "end": report.end,
        "organisation": report.organisation_id,
        "project": report.project_id,
        "priority": report.priority,
        "grain": grain,
        **plan(report.start, report.end, desk_today()),
    }


def _grain(report: ReportFilter, group_by: str | None) -> str:
    """The month rows with the fewest keys that still tell the filter and the groups apart."""
    scoped = report.organisation_id or report.project_id
    if group_by == "engineer":
        return SLAFact.Grain.MONTH if scoped else SLAFact.Grain.MONTH_ENGINEERS
    if scoped or group_by in ("organisation", "project"):
        return SLAFact.Grain.MONTH_PROJECTS
    return SLAFact.Grain.MONTH_TOTALS


def _live_sql(report: ReportFilter) -> str:
    """The clocks read from the tickets: the undecided ones of the period, and every clock of
    the changed days."""
    columns = (
        "t.received_at, t.organisation_id, t.project_id, t.priority, t.assignee_id, c.metric, c.started_at, "
        "c.due_at, c.stopped_at, c.paused_at, c.breached_at, c.working_seconds"
    )
    scope = _scope(report, "t")
    return f"""
live AS (
    SELECT {columns} FROM tickets_slaclock c
    CROSS JOIN LATERAL (
        SELECT t.received_at, t.organisation_id, t.project_id, t.priority, t.assignee_id
        FROM tickets_ticket t WHERE t.id = c.ticket_id OFFSET 0
    ) AS t
    WHERE c.stopped_at IS NULL AND c.breached_at IS NULL
      AND t.received_at >= %(since)s AND t.received_at < %(until)s{scope}
    UNION ALL
    SELECT {columns} FROM dirty d
    CROSS JOIN LATERAL ({DAY_TICKETS}) AS t
    CROSS JOIN LATERAL (SELECT * FROM tickets_slaclock c WHERE c.ticket_id = t.id OFFSET 0) AS c
    WHERE (c.stopped_at IS NOT NULL OR c.breached_at IS NOT NULL) AND c.cancelled_at IS NULL{scope}
)"""  # noqa: S608 (SQL of constant names; the values are parameters)


def attainment_sql(report: ReportFilter, group_by: str | None) -> str:
    """One statement: per metric over the whole filter, and per group and metric."""
    fact_key, live_key, label_join = _KEYS[group_by]
    scope = _scope(report, "f")
    histogram = [*rollup.W, *rollup.X]
    fact_columns = ", ".join(
        [
            f"{fact_key} AS key, f.metric",
            "{sign} * (f.met + f.breached) AS clocks, {sign} * f.met AS met, {sign} * f.breached AS breached",
            "0 AS pending, {sign} * f.stopped AS stopped, {sign} * f.stopped AS fact_stopped",
            "{sign} * f.working_count AS working_count, {sign} * f.working_sum AS working_sum",
            "{sign} * f.wall_sum AS wall_sum",
            *[f"{{sign}} * f.{column} AS {column}" for column in histogram],
        ]
    )
    facts = "\n    UNION ALL\n".join(
        f"    SELECT {fact_columns.format(sign=sign)} FROM reports_slafact f WHERE {where} AND f.metric <> ''{scope}"  # noqa: S608 (SQL of constant names; the values are parameters)
        for sign, where in _PARTS
    )
    live_columns = ", ".join(
        [
            "key, metric, 1 AS clocks, met::int, breached::int, (NOT met AND NOT breached)::int AS pending",
            "stopped::int, 0 AS fact_stopped, (working IS NOT NULL)::int AS working_count",
            "working AS working_sum, wall AS wall_sum",
            *[f"(wb = {k})::int" for k in range(HISTOGRAM_BUCKETS)],
            *[f"(xb = {k})::int" for k in range(HISTOGRAM_BUCKETS)],
        ]
    )
    sums = ", ".join(
        f"sum({column}) AS {column}"
        for column in [
            "clocks",
            "met",
            "breached",
            "pending",
            "stopped",
            "fact_stopped",
            "working_count",
            "working_sum",
            "wall_sum",
            *histogram,
        ]
    )
    if group_by:
        sets, overall, key = "GROUPING SETS ((metric), (key, metric))", "GROUPING(key) = 1", "key"
    else:
        sets, overall, key = "metric", "true", "NULL::bigint AS key"
    return f"""
WITH {DIRTY},
{_live_sql(report)},
decided AS (
    SELECT {live_key} AS key, l.metric,
        l.stopped_at IS NOT NULL AND l.stopped_at <= l.due_at AND l.breached_at IS NULL AS met,
        l.breached_at IS NOT NULL OR (l.stopped_at IS NOT NULL AND l.stopped_at > l.due_at)
            OR (l.stopped_at IS NULL AND l.paused_at IS NULL AND l.due_at < %(now)s) AS breached,
        l.stopped_at IS NOT NULL AS stopped,
        CASE WHEN l.stopped_at IS NOT NULL THEN l.working_seconds::float8 END AS working,
        CASE WHEN l.stopped_at IS NOT NULL THEN date_part('epoch', l.stopped_at - l.started_at) END AS wall
    FROM live l
),
bucketed AS (SELECT d.*, {rollup.bucket_sql("working")} AS wb, {rollup.bucket_sql("wall")} AS xb FROM decided d),
rows AS (
{facts}
    UNION ALL
    SELECT {live_columns} FROM bucketed
),
a AS (SELECT {overall} AS overall, {key}, metric, {sums} FROM rows GROUP BY {sets} HAVING sum(clocks) > 0),
exact AS (
    SELECT {overall} AS overall, {key}, metric,
        percentile_cont(0.9) WITHIN GROUP (ORDER BY working) AS exact_p90_working,
        percentile_cont(0.9) WITHIN GROUP (ORDER BY wall) AS exact_p90_wall
    FROM bucketed WHERE stopped GROUP BY {sets}
)
SELECT a.*, exact.exact_p90_working, exact.exact_p90_wall{_LABELS.get(group_by, "")} FROM a
LEFT JOIN exact ON exact.overall = a.overall AND exact.key IS NOT DISTINCT FROM a.key AND exact.metric = a.metric
{label_join}
ORDER BY a.overall DESC, a.key, a.metric
"""  # noqa: S608 (SQL of constant names; the values are parameters)


def attainment_sets(
    report: ReportFilter, group_by: str | None, *, now: datetime.datetime
) -> tuple[list[dict], list[dict]]:
    """The rows per metric over the filter and the rows per group and metric (empty without
    ``group_by``), shaped as ``selectors.attainment``'s, from one statement."""
    params = {**_params(report, _grain(report, group_by)), "now": now}
    with connections[read_alias()].cursor() as cursor:  # the replica inside a report (core/db.py)
        cursor.execute(NO_JIT + attainment_sql(report, group_by), params)
        names = [column.name for column in cursor.description]
        fetched = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    overall, grouped = [], []
    for row in fetched:
        shaped = _shape(row, group_by if not row["overall"] else None)
        (overall if row["overall"] else grouped).append(shaped)
    return overall, grouped


def _shape(row: dict, group_by: str | None) -> dict:
    result: dict = {"group": None, "label": ""}
    if group_by:
        result["group"] = row["key"]
        if group_by == "month":
            result["label"] = row["key"].strftime("%Y-%m") if row["key"] else ""
        elif group_by == "engineer":
            names = (row["first_name"], row["last_name"])
            result["label"] = " ".join(name for name in names if name) or row["label_username"] or ""
        elif group_by == "priority":
            result["label"] = row["key"]
        else:
            result["label"] = row["label_name"]
    met, breached = int(row["met"]), int(row["breached"])
    stopped, working_count = int(row["stopped"]), int(row["working_count"])
    exact = not row["fact_stopped"]
    working = [int(row[column] or 0) for column in rollup.W]
    wall = [int(row[column] or 0) for column in rollup.X]
    decided = met + breached
    result.update(
        {
            "metric": row["metric"],
            "clocks": int(row["clocks"]),
            "met": met,
            "breached": breached,
            "mean_working_seconds": _round(row["working_sum"] / working_count if working_count else None),
            "p90_working_seconds": _round(row["exact_p90_working"] if exact else rollup.percentile(working, 0.9)),
            "mean_wall_seconds": _round(row["wall_sum"] / stopped if stopped else None),
            "p90_wall_seconds": _round(row["exact_p90_wall"] if exact else rollup.percentile(wall, 0.9)),
            "attainment": round(float(met) * 100.0 / decided, 1) if decided else None,
            "pending": int(row["pending"]),
        }
    )
    return result


def _round(value: float | None) -> int | None:
    return round(value) if value is not None else None


def tickets_per_month(report: ReportFilter) -> list[dict]:
    """Tickets received per month of the period (the priority does not apply): ``month`` (an
    instant: midnight of the month's first day in the desk's zone) and ``count``."""
    scope = _scope(report, "f", priority=False)
    facts = "\n    UNION ALL\n".join(
        f"    SELECT date_trunc('month', f.day::timestamp)::date AS month, {sign} * f.tickets AS tickets "  # noqa: S608 (SQL of constant names; the values are parameters)
        f"FROM reports_slafact f WHERE {where} AND f.metric = ''{scope}"
        for sign, where in _PARTS
    )
    sql = f"""
WITH {DIRTY},
rows AS (
{facts}
    UNION ALL
    SELECT date_trunc('month', (t.received_at AT TIME ZONE %(zone)s))::date, 1 FROM dirty d
    CROSS JOIN LATERAL ({DAY_TICKETS}) AS t
    WHERE true{_scope(report, "t", priority=False)}
)
SELECT month, sum(tickets) FROM rows GROUP BY month HAVING sum(tickets) <> 0 ORDER BY month
"""  # noqa: S608 (SQL of constant names; the values are parameters)
    with connections[read_alias()].cursor() as cursor:
        cursor.execute(NO_JIT + sql, _params(report, _grain(report, None)))  # the priority does not apply
        return [{"month": midnight(month), "count": int(count)} for month, count in cursor.fetchall()]
