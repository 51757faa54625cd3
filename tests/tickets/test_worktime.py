"""Tests of tickets.worktime: hand-worked examples, the arithmetic laws (hypothesis) and a walk-granularity check."""

from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tickets.worktime import HORIZON_DAYS, CalendarError, WorkSchedule, format_hhmm, parse_hhmm

SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")

BUSINESS = ((9 * 60, 12 * 60), (13 * 60, 18 * 60))  # 09:00-12:00, 13:00-18:00
ALL_DAY = ((0, 1440),)


def days(first: date, last: date) -> frozenset[date]:
    return frozenset(first + timedelta(days=n) for n in range((last - first).days + 1))


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


def minutes(n: int) -> timedelta:
    return timedelta(minutes=n)


# A test calendar modelled on China 2026: Spring Festival and Golden Week off, Saturdays 02-14 and 10-10 worked.
CHINA = WorkSchedule(
    zone=SHANGHAI,
    hours=dict.fromkeys(range(5), BUSINESS),
    holidays=days(date(2026, 2, 15), date(2026, 2, 23)) | days(date(2026, 10, 1), date(2026, 10, 7)),
    workdays=frozenset({date(2026, 2, 14), date(2026, 10, 10)}),
)
PLAIN = WorkSchedule(zone=SHANGHAI, hours=dict.fromkeys(range(5), BUSINESS))
ALWAYS_SH = WorkSchedule(zone=SHANGHAI, hours=dict.fromkeys(range(7), ALL_DAY))
ALWAYS_BERLIN = WorkSchedule(zone=BERLIN, hours=dict.fromkeys(range(7), ALL_DAY))
DAILY_BERLIN = WorkSchedule(zone=BERLIN, hours=dict.fromkeys(range(7), ((540, 1080),)))
WEEKDAYS_BERLIN = WorkSchedule(zone=BERLIN, hours=dict.fromkeys(range(5), ((540, 1080),)))
EVENINGS = WorkSchedule(zone=SHANGHAI, hours=dict.fromkeys(range(5), ((18 * 60, 1440),)))
NIGHT_SHIFT = WorkSchedule(zone=SHANGHAI, hours={0: ((20 * 60, 1440),), 1: ((0, 6 * 60),)})


# -- hand-worked examples of add() -------------------------------------------------------------------------------------

