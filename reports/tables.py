"""The dashboard's tables: one ``exports.Table`` builder per table. The page draws its table
(and the chart beside it) from the same builder as the CSV and the XLSX export, so the three
show the same numbers. Labels (metrics, priorities, grades, steps, months) are translated here,
on the server."""

import dataclasses
import datetime
from collections.abc import Callable, Iterable
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.time import desk_zone
from emergency.models import Grade, Incident
from reports import selectors
from reports.exports import Column, Table
from reports.filters import ReportFilter
from tickets.models import Metric, Priority, SLAClock

DEFAULT_GROUP = "month"
GROUP_LABELS = {
    "priority": _("Priority"),
    "organisation": _("Organisation"),
    "project": _("Delivered project"),
    "engineer": _("Engineer"),
    "month": _("Month"),
}
AGE_LABELS = {
    "under_1d": _("Under 1 day"),
    "d1_3": _("1–3 days"),
    "d3_7": _("3–7 days"),
    "d7_30": _("7–30 days"),
    "over_30d": _("Over 30 days"),
}
INSPECTION_DAYS = 30
PAGE_ROWS = 50  # warranties on the page; the export holds all
BREACHES_PER_PAGE = 20  # the page pages them; the export holds all

# the colours of the charts (Bootstrap's, as the badges of servicedesk.css)
METRIC_COLOURS = {
    Metric.FIRST_RESPONSE: "#0d6efd",
    Metric.ONSITE_ARRIVAL: "#6f42c1",
    Metric.RESOLUTION: "#198754",
    Metric.UPDATE: "#fd7e14",
}
PRIORITY_COLOURS = {
    Priority.URGENT: "#dc3545",
    Priority.HIGH: "#fd7e14",
    Priority.NORMAL: "#0d6efd",
    Priority.LOW: "#6c757d",
}
GRADE_COLOURS = {
    Grade.CRITICAL: "#842029",
    Grade.URGENT: "#dc3545",
    Grade.IMPORTANT: "#fd7e14",
    Grade.GENERAL: "#0d6efd",
    "": "#6c757d",
}
_PRIORITY_RANK = {value: rank for rank, value in enumerate(reversed(Priority.values))}  # urgent first


@dataclasses.dataclass
class Col(Column):
    """A column that also knows how the page shows it: right-aligned figures, a link."""

    numeric: bool = False
    href: Callable[[Any], str | None] | None = None
    wrap: bool = False  # long text (a title) that may wrap anywhere, Chinese too


@dataclasses.dataclass(frozen=True)
class Cut:
    """What a table is built for: the filter, the grouping of the attainment table, and the
    moment ("now" decides running clocks, ages, overdue visits and days left)."""

    report: ReportFilter
    now: datetime.datetime
    group_by: str = DEFAULT_GROUP

    @property
    def today(self) -> datetime.date:
        return self.now.astimezone(desk_zone()).date()

    def file_name(self, table: str) -> str:
        return f"{table}-{self.report.start.isoformat()}-{self.report.end.isoformat()}"


# --- formatting -----------------------------------------------------------------------------


def hours_minutes(seconds: float | None) -> str | None:
    """Seconds as h:mm (``26:05``); None stays None (nothing stopped yet)."""
    if seconds is None:
        return None
    minutes = round(seconds / 60)
    return f"{minutes // 60}:{minutes % 60:02d}"


def month_label(month: datetime.date | None) -> str:
    return formats.date_format(month, "YEAR_MONTH_FORMAT") if month else ""


def metric_label(value: str) -> str:
    return str(Metric(value).label) if value in Metric.values else value


def priority_label(value: str) -> str:
    return str(Priority(value).label) if value in Priority.values else value


def grade_label(value: str) -> str:
    return str(Grade(value).label) if value in Grade.values else str(_("Not graded yet"))


def due_label() -> str:
    return _("Due in the next %(days)s days") % {"days": INSPECTION_DAYS}


def _ticket_link(clock: SLAClock) -> str:
    return reverse("tickets:detail", args=[clock.ticket_id])


def _times() -> list[Col]:
    return [
        Col("mean_working", _("Mean working time (h:mm)"), lambda row: hours_minutes(row["mean_working_seconds"])),
        Col("p90_working", _("90th percentile working time (h:mm)"), lambda r: hours_minutes(r["p90_working_seconds"])),
        Col("mean_wall", _("Mean wall time (h:mm)"), lambda row: hours_minutes(row["mean_wall_seconds"])),
        Col("p90_wall", _("90th percentile wall time (h:mm)"), lambda row: hours_minutes(row["p90_wall_seconds"])),
    ]


def _counts() -> list[Col]:
    return [
        Col("metric", _("Metric"), lambda row: metric_label(row["metric"])),
        Col("clocks", _("Clocks"), numeric=True),
        Col("met", _("Met"), numeric=True),
        Col("breached", _("Breached"), numeric=True),
        Col("pending", pgettext_lazy("SLA clocks", "Pending"), numeric=True),
        Col("attainment", _("Attainment (%)"), numeric=True),
    ]


