"""The dashboard's figures, each one query the database aggregates (``GROUP BY``, conditional
counts, ``percentile_cont``): never a Python loop over tickets.

Which clocks a period holds: those of the tickets received in it. A clock is *met* when it
stopped by its due moment, *breached* when it stopped late, was marked breached, or runs past
its due moment now, and *pending* otherwise (running in time, or paused). Attainment is met ÷
(met + breached), in percent; pending clocks are not decided yet. Times (mean and 90th
percentile) are of the stopped clocks: working time on the clock's calendar without the pauses
(``SLAClock.working_seconds``) and wall time from start to stop. The user-facing version of
these rules is docs/reports.md.
"""

import datetime
from collections.abc import Iterable
from typing import Any

from django.db.models import (
    Avg,
    Count,
    F,
    FloatField,
    Min,
    Q,
    QuerySet,
)
from django.db.models.functions import Cast, NullIf, TruncMonth
from django.utils import timezone

from core.time import desk_today, desk_zone
from emergency.models import Incident, ReviewAction
from emergency.selectors import grade_rank
from maintenance import selectors as maintenance_selectors
from maintenance.models import Inspection, ReturnVisit, Warranty
from reports import rollup, rollup_read
from reports.filters import ReportFilter
from reports.sql import Percentile, Seconds
from tickets.models import Metric, SLAClock, Ticket
from training import selectors as training_selectors
from training.models import Feedback

GROUPS = ("priority", "organisation", "project", "engineer", "month")
# group_by -> (key column, label column) over SLAClock
_GROUP_COLUMNS = {
    "priority": ("ticket__priority", None),
    "organisation": ("ticket__organisation_id", "ticket__organisation__name"),
    "project": ("ticket__project_id", "ticket__project__name"),
    "engineer": ("ticket__assignee_id", "ticket__assignee__username"),  # the label: the full name, if any
    "month": ("month", None),
}
METRICS = (Metric.FIRST_RESPONSE, Metric.ONSITE_ARRIVAL, Metric.UPDATE, Metric.RESOLUTION)
OPEN_INCIDENT_STEPS = [value for value in Incident.Status.values if value != Incident.Status.CLOSED]
AGE_BUCKETS = (  # (key, lower bound in days, upper bound in days)
    ("under_1d", 0, 1),
    ("d1_3", 1, 3),
    ("d3_7", 3, 7),
    ("d7_30", 7, 30),
    ("over_30d", 30, None),
)


def _outcomes(now: datetime.datetime) -> dict[str, Q]:
    met = Q(stopped_at__isnull=False, stopped_at__lte=F("due_at"), breached_at__isnull=True)
    breached = (
        Q(breached_at__isnull=False)
        | Q(stopped_at__isnull=False, stopped_at__gt=F("due_at"))
        | Q(stopped_at__isnull=True, paused_at__isnull=True, due_at__lt=now)
    )
    return {"met": met, "breached": breached}


def clocks(report: ReportFilter) -> QuerySet[SLAClock]:
    """The clocks of the tickets received in the period, within the filter; not the clocks
    cancelled by a merge (neither met nor breached: docs/sla.md)."""
    return SLAClock.objects.filter(
        report.scope("ticket__"),
        ticket__received_at__gte=report.since,
        ticket__received_at__lt=report.until,
        cancelled_at__isnull=True,
    )


def percent(part, whole) -> Any:
    """``part`` × 100 ÷ ``whole`` in SQL; null when ``whole`` is 0."""
    return Cast(part, FloatField()) * 100.0 / NullIf(whole, 0)


def attainment(
    report: ReportFilter, group_by: str | None = None, *, now: datetime.datetime | None = None
) -> list[dict]:
    """One row per group and metric: clocks, met, breached, pending, attainment (percent or
    None), and the mean and 90th percentile of working and wall seconds of the stopped clocks.
    ``group_by`` None gives one row per metric over the whole filter. On PostgreSQL from the
    roll-up (``reports.rollup_read``: the 90th percentiles within a histogram bucket), else
    ``attainment_live``."""
    if not rollup.available():
        return attainment_live(report, group_by, now=now)
    overall, grouped = rollup_read.attainment_sets(report, group_by, now=now or timezone.now())
    return grouped if group_by else overall