ADD_EXAMPLES = [
    pytest.param(CHINA, sh(2026, 2, 13, 17), minutes(240), sh(2026, 2, 14, 12), id="friday-to-makeup-saturday-noon"),
    pytest.param(CHINA, sh(2026, 2, 14, 17), hours(2), sh(2026, 2, 24, 10), id="makeup-saturday-over-spring-festival"),
    pytest.param(PLAIN, sh(2026, 3, 2, 11), hours(2), sh(2026, 3, 2, 14), id="lunch-break-crossing"),
    pytest.param(PLAIN, sh(2026, 3, 2, 12, 30), minutes(30), sh(2026, 3, 2, 13, 30), id="start-inside-lunch"),
    pytest.param(PLAIN, sh(2026, 3, 2, 7), hours(1), sh(2026, 3, 2, 10), id="start-before-opening"),
    pytest.param(PLAIN, sh(2026, 3, 2, 19), hours(1), sh(2026, 3, 3, 10), id="start-after-closing"),
    pytest.param(PLAIN, sh(2026, 3, 6, 17, 30), hours(1), sh(2026, 3, 9, 9, 30), id="weekend-skip"),
    pytest.param(PLAIN, sh(2026, 3, 7, 10), hours(1), sh(2026, 3, 9, 10), id="start-on-saturday"),
    pytest.param(PLAIN, sh(2026, 3, 2, 17), hours(1), sh(2026, 3, 2, 18), id="ends-exactly-at-closing"),
    pytest.param(PLAIN, sh(2026, 3, 2, 11), hours(1), sh(2026, 3, 2, 12), id="ends-exactly-at-lunch"),
    pytest.param(PLAIN, sh(2026, 3, 2, 9), hours(8), sh(2026, 3, 2, 18), id="one-full-day"),
    pytest.param(
        PLAIN,
        sh(2026, 3, 2, 11, 59, 59, 999_999),
        timedelta(microseconds=2),
        sh(2026, 3, 2, 13, 0, 0, 1),
        id="microseconds-over-lunch",
    ),
    pytest.param(CHINA, sh(2026, 9, 30, 17), hours(2), sh(2026, 10, 8, 10), id="golden-week-skipped"),
    pytest.param(CHINA, sh(2026, 10, 9, 17), hours(2), sh(2026, 10, 10, 10), id="golden-week-makeup-saturday"),
    pytest.param(CHINA, sh(2026, 10, 10, 17), hours(2), sh(2026, 10, 12, 10), id="makeup-saturday-to-monday"),
    # 13 weeks of 5 x 8 h: ends at the end of Friday 2026-05-29, and one microsecond more spills to Monday.
    pytest.param(PLAIN, sh(2026, 3, 2, 9), hours(520), sh(2026, 5, 29, 18), id="several-months"),
    pytest.param(
        PLAIN,
        sh(2026, 3, 2, 9),
        hours(520) + timedelta(microseconds=1),
        sh(2026, 6, 1, 9, 0, 0, 1),
        id="several-months-plus-one-microsecond",
    ),
    pytest.param(ALWAYS_SH, sh(2026, 3, 2, 10), hours(50), sh(2026, 3, 4, 12), id="24x7"),
    pytest.param(EVENINGS, sh(2026, 3, 2, 23), hours(2), sh(2026, 3, 3, 19), id="24:00-end"),
    pytest.param(EVENINGS, sh(2026, 3, 6, 23, 30), hours(1), sh(2026, 3, 9, 18, 30), id="24:00-end-over-weekend"),
    pytest.param(NIGHT_SHIFT, sh(2026, 3, 2, 23), hours(2), sh(2026, 3, 3, 1), id="24:00-chains-into-00:00"),
    pytest.param(NIGHT_SHIFT, sh(2026, 3, 2, 20), hours(4), sh(2026, 3, 3, 0), id="ends-at-24:00"),
    pytest.param(NIGHT_SHIFT, sh(2026, 3, 2, 20), hours(10), sh(2026, 3, 3, 6), id="whole-shift-ends-tuesday"),
]


@pytest.mark.parametrize(("schedule", "start", "duration", "expected"), ADD_EXAMPLES)
def test_add_examples(schedule: WorkSchedule, start: datetime, duration: timedelta, expected: datetime) -> None:
    result = schedule.add(start, duration)
    assert result == expected
    assert result.tzinfo is UTC
    assert schedule.between(start, result) == duration


def test_add_returns_utc_even_for_utc_input() -> None:
    start = datetime(2026, 3, 2, 1, tzinfo=UTC)  # 09:00 in Shanghai
    assert PLAIN.add(start, hours(1)) == datetime(2026, 3, 2, 2, tzinfo=UTC)


def test_zero_duration_returns_the_start_even_outside_working_time() -> None:
    saturday_night = sh(2026, 3, 7, 3)
    result = PLAIN.add(saturday_night, timedelta(0))
    assert result == saturday_night
    assert result.tzinfo is UTC
    assert result == datetime(2026, 3, 6, 19, tzinfo=UTC)


def test_holiday_wins_over_makeup_workday() -> None:
    saturday = date(2026, 3, 7)
    schedule = WorkSchedule(
        zone=SHANGHAI,
        hours=dict.fromkeys(range(5), BUSINESS),
        holidays=frozenset({saturday}),
        workdays=frozenset({saturday}),
    )
    assert schedule.day_intervals(saturday) == []
    assert schedule.add(sh(2026, 3, 6, 17), hours(2)) == sh(2026, 3, 9, 10)