# --- the tables -----------------------------------------------------------------------------


def summary_table(cut: Cut, rows: list[dict] | None = None) -> Table:
    """Attainment and times per metric over the whole filter (the tiles on top); ``rows``: the
    selector's, when already fetched (``selectors.attainment_sets``)."""
    return Table(
        name=cut.file_name("summary"),
        title=str(_("SLA summary")),
        columns=[*_counts(), *_times()],
        rows=selectors.attainment(cut.report, now=cut.now) if rows is None else rows,
    )


def attainment_table(cut: Cut, rows: list[dict] | None = None) -> Table:
    """Attainment and times per group (``cut.group_by``) and metric; ``rows`` as above."""
    rows = selectors.attainment(cut.report, cut.group_by, now=cut.now) if rows is None else rows
    for row in rows:
        row["group_label"] = _group_label(cut.group_by, row)
    if cut.group_by == "priority":
        rows.sort(key=lambda row: (_PRIORITY_RANK.get(row["group"], 99), row["metric"]))
    elif cut.group_by != "month":  # by name, the unassigned last (the databases sort nulls apart)
        rows.sort(
            key=lambda row: (row["group"] is None, row["group_label"].casefold(), row["group"] or 0, row["metric"])
        )
    return Table(
        name=cut.file_name(f"attainment-by-{cut.group_by}"),
        title=str(_("SLA attainment")),
        columns=[Col("group_label", GROUP_LABELS[cut.group_by]), *_counts(), *_times()],
        rows=rows,
    )


def _group_label(group_by: str, row: dict) -> str:
    if group_by == "month":
        return month_label(row["group"])
    if group_by == "priority":
        return priority_label(row["group"])
    if group_by == "engineer" and row["group"] is None:
        return str(_("Unassigned"))
    return str(row["label"] or "")


def breaches_table(cut: Cut) -> Table:
    """Every breached clock with its ticket, the latest due first."""
    now = cut.now

    def late(clock: SLAClock) -> str | None:
        return hours_minutes(max(0.0, ((clock.stopped_at or now) - clock.due_at).total_seconds()))

    return Table(
        name=cut.file_name("breaches"),
        title=str(_("SLA breaches")),
        columns=[
            Col("reference", _("Reference"), lambda clock: clock.ticket.reference, href=_ticket_link),
            Col("title", _("Title"), lambda clock: clock.ticket.title, wrap=True),
            Col("organisation", _("Organisation"), lambda clock: clock.ticket.organisation.name),
            Col("project", _("Delivered project"), lambda clock: clock.ticket.project.name),
            Col("priority", _("Priority"), lambda clock: priority_label(clock.ticket.priority)),
            Col("metric", _("Metric"), lambda clock: metric_label(clock.metric)),
            Col("due_at", _("Due"), lambda clock: clock.due_at),
            Col("stopped_at", _("Stopped"), lambda clock: clock.stopped_at),
            Col("late_by", _("Late by (h:mm)"), late, numeric=True),
        ],
        rows=selectors.breaches(cut.report, now=now),
    )


def backlog_table(cut: Cut) -> Table:
    """Open tickets now by priority and age."""
    rows = sorted(selectors.backlog(cut.report, now=cut.now), key=lambda row: _PRIORITY_RANK.get(row["priority"], 99))
    return Table(
        name=cut.file_name("backlog"),
        title=str(_("Backlog by age")),
        columns=[
            Col("priority", _("Priority"), lambda row: priority_label(row["priority"])),
            *[Col(key, AGE_LABELS[key], numeric=True) for key, _low, _high in selectors.AGE_BUCKETS],
            Col("total", _("Total"), numeric=True),
        ],
        rows=rows,
    )


def incidents_table(cut: Cut) -> Table:
    """Open incidents by grade, with the step each is at."""
    steps = selectors.OPEN_INCIDENT_STEPS
    return Table(
        name=cut.file_name("incidents"),
        title=str(_("Open incidents")),
        columns=[
            Col("grade", _("Grade"), lambda row: grade_label(row["grade"])),
            *[Col(step, Incident.Status(step).label, numeric=True) for step in steps],
            Col("total", _("Total"), numeric=True),
        ],
        rows=selectors.incidents_by_grade(cut.report),
    )


def inspections_table(cut: Cut) -> Table:
    """Per project: visits due within 30 days and overdue ones."""
    return Table(
        name=cut.file_name("inspections"),
        title=str(_("Inspections")),
        columns=[
            Col("project", _("Delivered project"), lambda row: row["project__name"]),
            Col("organisation", _("Organisation"), lambda row: row["project__organisation__name"]),
            Col("due", due_label(), numeric=True),
            Col("overdue", _("Overdue"), numeric=True),
        ],
        rows=selectors.inspections(cut.report, today=cut.today, days=INSPECTION_DAYS),
    )