def attainment_sets(
    report: ReportFilter, group_by: str | None, *, now: datetime.datetime | None = None
) -> tuple[list[dict], list[dict]]:
    """The rows per metric over the whole filter and the rows per group and metric (empty
    without ``group_by``): on PostgreSQL one statement (``GROUPING SETS`` over the roll-up and
    the clocks read live), elsewhere ``attainment_live`` twice."""
    now = now or timezone.now()
    if rollup.available():
        return rollup_read.attainment_sets(report, group_by, now=now)
    return attainment_live(report, now=now), attainment_live(report, group_by, now=now) if group_by else []


def attainment_live(
    report: ReportFilter, group_by: str | None = None, *, now: datetime.datetime | None = None
) -> list[dict]:
    """``attainment`` from the clocks themselves, every one of them read (the 90th percentiles
    exact): what the roll-up must equal."""
    outcome = _outcomes(now or timezone.now())
    stopped = Q(stopped_at__isnull=False)
    wall = Seconds(F("stopped_at"), F("started_at"))
    queryset = clocks(report)
    columns: list[str] = []
    labels: dict[str, Min] = {}
    if group_by:
        key = _GROUP_COLUMNS[group_by][0]
        if group_by == "month":
            queryset = queryset.annotate(month=TruncMonth("ticket__received_at", tzinfo=desk_zone()))
        columns = [key]
        # a group's label follows from its key: taken with MIN rather than grouped by, so the sort
        # that groups a year of clocks compares keys, not names too (docs/benchmarks.md)
        labels = {alias: Min(column) for alias, column in _label_columns(group_by).items()}
    rows = (
        queryset.values(*columns, "metric")
        .annotate(
            **labels,
            clocks=Count("pk"),
            met=Count("pk", filter=outcome["met"]),
            breached=Count("pk", filter=outcome["breached"]),
            mean_working_seconds=Avg("working_seconds", filter=stopped),
            p90_working_seconds=Percentile("working_seconds", fraction=0.9, filter=stopped),
            mean_wall_seconds=Avg(wall, filter=stopped),
            p90_wall_seconds=Percentile(wall, fraction=0.9, filter=stopped),
        )
        .annotate(attainment=percent(F("met"), F("met") + F("breached")))
        .order_by(*columns, "metric")
    )
    return [_attainment_row(row, group_by) for row in rows]


def _group_value(group_by: str | None, value: Any) -> Any:
    if group_by == "month" and value is not None:
        return timezone.localtime(value, desk_zone()).date().replace(day=1)
    return value


def _earlier_breaches(report: ReportFilter, group_by: str | None, now: datetime.datetime) -> dict[tuple, int]:
    """Per (group, metric), and per (None, metric) over the whole filter: the clocks that breached
    in an earlier run (an earlier update interval or cycle, ``SLAClock.earlier_breaches``) and are
    not breached in their current one. One query over the partial index of those few clocks."""
    queryset = clocks(report).filter(earlier_breaches__gt=0)
    columns: list[str] = []
    if group_by:
        columns = [_GROUP_COLUMNS[group_by][0]]
        if group_by == "month":
            queryset = queryset.annotate(month=TruncMonth("ticket__received_at", tzinfo=desk_zone()))
    rows = (
        queryset.values(*columns, "metric")
        .annotate(total=Count("pk"), breached_now=Count("pk", filter=_outcomes(now)["breached"]))
        .order_by()
    )
    extra: dict[tuple, int] = {}
    for row in rows:
        count = row["total"] - row["breached_now"]
        if group_by:
            key = (_group_value(group_by, row[columns[0]]), row["metric"])
            extra[key] = extra.get(key, 0) + count
        extra[(None, row["metric"])] = extra.get((None, row["metric"]), 0) + count
    return extra


def _ever(rows: list[dict], group_by: str | None, extra: dict[tuple, int]) -> list[dict]:
    for row in rows:
        row["ever_breached"] = row["breached"] + extra.get((row["group"] if group_by else None, row["metric"]), 0)
    return rows


def ever_breached_add(
    report: ReportFilter,
    group_by: str | None,
    rows: list[dict],
    *,
    now: datetime.datetime | None = None,
    overall: list[dict] | None = None,
) -> list[dict]:
    """``ever_breached`` on each attainment row (``rows``, grouped by ``group_by``, and the rows
    per metric ``overall`` if given) beside ``breached`` (the last cycle, the current interval):
    the clocks that breached in any cycle or update interval. One query more than the
    attainment's: the roll-up keeps no clock's earlier breaches (docs/sla.md)."""
    extra = _earlier_breaches(report, group_by, now or timezone.now())
    if overall is not None:
        _ever(overall, None, extra)
    return _ever(rows, group_by, extra)