def test_makeup_workday_uses_workday_hours_when_given() -> None:
    schedule = WorkSchedule(
        zone=SHANGHAI,
        hours=dict.fromkeys(range(5), BUSINESS),
        workdays=frozenset({date(2026, 3, 7)}),
        workday_hours=((10 * 60, 11 * 60),),
    )
    assert schedule.day_intervals(date(2026, 3, 7)) == [(sh(2026, 3, 7, 10), sh(2026, 3, 7, 11))]
    assert schedule.add(sh(2026, 3, 6, 17), hours(2)) == sh(2026, 3, 7, 11)
    assert schedule.add(sh(2026, 3, 6, 17), hours(3)) == sh(2026, 3, 9, 10)


def test_makeup_workday_defaults_to_first_weekday_with_hours() -> None:
    schedule = WorkSchedule(
        zone=SHANGHAI,
        hours={2: ((10 * 60, 11 * 60),), 4: ((14 * 60, 16 * 60),)},  # Wednesday first, then Friday
        workdays=frozenset({date(2026, 3, 8)}),  # a Sunday
    )
    assert schedule.day_intervals(date(2026, 3, 8)) == [(sh(2026, 3, 8, 10), sh(2026, 3, 8, 11))]


def test_day_intervals_are_utc_and_ordered() -> None:
    intervals = CHINA.day_intervals(date(2026, 2, 14))
    assert intervals == [(sh(2026, 2, 14, 9), sh(2026, 2, 14, 12)), (sh(2026, 2, 14, 13), sh(2026, 2, 14, 18))]
    assert all(start.tzinfo is UTC and end.tzinfo is UTC for start, end in intervals)
    assert CHINA.day_intervals(date(2026, 10, 1)) == []
    assert CHINA.day_intervals(date(2026, 3, 7)) == []


def test_24_00_end_chains_with_next_day_midnight() -> None:
    monday, tuesday = NIGHT_SHIFT.day_intervals(date(2026, 3, 2)), NIGHT_SHIFT.day_intervals(date(2026, 3, 3))
    assert monday == [(sh(2026, 3, 2, 20), sh(2026, 3, 3, 0))]
    assert monday[-1][1] == tuesday[0][0]
    assert NIGHT_SHIFT.is_working(sh(2026, 3, 3, 0))
    assert NIGHT_SHIFT.between(sh(2026, 3, 2, 22), sh(2026, 3, 3, 2)) == hours(4)


def test_is_working_start_inclusive_end_exclusive() -> None:
    assert PLAIN.is_working(sh(2026, 3, 2, 9))
    assert PLAIN.is_working(sh(2026, 3, 2, 11, 59, 59, 999_999))
    assert not PLAIN.is_working(sh(2026, 3, 2, 12))
    assert not PLAIN.is_working(sh(2026, 3, 2, 8, 59, 59, 999_999))
    assert not PLAIN.is_working(sh(2026, 3, 2, 18))
    assert not PLAIN.is_working(sh(2026, 3, 7, 10))  # Saturday
    assert CHINA.is_working(sh(2026, 10, 10, 10))  # make-up Saturday
    assert not CHINA.is_working(sh(2026, 10, 1, 10))  # National Day
    assert PLAIN.is_working(datetime(2026, 3, 2, 1, tzinfo=UTC))  # 09:00 Shanghai given in UTC


