"""The dashboard's figures (reports/selectors.py) against a hand computation: rows made with
chosen instants and working times, every expected number worked out in a comment."""

import datetime

import pytest
import time_machine

from customers.models import Project
from emergency.models import Incident
from maintenance import coverage
from maintenance.models import Inspection, Warranty
from reports import selectors
from reports.filters import ReportFilter
from tests.accounts.factories import UserFactory
from tests.customers.factories import ProjectFactory
from tests.tickets.helpers import sh
from tickets.models import Metric
from training.models import Article, Deflection

pytestmark = pytest.mark.django_db

D = datetime.date
S = datetime.timedelta(seconds=1)
MARCH = ReportFilter(start=D(2026, 3, 1), end=D(2026, 3, 31))
NOW = sh(2026, 4, 10, 12, 0)
LATER = sh(2026, 4, 30, 0, 0)  # a due moment after NOW


def seconds(n: int) -> datetime.timedelta:
    return n * S


def by_metric(rows: list[dict]) -> dict[str, dict]:
    return {row["metric"]: row for row in rows}


def by_group(rows: list[dict], metric: str = Metric.RESOLUTION) -> dict:
    return {row["group"]: row for row in rows if row["metric"] == metric}


@pytest.fixture
def project_a2(org_a) -> Project:
    return ProjectFactory(organisation=org_a, name="Project A2", code="prj-a2")


# --- attainment --------------------------------------------------------------------------


@pytest.fixture
def outcomes(project_a, make_ticket, make_clock):
    """Eight resolution clocks of March tickets (NOW is 2026-04-10 12:00):

    c1 met: stopped 2,000 s after start, due after 4 h; working 1,000 s
    c2 met: stopped exactly at its due moment, 4,000 s after start; working 2,000 s
    c3 breached: stopped late (6,000 s, due at 3,000 s), marked breached; working 3,000 s
    c4 breached: stopped late (8,000 s, due at 3,600 s), never marked; working 4,000 s
    c5 breached: running, due after NOW, but a breach is recorded (a priority change since)
    c6 breached: running, due 2026-03-09 13:00, long before NOW, never marked
    c7 pending: running, due after NOW (a stray working time that must not count)
    c8 pending: paused (waiting on the customer) though its due moment has passed

    and c1's ticket has a first-response clock still running in time.
    Outside March: an April ticket's met clock, a February ticket's breached one."""
    clocks = {}

    def clock(name, received, **fields):
        ticket = make_ticket(project_a, received)
        clocks[name] = make_clock(ticket, Metric.RESOLUTION, **fields)
        return ticket

    start = sh(2026, 3, 2, 9, 0)
    first = clock(
        "c1", start, due_at=start + datetime.timedelta(hours=4), stopped_at=start + seconds(2000), working_seconds=1000
    )
    make_clock(first, Metric.FIRST_RESPONSE, due_at=LATER)
    start = sh(2026, 3, 3, 9, 0)
    clock("c2", start, due_at=start + seconds(4000), stopped_at=start + seconds(4000), working_seconds=2000)
    start = sh(2026, 3, 4, 9, 0)
    clock(
        "c3",
        start,
        due_at=start + seconds(3000),
        stopped_at=start + seconds(6000),
        breached_at=start + seconds(3000),
        working_seconds=3000,
    )
    start = sh(2026, 3, 5, 9, 0)
    clock("c4", start, due_at=start + seconds(3600), stopped_at=start + seconds(8000), working_seconds=4000)
    clock("c5", sh(2026, 3, 6, 9, 0), due_at=LATER, breached_at=sh(2026, 3, 6, 10, 0))
    clock("c6", sh(2026, 3, 9, 9, 0), due_at=sh(2026, 3, 9, 13, 0))
    clock("c7", sh(2026, 3, 10, 9, 0), due_at=LATER, working_seconds=999_999)
    clock("c8", sh(2026, 3, 11, 9, 0), due_at=sh(2026, 3, 11, 13, 0), paused_at=sh(2026, 3, 11, 10, 0))
    april = make_ticket(project_a, sh(2026, 4, 1, 9, 0))
    make_clock(april, due_at=sh(2026, 4, 1, 10, 0), stopped_at=sh(2026, 4, 1, 9, 30), working_seconds=1800)
    february = make_ticket(project_a, sh(2026, 2, 27, 9, 0))
    make_clock(february, due_at=sh(2026, 2, 27, 10, 0), stopped_at=sh(2026, 2, 27, 11, 0), working_seconds=7200)
    return clocks


