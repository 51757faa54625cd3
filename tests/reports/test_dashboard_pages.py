"""The SLA dashboard page (/reports/) and its exports: the figures of a hand-computed case in the
page's tables, tiles and charts, the same rows in every CSV and XLSX export, a customer's
dashboard holding its own organisation only, form errors for bad filters, and a query count that
does not grow with the tickets."""

import csv
import datetime
import io
import json
import re
from html.parser import HTMLParser

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from emergency.models import Grade, Incident
from maintenance.models import Inspection
from reports import tables
from reports.filters import ReportFilter
from tests.accounts.factories import UserFactory
from tests.tickets.helpers import sh
from tickets.models import Metric, Ticket
from training import services as training_services
from training.models import Article, Deflection

pytestmark = pytest.mark.django_db

NOW = sh(2026, 4, 10, 12, 0)
MARCH = {"from": "2026-03-01", "to": "2026-03-31"}
SECRETS_OF_B = ("Organisation B", "Project B", "Secret B ticket", "Secret B incident")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def seconds(n: int) -> datetime.timedelta:
    return datetime.timedelta(seconds=n)


@pytest.fixture
def figures(
    org_a,
    project_a,
    project_b,
    engineer,
    make_ticket,
    make_clock,
    make_incident,
    make_inspection,
    make_warranty,
    make_return_visit,
    make_session,
    make_feedback,
    make_review_action,
):
    """Organisation A in March 2026 (NOW is 2026-04-10 12:00 Asia/Shanghai):

    t1 normal, 2 Mar 09:00, closed, rated 4: first response met (stopped after 600 s, working
      600 s, due after 1 h); resolution met (stopped after 2,000 s, working 1,000 s, due after 4 h)
    t2 urgent, 3 Mar 09:00, resolved, rated 2: first response met (1,200 s, working 1,200 s);
      resolution breached (due after 3,000 s, stopped after 6,000 s, working 3,000 s)
    t3 normal, 5 Mar 09:00, new: first response running, due 10:00 -> breached (866 h late
      at NOW); resolution running, due after NOW -> pending
    t4 high, 10 Apr 06:00, new, no clocks (backlog only: outside the period)
    incidents: a critical one on site, an ungraded one just reported, a closed one
    inspections: one due 20 Apr, one overdue since 1 Apr, one done
    improvement actions of the closed incident: one open (due 3 Apr), one done
    warranties: one ending 10 May 2026 (30 days left), one ending 2027 (not expiring)
    a return visit in March rated 5; a March training session rated 4 and 5
    two problems solved by an article in March (and one in February)

    Organisation B: a breached ticket "Secret B ticket", an incident, an overdue visit, an
    expiring warranty, a deflection; none of it may reach organisation A's customer."""
    t1 = make_ticket(
        project_a,
        sh(2026, 3, 2, 9, 0),
        status=Ticket.Status.CLOSED,
        assignee=engineer,
        rating=4,
        resolved_at=sh(2026, 3, 2, 12, 0),
    )
    make_clock(
        t1,
        Metric.FIRST_RESPONSE,
        due_at=t1.received_at + seconds(3600),
        stopped_at=t1.received_at + seconds(600),
        working_seconds=600,
    )
    make_clock(
        t1,
        Metric.RESOLUTION,
        due_at=t1.received_at + seconds(4 * 3600),
        stopped_at=t1.received_at + seconds(2000),
        working_seconds=1000,
    )
    t2 = make_ticket(
        project_a,
        sh(2026, 3, 3, 9, 0),
        priority="urgent",
        status=Ticket.Status.RESOLVED,
        rating=2,
        resolved_at=sh(2026, 3, 3, 12, 0),
    )
    make_clock(
        t2,
        Metric.FIRST_RESPONSE,
        due_at=t2.received_at + seconds(3600),
        stopped_at=t2.received_at + seconds(1200),
        working_seconds=1200,
    )
    make_clock(
        t2,
        Metric.RESOLUTION,
        due_at=t2.received_at + seconds(3000),
        stopped_at=t2.received_at + seconds(6000),
        working_seconds=3000,
    )
    t3 = make_ticket(project_a, sh(2026, 3, 5, 9, 0), title="Pump station offline")
    make_clock(t3, Metric.FIRST_RESPONSE, due_at=sh(2026, 3, 5, 10, 0))
    make_clock(t3, Metric.RESOLUTION, due_at=sh(2026, 4, 30, 0, 0))
    make_ticket(project_a, sh(2026, 4, 10, 6, 0), priority="high")

    make_incident(project_a, sh(2026, 4, 1, 9, 0), grade=Grade.CRITICAL, status=Incident.Status.ONSITE)
    make_incident(project_a, sh(2026, 4, 9, 9, 0))
    reviewed = make_incident(project_a, sh(2026, 3, 9, 9, 0), grade=Grade.GENERAL, status=Incident.Status.CLOSED)
    make_review_action(reviewed, datetime.date(2026, 4, 3))
    make_review_action(reviewed, datetime.date(2026, 3, 20), done_at=sh(2026, 3, 19, 9, 0))
    make_inspection(project_a, datetime.date(2026, 4, 20))
    make_inspection(project_a, datetime.date(2026, 4, 1))
    make_inspection(project_a, datetime.date(2026, 4, 5), status=Inspection.Status.COMPLETED)
    make_warranty(project_a, datetime.date(2024, 5, 10), datetime.date(2026, 5, 10))
    make_warranty(project_a, datetime.date(2025, 1, 1), datetime.date(2027, 1, 1))
    make_return_visit(project_a, sh(2026, 3, 20, 10, 0), satisfaction=5)
    session = make_session(project_a, sh(2026, 3, 15, 9, 0))
    make_feedback(session, 4)
    make_feedback(session, 5)
    article = training_services.article_save(
        actor=engineer,
        title="Restarting the pump controller",
        body="Hold the reset button for five seconds.",
        language="en",
        visibility=Article.Visibility.PUBLIC,
        kind=Article.Kind.TROUBLESHOOTING,
        status=Article.Status.PUBLISHED,
    )
    for moment in (sh(2026, 3, 10, 9, 0), sh(2026, 3, 11, 9, 0), sh(2026, 2, 11, 9, 0)):
        deflection = Deflection.objects.create(article=article, organisation=org_a)
        Deflection.objects.filter(pk=deflection.pk).update(created_at=moment)

    tb = make_ticket(project_b, sh(2026, 3, 4, 9, 0), title="Secret B ticket")
    make_clock(
        tb,
        Metric.RESOLUTION,
        due_at=tb.received_at + seconds(3600),
        stopped_at=tb.received_at + seconds(3 * 3600),
        working_seconds=10800,
    )
    secret = make_incident(project_b, sh(2026, 4, 2, 9, 0), title="Secret B incident", grade=Grade.GENERAL)
    make_review_action(secret, datetime.date(2026, 4, 1))
    make_inspection(project_b, datetime.date(2026, 3, 30))
    make_warranty(project_b, datetime.date(2024, 5, 1), datetime.date(2026, 5, 1))
    deflection = Deflection.objects.create(article=article, organisation=project_b.organisation)
    Deflection.objects.filter(pk=deflection.pk).update(created_at=sh(2026, 3, 12, 9, 0))
    return {"t1": t1, "t2": t2, "t3": t3, "tb": tb}