# -- between() ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("schedule", "start", "end", "expected"),
    [
        pytest.param(CHINA, sh(2026, 9, 30, 9), sh(2026, 10, 8, 18), hours(16), id="across-golden-week"),
        pytest.param(CHINA, sh(2026, 10, 9, 9), sh(2026, 10, 12, 9), hours(16), id="includes-makeup-saturday"),
        pytest.param(CHINA, sh(2026, 2, 13, 9), sh(2026, 2, 24, 18), hours(24), id="across-spring-festival"),
        pytest.param(PLAIN, sh(2026, 3, 2, 12, 15), sh(2026, 3, 2, 12, 45), timedelta(0), id="inside-lunch"),
        pytest.param(PLAIN, sh(2026, 3, 2, 11, 30), sh(2026, 3, 2, 13, 30), hours(1), id="around-lunch"),
        pytest.param(PLAIN, sh(2026, 3, 6, 17), sh(2026, 3, 9, 10), hours(2), id="over-weekend"),
        pytest.param(PLAIN, sh(2026, 3, 2, 18), sh(2026, 3, 2, 9), -hours(8), id="negative-when-end-before-start"),
        pytest.param(PLAIN, sh(2026, 3, 2, 10), sh(2026, 3, 2, 10), timedelta(0), id="empty"),
        pytest.param(ALWAYS_SH, sh(2026, 1, 1), sh(2027, 1, 1), hours(365 * 24), id="24x7-year"),
    ],
)
def test_between_examples(schedule: WorkSchedule, start: datetime, end: datetime, expected: timedelta) -> None:
    assert schedule.between(start, end) == expected
    assert schedule.between(end, start) == -expected


# -- daylight saving time in Europe/Berlin (2026-03-29 spring forward, 2026-10-25 fall back) ---------------------------


def test_dst_24x7_day_lengths_follow_the_clock() -> None:
    ((start, end),) = ALWAYS_BERLIN.day_intervals(date(2026, 3, 29))
    assert end - start == hours(23)
    ((start, end),) = ALWAYS_BERLIN.day_intervals(date(2026, 10, 25))
    assert end - start == hours(25)
    assert ALWAYS_BERLIN.between(berlin(2026, 3, 29), berlin(2026, 3, 30)) == hours(23)
    assert ALWAYS_BERLIN.between(berlin(2026, 10, 25), berlin(2026, 10, 26)) == hours(25)
    assert ALWAYS_BERLIN.between(berlin(2026, 3, 1), berlin(2026, 4, 1)) == hours(31 * 24 - 1)


def test_dst_24x7_add_counts_real_time() -> None:
    spring = ALWAYS_BERLIN.add(berlin(2026, 3, 28, 12), hours(24))
    assert spring == berlin(2026, 3, 29, 13)  # 12:00 CET + 24 h = 13:00 CEST
    assert spring == datetime(2026, 3, 29, 11, tzinfo=UTC)
    autumn = ALWAYS_BERLIN.add(berlin(2026, 10, 24, 12), hours(24))
    assert autumn == berlin(2026, 10, 25, 11)  # 12:00 CEST + 24 h = 11:00 CET
    assert autumn == datetime(2026, 10, 25, 10, tzinfo=UTC)


def test_dst_business_hours_keep_their_wall_clock_length() -> None:
    for day in (date(2026, 3, 28), date(2026, 3, 29), date(2026, 10, 24), date(2026, 10, 25)):
        ((start, end),) = DAILY_BERLIN.day_intervals(day)
        assert end - start == hours(9)
    assert DAILY_BERLIN.between(berlin(2026, 3, 28, 12), berlin(2026, 3, 29, 12)) == hours(9)
    assert DAILY_BERLIN.add(berlin(2026, 3, 28, 17), hours(2)) == datetime(2026, 3, 29, 8, tzinfo=UTC)  # 10:00 CEST
    assert DAILY_BERLIN.between(berlin(2026, 10, 24, 12), berlin(2026, 10, 25, 12)) == hours(9)
    assert DAILY_BERLIN.add(berlin(2026, 10, 24, 17), hours(2)) == datetime(2026, 10, 25, 9, tzinfo=UTC)  # 10:00 CET


def test_dst_weekday_business_hours_across_the_weekend() -> None:
    result = WEEKDAYS_BERLIN.add(berlin(2026, 3, 27, 17), hours(2))  # Friday 17:00 CET
    assert result == berlin(2026, 3, 30, 10)  # Monday 10:00 CEST
    assert result == datetime(2026, 3, 30, 8, tzinfo=UTC)
    assert WEEKDAYS_BERLIN.between(berlin(2026, 3, 27, 9), berlin(2026, 3, 30, 18)) == hours(18)


