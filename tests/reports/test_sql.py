"""reports/sql.py on the database the suite runs on (PostgreSQL's percentile_cont, the SQLite
aggregate of reports/apps.py): the same numbers as Python's linear interpolation."""

import datetime
import statistics

import pytest
from django.db.models import F, Q

from reports.sql import Percentile, Seconds
from tests.tickets.helpers import sh
from tickets.models import Metric, SLAClock

pytestmark = pytest.mark.django_db

LISTS = {
    "ten": [3, 1, 4, 10, 5, 9, 2, 6, 8, 7],  # 1..10 shuffled
    "odd": [30, 10, 20],
    "even": [40, 10, 30, 20],
    "one": [7],
    "repeats": [5, 5, 5, 100],
}


def python_percentile(values: list[int], fraction: float) -> float | None:
    """Python's own answer: statistics' "inclusive" method is the same linear interpolation
    between closest ranks as percentile_cont (for one value, the value itself)."""
    if not values:
        return None
    if len(values) == 1:
        return float(values[0])
    if fraction == 0.5:
        return float(statistics.median(values))
    assert fraction == 0.9
    return statistics.quantiles(values, n=10, method="inclusive")[8]


@pytest.fixture
def lists(project_a, make_ticket, make_clock):
    """One resolution clock per value, its working seconds the value, on tickets titled after
    the list; each ticket also gets a first-response clock of 1,000,000 seconds (the filter
    must leave it out) and the "ten" list a resolution clock without a value (null)."""
    start = sh(2026, 3, 2, 9, 0)
    for name, values in LISTS.items():
        for value in values:
            ticket = make_ticket(project_a, start, title=name)
            make_clock(ticket, Metric.RESOLUTION, due_at=start, working_seconds=value)
            make_clock(ticket, Metric.FIRST_RESPONSE, due_at=start, working_seconds=1_000_000)
    make_clock(make_ticket(project_a, start, title="ten"), Metric.RESOLUTION, due_at=start, working_seconds=None)
    make_clock(make_ticket(project_a, start, title="empty"), Metric.RESOLUTION, due_at=start, working_seconds=None)


@pytest.mark.parametrize("name", [*LISTS, "empty"])
@pytest.mark.parametrize("fraction", [0.5, 0.9])
def test_percentile_is_python_linear_interpolation(lists, name, fraction):
    result = SLAClock.objects.filter(ticket__title=name).aggregate(
        value=Percentile("working_seconds", fraction=fraction, filter=Q(metric=Metric.RESOLUTION))
    )["value"]
    expected = python_percentile(LISTS.get(name, []), fraction)
    if expected is None:
        assert result is None
    else:
        assert result == pytest.approx(expected)


def test_percentile_by_hand(lists):
    """The numbers, worked out:
    ten, p90: position (10 - 1) x 0.9 = 8.1 -> 9 + 0.1 x (10 - 9) = 9.1
    odd, p90: sorted 10 20 30, position 2 x 0.9 = 1.8 -> 20 + 0.8 x 10 = 28
    even, p50: sorted 10 20 30 40, position 1.5 -> 20 + 0.5 x 10 = 25; p90: 2.7 -> 30 + 0.7 x 10 = 37
    repeats, p90: 5 5 5 100, position 2.7 -> 5 + 0.7 x 95 = 71.5
    one: 7 whatever the fraction; empty: None"""
    rows = {
        row["ticket__title"]: row
        for row in SLAClock.objects.filter(metric=Metric.RESOLUTION)
        .values("ticket__title")
        .annotate(
            p50=Percentile("working_seconds", fraction=0.5),
            p90=Percentile("working_seconds", fraction=0.9),
            low=Percentile("working_seconds", fraction=0),
            high=Percentile("working_seconds", fraction=1),
        )
        .order_by()
    }
    assert rows["ten"]["p90"] == pytest.approx(9.1)
    assert rows["odd"]["p90"] == pytest.approx(28)
    assert (rows["even"]["p50"], rows["even"]["p90"]) == (pytest.approx(25), pytest.approx(37))
    assert rows["repeats"]["p90"] == pytest.approx(71.5)
    assert (rows["one"]["p50"], rows["one"]["p90"]) == (7, 7)
    assert (rows["ten"]["low"], rows["ten"]["high"]) == (1, 10)  # the null is left out, not taken as 0
    assert rows["empty"]["p90"] is None