def _label_columns(group_by: str) -> dict[str, str]:
    """The columns of a group's label by their alias in the row: ``label_name`` (organisation,
    project), ``label_username``, ``label_first_name`` and ``label_last_name`` (engineer)."""
    label = _GROUP_COLUMNS[group_by][1]
    columns = [label] if label else []
    if group_by == "engineer":
        columns += ["ticket__assignee__first_name", "ticket__assignee__last_name"]
    return {"label_" + column.rsplit("__", 1)[1]: column for column in columns}


def _attainment_row(row: dict, group_by: str | None) -> dict:
    result = {"group": None, "label": ""}
    if group_by:
        key, label = _GROUP_COLUMNS[group_by]
        value = row.pop(key)
        if group_by == "month":
            value = timezone.localtime(value, desk_zone()).date().replace(day=1) if value else None
            result["label"] = value.strftime("%Y-%m") if value else ""
        elif group_by == "engineer":
            names = (row.pop("label_first_name"), row.pop("label_last_name"))
            username = row.pop("label_username")
            result["label"] = " ".join(name for name in names if name) or username or ""
        else:
            result["label"] = row.pop("label_name") if label else value
        result["group"] = value
    result.update(row)
    result["pending"] = row["clocks"] - row["met"] - row["breached"]
    for name in ("mean_working_seconds", "p90_working_seconds", "mean_wall_seconds", "p90_wall_seconds"):
        result[name] = round(result[name]) if result[name] is not None else None
    if result["attainment"] is not None:
        result["attainment"] = round(result["attainment"], 1)
    return result


def breaches(report: ReportFilter, *, now: datetime.datetime | None = None) -> QuerySet[SLAClock]:
    """The breached clocks of the period with their tickets, the latest due first."""
    return (
        clocks(report)
        .filter(_outcomes(now or timezone.now())["breached"])
        .select_related("ticket", "ticket__organisation", "ticket__project", "ticket__assignee")
        .order_by("-due_at", "-pk")
    )


def backlog(report: ReportFilter, *, now: datetime.datetime | None = None) -> list[dict]:
    """Open tickets now (the period does not apply), by priority and age since received."""
    now = now or timezone.now()
    buckets = {}
    for key, low, high in AGE_BUCKETS:
        q = Q(received_at__lte=now - datetime.timedelta(days=low))
        if high is not None:
            q &= Q(received_at__gt=now - datetime.timedelta(days=high))
        buckets[key] = Count("pk", filter=q)
    rows = (
        Ticket.objects.filter(report.scope(), status__in=Ticket.OPEN_STATUSES)
        .values("priority")
        .annotate(total=Count("pk"), **buckets)
        .order_by("priority")
    )
    return list(rows)


def incidents_by_grade(report: ReportFilter) -> list[dict]:
    """Open (not closed) incidents now, by grade ("" for not graded yet) and step."""
    return list(
        Incident.objects.filter(report.scope(priority=False))
        .exclude(status=Incident.Status.CLOSED)
        .values("grade")
        .annotate(
            rank=grade_rank(),
            total=Count("pk"),
            **{status: Count("pk", filter=Q(status=status)) for status in OPEN_INCIDENT_STEPS},
        )
        .order_by("-rank")
    )


def inspections(report: ReportFilter, *, today: datetime.date | None = None, days: int = 30) -> list[dict]:
    """Per project: open visits due within ``days`` and overdue ones (due before today)."""
    today = today or desk_today()
    return list(
        Inspection.objects.filter(report.project_scope(), status__in=Inspection.OPEN_STATUSES)
        .values("project_id", "project__name", "project__organisation__name")
        .annotate(
            due=Count("pk", filter=Q(due_date__gte=today, due_date__lte=today + datetime.timedelta(days=days))),
            overdue=Count("pk", filter=Inspection.overdue_q(today)),
        )
        .filter(Q(due__gt=0) | Q(overdue__gt=0))
        .order_by("-overdue", "-due", "project__name")
    )