def test_dst_gap_intervals_are_clipped_not_double_counted() -> None:
    # In the spring-forward gap 02:30 (fold=0) maps to 01:30 UTC but 03:00 to 01:00 UTC: the intervals would overlap.
    schedule = WorkSchedule(zone=BERLIN, hours=dict.fromkeys(range(7), ((60, 150), (180, 300))))
    intervals = schedule.day_intervals(date(2026, 3, 29))
    assert intervals == [
        (datetime(2026, 3, 29, 0, tzinfo=UTC), datetime(2026, 3, 29, 1, 30, tzinfo=UTC)),
        (datetime(2026, 3, 29, 1, 30, tzinfo=UTC), datetime(2026, 3, 29, 3, tzinfo=UTC)),
    ]
    assert schedule.between(berlin(2026, 3, 29), berlin(2026, 3, 30)) == hours(3)


# -- errors ------------------------------------------------------------------------------------------------------------


def test_calendar_without_hours_raises() -> None:
    empty = WorkSchedule(zone=SHANGHAI, hours={})
    with pytest.raises(CalendarError):
        empty.add(sh(2026, 3, 2, 9), hours(1))
    assert empty.add(sh(2026, 3, 2, 9), timedelta(0)) == sh(2026, 3, 2, 9)
    assert empty.between(sh(2026, 3, 2), sh(2026, 4, 2)) == timedelta(0)


def test_calendar_with_only_past_makeup_days_raises() -> None:
    schedule = WorkSchedule(zone=SHANGHAI, hours={}, workdays=frozenset({date(2026, 1, 3)}), workday_hours=BUSINESS)
    assert schedule.add(sh(2026, 1, 3, 9), hours(1)) == sh(2026, 1, 3, 10)
    with pytest.raises(CalendarError):
        schedule.add(sh(2026, 3, 2, 9), hours(1))


def test_horizon() -> None:
    start = sh(2026, 3, 2, 9)
    near, far = date(2026, 3, 2) + timedelta(days=3000), date(2026, 3, 2) + timedelta(days=HORIZON_DAYS + 5)
    reachable = WorkSchedule(zone=SHANGHAI, hours={}, workdays=frozenset({near}), workday_hours=BUSINESS)
    assert reachable.add(start, hours(1)) == sh(near.year, near.month, near.day, 10)
    unreachable = WorkSchedule(zone=SHANGHAI, hours={}, workdays=frozenset({far}), workday_hours=BUSINESS)
    with pytest.raises(CalendarError):
        unreachable.add(start, hours(1))
    with pytest.raises(CalendarError):
        ALWAYS_SH.add(start, timedelta(days=HORIZON_DAYS + 10))


