"""The time report: totals per month (of the desk's time zone), engineer, organisation and
ticket or incident, tickets and incidents together; the page, its CSV and XLSX downloads, the
API; staff only; bounded queries."""

import csv
import datetime
import io

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from emergency import services as emergency_services
from reports.filters import ReportFilter
from reports.time import TimeFilter, time_report
from tests.accounts.factories import UserFactory
from tests.customers.factories import OrganisationFactory, ProjectFactory
from tickets import services
from tickets.services import ticket_create

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
NOW = datetime.datetime(2026, 3, 15, 4, 0, tzinfo=UTC)
REPORTED = datetime.datetime(2026, 1, 20, 2, 0, tzinfo=UTC)
JAN_FEB = {"from": "2026-01-01", "to": "2026-02-28"}


@pytest.fixture
def recorded(customer_a, customer_b, project_a, project_b, engineer):
    """Four entries (the desk runs on Asia/Shanghai, UTC+8):
    - ticket A, engineer, 60 min billable, 31 Jan 23:30 in Shanghai (January);
    - ticket A, engineer, 30 min, 1 Feb 00:30 in Shanghai (31 Jan in UTC: February);
    - the incident of A, second engineer, 45 min billable, 10 Feb;
    - ticket B, second engineer, 20 min, 20 Feb."""
    second = UserFactory(username="eng-2", role="engineer", first_name="Li", last_name="Wei")
    with time_machine.travel(REPORTED, tick=False):  # the work comes after the reports
        ticket_a = ticket_create(actor=customer_a, project=project_a, title="Gateway dead", description="x")
        ticket_b = ticket_create(actor=customer_b, project=project_b, title="Zephyr printer", description="x")
        incident = emergency_services.incident_create(
            actor=customer_a, project=project_a, title="Historian down", symptoms="No data"
        )
    with time_machine.travel(NOW, tick=False):
        services.time_entry_add(
            actor=engineer,
            ticket_id=ticket_a.pk,
            minutes=60,
            billable=True,
            worked_at=datetime.datetime(2026, 1, 31, 15, 30, tzinfo=UTC),
        )
        services.time_entry_add(
            actor=engineer,
            ticket_id=ticket_a.pk,
            minutes=30,
            worked_at=datetime.datetime(2026, 1, 31, 16, 30, tzinfo=UTC),
        )
        emergency_services.incident_time_entry_add(
            actor=second,
            incident_id=incident.pk,
            minutes=45,
            billable=True,
            worked_at=datetime.datetime(2026, 2, 10, 2, 0, tzinfo=UTC),
        )
        services.time_entry_add(
            actor=second, ticket_id=ticket_b.pk, minutes=20, worked_at=datetime.datetime(2026, 2, 20, 2, 0, tzinfo=UTC)
        )
    return {"ticket_a": ticket_a, "ticket_b": ticket_b, "incident": incident, "second": second}


def _report(start, end, **kwargs):
    return time_report(
        TimeFilter(
            report=ReportFilter(start=start, end=end, organisation_id=kwargs.pop("organisation", None)), **kwargs
        )
    )


def _minutes(rows) -> dict:
    return {row.label: (row.minutes, row.billable_minutes) for row in rows}


def test_totals_per_month_follow_the_desks_time_zone(recorded):
    report = _report(datetime.date(2026, 1, 1), datetime.date(2026, 2, 28))
    assert (report.total.minutes, report.total.billable_minutes, report.total.entries) == (155, 105, 4)
    assert _minutes(report.groups["month"]) == {"2026-01": (60, 60), "2026-02": (95, 45)}
    assert [row.key for row in report.groups["month"]] == ["2026-01-01", "2026-02-01"]


def test_a_period_starts_at_the_desks_midnight(recorded):
    february = _report(datetime.date(2026, 2, 1), datetime.date(2026, 2, 28))
    assert february.total.minutes == 95  # the 00:30 entry of 1 February (Shanghai) is in
    january = _report(datetime.date(2026, 1, 1), datetime.date(2026, 1, 31))
    assert january.total.minutes == 60


def test_totals_per_engineer_organisation_and_ticket(recorded, engineer, org_a, org_b):
    report = _report(datetime.date(2026, 1, 1), datetime.date(2026, 2, 28))
    assert _minutes(report.groups["engineer"]) == {str(engineer): (90, 60), "Li Wei": (65, 45)}
    assert _minutes(report.groups["organisation"]) == {org_a.name: (135, 105), org_b.name: (20, 0)}
    tickets = {row.key: (row.kind, row.minutes, row.organisation) for row in report.groups["ticket"]}
    assert tickets == {
        f"ticket:{recorded['ticket_a'].pk}": ("ticket", 90, org_a.name),
        f"incident:{recorded['incident'].pk}": ("incident", 45, org_a.name),
        f"ticket:{recorded['ticket_b'].pk}": ("ticket", 20, org_b.name),
    }


def test_filters_by_organisation_and_engineer(recorded, engineer, org_b):
    assert _report(datetime.date(2026, 1, 1), datetime.date(2026, 2, 28), organisation=org_b.pk).total.minutes == 20
    mine = _report(datetime.date(2026, 1, 1), datetime.date(2026, 2, 28), engineer_id=engineer.pk)
    assert (mine.total.minutes, mine.total.billable_minutes) == (90, 60)