def warranties_expiring(report: ReportFilter, *, today: datetime.date | None = None) -> QuerySet[Warranty]:
    """Warranties in force whose last day is within the reminder horizon, soonest first."""
    today = today or desk_today()
    return (
        maintenance_selectors.warranties_expiring(today=today)
        .filter(report.project_scope())
        .select_related("project", "project__organisation", "asset", "terms")
        .order_by("end_date", "pk")
    )


def satisfaction(report: ReportFilter) -> list[dict]:
    """Per month of the period: the mean ticket rating (by resolution month), return-visit
    satisfaction (by visit) and training rating (by session), each with its count."""
    zone = desk_zone()
    series = {
        "tickets": Ticket.objects.filter(
            report.scope(), rating__isnull=False, resolved_at__gte=report.since, resolved_at__lt=report.until
        )
        .annotate(month=TruncMonth("resolved_at", tzinfo=zone))
        .values("month")
        .annotate(mean=Avg("rating"), count=Count("pk")),
        "return_visits": ReturnVisit.objects.filter(
            report.project_scope(),
            satisfaction__isnull=False,
            done_at__gte=report.since,
            done_at__lt=report.until,
        )
        .annotate(month=TruncMonth("done_at", tzinfo=zone))
        .values("month")
        .annotate(mean=Avg("satisfaction"), count=Count("pk")),
        "training": Feedback.objects.filter(
            report.project_scope("enrolment__session__plan__"),
            enrolment__session__starts_at__gte=report.since,
            enrolment__session__starts_at__lt=report.until,
        )
        .annotate(month=TruncMonth("enrolment__session__starts_at", tzinfo=zone))
        .values("month")
        .annotate(mean=Avg("rating"), count=Count("pk")),
    }
    return _by_month(report, series, means={"tickets", "return_visits", "training"})


def deflection(report: ReportFilter) -> list[dict]:
    """Per month: problems solved by an article without a ticket, tickets filed, and the
    deflection rate solved ÷ (solved + filed) in percent. The project filter does not apply
    to what was solved (a deflection knows only the organisation)."""
    zone = desk_zone()
    solved = training_selectors.deflections(
        since=report.since, until=report.until, organisation_id=report.organisation_id or None
    )
    series = {
        "solved": solved.annotate(month=TruncMonth("created_at", tzinfo=zone))
        .values("month")
        .annotate(count=Count("pk")),
        "filed": rollup_read.tickets_per_month(report) if rollup.available() else tickets_per_month_live(report),
    }
    rows = _by_month(report, series, means=set())
    for row in rows:
        solved_count, filed = row["solved_count"] or 0, row["filed_count"] or 0
        row["rate"] = round(solved_count * 100.0 / (solved_count + filed), 1) if solved_count + filed else None
    return rows


def tickets_per_month_live(report: ReportFilter) -> QuerySet:
    """Tickets received per month of the period (``month``, ``count``), counted one by one."""
    return (
        Ticket.objects.filter(report.scope(priority=False), received_at__gte=report.since, received_at__lt=report.until)
        .annotate(month=TruncMonth("received_at", tzinfo=desk_zone()))
        .values("month")
        .annotate(count=Count("pk"))
    )


def _months(report: ReportFilter) -> list[datetime.date]:
    months, month = [], report.start.replace(day=1)
    while month <= report.end:
        months.append(month)
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return months


def _by_month(report: ReportFilter, series: dict[str, Iterable[dict]], *, means: set[str]) -> list[dict]:
    """Every month of the period, empty ones too, with ``<series>_count`` for each series and
    ``<series>_mean`` for those in ``means``."""
    zone = desk_zone()
    empty = {f"{name}_count": 0 for name in series} | {f"{name}_mean": None for name in means}
    rows = {month: {"month": month, **empty} for month in _months(report)}
    for name, values in series.items():
        for value in values:
            row = rows.get(timezone.localtime(value["month"], zone).date().replace(day=1))
            if row is not None:
                row[f"{name}_count"] = value["count"]
                if name in means and value["mean"] is not None:
                    row[f"{name}_mean"] = round(value["mean"], 2)
    return list(rows.values())


def open_review_actions(report: ReportFilter) -> QuerySet[ReviewAction]:
    """Improvement actions from post-incident reviews not done yet, the earliest due first."""
    return (
        ReviewAction.objects.filter(report.scope("incident__", priority=False), done_at__isnull=True)
        .select_related("incident", "owner")
        .order_by("due_date", "pk")
    )