def warranties_table(cut: Cut) -> Table:
    """Warranties whose last day is near, soonest first."""
    today = cut.today
    return Table(
        name=cut.file_name("warranties"),
        title=str(_("Warranties expiring")),
        columns=[
            Col("project", _("Delivered project"), lambda warranty: warranty.project.name),
            Col("organisation", _("Organisation"), lambda warranty: warranty.project.organisation.name),
            Col(
                "asset",
                _("Installed asset"),
                lambda warranty: str(warranty.asset) if warranty.asset_id else str(_("Whole project")),
            ),
            Col("terms", _("Warranty terms"), lambda warranty: warranty.terms.name),
            Col("end_date", _("Last day covered"), lambda warranty: warranty.end_date),
            Col("days_left", _("Days left"), lambda warranty: (warranty.end_date - today).days, numeric=True),
        ],
        rows=selectors.warranties_expiring(cut.report, today=today),
    )


def review_actions_table(cut: Cut) -> Table:
    """Improvement actions from incident reviews not done yet, the earliest due first (the one
    selector the quality reviews read too): the list empties as they are done."""
    today = cut.today
    return Table(
        name=cut.file_name("review_actions"),
        title=str(_("Open improvement actions")),
        columns=[
            Col(
                "incident",
                _("Incident"),
                lambda action: action.incident.reference,
                href=lambda action: reverse("emergency:detail", args=[action.incident_id]),
            ),
            Col("description", _("Improvement action"), lambda action: action.description, wrap=True),
            Col("owner", _("Owner"), lambda action: str(action.owner)),
            Col("due_date", _("Due date"), lambda action: action.due_date),
            Col("overdue_days", _("Days overdue"), lambda action: max((today - action.due_date).days, 0), numeric=True),
        ],
        rows=selectors.open_review_actions(cut.report),
    )


def satisfaction_table(cut: Cut) -> Table:
    """Per month: the mean ratings (1–5) of tickets, return visits and trainings, with counts."""
    return Table(
        name=cut.file_name("satisfaction"),
        title=str(_("Satisfaction")),
        columns=[
            Col("month", _("Month"), lambda row: month_label(row["month"])),
            Col("tickets_mean", _("Ticket rating (mean)"), numeric=True),
            Col("tickets_count", _("Rated tickets"), numeric=True),
            Col("return_visits_mean", _("Return-visit satisfaction (mean)"), numeric=True),
            Col("return_visits_count", _("Return visits"), numeric=True),
            Col("training_mean", _("Training rating (mean)"), numeric=True),
            Col("training_count", pgettext_lazy("count of", "Training feedback"), numeric=True),
        ],
        rows=selectors.satisfaction(cut.report),
    )


def deflection_table(cut: Cut) -> Table:
    """Per month: problems the knowledge base solved, tickets filed, and the deflection rate."""
    return Table(
        name=cut.file_name("deflection"),
        title=str(_("Knowledge-base deflection")),
        columns=[
            Col("month", _("Month"), lambda row: month_label(row["month"])),
            Col("solved_count", _("Solved by an article"), numeric=True),
            Col("filed_count", _("Tickets filed"), numeric=True),
            Col("rate", _("Deflection rate (%)"), numeric=True),
        ],
        rows=selectors.deflection(cut.report),
    )


TABLES: dict[str, Callable[[Cut], Table]] = {
    "summary": summary_table,
    "attainment": attainment_table,
    "breaches": breaches_table,
    "backlog": backlog_table,
    "incidents": incidents_table,
    "inspections": inspections_table,
    "warranties": warranties_table,
    "review_actions": review_actions_table,
    "satisfaction": satisfaction_table,
    "deflection": deflection_table,
}


# tables of the vendor's own working notes: shown and exported to staff only
STAFF_TABLES = {"review_actions"}


def build(name: str, cut: Cut) -> Table:
    """The table ``name`` (a key of ``TABLES``) for the cut."""
    return TABLES[name](cut)


# --- for the page ---------------------------------------------------------------------------


def materialised(table: Table, rows: Iterable[Any] | None = None) -> Table:
    """The table with its rows (or ``rows``, e.g. one page of them) in a list."""
    return dataclasses.replace(table, rows=list(table.rows if rows is None else rows))


def limited(table: Table, limit: int = PAGE_ROWS) -> tuple[Table, int]:
    """The first ``limit`` rows of a table over a queryset, and how many there are in all."""
    rows = table.rows
    first = list(rows[: limit + 1]) if isinstance(rows, QuerySet) else list(rows)
    total = len(first) if len(first) <= limit else rows.count()
    return materialised(table, first[:limit]), total


def cells(table: Table) -> list[list[dict]]:
    """The rows of a materialised table as the page shows them: the export's values (so the
    same figures), with the column's link and alignment."""
    shown = []
    for row, values in zip(table.rows, table.values(), strict=True):
        shown.append(
            [
                {
                    "value": value,
                    "href": column.href(row) if getattr(column, "href", None) else None,
                    "numeric": getattr(column, "numeric", False),
                    "wrap": getattr(column, "wrap", False),
                    "is_datetime": isinstance(value, datetime.datetime),
                    "is_date": isinstance(value, datetime.date) and not isinstance(value, datetime.datetime),
                }
                for column, value in zip(table.columns, values, strict=True)
            ]
        )
    return shown