# --- reading the page ------------------------------------------------------------------------


class _Tables(HTMLParser):
    """The text of every ``<table id="table-<key>">`` cell, row by row (the header first)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.current = self.row = self.cell = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and (attrs.get("id") or "").startswith("table-"):
            self.current = self.tables.setdefault(attrs["id"].removeprefix("table-"), [])
        elif self.current is not None and tag == "tr":
            self.row = []
        elif self.row is not None and tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag):
        if tag == "table":
            self.current = None
        elif tag == "tr" and self.row is not None:
            self.current.append(self.row)
            self.row = None
        elif tag in ("td", "th") and self.cell is not None:
            self.row.append(" ".join("".join(self.cell).split()))
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def page_tables(response) -> dict[str, list[list[str]]]:
    parser = _Tables()
    parser.feed(response.content.decode())
    return parser.tables


def body(table: list[list[str]], *columns: int) -> list[list[str]]:
    """The rows under the header (only ``columns`` if given)."""
    return [[row[i] for i in columns] if columns else row for row in table[1:]]


def chart(response, key: str) -> dict:
    match = re.search(rf'<script id="chart-{key}-data" type="application/json">(.*?)</script>', response.text, re.S)
    assert match, f"no chart {key}"
    return json.loads(match.group(1))


def dashboard(client, user, **params):
    client.force_login(user)
    return client.get(reverse("reports:dashboard"), params)


def export(client, table: str, fmt: str, **params):
    return client.get(reverse("reports:export", args=[table, fmt]), params)


def csv_rows(response) -> list[list[str]]:
    content = b"".join(response.streaming_content)
    assert content.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def xlsx_rows(response) -> list[list]:
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


# --- the figures -------------------------------------------------------------------------------


def test_the_managers_dashboard_shows_the_hand_computed_figures(client, manager, org_a, figures):
    response = dashboard(client, manager, organisation=org_a.pk, group_by="priority", **MARCH)

    assert response.status_code == 200
    shown = page_tables(response)
    # the whole period: first response met t1 t2, breached t3 -> 2 / 3 = 66.7 %; working 600 and
    # 1200 s: mean 900 s = 0:15, p90 600 + 0.9 x 600 = 1140 s = 0:19 (wall the same);
    # resolution met t1, breached t2, pending t3 -> 1 / 2 = 50 %; working 1000, 3000: mean 2000 s
    # = 0:33, p90 1000 + 0.9 x 2000 = 2800 s = 0:47; wall 2000, 6000: mean 4000 s = 1:07, p90
    # 2000 + 0.9 x 4000 = 5600 s = 1:33
    assert body(shown["summary"]) == [
        ["First response", "3", "2", "1", "0", "66.7", "0:15", "0:19", "0:15", "0:19"],
        ["Resolution", "3", "1", "1", "1", "50.0", "0:33", "0:47", "1:07", "1:33"],
    ]
    assert 'data-metric-attainment="first_response">66.7 %' in response.text
    assert 'data-metric-attainment="resolution">50.0 %' in response.text
    assert "No clocks in this period" in response.text  # no on-site arrival clock
    tiles = {tile["id"]: tile["value"] for tile in response.context["count_tiles"]}
    # open now: t3 (36 days old) and t4; incidents: the critical and the ungraded one; overdue:
    # the visit due 1 April; warranties: the one ending 10 May; deflection: 2 / (2 + 3) = 40 %
    # open improvement actions: the one due 3 April (the other is done; B's is not A's)
    assert tiles == {
        "backlog": 2,
        "incidents": 2,
        "inspections": 1,
        "warranties": 1,
        "review_actions": 1,
        "deflection": "40.0 %",
    }
    times = {tile["row"]["metric"]: tile["times"] for tile in response.context["metric_tiles"] if tile["row"]}
    assert times == {
        Metric.FIRST_RESPONSE: {"mean_working": "0:15", "p90_working": "0:19", "mean_wall": "0:15", "p90_wall": "0:19"},
        Metric.RESOLUTION: {"mean_working": "0:33", "p90_working": "0:47", "mean_wall": "1:07", "p90_wall": "1:33"},
    }

    # by priority, urgent first: t2 alone is urgent; t1 and t3 normal
    assert shown["attainment"][0][:7] == [
        "Priority",
        "Metric",
        "Clocks",
        "Met",
        "Breached",
        "Pending",
        "Attainment (%)",
    ]
    assert body(shown["attainment"]) == [
        ["Urgent", "First response", "1", "1", "0", "0", "100.0", "0:20", "0:20", "0:20", "0:20"],
        ["Urgent", "Resolution", "1", "0", "1", "0", "0.0", "0:50", "0:50", "1:40", "1:40"],
        ["Normal", "First response", "2", "1", "1", "0", "50.0", "0:10", "0:10", "0:10", "0:10"],
        ["Normal", "Resolution", "2", "1", "0", "1", "100.0", "0:17", "0:17", "0:33", "0:33"],
    ]
    # the chart: one bar per priority and metric, the table's percentages
    attainment = chart(response, "attainment")
    assert attainment["labels"] == ["Urgent", "Normal"]
    assert [(s["label"], s["data"]) for s in attainment["datasets"]] == [
        ("First response", [100.0, 50.0]),
        ("Resolution", [0.0, 100.0]),
    ]

    # breaches, the latest due first: t3's first response due 5 March 10:00, still running at
    # NOW: 36 days 2 hours = 866:00 late; t2's resolution, stopped 3,000 s after due = 0:50
    t3, t2 = figures["t3"], figures["t2"]
    assert body(shown["breaches"], 0, 1, 2, 3, 4, 5, 8) == [
        [t3.reference, "Pump station offline", "Organisation A", "Project A", "Normal", "First response", "866:00"],
        [t2.reference, t2.title, "Organisation A", "Project A", "Urgent", "Resolution", "0:50"],
    ]
    assert f'href="{reverse("tickets:detail", args=[t3.pk])}">{t3.reference}</a>' in response.text

    assert body(shown["backlog"]) == [
        ["High", "1", "0", "0", "0", "0", "1"],
        ["Normal", "0", "0", "0", "0", "1", "1"],
    ]
    assert chart(response, "backlog")["datasets"][1] == {
        "label": "Normal",
        "data": [0, 0, 0, 0, 1],
        "colour": tables.PRIORITY_COLOURS["normal"],
    }
    assert shown["incidents"][0][0] == "Grade" and shown["incidents"][0][-1] == "Total"
    assert body(shown["incidents"]) == [
        ["Not graded yet", "1", "0", "0", "0", "0", "0", "0", "0", "1"],
        ["Critical", "0", "0", "0", "0", "1", "0", "0", "0", "1"],
    ]
    assert chart(response, "incidents")["datasets"][0]["data"] == [1, 1]
    assert body(shown["inspections"]) == [["Project A", "Organisation A", "1", "1"]]
    assert body(shown["warranties"], 0, 1, 2, 3, 5) == [
        ["Project A", "Organisation A", "Whole project", "Reports 2 years", "30"]
    ]
    # March: tickets rated 4 and 2 -> 3.0 (2); the visit 5.0 (1); the training 4 and 5 -> 4.5 (2)
    assert body(shown["satisfaction"]) == [["March 2026", "3.0", "2", "5.0", "1", "4.5", "2"]]
    assert body(shown["deflection"]) == [["March 2026", "2", "3", "40.0"]]
    assert chart(response, "deflection")["datasets"][2]["data"] == [40.0]


@pytest.mark.parametrize(
    ("group_by", "labels"),
    [
        ("month", ["March 2026"]),
        ("organisation", ["Organisation A", "Organisation B"]),
        ("project", ["Project A", "Project B"]),
        ("engineer", ["eng", "Unassigned"]),
        ("priority", ["Urgent", "Normal"]),
    ],
)
def test_the_attainment_chart_groups_as_asked(client, manager, figures, group_by, labels, engineer):
    engineer.first_name = engineer.last_name = ""
    engineer.save()

    response = dashboard(client, manager, group_by=group_by, **MARCH)

    assert response.status_code == 200
    assert chart(response, "attainment")["labels"] == labels
    assert {row[0] for row in body(page_tables(response)["attainment"])} == set(labels)


def test_the_months_have_their_translated_names(client, manager, figures):
    client.force_login(manager)
    response = client.get(reverse("reports:dashboard"), MARCH, headers={"accept-language": "zh-hans"})

    assert chart(response, "satisfaction")["labels"] == ["2026年3月"]


# --- who sees what -------------------------------------------------------------------------------


def test_a_customer_sees_its_own_organisation_only(client, manager, customer_a, org_a, org_b, figures):
    mine = dashboard(client, manager, organisation=org_a.pk, **MARCH)

    # a customer may not pick another organisation: the parameter is ignored
    response = dashboard(client, customer_a, organisation=org_b.pk, **MARCH)

    assert response.status_code == 200
    for secret in (*SECRETS_OF_B, figures["tb"].reference):
        assert secret not in response.text
    assert 'name="organisation"' not in response.text
    staff_only = set(tables.STAFF_TABLES)  # the vendor's working notes: not the customer's
    assert page_tables(response) == {key: rows for key, rows in page_tables(mine).items() if key not in staff_only}
    assert "<title>" in response.text and "My organisation" in response.text  # its own navigation
    for table in tables.TABLES:
        for fmt in ("csv", "xlsx"):
            content = export(client, table, fmt, organisation=org_b.pk, **MARCH)
            if table in tables.STAFF_TABLES:  # the vendor's working notes (improvement actions)
                assert content.status_code == 404, (table, fmt)
                continue
            assert content.status_code == 200, (table, fmt)
            text = json.dumps(csv_rows(content) if fmt == "csv" else xlsx_rows(content), default=str)
            for secret in (*SECRETS_OF_B, figures["tb"].reference):
                assert secret not in text, (table, fmt, secret)


def test_staff_see_every_organisation(client, engineer, figures):
    response = dashboard(client, engineer, **MARCH)

    breaches = body(page_tables(response)["breaches"], 0)
    assert [figures["tb"].reference] in breaches and [figures["t3"].reference] in breaches
    assert "Organisation B" in response.text
    assert 'name="organisation"' in response.text


def test_customers_and_staff_find_the_dashboard_in_the_bar(client, customer_a, manager):
    for user in (customer_a, manager):
        client.force_login(user)
        context = client.get(reverse("reports:dashboard")).context
        assert [item["label"] for item in context["nav_items"] if item["active"]] == ["Reports"]


def test_anonymous_visitors_are_sent_to_log_in(client):
    for url in (reverse("reports:dashboard"), reverse("reports:export", args=["summary", "csv"])):
        response = client.get(url)
        assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


# --- exports -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(tables.TABLES))
def test_every_export_opens_and_holds_the_tables_rows(client, manager, org_a, figures, name):
    params = {**MARCH, "organisation": org_a.pk, "group_by": "priority"}
    page = dashboard(client, manager, **params)
    cut = tables.Cut(
        report=ReportFilter(start=datetime.date(2026, 3, 1), end=datetime.date(2026, 3, 31), organisation_id=org_a.pk),
        now=NOW,
        group_by="priority",
    )
    table = tables.build(name, cut)
    expected = list(table.values())
    assert expected, f"the case gives {name} rows"

    as_csv = export(client, name, "csv", **params)
    as_xlsx = export(client, name, "xlsx", **params)

    assert as_csv["Content-Type"] == "text/csv; charset=utf-8"
    assert f'filename="{table.name}.csv"' in as_csv["Content-Disposition"]
    rows = csv_rows(as_csv)
    assert rows[0] == table.header()
    assert rows[1:] == [["" if value is None else str(value) for value in values] for values in expected]
    assert as_xlsx["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    cells = xlsx_rows(as_xlsx)
    assert cells[0] == table.header()
    as_cells = [
        [datetime.datetime.combine(v, datetime.time()) if type(v) is datetime.date else v for v in values]
        for values in expected
    ]
    assert cells[1:] == as_cells
    # the page shows the same rows (its first column, and every figure)
    shown = page_tables(page)[name]
    assert shown[0] == table.header()
    assert len(shown) - 1 == len(expected)
    for shown_row, values in zip(shown[1:], expected, strict=True):
        for text, value in zip(shown_row, values, strict=True):
            if isinstance(value, (int, float)) or (isinstance(value, str) and value):
                assert text == str(value), (name, shown_row, values)


def test_the_exports_of_the_breaches_hold_all_and_the_page_pages_them(
    client, manager, project_a, make_ticket, make_clock
):
    for day in range(45):
        ticket = make_ticket(project_a, sh(2026, 3, 1, 9, 0) + datetime.timedelta(hours=12 * day))
        make_clock(ticket, due_at=ticket.received_at + seconds(60))

    first = dashboard(client, manager, **MARCH)
    last = client.get(reverse("reports:dashboard"), {**MARCH, "page": 3})

    assert len(page_tables(first)["breaches"]) - 1 == 20
    assert len(page_tables(last)["breaches"]) - 1 == 5
    assert 'id="breaches-total">45<' in first.text
    assert "Page 1 of 3" in first.text and "page=2#breaches" in first.text
    assert len(csv_rows(export(client, "breaches", "csv", **MARCH))) - 1 == 45
    assert len(xlsx_rows(export(client, "breaches", "xlsx", **MARCH))) - 1 == 45


def test_unknown_tables_and_formats_are_not_found(client, manager):
    client.force_login(manager)

    assert export(client, "tickets", "csv").status_code == 404
    assert export(client, "summary", "pdf").status_code == 404
    assert export(client, "summary", "csv").status_code == 200


# --- bad filters ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"from": "2026-03-31", "to": "2026-03-01"}, "The range ends before it starts."),
        ({"from": "2020-01-01", "to": "2026-03-01"}, "A report covers at most three years."),
        ({"from": "31 March"}, "Enter a valid date."),
        ({"priority": "whenever"}, "Select a valid choice."),
        ({"group_by": "colour"}, "Select a valid choice."),
    ],
)
def test_a_bad_filter_shows_the_error_and_no_figures(client, manager, figures, params, error):
    response = dashboard(client, manager, **params)

    assert response.status_code == 200
    assert error in response.text
    assert "table-summary" not in response.text and "chart.umd" not in response.text
    assert export(client, "summary", "csv", **params).status_code == 400


def test_a_customer_cannot_filter_by_another_organisations_project(client, customer_a, project_b):
    response = dashboard(client, customer_a, project=project_b.pk)

    assert "Select a valid choice." in response.text
    assert "table-summary" not in response.text
    assert export(client, "breaches", "xlsx", project=project_b.pk).status_code == 400
    # nor group by organisation: it has one
    assert "Select a valid choice." in dashboard(client, customer_a, group_by="organisation").text


def test_the_project_must_belong_to_the_organisation(client, manager, org_b, project_a):
    response = dashboard(client, manager, organisation=org_b.pk, project=project_a.pk)

    assert "The project belongs to another organisation." in response.text


# --- queries -------------------------------------------------------------------------------------


def _tickets(count: int, projects, make_ticket, make_clock) -> None:
    engineers = [UserFactory(username=f"eng-{count}-{n}", role="engineer") for n in range(3)]
    for n in range(count):
        received = sh(2026, 3, 1, 9, 0) + datetime.timedelta(hours=7 * n)
        ticket = make_ticket(
            projects[n % 2],
            received,
            priority=("low", "normal", "high", "urgent")[n % 4],
            assignee=engineers[n % 3],
            rating=n % 5 + 1,
            resolved_at=received + seconds(3600),
        )
        make_clock(
            ticket,
            Metric.FIRST_RESPONSE,
            due_at=received + seconds(600),
            stopped_at=received + seconds(900),
            working_seconds=900,
        )
        make_clock(
            ticket,
            Metric.RESOLUTION,
            due_at=received + seconds(7200),
            stopped_at=received + seconds(3600),
            working_seconds=3600,
        )


@pytest.mark.parametrize("group_by", ["engineer", "month"])
def test_the_page_needs_the_same_queries_for_5_and_25_tickets(
    client, manager, project_a, project_b, make_ticket, make_clock, django_assert_max_num_queries, group_by
):
    client.force_login(manager)
    url = reverse("reports:dashboard")
    _tickets(5, [project_a, project_b], make_ticket, make_clock)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url, {**MARCH, "group_by": group_by}).status_code == 200

    _tickets(20, [project_a, project_b], make_ticket, make_clock)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url, {**MARCH, "group_by": group_by})

    # the session, the user, the navigation, the form's choices and one or two per table (the
    # open improvement actions' table included)
    assert len(few.captured_queries) <= 22, len(few.captured_queries)
    assert int(page_tables(response)["summary"][1][1]) == 25  # the 25 first-response clocks


def test_the_page_lists_the_first_50_warranties_and_the_export_all(client, manager, project_a, make_warranty):
    for n in range(51):
        make_warranty(
            project_a, datetime.date(2024, 5, 1), datetime.date(2026, 4, 11) + datetime.timedelta(days=n % 50)
        )

    response = dashboard(client, manager)

    assert len(page_tables(response)["warranties"]) - 1 == 50
    assert "The first 50 of 51; the export holds all." in response.text
    assert {tile["id"]: tile["value"] for tile in response.context["count_tiles"]}["warranties"] == 51
    assert len(csv_rows(export(client, "warranties", "csv"))) - 1 == 51
