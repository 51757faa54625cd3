"""The reports API: the SLA attainment rows (numbers computed by hand below), the dashboard
document, the service archive and quality reviews. Who sees what (a customer only its own
organisation, another's is a 400 in a filter and a 404 in the archive), bad input (400 in
the one error format) and the query counts."""

import datetime
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.files.storage import default_storage

from accounts.models import User
from emergency.models import ReviewAction
from emergency.services import incident_create
from maintenance import services as maintenance
from maintenance.models import Coverage, Inspection, ReturnVisit, WarrantyTerms
from reports.api.dashboard import BacklogRowOutput
from reports.models import QualityReview
from reports.selectors import AGE_BUCKETS
from tests.accounts.factories import UserFactory
from tests.customers.factories import ProjectFactory
from tests.tickets.conftest import sla_setup  # noqa: F401  (shared fixture)
from tests.tickets.helpers import ROUND_THE_CLOCK, sh, travel
from tickets.calendars import calendar_save
from tickets.models import SLAClock, Ticket
from tickets.services import comment_add, ticket_create

pytestmark = pytest.mark.django_db

SLA = "/api/v1/reports/sla/"
DASHBOARD = "/api/v1/reports/dashboard/"
ARCHIVE = "/api/v1/archive/"
REVIEWS = "/api/v1/quality-reviews/"
NOW = sh(2026, 3, 20, 12)  # a Friday
PERIOD = {"from": "2026-01-01", "to": "2026-02-28"}
SITE = settings.SITE_URL.rstrip("/")


@pytest.fixture(autouse=True)
def _now():
    with travel(NOW):
        yield


def assert_bad(response, *fields: str) -> dict:
    """A 400 in the one error format, naming exactly these fields."""
    assert response.status_code == 400, response.content
    body = response.json()
    assert set(body) == {"detail", "errors"}
    assert body["detail"]
    assert set(body["errors"]) == set(fields), body
    return body


def seconds(value: int) -> datetime.timedelta:
    return datetime.timedelta(seconds=value)


@pytest.fixture
def desk(org_a, org_b, project_a, project_b, manager):
    """Tickets filed through the service, their clocks written with known moments:

    - ten normal tickets of project A in January, assigned to Ann, the first at 00:30 on
      1 January in Shanghai (still 31 December in UTC): resolution clocks due 6,500 s after
      receipt, stopped i × 1,000 s after it with i × 600 working seconds (i = 1..10): six met,
      four breached;
    - four urgent tickets of project A2 in February with first-response clocks: one running in
      time (pending), one running past due (breached, nobody assigned), one stopped in time
      after 400 s (300 working), one paused past due (pending);
    - one ticket of organisation B in January, assigned to Ann: resolution stopped late
      (8,000 s, 7,000 working, due at 5,000);
    - one ticket of project A on 31 December at 23:30 in Shanghai, outside the period."""
    calendar = calendar_save(name="Round the clock", timezone_name="Asia/Shanghai", hours=ROUND_THE_CLOCK)
    project_a2 = ProjectFactory(organisation=org_a, name="Project A2", code="prj-a2")
    ann = UserFactory(username="ann", first_name="Ann", last_name="Lee", role=User.Role.ENGINEER)
    bob = UserFactory(username="bob", first_name="", last_name="", role=User.Role.ENGINEER)

    def ticket(project, received_at, *, priority="normal", assignee=None):
        made = ticket_create(
            actor=manager,
            project=project,
            title=f"Fault of {received_at:%Y-%m-%d %H:%M}",
            description="It stopped",
            priority=priority,
            received_at=received_at,
        )
        made.clocks.all().delete()
        Ticket.objects.filter(pk=made.pk).update(assignee=assignee)
        return made

    def clock(made, metric, *, due, stop=None, working=None, paused=None):
        start = made.received_at
        late = stop is not None and stop > due
        return SLAClock.objects.create(
            ticket=made,
            metric=metric,
            target_minutes=60,
            calendar=calendar,
            started_at=start,
            due_at=start + seconds(due),
            stopped_at=start + seconds(stop) if stop is not None else None,
            working_seconds=working,
            paused_at=start + seconds(paused) if paused is not None else None,
            breached_at=start + seconds(due) if late else None,
        )

    january = []
    for i in range(1, 11):
        received = sh(2026, 1, 1, 0, 30) if i == 1 else sh(2026, 1, i, 10)
        made = ticket(project_a, received, assignee=ann)
        clock(made, "resolution", due=6500, stop=i * 1000, working=i * 600)
        january.append(made)
    pending = ticket(project_a2, sh(2026, 2, 20, 10), priority="urgent", assignee=bob)
    clock(pending, "first_response", due=30 * 86400)  # due on 22 March
    running_late = ticket(project_a2, sh(2026, 2, 2, 10), priority="urgent")
    clock(running_late, "first_response", due=3600)
    in_time = ticket(project_a2, sh(2026, 2, 3, 10), priority="urgent", assignee=bob)
    clock(in_time, "first_response", due=3600, stop=400, working=300)
    paused = ticket(project_a2, sh(2026, 2, 4, 10), priority="urgent", assignee=bob)
    clock(paused, "first_response", due=3600, paused=100)
    other = ticket(project_b, sh(2026, 1, 20, 10), assignee=ann)
    clock(other, "resolution", due=5000, stop=8000, working=7000)
    before = ticket(project_a, sh(2025, 12, 31, 23, 30))
    clock(before, "resolution", due=6500, stop=100, working=100)
    return SimpleNamespace(
        project_a2=project_a2,
        ann=ann,
        bob=bob,
        january=january,
        pending=pending,
        running_late=running_late,
        other=other,
        before=before,
    )


