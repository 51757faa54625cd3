"""The SLA roll-up (reports/rollup.py, reports/rollup_read.py) on PostgreSQL: what the dashboard
reads from it equals the live SQL (``selectors.attainment_live``) on random filters and groups:
counts and means exactly, 90th percentiles within the documented bucket error; before and after
the refresh, after bulk UPDATEs and bulk_create that no ``save()`` sees, and in another zone."""

import datetime
import math
import random
from collections import defaultdict

import pytest
from django.core.management import call_command
from django.db import connection

from reports import rollup, rollup_read, selectors
from reports.filters import ReportFilter
from reports.models import SLAFact, SLAFactChange, SLARollup
from reports.tasks import refresh_sla_rollup
from tests.accounts.factories import UserFactory
from tests.customers.factories import ProjectFactory
from tests.tickets.helpers import sh
from tickets.models import Metric, SLAClock, Ticket

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the roll-up is PostgreSQL's (SQLite reads the tickets)"
)

D = datetime.date
NOW = sh(2025, 6, 20, 12, 0)
FIRST, LAST = D(2025, 2, 1), D(2025, 6, 19)  # the days tickets are received on
GROUPS = [None, *selectors.GROUPS]
BUCKET_ERROR = 2 ** (1 / rollup.STEPS_PER_OCTAVE) - 1  # a bucket's width over its low bound: 19 %


@pytest.fixture
def desk(org_a, org_b, project_a, project_b, make_ticket, clock_calendar):
    """About 240 tickets from February to mid-June 2025 over three projects, four priorities and
    three engineers (and nobody), each with a first-response and a resolution clock (some with an
    on-site arrival too) of every outcome: met, stopped late, marked breached and stopped or
    running, running in time or past due, paused; working and wall times from seconds to weeks."""
    rng = random.Random(21)
    project_a2 = ProjectFactory(organisation=org_a, name="Project A2", code="prj-a2")
    projects = [project_a, project_a2, project_b]
    engineers = [UserFactory(username=f"roll-{n}", first_name="Eng", last_name=str(n)) for n in range(3)]
    tickets = []
    day_count = (LAST - FIRST).days + 1
    for _n in range(240):
        day = FIRST + datetime.timedelta(days=rng.randrange(day_count))
        received = sh(day.year, day.month, day.day, rng.randrange(24), rng.randrange(60))
        tickets.append(
            make_ticket(
                rng.choice(projects),
                received,
                priority=rng.choice(["urgent", "high", "normal", "low"]),
                assignee=rng.choice([*engineers, None]),
            )
        )
    clocks = []
    for ticket in tickets:
        metrics = [Metric.FIRST_RESPONSE, Metric.RESOLUTION] + ([Metric.ONSITE_ARRIVAL] if rng.random() < 0.3 else [])
        for metric in metrics:
            clocks.append(_clock(rng, ticket, metric, clock_calendar))
    SLAClock.objects.bulk_create(clocks)
    return {"rng": rng, "tickets": tickets, "projects": projects, "engineers": engineers, "orgs": [org_a, org_b]}


def _clock(rng: random.Random, ticket: Ticket, metric: str, calendar) -> SLAClock:
    start = ticket.received_at
    target = datetime.timedelta(minutes=rng.choice([15, 60, 240, 1440]))
    due = start + target
    wall = datetime.timedelta(seconds=math.exp(rng.uniform(math.log(5), math.log(40 * 86400))))
    clock = SLAClock(ticket=ticket, metric=metric, target_minutes=1, calendar=calendar, started_at=start, due_at=due)
    outcome = rng.random()
    if outcome < 0.75 and start + wall < NOW:  # stopped, in time or late, a few marked breached
        clock.stopped_at = start + wall
        clock.working_seconds = round(wall.total_seconds() * rng.uniform(0.3, 1.0))
        if clock.stopped_at > due and rng.random() < 0.5:
            clock.breached_at = due
    elif outcome < 0.85:  # running, marked breached once past due
        clock.breached_at = due if due < NOW and rng.random() < 0.7 else None
    elif outcome < 0.92:  # paused
        clock.paused_at = min(NOW, start + wall / 2)
    return clock