def test_the_filter_picks_the_rows_of_the_percentile(lists):
    # without the filter the ten first-response clocks of 1,000,000 join "ten": 20 values, the
    # top 10 of them 1,000,000, so p90 = 1,000,000; with metric=resolution it is 9.1 again
    ten = SLAClock.objects.filter(ticket__title="ten")
    assert ten.aggregate(value=Percentile("working_seconds", fraction=0.9))["value"] == 1_000_000
    only_resolution = Percentile("working_seconds", fraction=0.9, filter=Q(metric=Metric.RESOLUTION))
    assert ten.aggregate(value=only_resolution)["value"] == pytest.approx(9.1)
    only_response = Percentile("working_seconds", fraction=0.9, filter=Q(metric=Metric.FIRST_RESPONSE))
    assert SLAClock.objects.filter(ticket__title="empty").aggregate(value=only_response)["value"] is None


def test_a_fraction_outside_0_1_is_refused():
    with pytest.raises(ValueError):
        Percentile("working_seconds", fraction=90)


def test_seconds_between_two_instants(project_a, make_ticket, make_clock):
    # 2026-03-02 09:00 -> 2026-03-03 10:30:15 Shanghai: 24 h + 1 h 30 min 15 s
    # = 86,400 + 5,415 = 91,815 s; the other way round -91,815; not stopped: null
    ticket = make_ticket(project_a, sh(2026, 3, 2, 9, 0))
    make_clock(ticket, Metric.RESOLUTION, due_at=sh(2026, 3, 3, 9, 0), stopped_at=sh(2026, 3, 3, 10, 30, 15))
    make_clock(ticket, Metric.FIRST_RESPONSE, due_at=sh(2026, 3, 2, 10, 0))
    rows = dict(SLAClock.objects.annotate(wall=Seconds(F("stopped_at"), F("started_at"))).values_list("metric", "wall"))
    assert rows[Metric.RESOLUTION] == pytest.approx(91_815, abs=0.01)
    assert rows[Metric.FIRST_RESPONSE] is None
    back = SLAClock.objects.filter(metric=Metric.RESOLUTION).annotate(back=Seconds(F("started_at"), F("stopped_at")))
    assert back.get().back == pytest.approx(-91_815, abs=0.01)


def test_seconds_across_a_utc_day_and_the_percentile_of_them(project_a, make_ticket, make_clock):
    # the desk's 2026-03-31 23:30 is 15:30 UTC; stopped 2026-04-01 08:10 Shanghai (00:10 UTC):
    # 8 h 40 min = 31,200 s; a second clock of 600 s: p90 = 600 + 0.9 x (31,200 - 600) = 28,140
    first = make_ticket(project_a, sh(2026, 3, 31, 23, 30))
    make_clock(first, Metric.RESOLUTION, due_at=sh(2026, 4, 1, 12, 0), stopped_at=sh(2026, 4, 1, 8, 10))
    second = make_ticket(project_a, sh(2026, 3, 2, 9, 0))
    make_clock(second, Metric.RESOLUTION, due_at=sh(2026, 3, 2, 12, 0), stopped_at=sh(2026, 3, 2, 9, 10))
    result = SLAClock.objects.aggregate(
        p90=Percentile(Seconds(F("stopped_at"), F("started_at")), fraction=0.9),
        longest=Percentile(Seconds(F("stopped_at"), F("started_at")), fraction=1),
    )
    assert result["longest"] == pytest.approx(31_200, abs=0.01)
    assert result["p90"] == pytest.approx(28_140, abs=0.01)
    assert datetime.timedelta(seconds=round(result["longest"])) == datetime.timedelta(hours=8, minutes=40)