def test_attainment_by_hand(outcomes):
    # met c1 c2 = 2; breached c3 c4 c5 c6 = 4; pending c7 c8 = 2 -> 2 / (2 + 4) = 33.3 %
    # stopped c1-c4, working 1000 2000 3000 4000: mean 2500; p90 at (4 - 1) x 0.9 = 2.7
    #   -> 3000 + 0.7 x 1000 = 3700; wall 2000 4000 6000 8000: mean 5000, p90 6000 + 0.7 x 2000 = 7400
    rows = by_metric(selectors.attainment(MARCH, now=NOW))
    assert list(rows) == [Metric.FIRST_RESPONSE, Metric.RESOLUTION]
    assert rows[Metric.RESOLUTION] == {
        "group": None,
        "label": "",
        "metric": Metric.RESOLUTION,
        "clocks": 8,
        "met": 2,
        "breached": 4,
        "pending": 2,
        "attainment": 33.3,
        "mean_working_seconds": 2500,
        "p90_working_seconds": 3700,
        "mean_wall_seconds": 5000,
        "p90_wall_seconds": 7400,
    }


def test_attainment_is_none_when_nothing_is_decided(outcomes):
    # the one first-response clock runs in time: nothing met or breached, nothing stopped
    response = by_metric(selectors.attainment(MARCH, now=NOW))[Metric.FIRST_RESPONSE]
    assert (response["clocks"], response["met"], response["breached"], response["pending"]) == (1, 0, 0, 1)
    assert response["attainment"] is None
    assert response["mean_working_seconds"] is response["p90_wall_seconds"] is None


def test_a_running_clock_is_breached_once_its_due_moment_passes(outcomes):
    # at 2026-03-09 12:00 c6 (due 13:00) still runs in time: breached c3 c4 c5, pending c6 c7 c8
    # -> 2 / (2 + 3) = 40 %; the default "now" is the frozen clock
    with time_machine.travel(sh(2026, 3, 9, 12, 0), tick=False):
        before = by_metric(selectors.attainment(MARCH))[Metric.RESOLUTION]
    assert (before["breached"], before["pending"], before["attainment"]) == (3, 3, 40.0)
    with time_machine.travel(sh(2026, 3, 9, 13, 0, 1), tick=False):
        after = by_metric(selectors.attainment(MARCH))[Metric.RESOLUTION]
    assert (after["breached"], after["pending"], after["attainment"]) == (4, 2, 33.3)


def test_mean_and_p90_of_one_to_ten(project_a, make_ticket, make_clock):
    # ten met clocks, working 100 x k and wall 1,000 x k seconds for k = 1..10:
    # mean 550 and 5,500; p90 at (10 - 1) x 0.9 = 8.1 -> 900 + 0.1 x 100 = 910, and 9,100
    for k in range(1, 11):
        start = sh(2026, 3, k, 9, 0)
        ticket = make_ticket(project_a, start)
        make_clock(
            ticket, due_at=start + seconds(20_000), stopped_at=start + seconds(1000 * k), working_seconds=100 * k
        )
    [row] = selectors.attainment(MARCH, now=NOW)
    assert (row["clocks"], row["met"], row["attainment"]) == (10, 10, 100.0)
    assert (row["mean_working_seconds"], row["p90_working_seconds"]) == (550, 910)
    assert (row["mean_wall_seconds"], row["p90_wall_seconds"]) == (5500, 9100)


