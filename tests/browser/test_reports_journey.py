"""The SLA dashboard in a real browser: the manager opens Reports from the menu over three months
of generated service history, every chart is drawn by Chart.js with the figures of the table
under it, grouping and filtering draw the charts again; organisation A's customer finds its
dashboard in the bar and sees its own organisation only."""

import datetime
import re
import tempfile
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from emergency.models import Grade, Incident
from tests.reports.conftest import (  # noqa: F401  (shared fixtures)
    clock_calendar,
    make_clock,
    make_feedback,
    make_incident,
    make_inspection,
    make_return_visit,
    make_session,
    make_ticket,
    make_warranty,
    reporter,
    warranty_terms,
)
from tickets.models import Metric, Ticket
from training import services as training_services
from training.models import Article, Deflection

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(tempfile.gettempdir())  # /tmp
CHARTS = ["attainment", "backlog", "incidents", "inspections", "satisfaction", "deflection"]

# In the page: what Chart.js holds for a chart, and the text of its table's cells.
CHART_AND_TABLE = """key => {
  const chart = Chart.getChart(document.getElementById("chart-" + key));
  const rows = Array.from(document.querySelectorAll("#table-" + key + " tbody tr"))
    .map(tr => Array.from(tr.children).map(cell => cell.textContent.trim()));
  if (!chart) return null;
  return {labels: chart.data.labels, sets: chart.data.datasets.map(set => [set.label, set.data]), rows: rows};
}"""


def number(text: str) -> float | None:
    return None if text == "—" else float(text)


def column(rows: list[list[str]], index: int) -> list[float | None]:
    return [number(row[index]) for row in rows]


def assert_chart_is_its_table(page, key: str) -> None:
    """The points Chart.js draws are the figures of the table under the chart."""
    drawn = page.evaluate(CHART_AND_TABLE, key)
    assert drawn is not None, f"no Chart.js chart for {key}"
    labels, sets, rows = drawn["labels"], dict(drawn["sets"]), drawn["rows"]
    assert rows, key
    firsts = [row[0] for row in rows]
    if key == "attainment":  # a point per group (first column) and metric (second): the seventh
        assert labels == list(dict.fromkeys(firsts))
        assert [sets[row[1]][labels.index(row[0])] for row in rows] == column(rows, 6)
    elif key == "backlog":  # a stack per priority over the five ages
        assert drawn["sets"] == [[row[0], [number(cell) for cell in row[1:6]]] for row in rows]
    elif key == "incidents":
        assert labels == firsts and drawn["sets"][0][1] == column(rows, -1)
    elif key == "inspections":
        assert labels == firsts and [data for _label, data in drawn["sets"]] == [column(rows, 2), column(rows, 3)]
    elif key == "satisfaction":
        assert labels == firsts
        assert [data for _label, data in drawn["sets"]] == [column(rows, 1), column(rows, 3), column(rows, 5)]
    elif key == "deflection":
        assert labels == firsts
        assert [data for _label, data in drawn["sets"]] == [column(rows, 1), column(rows, 2), column(rows, 3)]