def test_the_report_runs_a_fixed_number_of_queries(recorded, engineer, django_assert_num_queries):
    with django_assert_num_queries(10):  # the totals and each of four groups: tickets, incidents
        _report(datetime.date(2026, 1, 1), datetime.date(2026, 2, 28))
    with time_machine.travel(NOW, tick=False):
        for minutes in range(1, 21):
            services.time_entry_add(actor=engineer, ticket_id=recorded["ticket_a"].pk, minutes=minutes)
    with django_assert_num_queries(10):
        _report(datetime.date(2026, 1, 1), datetime.date(2026, 3, 31))


# --- the page and its downloads ------------------------------------------------------------------


def test_the_page_shows_the_totals_to_a_manager(client, manager, recorded, django_assert_max_num_queries):
    client.force_login(manager)
    with time_machine.travel(NOW, tick=False), django_assert_max_num_queries(20):
        page = client.get(reverse("reports:time"), JAN_FEB)
    assert page.status_code == 200
    assert 'id="time-total">2 h 35 min<' in page.text
    assert 'id="time-billable">1 h 45 min<' in page.text
    assert "Zephyr printer" in page.text


def test_the_page_defaults_to_the_last_twelve_months(client, manager, recorded):
    client.force_login(manager)
    with time_machine.travel(NOW, tick=False):
        page = client.get(reverse("reports:time"))
    assert page.status_code == 200
    assert page.context["report"].total.minutes == 155


def test_a_bad_range_is_a_form_error(client, manager):
    client.force_login(manager)
    page = client.get(reverse("reports:time"), {"from": "2026-03-01", "to": "2026-01-01"})
    assert page.status_code == 200
    assert 'id="filter-errors"' in page.text


def test_customers_get_403(client, customer_a, api):
    client.force_login(customer_a)
    assert client.get(reverse("reports:time")).status_code == 403
    assert client.get(reverse("reports:time-export", args=["month", "csv"])).status_code == 403
    assert api.as_user(customer_a).get("/api/v1/reports/time/").status_code == 403


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def test_the_csv_download(client, manager, recorded):
    client.force_login(manager)
    response = client.get(reverse("reports:time-export", args=["month", "csv"]), JAN_FEB)
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="time-month-20260101-20260228.csv"'
    header, *rows = _csv(response)
    assert header == [
        "Month",
        "Entries",
        "Minutes",
        "Billable minutes",
        "Non-billable minutes",
        "Hours",
        "Billable hours",
    ]
    assert rows == [
        ["2026-01", "1", "60", "60", "0", "1.00", "1.00"],
        ["2026-02", "3", "95", "45", "50", "1.58", "0.75"],
    ]


def test_the_xlsx_download(client, manager, recorded, org_a, org_b):
    client.force_login(manager)
    response = client.get(reverse("reports:time-export", args=["organisation", "xlsx"]), JAN_FEB)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0][:3] == ["Organisation", "Entries", "Minutes"]
    assert [row[:5] for row in rows[1:]] == [[org_a.name, 3, 135, 105, 30], [org_b.name, 1, 20, 0, 20]]


def test_the_downloads_neutralise_formulas(client, manager, engineer):
    organisation = OrganisationFactory(name="=cmd|' /C calc'!A0", code="hostile")
    project = ProjectFactory(organisation=organisation, name="Hostile", code="hostile-p")
    with time_machine.travel(NOW, tick=False):
        ticket = ticket_create(actor=engineer, project=project, title="@SUM(1+1)", description="x")
        services.time_entry_add(actor=engineer, ticket_id=ticket.pk, minutes=5)
    client.force_login(manager)
    with time_machine.travel(NOW, tick=False):
        organisations = _csv(client.get(reverse("reports:time-export", args=["organisation", "csv"])))
        tickets = client.get(reverse("reports:time-export", args=["ticket", "xlsx"]))
    assert organisations[1][0] == "'=cmd|' /C calc'!A0"
    sheet = load_workbook(io.BytesIO(tickets.content)).active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    assert "'=cmd|' /C calc'!A0" in [cell.value for cell in cells]


def test_an_unknown_download_is_404(client, manager):
    client.force_login(manager)
    assert client.get(reverse("reports:time-export", args=["nope", "csv"])).status_code == 404
    assert client.get(reverse("reports:time-export", args=["month", "pdf"])).status_code == 404


# --- the API ---------------------------------------------------------------------------------------


def test_the_api_answers_every_group(api, manager, recorded, engineer, django_assert_max_num_queries):
    client = api.as_user(manager)
    with django_assert_max_num_queries(14):
        body = client.get("/api/v1/reports/time/", JAN_FEB).json()
    assert (body["start"], body["end"]) == ("2026-01-01", "2026-02-28")
    assert (body["total"]["minutes"], body["total"]["billable_minutes"], body["total"]["hours"]) == (155, 105, 2.58)
    assert [(row["label"], row["minutes"]) for row in body["months"]] == [("2026-01", 60), ("2026-02", 95)]
    assert {row["key"] for row in body["engineers"]} == {str(engineer.pk), str(recorded["second"].pk)}
    assert len(body["organisations"]) == 2 and len(body["tickets"]) == 3
    mine = client.get("/api/v1/reports/time/", {**JAN_FEB, "engineer": engineer.pk}).json()
    assert mine["total"]["minutes"] == 90


@pytest.mark.parametrize(
    "params", [{"from": "2026-02-01", "to": "2026-01-01"}, {"engineer": "999999"}, {"from": ""}, {"organisation": "x"}]
)
def test_the_api_refuses_bad_filters(api, manager, params):
    answer = api.as_user(manager).get("/api/v1/reports/time/", params)
    assert answer.status_code == 400
    assert answer.json()["detail"]