def test_naive_datetimes_raise() -> None:
    naive, aware = datetime(2026, 3, 2, 9), sh(2026, 3, 2, 9)
    with pytest.raises(ValueError, match="timezone-aware"):
        PLAIN.add(naive, hours(1))
    with pytest.raises(ValueError, match="timezone-aware"):
        PLAIN.between(naive, aware)
    with pytest.raises(ValueError, match="timezone-aware"):
        PLAIN.between(aware, naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        PLAIN.is_working(naive)


def test_negative_duration_raises() -> None:
    with pytest.raises(ValueError, match="negative"):
        PLAIN.add(sh(2026, 3, 2, 9), -timedelta(microseconds=1))


@pytest.mark.parametrize(
    "bad_hours",
    [
        pytest.param({0: ((600, 540),)}, id="start-after-end"),
        pytest.param({0: ((540, 540),)}, id="empty-interval"),
        pytest.param({0: ((540, 1441),)}, id="past-24:00"),
        pytest.param({0: ((-1, 60),)}, id="negative-minute"),
        pytest.param({0: ((780, 1080), (540, 720))}, id="unsorted"),
        pytest.param({0: ((540, 800), (780, 1080))}, id="overlapping"),
        pytest.param({7: ((540, 1080),)}, id="weekday-7"),
    ],
)
def test_malformed_hours_raise(bad_hours: dict[int, tuple[tuple[int, int], ...]]) -> None:
    with pytest.raises(CalendarError):
        WorkSchedule(zone=SHANGHAI, hours=bad_hours)


# -- parse_hhmm / format_hhmm ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "minutes_"), [("00:00", 0), ("09:30", 570), ("23:59", 1439), ("24:00", 1440)])
def test_parse_and_format_hhmm(text: str, minutes_: int) -> None:
    assert parse_hhmm(text) == minutes_
    assert format_hhmm(minutes_) == text


@pytest.mark.parametrize(
    "text",
    ["25:00", "9:5", "24:01", "", "ab:cd", "9:30", "09:60", "0930", "09:30:00", " 09:30", "09:30\n", "２３:００"],
)
def test_parse_hhmm_rejects_bad_input(text: str) -> None:
    with pytest.raises(ValueError, match="HH:MM"):
        parse_hhmm(text)


@pytest.mark.parametrize("value", [-1, 1441, True])
def test_format_hhmm_rejects_bad_input(value: int) -> None:
    with pytest.raises(ValueError, match="0 to 1440"):
        format_hhmm(value)


def test_hhmm_round_trip() -> None:
    assert all(parse_hhmm(format_hhmm(m)) == m for m in range(1441))


# -- the laws, property-based ------------------------------------------------------------------------------------------

SCHEDULES = {
    "shanghai-business": WorkSchedule(
        zone=SHANGHAI,
        hours=dict.fromkeys(range(5), BUSINESS),
        holidays=frozenset({date(2025, 1, 1), date(2026, 1, 1), date(2027, 1, 1)})
        | days(date(2025, 10, 1), date(2025, 10, 8))
        | days(date(2026, 10, 1), date(2026, 10, 7))
        | days(date(2027, 2, 6), date(2027, 2, 12)),
        workdays=frozenset({date(2025, 9, 28), date(2025, 10, 11), date(2026, 2, 14), date(2026, 10, 10)}),
    ),
    "berlin-24x7": ALWAYS_BERLIN,
    "new-york-split": WorkSchedule(
        zone=NEW_YORK,
        hours={
            0: ((8 * 60, 12 * 60), (13 * 60, 17 * 60 + 30)),
            1: ((8 * 60, 12 * 60), (13 * 60, 17 * 60 + 30)),
            2: ((8 * 60, 12 * 60), (13 * 60, 17 * 60 + 30)),
            3: ((8 * 60, 12 * 60), (13 * 60, 17 * 60 + 30)),
            4: ((8 * 60, 12 * 60), (20 * 60, 1440)),
            5: ((0, 2 * 60), (10 * 60, 14 * 60)),
            6: ((60, 3 * 60 + 30),),  # straddles the 02:00 DST changes
        },
        holidays=frozenset({date(2025, 7, 4), date(2026, 7, 3), date(2026, 12, 25)}),
        workdays=frozenset({date(2026, 11, 28)}),
        workday_hours=((9 * 60, 13 * 60),),
    ),
    "berlin-dst-gap": WorkSchedule(zone=BERLIN, hours=dict.fromkeys(range(7), ((60, 150), (180, 300)))),
}

schedules = st.sampled_from(list(SCHEDULES.values()))
_zones = st.sampled_from([UTC, SHANGHAI, BERLIN, NEW_YORK])
_free_instants = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31, 23, 59, 59, 999_999), timezones=_zones
)
# Instants on a quarter-hour grid hit interval boundaries exactly, where off-by-one mistakes hide.
_grid_instants = st.builds(
    lambda quarter, zone: (datetime(2025, 1, 1, tzinfo=UTC) + timedelta(minutes=15 * quarter)).astimezone(zone),
    st.integers(0, 3 * 366 * 96),
    _zones,
)
instants = st.one_of(_free_instants, _grid_instants)
durations = st.one_of(
    st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=120)),
    st.integers(0, 120 * 96).map(lambda quarters: timedelta(minutes=15 * quarters)),
    st.just(timedelta(0)),
)