@pytest.fixture
def grouped(project_a, project_a2, project_b, make_ticket, make_clock):
    """Five March resolution clocks (start 09:00, due 10:00):

    ticket   project  priority  assignee        clock
    t1       A        urgent    Wei Li          met, working 600
    t2       A        urgent    Wei Li          breached (stopped 11:00), working 7,200
    t3       A2       normal    nameless "ops"  met, working 1,200
    t4       A2       low       nobody          pending (running, due after NOW)
    t5       B        urgent    nobody          breached (running past due)"""
    wei = UserFactory(username="wli", first_name="Wei", last_name="Li")
    ops = UserFactory(username="ops", first_name="", last_name="")

    def ticket(project, day, priority, assignee, **clock):
        start = sh(2026, 3, day, 9, 0)
        made = make_ticket(project, start, priority=priority, assignee=assignee)
        make_clock(made, due_at=clock.pop("due_at", start + datetime.timedelta(hours=1)), **clock)
        return made

    ticket(project_a, 2, "urgent", wei, stopped_at=sh(2026, 3, 2, 9, 10), working_seconds=600)
    ticket(project_a, 3, "urgent", wei, stopped_at=sh(2026, 3, 3, 11, 0), working_seconds=7200)
    ticket(project_a2, 4, "normal", ops, stopped_at=sh(2026, 3, 4, 9, 20), working_seconds=1200)
    ticket(project_a2, 5, "low", None, due_at=LATER)
    ticket(project_b, 6, "urgent", None)
    return {"wei": wei, "ops": ops}


def test_attainment_by_priority(grouped):
    # low: t4 pending -> None; normal: t3 met -> 100 %; urgent: t1 met, t2 t5 breached -> 33.3 %
    # urgent working times of the stopped t1 t2: mean (600 + 7200) / 2 = 3900,
    # p90 600 + 0.9 x 6600 = 6540
    rows = selectors.attainment(MARCH, "priority", now=NOW)
    assert [(row["group"], row["label"], row["attainment"]) for row in rows] == [
        ("low", "low", None),
        ("normal", "normal", 100.0),
        ("urgent", "urgent", 33.3),
    ]
    urgent = rows[2]
    assert (urgent["clocks"], urgent["met"], urgent["breached"], urgent["pending"]) == (3, 1, 2, 0)
    assert (urgent["mean_working_seconds"], urgent["p90_working_seconds"]) == (3900, 6540)


def test_attainment_by_organisation(grouped, org_a, org_b):
    # A: t1 t3 met, t2 breached, t4 pending -> 2 / 3 = 66.7 %; B: t5 breached -> 0 %
    rows = by_group(selectors.attainment(MARCH, "organisation", now=NOW))
    assert set(rows) == {org_a.pk, org_b.pk}
    a, b = rows[org_a.pk], rows[org_b.pk]
    assert (a["label"], a["clocks"], a["met"], a["breached"], a["pending"], a["attainment"]) == (
        "Organisation A",
        4,
        2,
        1,
        1,
        66.7,
    )
    assert (b["label"], b["clocks"], b["breached"], b["attainment"]) == ("Organisation B", 1, 1, 0.0)


def test_attainment_by_project(grouped, project_a, project_a2, project_b):
    # A: t1 met, t2 breached -> 50 %; A2: t3 met, t4 pending -> 100 %; B: 0 %
    rows = by_group(selectors.attainment(MARCH, "project", now=NOW))
    assert {key: (row["label"], row["attainment"]) for key, row in rows.items()} == {
        project_a.pk: ("Project A", 50.0),
        project_a2.pk: ("Project A2", 100.0),
        project_b.pk: ("Project B", 0.0),
    }


def test_attainment_by_engineer(grouped):
    # Wei Li: t1 met, t2 breached -> 50 %; ops (no name: the username): t3 -> 100 %;
    # unassigned (null group, empty label): t4 pending, t5 breached -> 0 %
    rows = by_group(selectors.attainment(MARCH, "engineer", now=NOW))
    wei, ops = grouped["wei"], grouped["ops"]
    assert {key: (row["label"], row["clocks"], row["attainment"]) for key, row in rows.items()} == {
        wei.pk: ("Wei Li", 2, 50.0),
        ops.pk: ("ops", 1, 100.0),
        None: ("", 2, 0.0),
    }
    assert rows[wei.pk]["label"] == str(wei)  # the name the rest of the desk shows


