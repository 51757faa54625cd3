"""The time report: minutes recorded on tickets and incidents together, in all and billable or
not, per month (of the desk's time zone), engineer, organisation and ticket or incident. Staff
only. Each grouping is two aggregate queries (tickets, incidents), whatever the number of
entries; names come with the grouped rows.

The page, its CSV and XLSX downloads and ``/api/v1/reports/time/`` all read ``time_report``."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django import forms
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.time import desk_zone
from emergency.models import IncidentTimeEntry
from reports.exports import Column, Table
from reports.filters import ReportFilter, ReportFilterForm
from tickets.models import TimeEntry

GROUPS = ("month", "engineer", "organisation", "ticket")
GROUP_TITLES = {
    "month": _("Per month"),
    "engineer": _("Per engineer"),
    "organisation": _("Per organisation"),
    "ticket": _("Per ticket or incident"),
}


@dataclass(frozen=True)
class TimeFilter:
    report: ReportFilter
    engineer_id: int | None = None

    def as_params(self) -> dict[str, str]:
        params = self.report.as_params()
        params.pop("priority", None)
        if self.engineer_id:
            params["engineer"] = str(self.engineer_id)
        return params


class TimeReportForm(ReportFilterForm):
    """The reports' filter (period, organisation, project) and an engineer; no priority."""

    def __init__(self, data=None, *, user: User, **kwargs) -> None:
        super().__init__(data, user=user, **kwargs)
        del self.fields["priority"]
        self.fields["engineer"] = forms.ModelChoiceField(
            User.objects.exclude(role=User.Role.CUSTOMER).order_by("username"),
            label=_("Engineer"),
            required=False,
            empty_label=_("All engineers"),
        )
        for name in ("from", "to"):
            self.fields[name].widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        for form_field in self.fields.values():
            select = isinstance(form_field, forms.ChoiceField)
            form_field.widget.attrs["class"] = (
                "form-select form-select-sm" if select else "form-control form-control-sm"
            )

    def time_filter(self) -> TimeFilter:
        engineer = self.cleaned_data.get("engineer")
        return TimeFilter(report=self.report_filter(), engineer_id=engineer.pk if engineer else None)


@dataclass
class Row:
    key: str
    label: str
    entries: int = 0
    minutes: int = 0
    billable_minutes: int = 0
    kind: str = ""  # "ticket" or "incident", per-ticket rows only
    organisation: str = ""
    object_id: int | None = None  # the ticket's or incident's, per-ticket rows only

    @property
    def non_billable_minutes(self) -> int:
        return self.minutes - self.billable_minutes

    @property
    def hours(self) -> Decimal:
        return hours(self.minutes)

    @property
    def billable_hours(self) -> Decimal:
        return hours(self.billable_minutes)

    def add(self, values: dict) -> None:
        self.entries += values["entry_count"]
        self.minutes += values["total"]
        self.billable_minutes += values["billable"]


@dataclass
class TimeReport:
    filter: TimeFilter
    total: Row
    groups: dict[str, list[Row]] = field(default_factory=dict)


def hours(minutes: int) -> Decimal:
    return (Decimal(minutes) / 60).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


_SUMS = {
    "entry_count": Count("pk"),
    "total": Coalesce(Sum("minutes"), 0),
    "billable": Coalesce(Sum("minutes", filter=Q(billable=True)), 0),
}


def _entries(time_filter: TimeFilter) -> tuple[QuerySet[TimeEntry], QuerySet[IncidentTimeEntry]]:
    report = time_filter.report
    period = Q(worked_at__gte=report.since, worked_at__lt=report.until)
    if time_filter.engineer_id:
        period &= Q(engineer_id=time_filter.engineer_id)
    tickets = TimeEntry.objects.filter(period, report.scope("ticket__", priority=False)).order_by()
    incidents = IncidentTimeEntry.objects.filter(period, report.scope("incident__", priority=False)).order_by()
    return tickets, incidents


def _grouped(queryset: QuerySet, *names: str) -> Iterable[dict]:
    return queryset.values(*names).annotate(**_SUMS).order_by()


