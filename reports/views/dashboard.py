"""The SLA dashboard page and its exports. Every section is a table of ``reports.tables``: the
page shows its rows and draws its chart from the same rows, and ``export`` writes the same
table as CSV or XLSX. A customer's dashboard is its own organisation's (the filter form sees
to that)."""

import datetime
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reports import tables
from reports.exports import Table, csv_response, xlsx_response
from reports.filters import ReportFilterForm
from reports.rollup import staleness
from reports.selectors import AGE_BUCKETS, METRICS, attainment_sets, ever_breached_add
from tickets.models import Metric

FORMATS = ("csv", "xlsx")
STALE_AFTER = datetime.timedelta(minutes=2)  # the refresh runs every minute


class DashboardForm(ReportFilterForm):
    """The report filter and how the attainment chart groups its clocks (customers have one
    organisation, so they do not group by it)."""

    def __init__(self, data=None, *, user, **kwargs) -> None:
        super().__init__(data, user=user, **kwargs)
        groups = [(key, label) for key, label in tables.GROUP_LABELS.items()]
        if not user.is_staff_member:
            groups = [(key, label) for key, label in groups if key != "organisation"]
        self.fields["group_by"] = forms.ChoiceField(
            label=gettext_lazy("Group by"), required=False, choices=groups, initial=tables.DEFAULT_GROUP
        )
        for name in ("from", "to"):
            self.fields[name].widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        for field in self.fields.values():
            select = isinstance(field, forms.ChoiceField)
            field.widget.attrs["class"] = "form-select form-select-sm" if select else "form-control form-control-sm"

    def cut(self) -> tables.Cut:
        return tables.Cut(
            report=self.report_filter(),
            now=timezone.now(),
            group_by=self.cleaned_data.get("group_by") or tables.DEFAULT_GROUP,
        )

    def show_range(self, cut: tables.Cut) -> None:
        """The inputs show the range in force, defaults included."""
        self.data = self.data.copy()
        self.data["from"] = cut.report.start.isoformat()
        self.data["to"] = cut.report.end.isoformat()
        self.data["group_by"] = cut.group_by


class Counted:
    """A queryset whose count is known already (the paginator asks, and need not count again)."""

    def __init__(self, rows, count: int) -> None:
        self.rows, self._count = rows, count

    def count(self) -> int:
        return self._count

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index):
        return self.rows[index]


def _query(cut: tables.Cut) -> str:
    return urlencode({**cut.report.as_params(), "group_by": cut.group_by})