def test_attainment_by_month_in_the_desks_time_zone(project_a, make_ticket, make_clock):
    # 2026-03-31 23:30 Shanghai is 15:30 UTC the same day: March; 2026-04-01 00:10 Shanghai is
    # 2026-03-31 16:10 UTC, yet April; 2026-03-01 00:00 Shanghai (2026-02-28 16:00 UTC): March
    for received, stopped in [
        (sh(2026, 3, 31, 23, 30), True),
        (sh(2026, 3, 1, 0, 0), False),
        (sh(2026, 4, 1, 0, 10), True),
    ]:
        ticket = make_ticket(project_a, received)
        make_clock(
            ticket,
            due_at=received + datetime.timedelta(hours=1),
            stopped_at=received + datetime.timedelta(minutes=30) if stopped else None,
            working_seconds=1800 if stopped else None,
        )
    spring = ReportFilter(start=D(2026, 3, 1), end=D(2026, 4, 30))
    rows = selectors.attainment(spring, "month", now=NOW)
    # March: one met, one running past due (breached) -> 50 %; April: one met -> 100 %
    assert [(row["group"], row["label"], row["clocks"], row["attainment"]) for row in rows] == [
        (D(2026, 3, 1), "2026-03", 2, 50.0),
        (D(2026, 4, 1), "2026-04", 1, 100.0),
    ]


def test_attainment_filters(grouped, org_a, project_a2):
    # by organisation A: t1-t4; by project A2: t3 t4; urgent: t1 t2 t5
    total = lambda report: sum(row["clocks"] for row in selectors.attainment(report, now=NOW))  # noqa: E731
    assert total(MARCH) == 5
    assert total(ReportFilter(start=MARCH.start, end=MARCH.end, organisation_id=org_a.pk)) == 4
    assert total(ReportFilter(start=MARCH.start, end=MARCH.end, project_id=project_a2.pk)) == 2
    assert total(ReportFilter(start=MARCH.start, end=MARCH.end, priority="urgent")) == 3
    urgent_a = ReportFilter(start=MARCH.start, end=MARCH.end, organisation_id=org_a.pk, priority="urgent")
    [row] = selectors.attainment(urgent_a, now=NOW)
    assert (row["clocks"], row["met"], row["breached"], row["attainment"]) == (2, 1, 1, 50.0)


def test_attainment_date_range_is_inclusive_in_the_desks_time_zone(project_a, make_ticket, make_clock):
    # received at the desk's first instant of 1 March and its last second of 31 March: in;
    # one second before and the first instant of 1 April: out
    for received in [
        sh(2026, 2, 28, 23, 59, 59),
        sh(2026, 3, 1, 0, 0),
        sh(2026, 3, 31, 23, 59, 59),
        sh(2026, 4, 1, 0, 0),
    ]:
        make_clock(make_ticket(project_a, received), due_at=LATER)
    [row] = selectors.attainment(MARCH, now=NOW)
    assert row["clocks"] == 2
    [single] = selectors.attainment(ReportFilter(start=D(2026, 3, 31), end=D(2026, 3, 31)), now=NOW)
    assert single["clocks"] == 1


@pytest.mark.parametrize("group_by", [None, *selectors.GROUPS])
def test_attainment_is_one_query_whatever_the_group(grouped, group_by, django_assert_num_queries):
    with django_assert_num_queries(1):
        rows = selectors.attainment(MARCH, group_by, now=NOW)
    assert sum(row["clocks"] for row in rows) == 5


# --- breaches ----------------------------------------------------------------------------


def test_breaches_are_the_breached_clocks_latest_due_first(outcomes, django_assert_num_queries):
    # c5 (due 2026-04-30), c6 (03-09 13:00), c4 (03-05 10:00), c3 (03-04 09:50)
    with django_assert_num_queries(1):
        rows = [
            (clock.pk, clock.ticket.organisation.name, clock.ticket.project.name)
            for clock in selectors.breaches(MARCH, now=NOW)
        ]
    assert [pk for pk, _org, _project in rows] == [outcomes[name].pk for name in ("c5", "c6", "c4", "c3")]
    assert rows[0][1:] == ("Organisation A", "Project A")
    assert not selectors.breaches(ReportFilter(start=MARCH.start, end=MARCH.end, priority="urgent"), now=NOW).exists()


# --- backlog -----------------------------------------------------------------------------