def _months(tickets: QuerySet, incidents: QuerySet) -> list[Row]:
    rows: dict[datetime.date, Row] = {}
    month = TruncMonth("worked_at", tzinfo=desk_zone())
    for queryset in (tickets, incidents):
        for values in _grouped(queryset.annotate(month=month), "month"):
            day = values["month"]
            if isinstance(day, datetime.datetime):  # PostgreSQL: midnight of the month's first day
                day = day.astimezone(desk_zone()).date()
            rows.setdefault(day, Row(key=day.isoformat(), label=f"{day:%Y-%m}")).add(values)
    return [rows[day] for day in sorted(rows)]


def _engineers(tickets: QuerySet, incidents: QuerySet) -> list[Row]:
    rows: dict[int, Row] = {}
    names = ("engineer_id", "engineer__username", "engineer__first_name", "engineer__last_name")
    for queryset in (tickets, incidents):
        for values in _grouped(queryset, *names):
            full = f"{values['engineer__first_name']} {values['engineer__last_name']}".strip()
            label = full or values["engineer__username"]
            rows.setdefault(values["engineer_id"], Row(key=str(values["engineer_id"]), label=label)).add(values)
    return sorted(rows.values(), key=lambda row: (-row.minutes, row.label))


def _organisations(tickets: QuerySet, incidents: QuerySet) -> list[Row]:
    rows: dict[int, Row] = {}
    for queryset, prefix in ((tickets, "ticket"), (incidents, "incident")):
        for values in _grouped(queryset, f"{prefix}__organisation_id", f"{prefix}__organisation__name"):
            pk = values[f"{prefix}__organisation_id"]
            label = values[f"{prefix}__organisation__name"]
            rows.setdefault(pk, Row(key=str(pk), label=label)).add(values)
    return sorted(rows.values(), key=lambda row: (-row.minutes, row.label))


def _tickets(tickets: QuerySet, incidents: QuerySet) -> list[Row]:
    rows: list[Row] = []
    for queryset, prefix in ((tickets, "ticket"), (incidents, "incident")):
        names = (f"{prefix}_id", f"{prefix}__reference", f"{prefix}__title", f"{prefix}__organisation__name")
        for values in _grouped(queryset, *names):
            row = Row(
                key=f"{prefix}:{values[f'{prefix}_id']}",
                label=f"{values[f'{prefix}__reference']} {values[f'{prefix}__title']}",
                kind=prefix,
                object_id=values[f"{prefix}_id"],
                organisation=values[f"{prefix}__organisation__name"],
            )
            row.add(values)
            rows.append(row)
    return sorted(rows, key=lambda row: (-row.minutes, row.label))


_GROUPERS = {"month": _months, "engineer": _engineers, "organisation": _organisations, "ticket": _tickets}


def time_report(time_filter: TimeFilter, groups: Iterable[str] = GROUPS) -> TimeReport:
    """The totals and the rows of each of ``groups``: 2 queries for the totals and 2 a group."""
    tickets, incidents = _entries(time_filter)
    total = Row(key="total", label=str(_("Total")))
    for queryset in (tickets, incidents):
        total.add(queryset.aggregate(**_SUMS))
    report = TimeReport(filter=time_filter, total=total)
    for group in groups:
        report.groups[group] = _GROUPERS[group](tickets, incidents)
    return report


# --- the downloads -----------------------------------------------------------------------------


def time_table(report: TimeReport, group: str) -> Table:
    """One group of the report as a table for ``reports.exports`` (CSV, XLSX)."""
    first = {
        "month": _("Month"),
        "engineer": _("Engineer"),
        "organisation": _("Organisation"),
        "ticket": _("Ticket or incident"),
    }[group]
    columns = [Column("label", first, lambda row: row.label)]
    if group == "ticket":
        columns.append(Column("organisation", _("Organisation"), lambda row: row.organisation))
    columns += [
        Column("entries", _("Entries"), lambda row: row.entries),
        Column("minutes", _("Minutes"), lambda row: row.minutes),
        Column("billable_minutes", _("Billable minutes"), lambda row: row.billable_minutes),
        Column("non_billable_minutes", _("Non-billable minutes"), lambda row: row.non_billable_minutes),
        Column("hours", _("Hours"), lambda row: row.hours),
        Column("billable_hours", _("Billable hours"), lambda row: row.billable_hours),
    ]
    start, end = report.filter.report.start, report.filter.report.end
    return Table(
        name=f"time-{group}-{start:%Y%m%d}-{end:%Y%m%d}",
        title=str(GROUP_TITLES[group]),
        columns=columns,
        rows=report.groups[group],
    )