def _random_filter(rng: random.Random, desk: dict) -> ReportFilter:
    start = FIRST + datetime.timedelta(days=rng.randrange(-20, 60))
    end = start + datetime.timedelta(days=rng.randrange(0, 150))
    if rng.random() < 0.3:  # whole months
        start, end = start.replace(day=1), (end.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
        end -= datetime.timedelta(days=1)
    organisation = project = None
    if rng.random() < 0.3:
        project = rng.choice(desk["projects"])
        organisation = project.organisation_id if rng.random() < 0.5 else None
        project = project.pk
    elif rng.random() < 0.3:
        organisation = rng.choice(desk["orgs"]).pk
    priority = rng.choice(["", "", "urgent", "normal"])
    return ReportFilter(start=start, end=end, organisation_id=organisation, project_id=project, priority=priority)


def _values(report: ReportFilter, group_by: str | None) -> dict:
    """(group, metric) -> the sorted working and wall seconds of the stopped clocks, by hand."""
    found = defaultdict(lambda: ([], []))
    for clock in selectors.clocks(report).filter(stopped_at__isnull=False).select_related("ticket"):
        ticket = clock.ticket
        key = {
            None: None,
            "priority": ticket.priority,
            "organisation": ticket.organisation_id,
            "project": ticket.project_id,
            "engineer": ticket.assignee_id,
            "month": rollup_month(ticket.received_at),
        }[group_by]
        working, wall = found[(key, clock.metric)]
        if clock.working_seconds is not None:
            working.append(clock.working_seconds)
        wall.append((clock.stopped_at - clock.started_at).total_seconds())
    return {key: (sorted(working), sorted(wall)) for key, (working, wall) in found.items()}


def rollup_month(moment: datetime.datetime) -> datetime.date:
    from core.time import desk_date

    return desk_date(moment).replace(day=1)


def _within_a_bucket(estimate: int | None, exact: int | None, values: list[float]) -> bool:
    """The documented error: at most a bucket's width (19 %) of the larger of the two values
    ``percentile_cont`` interpolates between, or 60 s below a minute; plus a second of rounding."""
    if exact is None or estimate is None:
        return estimate == exact
    rank = (len(values) - 1) * 0.9
    larger = values[math.ceil(rank)]
    return abs(estimate - exact) <= BUCKET_ERROR * larger + rollup.FIRST_BOUND + 1


def assert_equal_to_live(report: ReportFilter, group_by: str | None) -> None:
    rolled = selectors.attainment(report, group_by, now=NOW)
    live = selectors.attainment_live(report, group_by, now=NOW)
    exact_fields = ("group", "metric", "clocks", "met", "breached", "pending", "attainment", "label")
    assert [{name: row[name] for name in exact_fields} for row in rolled] == [
        {name: row[name] for name in exact_fields} for row in live
    ], (report, group_by)
    values = _values(report, group_by)
    for mine, theirs in zip(rolled, live, strict=True):
        for name in ("mean_working_seconds", "mean_wall_seconds"):
            # the same mean: the roll-up sums in double precision, so a mean may round the other way
            assert mine[name] == theirs[name] or abs(mine[name] - theirs[name]) <= 1, (report, group_by, name)
        working, wall = values.get((mine["group"], mine["metric"]), ([], []))
        assert _within_a_bucket(mine["p90_working_seconds"], theirs["p90_working_seconds"], working), (report, mine)
        assert _within_a_bucket(mine["p90_wall_seconds"], theirs["p90_wall_seconds"], wall), (report, mine)


def _compare_random(desk: dict, filters: int) -> None:
    rng = desk["rng"]
    full = ReportFilter(start=FIRST, end=LAST)
    for group_by in GROUPS:
        assert_equal_to_live(full, group_by)
    for _n in range(filters):
        assert_equal_to_live(_random_filter(rng, desk), rng.choice(GROUPS))
    assert list(rollup_read.tickets_per_month(full)) == [
        {"month": row["month"], "count": row["count"]} for row in selectors.tickets_per_month_live(full)
    ]


def _facts() -> int:
    return SLAFact.objects.count()


def test_the_rollup_equals_the_live_sql_on_random_filters(desk):
    # nothing refreshed yet: every day with tickets is named by a change row, read live
    assert SLAFactChange.objects.exists() and not _facts()
    _compare_random(desk, 12)
    # refreshed: the facts hold every decided clock; only the undecided ones are read live
    assert rollup.rollup_refresh() > 0
    assert not SLAFactChange.objects.exists() and _facts()
    _compare_random(desk, 25)


def test_bulk_updates_and_bulk_creates_are_seen_and_refreshed(desk, make_ticket, clock_calendar):
    rng = desk["rng"]
    rollup.rollup_rebuild()
    assert not SLAFactChange.objects.exists()
    # set-based, as the deadline pass marks breaches: no save(), no signal
    running = SLAClock.objects.filter(stopped_at__isnull=True, breached_at__isnull=True, due_at__lt=NOW)
    assert SLAClock.objects.filter(pk__in=running.values("pk")).update(breached_at=NOW) > 0
    stopping = list(SLAClock.objects.filter(stopped_at__isnull=True).values_list("pk", flat=True)[:15])
    SLAClock.objects.filter(pk__in=stopping).update(stopped_at=NOW, working_seconds=4000)
    # a reassignment and a new priority change the keys of clocks decided long ago
    Ticket.objects.filter(pk__in=[ticket.pk for ticket in desk["tickets"][:20]]).update(
        assignee=desk["engineers"][0], priority="low"
    )
    # bulk_create of tickets and decided clocks, and a deleted ticket
    late = [make_ticket(desk["projects"][0], sh(2025, 3, 3, 10, 0)) for _n in range(3)]
    SLAClock.objects.bulk_create(_clock(rng, ticket, Metric.RESOLUTION, clock_calendar) for ticket in late)
    doomed = desk["tickets"][-1]
    SLAClock.objects.filter(ticket=doomed).delete()
    doomed.delete()
    assert SLAFactChange.objects.exists()
    _compare_random(desk, 10)  # the changed days read live, the others from the facts
    assert refresh_sla_rollup() > 0  # the beat task
    assert not SLAFactChange.objects.exists()
    _compare_random(desk, 10)
    # a save() that changes nothing the roll-up holds leaves no change row
    ticket = Ticket.objects.get(pk=desk["tickets"][0].pk)
    ticket.title = "Another title"
    ticket.save()
    assert not SLAFactChange.objects.exists()


def test_the_page_runs_one_attainment_query(desk, django_assert_num_queries):
    rollup.rollup_rebuild()
    report = ReportFilter(start=FIRST, end=LAST)
    for group_by in GROUPS:
        with django_assert_num_queries(1):
            overall, grouped = selectors.attainment_sets(report, group_by, now=NOW)
        assert overall == selectors.attainment(report, now=NOW)
        assert grouped == (selectors.attainment(report, group_by, now=NOW) if group_by else [])


def test_a_rollup_in_another_zone_is_not_read(desk, settings):
    rollup.rollup_rebuild()
    settings.TIME_ZONE = "Europe/London"  # the desk moved: its days and months are others
    _compare_random(desk, 6)
    assert rollup.rollup_refresh() == 0  # left alone until rebuilt
    call_command("rebuild_sla_rollup")
    assert SLARollup.objects.get().zone == "Europe/London"
    _compare_random(desk, 6)


def test_the_rebuild_command_writes_the_facts_and_the_state(desk, capsys):
    call_command("rebuild_sla_rollup")
    assert "SLA roll-up rebuilt" in capsys.readouterr().out
    state = SLARollup.objects.get()
    assert state.built_at and state.refreshed_at
    assert not SLAFactChange.objects.exists()
    # month rows are the sums of their day rows, in every month grain
    for grain in ("m", "p", "e"):
        assert sum(SLAFact.objects.filter(grain=grain).values_list("met", flat=True)) == sum(
            SLAFact.objects.filter(grain="d").values_list("met", flat=True)
        )
    assert rollup.staleness()["oldest_change"] is None


def test_percentile_of_a_histogram():
    counts = [0] * len(rollup.W)
    for value in range(100, 1100, 100):
        counts[rollup.bucket_of(value)] += 1
    # percentile_cont of 100..1000 is 910: the histogram's lies within a bucket of 1000
    assert abs(rollup.percentile(counts, 0.9) - 910) <= BUCKET_ERROR * 1000
    assert rollup.percentile([0] * len(counts), 0.9) is None
    for seconds in (0, 59.9, 60, 61, 3600, 86400 * 30, 86400 * 400):
        low, high = rollup.bucket_bounds(rollup.bucket_of(seconds))
        assert low <= seconds < high or rollup.bucket_of(seconds) == rollup.LAST


def test_the_page_says_when_changes_wait_for_the_refresh(desk, client, manager):
    from django.urls import reverse
    from django.utils import timezone

    rollup.rollup_rebuild()
    client.force_login(manager)
    params = {"from": FIRST.isoformat(), "to": LAST.isoformat()}
    assert b"rollup-note" not in client.get(reverse("reports:dashboard"), params).content
    # a change beat has not folded in for ten minutes (no worker): said above the tiles
    SLAFactChange.objects.create(
        received_at=desk["tickets"][0].received_at, changed_at=timezone.now() - datetime.timedelta(minutes=10)
    )
    page = client.get(reverse("reports:dashboard"), params).content.decode()
    assert 'id="rollup-note"' in page and "SLA roll-up as of" in page
    rollup.rollup_refresh()
    assert b"rollup-note" not in client.get(reverse("reports:dashboard"), params).content