def test_backlog_age_buckets_at_their_exact_bounds(project_a, project_b, org_a, make_ticket):
    now = sh(2026, 4, 10, 12, 0)
    day = datetime.timedelta(days=1)
    open_normal = {
        "new": now,  # 0 old: under a day
        "acknowledged": now - day + S,  # a second short of a day: under a day
        "in_progress": now - day,  # exactly a day: 1-3 days
        "waiting_on_customer": now - 3 * day,  # exactly 3 days: 3-7
    }
    for status, received in open_normal.items():
        make_ticket(project_a, received, status=status)
    make_ticket(project_a, now - 7 * day, status="new")  # exactly 7 days: 7-30
    make_ticket(project_a, now - 30 * day + S, status="new")  # a second short of 30 days: 7-30
    make_ticket(project_a, now - 30 * day, status="new", priority="urgent")  # exactly 30 days: over 30
    make_ticket(project_a, now - 2 * day, status="in_progress", priority="urgent")  # 1-3
    make_ticket(project_a, now - 2 * day, status="resolved")  # not open
    make_ticket(project_a, now - 2 * day, status="closed")  # not open
    make_ticket(project_b, now - 2 * day, status="new")  # another organisation
    with time_machine.travel(now, tick=False):
        rows = selectors.backlog(ReportFilter(start=MARCH.start, end=MARCH.end, organisation_id=org_a.pk))
        everyone = selectors.backlog(MARCH)
    assert rows == [
        {"priority": "normal", "total": 6, "under_1d": 2, "d1_3": 1, "d3_7": 1, "d7_30": 2, "over_30d": 0},
        {"priority": "urgent", "total": 2, "under_1d": 0, "d1_3": 1, "d3_7": 0, "d7_30": 0, "over_30d": 1},
    ]
    assert [(row["priority"], row["total"], row["d1_3"]) for row in everyone] == [("normal", 7, 2), ("urgent", 2, 1)]


# --- incidents, inspections, warranties --------------------------------------------------


def test_incidents_by_grade_counts_the_open_ones(project_a, project_b, org_a, make_incident):
    at = sh(2026, 3, 2, 9, 0)
    make_incident(project_a, at, grade="critical", status=Incident.Status.REMOTE_HANDLING)
    make_incident(project_a, at, grade="critical", status=Incident.Status.ONSITE)
    make_incident(project_a, at, grade="critical", status=Incident.Status.ONSITE)
    make_incident(project_a, at, grade="critical", status=Incident.Status.CLOSED)  # closed: left out
    make_incident(project_a, at, grade="general", status=Incident.Status.ASSESSED)
    make_incident(project_a, at)  # reported, not graded yet
    make_incident(project_b, at, grade="urgent", status=Incident.Status.ASSESSED)  # another organisation
    rows = selectors.incidents_by_grade(ReportFilter(start=MARCH.start, end=MARCH.end, organisation_id=org_a.pk))
    assert [(row["grade"], row["total"]) for row in rows] == [("", 1), ("critical", 3), ("general", 1)]
    graded = {row["grade"]: row for row in rows}
    assert (graded["critical"]["remote_handling"], graded["critical"]["onsite"]) == (1, 2)
    assert graded["critical"]["reported"] == 0 and "closed" not in graded["critical"]
    assert (graded[""]["reported"], graded["general"]["assessed"]) == (1, 1)
    assert [row["grade"] for row in selectors.incidents_by_grade(MARCH)] == ["", "critical", "urgent", "general"]


def test_inspections_due_within_30_days_and_overdue(project_a, project_a2, project_b, make_inspection):
    today = D(2026, 4, 10)
    day = datetime.timedelta(days=1)
    make_inspection(project_a, today)  # due (today)
    make_inspection(project_a, today + 30 * day)  # due (the 30th day)
    make_inspection(project_a, today + 31 * day)  # neither
    make_inspection(project_a, today - day)  # overdue
    make_inspection(project_a, today - 10 * day, status=Inspection.Status.IN_PROGRESS)  # overdue
    make_inspection(project_a, today - 5 * day, status=Inspection.Status.COMPLETED)  # done: left out
    make_inspection(project_a, today, status=Inspection.Status.CANCELLED)  # cancelled: left out
    make_inspection(project_a2, today - 2 * day)  # overdue
    make_inspection(project_b, today + 31 * day)  # nothing close: no row
    rows = selectors.inspections(MARCH, today=today)
    assert [(row["project__name"], row["due"], row["overdue"]) for row in rows] == [
        ("Project A", 2, 2),
        ("Project A2", 0, 1),
    ]
    assert rows[0]["project__organisation__name"] == "Organisation A"
    only_a2 = selectors.inspections(
        ReportFilter(start=MARCH.start, end=MARCH.end, project_id=project_a2.pk), today=today
    )
    assert [row["project_id"] for row in only_a2] == [project_a2.pk]