def rows(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["rows"]


def by(rows_: list[dict], *keys: str) -> dict:
    return {tuple(row[key] for key in keys): row for row in rows_}


FIRST_RESPONSE_A = {
    "clocks": 4,
    "met": 1,
    "breached": 1,
    "pending": 2,
    "attainment": 50.0,
    "mean_working_seconds": 300,
    "p90_working_seconds": 300,
    "mean_wall_seconds": 400,
    "p90_wall_seconds": 400,
}
# working 600..6000: mean 3300; p90 at rank 0.9 × 9 = 8.1: 5400 + 0.1 × 600 = 5460
# wall 1000..10000: mean 5500; p90 9000 + 0.1 × 1000 = 9100; stopped by 6500: six met
RESOLUTION_A = {
    "clocks": 10,
    "met": 6,
    "breached": 4,
    "pending": 0,
    "attainment": 60.0,
    "mean_working_seconds": 3300,
    "p90_working_seconds": 5460,
    "mean_wall_seconds": 5500,
    "p90_wall_seconds": 9100,
}
# with organisation B's late one (7000 working, 8000 wall): eleven values, p90 at rank 9 exactly
RESOLUTION_ALL = {
    "clocks": 11,
    "met": 6,
    "breached": 5,
    "pending": 0,
    "attainment": 54.5,  # 6 / 11
    "mean_working_seconds": 3636,  # 40000 / 11
    "p90_working_seconds": 6000,
    "mean_wall_seconds": 5727,  # 63000 / 11
    "p90_wall_seconds": 9000,
}
RESOLUTION_B = {
    "clocks": 1,
    "met": 0,
    "breached": 1,
    "pending": 0,
    "attainment": 0.0,
    "mean_working_seconds": 7000,
    "p90_working_seconds": 7000,
    "mean_wall_seconds": 8000,
    "p90_wall_seconds": 8000,
}


def figures(row: dict) -> dict:
    return {key: row[key] for key in RESOLUTION_A}


# --- /reports/sla/ --------------------------------------------------------------------------


def test_sla_without_grouping_is_one_row_per_metric_of_the_customers_organisation(api, customer_a, desk):
    response = api.as_user(customer_a).get(SLA, PERIOD)
    assert response.json()["from"] == "2026-01-01"
    assert response.json()["to"] == "2026-02-28"
    assert response.json()["group_by"] is None
    found = rows(response)
    assert [(row["group"], row["label"], row["metric"]) for row in found] == [
        (None, "", "first_response"),
        (None, "", "resolution"),
    ]
    assert figures(found[0]) == FIRST_RESPONSE_A
    assert figures(found[1]) == RESOLUTION_A


def test_sla_for_staff_covers_every_organisation_unless_filtered(api, manager, org_a, desk):
    found = by(rows(api.as_user(manager).get(SLA, PERIOD)), "metric")
    assert figures(found[("resolution",)]) == RESOLUTION_ALL
    assert figures(found[("first_response",)]) == FIRST_RESPONSE_A
    filtered = by(rows(api.as_user(manager).get(SLA, {**PERIOD, "organisation": org_a.pk})), "metric")
    assert figures(filtered[("resolution",)]) == RESOLUTION_A


def test_sla_by_priority(api, manager, org_a, desk):
    found = rows(api.as_user(manager).get(SLA, {**PERIOD, "organisation": org_a.pk, "group_by": "priority"}))
    assert [(row["group"], row["label"], row["metric"]) for row in found] == [
        ("normal", "Normal", "resolution"),
        ("urgent", "Urgent", "first_response"),
    ]
    assert figures(found[0]) == RESOLUTION_A
    assert figures(found[1]) == FIRST_RESPONSE_A
    only_urgent = rows(api.as_user(manager).get(SLA, {**PERIOD, "priority": "urgent"}))
    assert [figures(row) for row in only_urgent] == [FIRST_RESPONSE_A]


def test_sla_by_organisation(api, manager, org_a, org_b, desk):
    response = api.as_user(manager).get(SLA, {**PERIOD, "group_by": "organisation"})
    assert response.json()["group_by"] == "organisation"
    found = by(rows(response), "group", "label", "metric")
    assert set(found) == {
        (str(org_a.pk), "Organisation A", "first_response"),
        (str(org_a.pk), "Organisation A", "resolution"),
        (str(org_b.pk), "Organisation B", "resolution"),
    }
    assert figures(found[(str(org_a.pk), "Organisation A", "resolution")]) == RESOLUTION_A
    assert figures(found[(str(org_b.pk), "Organisation B", "resolution")]) == RESOLUTION_B


def test_sla_by_project(api, manager, project_a, project_b, desk):
    found = by(rows(api.as_user(manager).get(SLA, {**PERIOD, "group_by": "project"})), "group", "label", "metric")
    assert set(found) == {
        (str(project_a.pk), "Project A", "resolution"),
        (str(desk.project_a2.pk), "Project A2", "first_response"),
        (str(project_b.pk), "Project B", "resolution"),
    }
    assert figures(found[(str(desk.project_a2.pk), "Project A2", "first_response")]) == FIRST_RESPONSE_A


def test_sla_by_engineer(api, manager, customer_a, desk):
    found = by(rows(api.as_user(manager).get(SLA, {**PERIOD, "group_by": "engineer"})), "group", "label", "metric")
    ann, bob = str(desk.ann.pk), str(desk.bob.pk)
    assert set(found) == {
        (ann, "Ann Lee", "resolution"),  # the full name; organisation B's ticket too
        (bob, "bob", "first_response"),  # no name: the username
        (None, "", "first_response"),  # nobody assigned
    }
    assert figures(found[(ann, "Ann Lee", "resolution")]) == RESOLUTION_ALL
    bobs = found[(bob, "bob", "first_response")]
    assert [bobs[key] for key in ("clocks", "met", "breached", "pending", "attainment")] == [3, 1, 0, 2, 100.0]
    nobodys = found[(None, "", "first_response")]
    assert [nobodys[key] for key in ("clocks", "met", "breached", "pending", "attainment")] == [1, 0, 1, 0, 0.0]
    mine = by(rows(api.as_user(customer_a).get(SLA, {**PERIOD, "group_by": "engineer"})), "group", "metric")
    assert figures(mine[(ann, "resolution")]) == RESOLUTION_A


def test_sla_by_month_in_the_desks_time_zone(api, manager, desk):
    found = rows(api.as_user(manager).get(SLA, {**PERIOD, "group_by": "month"}))
    # the ticket received at 00:30 on 1 January in Shanghai is January's, not December's
    assert [(row["group"], row["label"], row["metric"]) for row in found] == [
        ("2026-01-01", "2026-01", "resolution"),
        ("2026-02-01", "2026-02", "first_response"),
    ]
    assert figures(found[0]) == RESOLUTION_ALL
    december = rows(api.as_user(manager).get(SLA, {"from": "2025-12-01", "to": "2025-12-31", "group_by": "month"}))
    assert [(row["group"], row["clocks"], row["met"]) for row in december] == [("2025-12-01", 1, 1)]


def test_a_customer_never_sees_another_organisations_rows(api, customer_a, org_a, project_a, desk):
    # no filter at all: the last twelve months, its own organisation only
    found = rows(api.as_user(customer_a).get(SLA, {"group_by": "organisation"}))
    assert {row["group"] for row in found} == {str(org_a.pk)}
    projects = rows(api.as_user(customer_a).get(SLA, {"group_by": "project"}))
    assert {row["group"] for row in projects} == {str(project_a.pk), str(desk.project_a2.pk)}
    # the December ticket is in the default range: eleven resolution clocks of organisation A
    overall = by(rows(api.as_user(customer_a).get(SLA)), "metric")
    assert overall[("resolution",)]["clocks"] == 11


def test_a_customer_naming_another_organisation_or_its_project_gets_a_400(api, customer_a, org_a, org_b, project_b):
    client = api.as_user(customer_a)
    body = assert_bad(client.get(SLA, {"project": project_b.pk}), "project")
    assert "Project B" not in str(body)
    assert_bad(client.get(SLA, {"organisation": org_b.pk}), "organisation")
    assert_bad(client.get(DASHBOARD, {"organisation": org_b.pk}), "organisation")
    assert client.get(SLA, {"organisation": org_a.pk}).status_code == 200


@pytest.mark.parametrize(
    ("params", "fields"),
    [
        ({"from": "2026-03-01", "to": "2026-02-01"}, ["non_field_errors"]),
        ({"from": "2026-02-30"}, ["from"]),
        ({"from": "yesterday"}, ["from"]),
        ({"to": "9999-12-31"}, ["to"]),
        ({"from": "0001-01-01", "to": "0001-02-01"}, ["from", "to"]),
        ({"from": "2020-01-01", "to": "2026-01-01"}, ["non_field_errors"]),  # more than three years
        ({"group_by": "team"}, ["group_by"]),
        ({"group_by": ""}, ["group_by"]),
        ({"from": ""}, ["from"]),
        ({"priority": "whenever"}, ["priority"]),
        ({"organisation": "abc"}, ["organisation"]),
        ({"project": "99999999999999999999999"}, ["project"]),
    ],
)
def test_sla_refuses_bad_filters(api, manager, params, fields):
    body = assert_bad(api.as_user(manager).get(SLA, params), *fields)
    if "group_by" in fields and params["group_by"]:
        assert "priority, organisation, project, engineer, month" in body["detail"]


def test_staff_naming_a_project_of_another_organisation_gets_a_400(api, manager, org_a, project_b):
    assert_bad(api.as_user(manager).get(SLA, {"organisation": org_a.pk, "project": project_b.pk}), "project")


def test_the_reports_api_wants_a_signed_in_user(api, org_a, project_a):
    for url in (SLA, DASHBOARD, f"{ARCHIVE}?organisation={org_a.pk}", REVIEWS):
        assert api.get(url).status_code == 401, url
    assert api.post(REVIEWS, {"organisation": org_a.pk, "period": "month"}, format="json").status_code == 401


@pytest.mark.usefixtures("sla_setup")
def test_sla_times_come_from_clocks_stopped_through_the_services(api, manager, project_a):
    """The working time a clock keeps when the ticket's first reply stops it: received Friday
    17:00, answered Monday 10:00, on business hours (09:00-18:00): an hour on Friday and one on
    Monday. Its resolution clock (16 working hours) ran past due on Tuesday."""
    with travel(sh(2026, 3, 13, 17)):
        made = ticket_create(actor=manager, project=project_a, title="Printer", description="Jammed")
    with travel(sh(2026, 3, 16, 10)):
        comment_add(ticket_id=made.pk, actor=manager, body="On it", public=True)
    found = by(rows(api.as_user(manager).get(SLA, {"from": "2026-03-01", "to": "2026-03-20"})), "metric")
    first = found[("first_response",)]
    assert [first[key] for key in ("clocks", "met", "mean_working_seconds", "p90_wall_seconds")] == [
        1,
        1,
        7200,
        3 * 86400 - 7 * 3600,
    ]
    resolution = found[("resolution",)]
    assert [resolution[key] for key in ("met", "breached", "mean_working_seconds")] == [0, 1, None]


# --- /reports/dashboard/ --------------------------------------------------------------------


@pytest.fixture
def dashboard_data(desk, org_a, project_a, manager, engineer):
    incident_create(actor=manager, project=project_a, title="Plant down", symptoms="No power", reporter_name="Li")
    Inspection.objects.create(project=project_a, title="Spring", due_date=datetime.date(2026, 3, 30), engineer=engineer)
    Inspection.objects.create(project=project_a, title="Winter", due_date=datetime.date(2026, 3, 1), engineer=engineer)
    terms = WarrantyTerms.objects.create(name="One year", duration_months=12)
    warranty = maintenance.warranty_save(project=project_a, terms=terms, start_date=datetime.date(2025, 4, 1))
    return SimpleNamespace(warranty=warranty)


def test_the_dashboard_holds_every_figure(api, customer_a, project_a, desk, dashboard_data):
    response = api.as_user(customer_a).get(DASHBOARD, PERIOD)
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {
        "from",
        "to",
        "organisation",
        "project",
        "priority",
        "attainment",
        "attainment_by_month",
        "breaches",
        "backlog",
        "incidents_by_grade",
        "inspections",
        "warranties_expiring",
        "satisfaction",
        "deflection",
        "review_actions",
    }
    assert body["review_actions"] is None  # the vendor's working notes: staff only
    assert (body["from"], body["to"], body["organisation"]) == ("2026-01-01", "2026-02-28", customer_a.organisation_id)
    assert [figures(row) for row in body["attainment"]] == [FIRST_RESPONSE_A, RESOLUTION_A]
    assert [(row["group"], row["metric"]) for row in body["attainment_by_month"]] == [
        ("2026-01-01", "resolution"),
        ("2026-02-01", "first_response"),
    ]
    # four resolution clocks stopped late and the first response running past due; not B's
    breaches = body["breaches"]
    assert breaches["total"] == 5
    assert {row["reference"] for row in breaches["rows"]} == {
        *(made.reference for made in desk.january[6:]),
        desk.running_late.reference,
    }
    running, latest = breaches["rows"][:2]  # the latest due first
    assert (running["reference"], running["stopped_at"]) == (desk.running_late.reference, None)
    assert running["late_seconds"] == int((NOW - sh(2026, 2, 2, 11)).total_seconds())
    assert (running["assignee"], running["assignee_name"]) == (None, None)
    assert latest["reference"] == desk.january[9].reference  # due 10 January, stopped 3,500 s late
    assert (latest["metric"], latest["late_seconds"], latest["assignee_name"]) == ("resolution", 3500, "Ann Lee")
    assert latest["url"] == f"{SITE}/tickets/{desk.january[9].pk}/"
    # open tickets now: all fifteen of organisation A, by age
    backlog = {row["priority"]: row for row in body["backlog"]}
    assert (backlog["normal"]["total"], backlog["urgent"]["total"]) == (11, 4)
    assert backlog["normal"]["over_30d"] == 11
    assert backlog["urgent"]["d7_30"] == 1  # received 20 February, 28 days ago
    assert body["incidents_by_grade"] == [
        {"grade": "", "total": 1, "by_status": {**body["incidents_by_grade"][0]["by_status"], "reported": 1}}
    ]
    assert sum(body["incidents_by_grade"][0]["by_status"].values()) == 1
    assert body["inspections"] == [
        {
            "project": project_a.pk,
            "project_name": "Project A",
            "organisation_name": "Organisation A",
            "due": 1,
            "overdue": 1,
        }
    ]
    warranties = body["warranties_expiring"]
    assert warranties["total"] == 1
    expiring = warranties["rows"][0]  # the last day covered is 1 April 2026 (maintenance.coverage.period_end)
    assert (expiring["id"], expiring["end_date"], expiring["days_left"]) == (
        dashboard_data.warranty.pk,
        "2026-04-01",
        12,
    )
    assert (expiring["terms_name"], expiring["asset"], expiring["asset_name"]) == ("One year", None, "")
    assert [row["month"] for row in body["satisfaction"]] == ["2026-01-01", "2026-02-01"]
    assert body["satisfaction"][0]["tickets_count"] == 0 and body["satisfaction"][0]["tickets_mean"] is None
    assert [(row["month"], row["solved_count"], row["filed_count"], row["rate"]) for row in body["deflection"]] == [
        ("2026-01-01", 0, 10, 0.0),
        ("2026-02-01", 0, 4, 0.0),
    ]


def test_the_backlog_output_has_every_age_bucket():
    assert set(BacklogRowOutput().fields) == {"priority", "total", *(key for key, _low, _high in AGE_BUCKETS)}


def test_the_dashboard_query_count_does_not_grow_with_the_rows(
    api, manager, project_a, desk, dashboard_data, django_assert_max_num_queries
):
    # the token, then one query per figure (two for each list: its total and its rows)
    client = api.as_user(manager)
    with django_assert_max_num_queries(17):
        assert client.get(DASHBOARD, PERIOD).status_code == 200
    # twenty more breached tickets, each of another project and engineer
    for n in range(20):
        engineer = UserFactory(username=f"late{n}", role=User.Role.ENGINEER)
        made = ticket_create(
            actor=manager,
            project=ProjectFactory(organisation=project_a.organisation),
            title="Late",
            description="Late",
            received_at=sh(2026, 2, 10, 10),
        )
        Ticket.objects.filter(pk=made.pk).update(assignee=engineer)
        SLAClock.objects.create(
            ticket=made,
            metric="onsite_arrival",
            target_minutes=60,
            calendar=desk.january[0].clocks.get().calendar,
            started_at=made.received_at,
            due_at=made.received_at + seconds(60),
        )
    with django_assert_max_num_queries(17):
        response = client.get(DASHBOARD, PERIOD)
    assert response.json()["breaches"]["total"] == 26


# --- /archive/ ------------------------------------------------------------------------------


@pytest.fixture
def archive_data(desk, dashboard_data, project_a, manager, engineer):
    inspection = Inspection.objects.create(
        project=project_a,
        title="Autumn",
        due_date=datetime.date(2026, 2, 10),
        engineer=engineer,
        status=Inspection.Status.COMPLETED,
        completed_at=sh(2026, 2, 10, 15),
    )
    visit = ReturnVisit.objects.create(
        project=project_a,
        scheduled_for=datetime.date(2026, 2, 11),
        staff=engineer,
        contact_name="Mr Wang",
        status=ReturnVisit.Status.DONE,
        done_at=sh(2026, 2, 11, 9),
        satisfaction=4,
    )
    with travel(sh(2026, 2, 12, 9)):
        coverage = Coverage.objects.create(
            ticket=desk.january[0], cause="installation", decision="free", reason="In warranty", decided_by=engineer
        )
    return SimpleNamespace(inspection=inspection, visit=visit, coverage=coverage)


def entries(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_the_archive_pages_an_organisations_history_newest_first(api, manager, org_a, desk, archive_data):
    client = api.as_user(manager)
    first = client.get(ARCHIVE, {"organisation": org_a.pk, "kind": "ticket", "page_size": 5})
    body = first.json()
    assert body["count"] == 15  # organisation A's tickets, not B's
    found = entries(first)
    assert body["next"].endswith("page=2&page_size=5") or "page=2" in body["next"]
    assert [entry["at"] for entry in found] == sorted((entry["at"] for entry in found), reverse=True)
    ticket = found[0]  # received on 20 February, the latest
    assert ticket | {"at": None} == {
        "at": None,
        "all_day": False,
        "day": "2026-02-20",
        "kind": "ticket",
        "kind_label": "Ticket",
        "id": desk.pending.pk,
        "reference": desk.pending.reference,
        "title": desk.pending.title,
        "detail": "new",
        "detail_label": "New",
        "project": desk.project_a2.pk,
        "project_name": "Project A2",
        "url": f"{SITE}/tickets/{desk.pending.pk}/",
    }
    last = entries(client.get(ARCHIVE, {"organisation": org_a.pk, "kind": "ticket", "page_size": 5, "page": 3}))
    assert last[-1]["id"] == desk.before.pk  # 31 December 2025, the oldest
    assert (
        client.get(ARCHIVE, {"organisation": org_a.pk, "kind": "ticket", "page_size": 5, "page": 4}).status_code == 404
    )


def test_the_archive_filters_by_kind_and_period(api, manager, org_a, project_a, desk, dashboard_data, archive_data):
    client = api.as_user(manager)
    found = entries(
        client.get(
            ARCHIVE,
            {"project": project_a.pk, "kind": ["inspection", "return_visit", "warranty_start"], "from": "2025-01-01"},
        )
    )
    assert [(entry["kind"], entry["id"]) for entry in found] == [
        ("return_visit", archive_data.visit.pk),
        ("inspection", archive_data.inspection.pk),
        ("warranty_start", dashboard_data.warranty.pk),
    ]
    visit, inspection, warranty = found
    assert (visit["title"], visit["detail"], visit["detail_label"]) == ("Mr Wang", "4", "4/5")
    assert visit["url"] == f"{SITE}/maintenance/return-visits/{archive_data.visit.pk}/"
    assert (inspection["detail"], inspection["detail_label"]) == ("inspection", "Inspection")
    assert inspection["url"] == f"{SITE}/maintenance/inspections/{archive_data.inspection.pk}/"
    assert (warranty["all_day"], warranty["day"], warranty["title"]) == (True, "2025-04-01", "One year")
    assert warranty["url"] == f"{SITE}/maintenance/warranties/{dashboard_data.warranty.pk}/"
    (incident,) = entries(client.get(ARCHIVE, {"organisation": org_a.pk, "kind": "incident"}))
    assert (incident["title"], incident["detail"], incident["detail_label"]) == ("Plant down", "", "Not graded yet")
    assert incident["url"] == f"{SITE}/emergency/incidents/{incident['id']}/"
    decided = entries(client.get(ARCHIVE, {"organisation": org_a.pk, "kind": "coverage"}))
    assert [(entry["id"], entry["reference"], entry["detail_label"]) for entry in decided] == [
        (archive_data.coverage.pk, desk.january[0].reference, "Free of charge")
    ]
    assert decided[0]["url"] == f"{SITE}/tickets/{desk.january[0].pk}/"  # the ticket it decided
    in_february = entries(client.get(ARCHIVE, {"organisation": org_a.pk, "from": "2026-02-01", "to": "2026-02-28"}))
    assert {entry["kind"] for entry in in_february} == {"ticket", "inspection", "return_visit", "coverage"}
    assert len([entry for entry in in_february if entry["kind"] == "ticket"]) == 4


def test_a_customer_reads_its_own_archive_only(
    api, customer_a, org_a, org_b, project_a, project_b, desk, archive_data, django_assert_max_num_queries
):
    client = api.as_user(customer_a)
    # the token, the organisation, the count, the page, the tickets of its coverage decisions
    with django_assert_max_num_queries(5):
        found = entries(client.get(ARCHIVE, {"organisation": org_a.pk}))
    assert {entry["project"] for entry in found} <= {project_a.pk, desk.project_a2.pk}
    visit = next(entry for entry in found if entry["kind"] == "return_visit")
    assert visit["url"] == ""  # a staff page
    assert next(entry for entry in found if entry["kind"] == "ticket")["url"].startswith(f"{SITE}/tickets/")
    assert client.get(ARCHIVE, {"organisation": org_b.pk}).status_code == 404
    assert client.get(ARCHIVE, {"project": project_b.pk}).status_code == 404
    assert client.get(ARCHIVE, {"organisation": org_a.pk, "project": project_b.pk}).status_code == 404
    assert client.get(ARCHIVE, {"project": project_a.pk}).status_code == 200


@pytest.mark.parametrize(
    ("params", "fields"),
    [
        ({}, ["non_field_errors"]),
        ({"kind": "ticket"}, ["non_field_errors"]),
        ({"organisation": "ORG", "kind": "ticket"}, ["organisation"]),
        ({"organisation": "1", "kind": "letters"}, ["kind"]),
        ({"organisation": "1", "kind": ""}, ["kind"]),
        ({"organisation": "1", "from": "2026-03-01", "to": "2026-02-01"}, ["to"]),
        ({"organisation": "1", "to": "9999-12-31"}, ["to"]),
        ({"organisation": "1", "from": "0001-01-01"}, ["from"]),
        ({"organisation": "99999999999999999999"}, ["organisation"]),
        ({"project": "0"}, ["project"]),
    ],
)
def test_the_archive_refuses_bad_input(api, manager, params, fields):
    assert_bad(api.as_user(manager).get(ARCHIVE, params), *fields)


def test_the_archive_wants_the_project_of_the_organisation_named(api, manager, org_a, project_b):
    assert_bad(api.as_user(manager).get(ARCHIVE, {"organisation": org_a.pk, "project": project_b.pk}), "project")


# --- /quality-reviews/ ----------------------------------------------------------------------


def test_a_manager_writes_a_review_and_asking_again_writes_the_next_revision(api, manager, org_a, desk):
    client = api.as_user(manager)
    response = client.post(REVIEWS, {"organisation": org_a.pk, "period": "month", "day": "2026-01-15"}, format="json")
    assert response.status_code == 201, response.content
    review = response.json()
    assert review | {"id": 0, "generated_at": "", "figures": {}} == {
        "id": 0,
        "reference": "QR-ORG-A-2026-01-1",
        "organisation": org_a.pk,
        "organisation_name": "Organisation A",
        "period": "month",
        "starts_on": "2026-01-01",
        "ends_on": "2026-01-31",
        "revision": 1,
        "language": "en",
        "generated_at": "",
        "generated_by": manager.pk,
        "generated_by_name": str(manager),
        "figures": {},
        "file_url": f"{SITE}/reports/reviews/{review['id']}/file/",
    }
    resolution = next(row for row in review["figures"]["attainment"] if row["metric"] == "resolution")
    assert (resolution["clocks"], resolution["met"], resolution["attainment"]) == (10, 6, 60.0)
    stored = QualityReview.objects.get(pk=review["id"])
    with default_storage.open(stored.file.name, "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    again = client.post(REVIEWS, {"organisation": org_a.pk, "period": "month", "day": "2026-01-31"}, format="json")
    assert again.status_code == 201, again.content
    assert (again.json()["revision"], again.json()["reference"]) == (2, "QR-ORG-A-2026-01-2")
    assert QualityReview.objects.filter(organisation=org_a).count() == 2


def test_a_review_without_a_day_is_of_the_last_period_that_ended(api, admin_user, org_a):
    client = api.as_user(admin_user)
    month = client.post(REVIEWS, {"organisation": org_a.pk, "period": "month"}, format="json")
    assert (month.status_code, month.json()["starts_on"], month.json()["ends_on"]) == (201, "2026-02-01", "2026-02-28")
    quarter = client.post(
        REVIEWS, {"organisation": org_a.pk, "period": "quarter"}, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert quarter.status_code == 201, quarter.content
    assert (quarter.json()["reference"], quarter.json()["language"]) == ("QR-ORG-A-2025-Q4-1", "zh-hans")


@pytest.mark.parametrize(
    ("data", "fields"),
    [
        ({"period": "month"}, ["organisation"]),
        ({"organisation": "1", "period": "month"}, ["organisation"]),  # a string, not an id
        ({"period": "week"}, ["organisation", "period"]),
        ({"period": "month", "day": "2026-13-01"}, ["organisation", "day"]),
        ({"period": "month", "day": "9999-12-31"}, ["organisation", "day"]),
    ],
)
def test_a_review_refuses_bad_input(api, manager, data, fields):
    assert_bad(api.as_user(manager).post(REVIEWS, data, format="json"), *fields)
    assert not QualityReview.objects.exists()


def test_a_review_of_a_period_not_started_is_refused(api, manager, org_a):
    response = api.as_user(manager).post(
        REVIEWS, {"organisation": org_a.pk, "period": "month", "day": "2026-04-01"}, format="json"
    )
    assert_bad(response, "day")


def test_engineers_read_reviews_but_do_not_write_them(api, engineer, manager, org_a, org_b):
    review = api.as_user(manager).post(REVIEWS, {"organisation": org_a.pk, "period": "month"}, format="json").json()
    client = api.as_user(engineer)
    response = client.post(REVIEWS, {"organisation": org_a.pk, "period": "month"}, format="json")
    assert response.status_code == 403
    assert set(response.json()) == {"detail", "errors"}
    assert [row["id"] for row in client.get(REVIEWS).json()["results"]] == [review["id"]]
    assert client.get(f"{REVIEWS}{review['id']}/").json()["reference"] == review["reference"]
    # kept as written: no one changes or deletes a review
    managers = api.as_user(manager)
    assert managers.put(f"{REVIEWS}{review['id']}/", {}, format="json").status_code == 405
    assert managers.delete(f"{REVIEWS}{review['id']}/").status_code == 405


def test_customers_get_no_reviews(api, customer_a, manager, org_a):
    review = api.as_user(manager).post(REVIEWS, {"organisation": org_a.pk, "period": "month"}, format="json").json()
    client = api.as_user(customer_a)
    assert client.get(REVIEWS).status_code == 403
    assert client.get(f"{REVIEWS}{review['id']}/").status_code == 403
    assert client.post(REVIEWS, {"organisation": org_a.pk, "period": "month"}, format="json").status_code == 403
    assert QualityReview.objects.count() == 1


def test_the_review_list_filters_and_its_query_count(
    api, manager, org_a, org_b, django_assert_max_num_queries, django_assert_num_queries
):
    from reports.services import review_generate

    for organisation, period, day in [
        (org_a, "month", datetime.date(2026, 1, 5)),
        (org_a, "month", datetime.date(2026, 2, 5)),
        (org_a, "quarter", datetime.date(2025, 11, 5)),
        (org_b, "month", datetime.date(2026, 2, 5)),
    ]:
        review_generate(organisation=organisation, period=period, day=day, actor=manager, language="en")
    client = api.as_user(manager)

    def references(**params) -> list[str]:
        response = client.get(REVIEWS, params)
        assert response.status_code == 200, response.content
        return [row["reference"] for row in response.json()["results"]]

    assert references(organisation=org_a.pk, period="month") == ["QR-ORG-A-2026-02-1", "QR-ORG-A-2026-01-1"]
    assert references(**{"from": "2026-02-01"}) == ["QR-ORG-A-2026-02-1", "QR-ORG-B-2026-02-1"]
    assert references(**{"to": "2025-12-31"}) == ["QR-ORG-A-2025-Q4-1"]
    assert references(search="org-b") == ["QR-ORG-B-2026-02-1"]
    assert_bad(client.get(REVIEWS, {"period": "week"}), "period")
    assert_bad(client.get(REVIEWS, {"from": "soon"}), "from")
    assert_bad(client.get(REVIEWS, {"organisation": ""}), "organisation")
    with django_assert_num_queries(3):  # the token, the count, the page with its organisations and authors
        assert len(references()) == 4


def test_staff_read_the_open_improvement_actions_on_the_dashboard(api, manager, engineer, project_a, desk):
    incident = incident_create(
        actor=manager, project=project_a, title="Plant down", symptoms="No power", reporter_name="Li"
    )
    late = ReviewAction.objects.create(
        incident=incident, description="Add a second feed", owner=engineer, due_date=datetime.date(2026, 3, 10)
    )
    ReviewAction.objects.create(
        incident=incident, description="Train the night shift", owner=engineer, due_date=datetime.date(2026, 4, 1)
    )
    ReviewAction.objects.create(
        incident=incident,
        description="Done already",
        owner=engineer,
        due_date=datetime.date(2026, 3, 1),
        done_at=NOW,
    )
    body = api.as_user(manager).get(DASHBOARD, PERIOD).json()
    actions = body["review_actions"]
    assert actions["total"] == 2
    first = actions["rows"][0]
    assert (first["id"], first["incident_reference"], first["description"]) == (
        late.pk,
        incident.reference,
        "Add a second feed",
    )
    assert (first["owner"], first["due_date"], first["overdue_days"]) == (engineer.pk, "2026-03-10", 10)
    assert first["url"] == f"{SITE}/emergency/incidents/{incident.pk}/"
    assert actions["rows"][1]["overdue_days"] == 0