@login_required
def export(request: HttpRequest, table: str, fmt: str) -> HttpResponse:
    """``/reports/export/<table>.<csv|xlsx>?<filters>``: one table, all its rows."""
    if table not in tables.TABLES or fmt not in FORMATS:
        raise Http404
    if table in tables.STAFF_TABLES and not request.user.is_staff_member:
        raise Http404
    form = DashboardForm(request.GET, user=request.user)
    if not form.is_valid():
        errors = [
            str(error) if field == "__all__" else f"{form.fields[field].label}: {error}"
            for field, messages in form.errors.items()
            for error in messages
        ]
        return HttpResponseBadRequest("\n".join(errors), content_type="text/plain; charset=utf-8")
    built = tables.build(table, form.cut())
    return csv_response(built) if fmt == "csv" else xlsx_response(built)


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The filter bar, the headline tiles, then a card per table with its chart."""
    form = DashboardForm(request.GET, user=request.user)
    context: dict = {"form": form, "valid": form.is_valid()}
    if context["valid"]:
        cut = form.cut()
        form.show_range(cut)
        context.update(_figures(request, form, cut))
    return render(request, "reports/dashboard.html", context)


def _figures(request: HttpRequest, form: DashboardForm, cut: tables.Cut) -> dict:
    user = request.user
    query = _query(cut)
    # the tiles and the chart from one attainment query; its breached clocks count the breaches
    overall, grouped = attainment_sets(cut.report, cut.group_by, now=cut.now)
    ever_breached_add(cut.report, None, overall, now=cut.now)  # the tiles' "breached in any cycle"
    summary = tables.materialised(tables.summary_table(cut, overall))
    attainment = tables.materialised(tables.attainment_table(cut, grouped))
    breaches = tables.breaches_table(cut)
    counted = Counted(breaches.rows, sum(row["breached"] for row in overall))
    breach_page = Paginator(counted, tables.BREACHES_PER_PAGE).get_page(request.GET.get("page"))
    backlog = tables.materialised(tables.backlog_table(cut))
    incidents = tables.materialised(tables.incidents_table(cut))
    inspections = tables.materialised(tables.inspections_table(cut))
    warranties, warranty_count = tables.limited(tables.warranties_table(cut))
    staff = user.is_staff_member
    # the improvement actions of incident reviews are the vendor's working notes: staff only
    review_actions, review_action_count = tables.limited(tables.review_actions_table(cut)) if staff else (None, 0)
    satisfaction = tables.materialised(tables.satisfaction_table(cut))
    deflection = tables.materialised(tables.deflection_table(cut))
    params = request.GET.copy()
    params.pop("page", None)

    sections = [
        _section(
            "attainment",
            _("SLA attainment"),
            attainment,
            query,
            chart=_attainment_chart(attainment.rows),
            note=_("Met ÷ (met + breached) per metric; pending clocks are not decided yet."),
            wide=True,
            group_by=True,
        ),
        _section(
            "breaches",
            _("Breaches"),
            tables.materialised(breaches, breach_page.object_list),
            query,
            page=breach_page,
            page_params=params.urlencode(),
            total=breach_page.paginator.count,
            wide=True,
            empty=_("No clock was breached in this period."),
        ),
        _section(
            "backlog",
            _("Backlog by age"),
            backlog,
            query,
            chart=_backlog_chart(backlog.rows),
            note=_("Open tickets now, by time since received."),
            empty=_("No open tickets."),
        ),
        _section(
            "incidents",
            _("Open incidents by grade"),
            incidents,
            query,
            chart=_incidents_chart(incidents.rows),
            empty=_("No open incidents."),
        ),
        _section(
            "inspections",
            _("Inspections due and overdue"),
            inspections,
            query,
            chart=_inspections_chart(inspections.rows),
            width="col-xl-5",
            note=_("Open visits due in the next %(days)s days, and those overdue, per project.")
            % {"days": tables.INSPECTION_DAYS},
            empty=_("No visits due or overdue."),
        ),
        _section(
            "warranties",
            _("Warranties expiring"),
            warranties,
            query,
            total=warranty_count,
            empty=_("No warranty expires soon."),
            width="col-xl-7",
        ),
        _section(
            "satisfaction",
            _("Satisfaction"),
            satisfaction,
            query,
            chart=_satisfaction_chart(satisfaction.rows),
            note=_("Mean ratings from 1 to 5 per month."),
        ),
        _section(
            "deflection",
            _("Knowledge-base deflection"),
            deflection,
            query,
            chart=_deflection_chart(deflection.rows),
            note=_("Problems solved by an article without a ticket ÷ (those + tickets filed)."),
        ),
    ]
    if staff:  # before satisfaction
        sections.insert(
            -2,
            _section(
                "review_actions",
                _("Open improvement actions"),
                review_actions,
                query,
                total=review_action_count,
                note=_("From the reviews of emergency incidents; an action leaves the list once it is done."),
                empty=_("No improvement action is open."),
                wide=True,
            ),
        )
    solved = sum(row["solved_count"] for row in deflection.rows)
    filed = sum(row["filed_count"] for row in deflection.rows)
    by_metric = {row["metric"]: row for row in summary.rows}
    data = form.cleaned_data
    return {
        "cut": cut,
        "query": query,
        "scope_organisation": data.get("organisation") or (None if user.is_staff_member else user.organisation),
        "scope_project": data.get("project"),
        "scope_priority": tables.priority_label(cut.report.priority) if cut.report.priority else "",
        "summary": _section("summary", _("Whole period"), summary, query),
        "metric_tiles": [
            {"label": Metric(metric).label, "row": by_metric.get(metric), "times": _times(by_metric.get(metric))}
            for metric in METRICS
        ],
        "count_tiles": [
            {"id": "backlog", "label": _("Open backlog"), "value": sum(row["total"] for row in backlog.rows)},
            {"id": "incidents", "label": _("Open incidents"), "value": sum(row["total"] for row in incidents.rows)},
            {
                "id": "inspections",
                "label": _("Overdue inspections"),
                "value": sum(row["overdue"] for row in inspections.rows),
                "alert": True,
            },
            {"id": "warranties", "label": _("Warranties expiring"), "value": warranty_count},
            *(
                [{"id": "review_actions", "label": _("Open improvement actions"), "value": review_action_count}]
                if staff
                else []
            ),
            {
                "id": "deflection",
                "label": _("Deflection rate"),
                "value": f"{round(solved * 100 / (solved + filed), 1)} %" if solved + filed else "—",
            },
        ],
        "sections": sections,
        "rollup": _rollup_note(),
    }


def _rollup_note() -> str:
    """What the page says when the roll-up does not hold every change yet (the figures are exact
    all the same: the days changed since are read from the tickets)."""
    state = staleness()
    if not state["available"]:
        return ""
    if not state["current_zone"]:
        return _("The SLA roll-up is being rebuilt: every figure is read from the tickets meanwhile.")
    oldest = state["oldest_change"]
    if oldest is None or timezone.now() - oldest < STALE_AFTER:
        return ""
    refreshed = state["refreshed_at"]
    return _(
        "SLA roll-up as of %(time)s: the days changed since are read from the tickets, so the figures are "
        "current but slower."
    ) % {"time": formats.time_format(timezone.localtime(refreshed), "H:i") if refreshed else "—"}


def _times(row: dict | None) -> dict:
    """The mean and 90th percentile working and wall times of a summary row, as h:mm."""
    names = ("mean_working", "p90_working", "mean_wall", "p90_wall")
    return {name: tables.hours_minutes(row[f"{name}_seconds"]) if row else None for name in names}


def _section(key: str, title: str, table: Table, query: str, **extra) -> dict:
    chart = extra.pop("chart", None)
    return {
        "key": key,
        "title": title,
        "headers": [{"label": column.label, "numeric": getattr(column, "numeric", False)} for column in table.columns],
        "rows": tables.cells(table),
        "chart": chart if chart and chart["labels"] and chart["datasets"] else None,
        "chart_id": f"chart-{key}-data",
        "query": query,
        **extra,
    }


# --- charts: Chart.js data from the table's rows (reports.js draws them) -----------------------


def _dataset(label: str, data: list, colour: str | list[str], **extra) -> dict:
    return {"label": str(label), "data": data, "colour": colour, **extra}


def _attainment_chart(rows: list[dict]) -> dict:
    labels = {row["group"]: row["group_label"] for row in rows}
    groups = list(labels)
    values = {(row["group"], row["metric"]): row["attainment"] for row in rows}
    metrics = [metric for metric in METRICS if any(row["metric"] == metric for row in rows)]
    return {
        "type": "bar",
        "labels": [labels[group] for group in groups],
        "percent": True,
        "datasets": [
            _dataset(
                Metric(metric).label, [values.get((group, metric)) for group in groups], tables.METRIC_COLOURS[metric]
            )
            for metric in metrics
        ],
    }


def _backlog_chart(rows: list[dict]) -> dict:
    return {
        "type": "bar",
        "stacked": True,
        "labels": [str(tables.AGE_LABELS[key]) for key, _low, _high in AGE_BUCKETS],
        "datasets": [
            _dataset(
                tables.priority_label(row["priority"]),
                [row[key] for key, _low, _high in AGE_BUCKETS],
                tables.PRIORITY_COLOURS.get(row["priority"], "#6c757d"),
            )
            for row in rows
        ],
        "integers": True,
    }


def _incidents_chart(rows: list[dict]) -> dict:
    return {
        "type": "bar",
        "labels": [tables.grade_label(row["grade"]) for row in rows],
        "datasets": [
            _dataset(
                _("Open incidents"),
                [row["total"] for row in rows],
                [tables.GRADE_COLOURS.get(row["grade"], "#6c757d") for row in rows],
            )
        ],
        "integers": True,
        "legend": False,
    }


def _inspections_chart(rows: list[dict]) -> dict:
    return {
        "type": "bar",
        "labels": [row["project__name"] for row in rows],
        "datasets": [
            _dataset(tables.due_label(), [row["due"] for row in rows], "#0d6efd"),
            _dataset(_("Overdue"), [row["overdue"] for row in rows], "#dc3545"),
        ],
        "integers": True,
    }


def _satisfaction_chart(rows: list[dict]) -> dict:
    return {
        "type": "line",
        "labels": [tables.month_label(row["month"]) for row in rows],
        "datasets": [
            _dataset(_("Tickets"), [row["tickets_mean"] for row in rows], "#0d6efd"),
            _dataset(_("Return visits"), [row["return_visits_mean"] for row in rows], "#198754"),
            _dataset(_("Training"), [row["training_mean"] for row in rows], "#fd7e14"),
        ],
        "min": 1,
        "max": 5,
    }


def _deflection_chart(rows: list[dict]) -> dict:
    return {
        "type": "bar",
        "labels": [tables.month_label(row["month"]) for row in rows],
        "datasets": [
            _dataset(_("Solved by an article"), [row["solved_count"] for row in rows], "#198754"),
            _dataset(_("Tickets filed"), [row["filed_count"] for row in rows], "#6c757d"),
            _dataset(
                _("Deflection rate (%)"), [row["rate"] for row in rows], "#fd7e14", type="line", yAxisID="percent"
            ),
        ],
        "integers": True,
        "percent_axis": True,
    }