def test_warranties_expiring_are_coverages_expiring_status(settings, project_a, project_b, org_a, make_warranty):
    settings.WARRANTY_EXPIRING_DAYS = 60
    today = D(2026, 4, 10)  # horizon: 2026-06-09
    ends_today = make_warranty(project_a, D(2024, 4, 10), D(2026, 4, 10))
    ends_on_horizon = make_warranty(project_a, D(2024, 6, 9), D(2026, 6, 9))
    make_warranty(project_a, D(2024, 6, 10), D(2026, 6, 10))  # a day past the horizon: in force
    make_warranty(project_a, D(2024, 4, 9), D(2026, 4, 9))  # ended yesterday: expired
    make_warranty(project_a, D(2026, 4, 11), D(2026, 5, 1))  # not started: pending
    other = make_warranty(project_b, D(2024, 5, 1), D(2026, 5, 1))
    rows = list(selectors.warranties_expiring(MARCH, today=today))
    assert rows == [ends_today, other, ends_on_horizon]
    assert {coverage.warranty_status(w, today) for w in rows} == {coverage.Status.EXPIRING}
    assert rows == list(Warranty.objects.filter(coverage.status_filter(coverage.Status.EXPIRING, today)))
    of_a = selectors.warranties_expiring(
        ReportFilter(start=MARCH.start, end=MARCH.end, organisation_id=org_a.pk), today=today
    )
    assert list(of_a) == [ends_today, ends_on_horizon]


# --- satisfaction and deflection ---------------------------------------------------------

Q1 = ReportFilter(start=D(2026, 1, 1), end=D(2026, 3, 31))


def test_satisfaction_per_month(
    org_a, project_a, project_b, make_ticket, make_return_visit, make_session, make_feedback
):
    def rated(project, resolved, rating):
        make_ticket(
            project, resolved - datetime.timedelta(days=1), status="resolved", resolved_at=resolved, rating=rating
        )

    rated(project_a, sh(2026, 1, 10, 10, 0), 5)
    rated(project_a, sh(2026, 1, 31, 23, 30), 4)
    rated(project_a, sh(2026, 3, 1, 0, 30), 3)  # 2026-02-28 16:30 UTC: March at the desk
    rated(project_a, sh(2026, 3, 20, 10, 0), 2)
    rated(project_a, sh(2026, 3, 21, 10, 0), 2)
    rated(project_a, sh(2025, 12, 31, 23, 0), 1)  # before the period
    rated(project_b, sh(2026, 1, 12, 10, 0), 1)  # another organisation
    make_ticket(project_a, sh(2026, 1, 9, 10, 0), status="resolved", resolved_at=sh(2026, 1, 10, 10, 0))  # no rating
    make_return_visit(project_a, sh(2026, 1, 5, 10, 0), satisfaction=4)
    make_return_visit(project_a, sh(2026, 2, 5, 10, 0), satisfaction=5)
    make_return_visit(project_a, sh(2026, 2, 6, 10, 0), satisfaction=2)
    make_return_visit(project_a, sh(2026, 2, 7, 10, 0))  # no answer
    session = make_session(project_a, sh(2026, 2, 10, 9, 0))
    for rating in (5, 4, 4):
        make_feedback(session, rating)
    make_feedback(make_session(project_b, sh(2026, 2, 11, 9, 0)), 1)  # another organisation
    rows = selectors.satisfaction(ReportFilter(start=Q1.start, end=Q1.end, organisation_id=org_a.pk))
    # tickets: January 5 4 -> 4.5; February none; March 3 2 2 -> 7 / 3 = 2.33
    # return visits: January 4; February 5 2 -> 3.5; March none
    # training: February 5 4 4 -> 13 / 3 = 4.33
    assert rows == [
        {
            "month": D(2026, 1, 1),
            "tickets_count": 2,
            "tickets_mean": 4.5,
            "return_visits_count": 1,
            "return_visits_mean": 4.0,
            "training_count": 0,
            "training_mean": None,
        },
        {
            "month": D(2026, 2, 1),
            "tickets_count": 0,
            "tickets_mean": None,
            "return_visits_count": 2,
            "return_visits_mean": 3.5,
            "training_count": 3,
            "training_mean": 4.33,
        },
        {
            "month": D(2026, 3, 1),
            "tickets_count": 3,
            "tickets_mean": 2.33,
            "return_visits_count": 0,
            "return_visits_mean": None,
            "training_count": 0,
            "training_mean": None,
        },
    ]
    # everyone: January tickets 5 4 1 -> 3.33; February training 5 4 4 1 -> 3.5
    everyone = selectors.satisfaction(Q1)
    assert (everyone[0]["tickets_count"], everyone[0]["tickets_mean"]) == (3, 3.33)
    assert (everyone[1]["training_count"], everyone[1]["training_mean"]) == (4, 3.5)