@settings(max_examples=200, deadline=None)
@given(schedule=schedules, t=instants, a=durations, b=durations)
def test_law_add_is_associative(schedule: WorkSchedule, t: datetime, a: timedelta, b: timedelta) -> None:
    assert schedule.add(schedule.add(t, a), b) == schedule.add(t, a + b)


@settings(max_examples=200, deadline=None)
@given(schedule=schedules, t=instants, a=durations)
def test_law_between_inverts_add(schedule: WorkSchedule, t: datetime, a: timedelta) -> None:
    end = schedule.add(t, a)
    assert end.tzinfo is UTC
    assert schedule.between(t, end) == a
    if a:
        # The clock was running just before the result: it is inside working time or at an interval's end.
        assert schedule.is_working(end - timedelta(microseconds=1))


@settings(max_examples=200, deadline=None)
@given(schedule=schedules, x=instants, y=instants, z=instants)
def test_law_between_is_additive(schedule: WorkSchedule, x: datetime, y: datetime, z: datetime) -> None:
    assert schedule.between(x, y) + schedule.between(y, z) == schedule.between(x, z)
    assert schedule.between(y, x) == -schedule.between(x, y)


@settings(max_examples=200, deadline=None)
@given(schedule=schedules, t=instants, a=durations, b=durations)
def test_law_add_is_monotonic(schedule: WorkSchedule, t: datetime, a: timedelta, b: timedelta) -> None:
    low, high = sorted((a, b))
    assert schedule.add(t, low) <= schedule.add(t, high)


@settings(max_examples=200, deadline=None)
@given(schedule=schedules, day=st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 12, 31)))
def test_intervals_are_disjoint_and_ordered_across_days(schedule: WorkSchedule, day: date) -> None:
    intervals = [iv for offset in range(3) for iv in schedule.day_intervals(day + timedelta(days=offset))]
    assert all(start < end for start, end in intervals)
    assert all(prev_end <= start for (_, prev_end), (start, _) in pairwise(intervals))


@pytest.mark.parametrize(
    "day",
    [date(2025, 3, 9), date(2025, 3, 30), date(2026, 3, 8), date(2026, 3, 29), date(2026, 10, 25), date(2026, 11, 1)],
)
@pytest.mark.parametrize("name", list(SCHEDULES))
def test_dst_days_are_disjoint_too(name: str, day: date) -> None:
    schedule = SCHEDULES[name]
    intervals = [iv for offset in (-1, 0, 1) for iv in schedule.day_intervals(day + timedelta(days=offset))]
    assert all(start < end for start, end in intervals)
    assert all(prev_end <= start for (_, prev_end), (start, _) in pairwise(intervals))


# -- walk granularity (no wall-clock assertions) -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("schedule", "start", "duration"),
    [
        pytest.param(PLAIN, date(2026, 3, 2), hours(8 * 128), id="180-days-of-business-hours"),
        pytest.param(CHINA, date(2026, 7, 1), hours(8 * 124), id="180-days-over-golden-week"),
        pytest.param(ALWAYS_BERLIN, date(2026, 3, 2), timedelta(days=180), id="180-days-24x7-over-dst"),
    ],
)
def test_add_walks_day_by_day(
    monkeypatch: pytest.MonkeyPatch, schedule: WorkSchedule, start: date, duration: timedelta
) -> None:
    calls = 0
    original = WorkSchedule.day_intervals

    def counting(self: WorkSchedule, day: date) -> list[tuple[datetime, datetime]]:
        nonlocal calls
        calls += 1
        return original(self, day)

    monkeypatch.setattr(WorkSchedule, "day_intervals", counting)
    begin = datetime(start.year, start.month, start.day, 9, tzinfo=schedule.zone)
    result = schedule.add(begin, duration)
    spanned = (result.astimezone(schedule.zone).date() - start).days
    assert spanned >= 175  # the duration really covers about half a year of calendar days
    assert calls <= spanned + 3

    calls = 0
    assert schedule.between(begin, result) == duration
    assert calls <= spanned + 3