@pytest.fixture
def history(
    project_a,
    project_b,
    engineer,
    manager,
    make_ticket,  # noqa: F811
    make_clock,  # noqa: F811
    make_incident,  # noqa: F811
    make_inspection,  # noqa: F811
    make_warranty,  # noqa: F811
    make_return_visit,  # noqa: F811
    make_session,  # noqa: F811
    make_feedback,  # noqa: F811
):
    """Three months of service for each organisation: 24 closed tickets (every third first
    response late, every fourth resolution late), three open ones of various ages, incidents,
    visits due and overdue, an expiring warranty, ratings, trainings and deflections."""
    now = timezone.now().replace(microsecond=0)
    today = timezone.localdate()
    article = training_services.article_save(
        actor=engineer,
        title="Restarting the gateway",
        body="Hold the reset button for five seconds.",
        language="en",
        visibility=Article.Visibility.PUBLIC,
        kind=Article.Kind.TROUBLESHOOTING,
        status=Article.Status.PUBLISHED,
    )
    for project, name in ((project_a, "A"), (project_b, "B")):
        for n in range(24):
            received = now - datetime.timedelta(days=3 + 3 * n, hours=n % 5)
            ticket = make_ticket(
                project,
                received,
                priority=("urgent", "high", "normal", "low")[n % 4],
                status=Ticket.Status.CLOSED,
                assignee=(engineer, manager, None)[n % 3],
                rating=n % 5 + 1,
                resolved_at=received + datetime.timedelta(hours=4),
                title=f"Fault {name}{n}",
            )
            response = datetime.timedelta(hours=2 if n % 3 == 0 else 0.5)
            resolution = datetime.timedelta(hours=10 if n % 4 == 0 else 4)
            make_clock(
                ticket,
                Metric.FIRST_RESPONSE,
                due_at=received + datetime.timedelta(hours=1),
                stopped_at=received + response,
                working_seconds=int(response.total_seconds()),
            )
            make_clock(
                ticket,
                Metric.RESOLUTION,
                due_at=received + datetime.timedelta(hours=8),
                stopped_at=received + resolution,
                working_seconds=int(resolution.total_seconds()),
            )
        for days in (0.2, 5, 40):
            received = now - datetime.timedelta(days=days)
            ticket = make_ticket(project, received, priority="urgent" if days < 1 else "normal", title=f"Open {name}")
            make_clock(ticket, Metric.RESOLUTION, due_at=now + datetime.timedelta(days=1))
        make_incident(project, now - datetime.timedelta(days=1), grade=Grade.CRITICAL, status=Incident.Status.ONSITE)
        make_incident(project, now - datetime.timedelta(hours=3), title=f"Incident of {name}")
        make_inspection(project, today + datetime.timedelta(days=5))
        make_inspection(project, today - datetime.timedelta(days=3))
        make_warranty(project, today - datetime.timedelta(days=700), today + datetime.timedelta(days=20))
        make_return_visit(project, now - datetime.timedelta(days=20), satisfaction=4)
        session = make_session(project, now - datetime.timedelta(days=30))
        make_feedback(session, 5)
        for days in (10, 40, 41, 70):
            deflection = Deflection.objects.create(article=article, organisation=project.organisation)
            Deflection.objects.filter(pk=deflection.pk).update(created_at=now - datetime.timedelta(days=days))


def charts_drawn(page) -> None:
    for key in CHARTS:
        assert_chart_is_its_table(page, key)


def test_a_manager_reads_the_dashboard_and_a_customer_its_own(
    page, log_in, manager, customer_a, org_a, history, password
):
    log_in("mgr", password)
    page.locator("#user-menu").click()
    page.get_by_role("link", name="Reports").click()
    page.wait_for_url(re.compile(r"/reports/$"))
    expect(page.get_by_role("heading", name="SLA dashboard")).to_be_visible()
    charts_drawn(page)
    # by month: every first response of the period, both organisations
    expect(page.locator("#table-summary tbody tr").first).to_contain_text("First response 48")
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=SHOTS / "reports-dashboard.png", full_page=True)

    # group by priority: the page comes back with the chart drawn again
    page.locator("#id_group_by").select_option("priority")
    page.wait_for_url(re.compile(r"group_by=priority"))
    charts_drawn(page)
    labels = page.evaluate("() => Chart.getChart(document.getElementById('chart-attainment')).data.labels")
    assert labels == ["Urgent", "High", "Normal", "Low"]

    # one organisation: its breaches only, the charts drawn again with its figures
    page.get_by_label("Organisation", exact=True).select_option(label="Organisation A")
    page.locator("#apply-filter").click()
    page.wait_for_url(re.compile(rf"organisation={org_a.pk}"))
    charts_drawn(page)
    expect(page.locator("#table-summary tbody tr").first).to_contain_text("First response 24")
    expect(page.locator("#table-breaches")).to_contain_text("Fault A0")
    expect(page.locator("#table-breaches")).not_to_contain_text("Fault B0")
    assert page.locator("#id_group_by").input_value() == "priority"

    # the customer: Reports in the bar (still on one line), its own organisation only
    page.context.clear_cookies()
    log_in("cust-a", password)
    page.get_by_label("Main navigation").get_by_role("link", name="Reports").click()
    page.wait_for_url(re.compile(r"/reports/$"))
    assert page.evaluate("() => document.querySelector('nav.navbar .container-fluid').scrollHeight") < 60
    charts_drawn(page)
    expect(page.locator("#table-summary tbody tr").first).to_contain_text("First response 24")
    expect(page.locator("main")).not_to_contain_text("Organisation B")
    expect(page.locator("main")).not_to_contain_text("Fault B")
    expect(page.locator("#id_organisation")).to_have_count(0)
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=SHOTS / "reports-dashboard-customer.png", full_page=True)