def test_deflection_rate_per_month(org_a, org_b, project_a, project_b, engineer, make_ticket):
    article = Article.objects.create(title="Paper jam", body="Open the cover.", language="en")

    def solved(at, organisation):
        deflection = Deflection.objects.create(article=article, user=engineer, organisation=organisation)
        Deflection.objects.filter(pk=deflection.pk).update(created_at=at)

    for day in (5, 6, 7):
        solved(sh(2026, 1, day, 10, 0), org_a)
    solved(sh(2026, 1, 8, 10, 0), org_b)
    solved(sh(2026, 2, 1, 0, 30), org_a)  # 2026-01-31 16:30 UTC: February at the desk
    solved(sh(2026, 2, 3, 10, 0), None)  # nobody's organisation
    solved(sh(2026, 4, 1, 10, 0), org_a)  # after the period
    make_ticket(project_a, sh(2026, 1, 20, 10, 0))
    make_ticket(project_a, sh(2026, 2, 10, 10, 0))
    make_ticket(project_a, sh(2026, 2, 11, 10, 0), priority="urgent")
    make_ticket(project_b, sh(2026, 1, 21, 10, 0))
    rows = selectors.deflection(ReportFilter(start=Q1.start, end=Q1.end, organisation_id=org_a.pk))
    # A: January 3 solved, 1 filed -> 3 / 4 = 75 %; February 1 and 2 -> 1 / 3 = 33.3 %; March none
    assert [(row["month"], row["solved_count"], row["filed_count"], row["rate"]) for row in rows] == [
        (D(2026, 1, 1), 3, 1, 75.0),
        (D(2026, 2, 1), 1, 2, 33.3),
        (D(2026, 3, 1), 0, 0, None),
    ]
    # everyone: January 4 solved, 2 filed -> 66.7 %; February 2 and 2 -> 50 %
    everyone = selectors.deflection(Q1)
    assert [(row["solved_count"], row["filed_count"], row["rate"]) for row in everyone] == [
        (4, 2, 66.7),
        (2, 2, 50.0),
        (0, 0, None),
    ]


def test_open_review_actions_earliest_due_first(org_a, project_a, project_b, make_incident, make_review_action):
    mine = make_incident(project_a, sh(2026, 3, 2, 9, 0), grade="urgent", status=Incident.Status.REVIEWED)
    theirs = make_incident(project_b, sh(2026, 3, 2, 9, 0), grade="urgent", status=Incident.Status.REVIEWED)
    later = make_review_action(mine, D(2026, 4, 20))
    sooner = make_review_action(mine, D(2026, 4, 15))
    make_review_action(mine, D(2026, 4, 1), done_at=sh(2026, 4, 2, 9, 0))  # done: left out
    other = make_review_action(theirs, D(2026, 4, 18))
    of_a = selectors.open_review_actions(ReportFilter(start=MARCH.start, end=MARCH.end, organisation_id=org_a.pk))
    assert list(of_a) == [sooner, later]
    assert list(selectors.open_review_actions(MARCH)) == [sooner, other, later]
