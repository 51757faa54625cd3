"""Working-time arithmetic of a business calendar, as used by SLA clocks.

A :class:`WorkSchedule` says when work happens: weekly opening hours in wall-clock time of one time zone, public
holidays on which nobody works, and make-up working days (e.g. China's 调休上班日, a Saturday that is worked).
From it, this module answers three questions exactly (to the microsecond, with no float arithmetic):

* :meth:`WorkSchedule.add` -- when has a given amount of working time elapsed after an instant?
* :meth:`WorkSchedule.between` -- how much working time lies between two instants?
* :meth:`WorkSchedule.is_working` -- is an instant inside working time?

Semantics in brief:

* Each local date has a list of working intervals ``(start_minute, end_minute)`` where ``0 <= start < end <= 1440``;
  ``1440`` means 24:00, i.e. 00:00 of the next local date. A date in ``holidays`` has none; otherwise a date in
  ``workdays`` uses ``workday_hours``; otherwise the weekday's ``hours`` apply.
* Each local boundary is turned into a UTC instant with :mod:`zoneinfo` (fold=0), so an interval's real length
  follows the clock across daylight-saving changes: 00:00-24:00 on a spring-forward day in Europe/Berlin lasts
  23 hours, on a fall-back day 25 hours.
* Intervals are half-open for :meth:`~WorkSchedule.is_working` (start inclusive, end exclusive). Adjacent intervals
  (a day ending at 24:00 and the next starting at 00:00, or 09:00-12:00 followed by 12:00-18:00) simply chain.

The arithmetic obeys these laws for non-negative durations ``a``, ``b`` and any aware instants::

    add(add(t, a), b) == add(t, a + b)
    between(t, add(t, a)) == a
    between(x, y) + between(y, z) == between(x, z)
    a <= b  implies  add(t, a) <= add(t, b)

Everything is pure Python (no Django); nothing is cached between calls.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

__all__ = ["HORIZON_DAYS", "CalendarError", "WorkSchedule", "format_hhmm", "parse_hhmm"]

#: :meth:`WorkSchedule.add` gives up with :class:`CalendarError` when no answer is found within this many days.
HORIZON_DAYS = 3660

MINUTES_PER_DAY = 1440

_ONE_DAY = timedelta(days=1)
_ZERO = timedelta(0)
_HHMM = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")

Hours = tuple[tuple[int, int], ...]
Interval = tuple[datetime, datetime]


class CalendarError(ValueError):
    """The calendar cannot answer: it is malformed, has no working time at all, or none within the horizon."""


def parse_hhmm(text: str) -> int:
    """Parse ``"HH:MM"`` (two digits each, 00:00-23:59, or exactly ``"24:00"``) into minutes after midnight.

    >>> parse_hhmm("09:30")
    570
    >>> parse_hhmm("24:00")
    1440

    Anything else (``"9:5"``, ``"25:00"``, ``"24:01"``, ``""``...) raises :class:`ValueError`.
    """
    if not isinstance(text, str):
        raise ValueError(f"Invalid time {text!r}: expected a string in HH:MM format.")
    if text == "24:00":
        return MINUTES_PER_DAY
    match = _HHMM.fullmatch(text)
    if match is None:
        raise ValueError(f"Invalid time {text!r}: expected HH:MM between 00:00 and 24:00, e.g. '09:30'.")
    return int(match.group(1)) * 60 + int(match.group(2))


def format_hhmm(minutes: int) -> str:
    """Format minutes after midnight (0-1440) as ``"HH:MM"``; the inverse of :func:`parse_hhmm`.

    >>> format_hhmm(570)
    '09:30'
    >>> format_hhmm(1440)
    '24:00'
    """
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 0 <= minutes <= MINUTES_PER_DAY:
        raise ValueError(f"Invalid minute of day {minutes!r}: expected an integer from 0 to 1440.")
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _check_hours(hours: Hours, label: str) -> None:
    """Raise :class:`CalendarError` unless ``hours`` is sorted, non-overlapping and within 0..1440."""
    previous_end = 0
    for pair in hours:
        if len(pair) != 2 or not all(isinstance(m, int) and not isinstance(m, bool) for m in pair):
            raise CalendarError(f"{label}: expected (start_minute, end_minute) integer pairs, got {pair!r}.")
        start, end = pair
        if not 0 <= start < end <= MINUTES_PER_DAY:
            raise CalendarError(f"{label}: interval {pair!r} must satisfy 0 <= start < end <= 1440.")
        if start < previous_end:
            raise CalendarError(f"{label}: intervals must be sorted and must not overlap, got {hours!r}.")
        previous_end = end


def _as_utc(value: datetime, name: str) -> datetime:
    """Return the aware datetime ``value`` in UTC; naive datetimes raise :class:`ValueError`."""
    if not isinstance(value, datetime):
        raise ValueError(f"{name} must be a datetime, got {type(value).__name__}.")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got the naive datetime {value.isoformat()}.")
    return value.astimezone(UTC)


@dataclass(frozen=True)
class WorkSchedule:
    """A business calendar: weekly hours in ``zone``, holidays and make-up working days.

    ``hours`` maps a weekday (0=Monday .. 6=Sunday) to its sorted, non-overlapping ``(start_minute, end_minute)``
    intervals, ``0 <= start < end <= 1440``; a missing weekday has no working time. A date in ``holidays`` has no
    working time, whatever its weekday. A date in ``workdays`` is a make-up working day using ``workday_hours``, even
    on a weekend; when ``workday_hours`` is ``None`` it uses the hours of the first weekday, Monday first, that has
    any. A date in both sets is a holiday.
    """

    zone: ZoneInfo
    hours: dict[int, Hours]
    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()
    workday_hours: Hours | None = None

    def __post_init__(self) -> None:
        for weekday, day_hours in self.hours.items():
            if weekday not in range(7):
                raise CalendarError(f"Weekday keys must be 0 (Monday) to 6 (Sunday), got {weekday!r}.")
            _check_hours(day_hours, f"Hours of weekday {weekday}")
        if self.workday_hours is not None:
            _check_hours(self.workday_hours, "Make-up workday hours")
        for label, days in (("holidays", self.holidays), ("workdays", self.workdays)):
            if any(isinstance(d, datetime) or not isinstance(d, date) for d in days):
                raise CalendarError(f"{label} must contain dates (not datetimes).")

    # -- the calendar, one local date at a time ---------------------------------------------------------------------

    def _hours_on(self, day: date) -> Hours:
        """The wall-clock ``(start_minute, end_minute)`` intervals of the local date ``day``."""
        if day in self.holidays:
            return ()
        if day in self.workdays:
            return self._makeup_hours()
        return tuple(self.hours.get(day.weekday(), ()))

    def _makeup_hours(self) -> Hours:
        if self.workday_hours is not None:
            return self.workday_hours
        for weekday in range(7):
            if self.hours.get(weekday):
                return tuple(self.hours[weekday])
        return ()

    def _local_to_utc(self, day: date, minute: int) -> datetime:
        """Wall-clock ``minute`` (0..1440) of local ``day`` as a UTC instant (zoneinfo, fold=0)."""
        if minute == MINUTES_PER_DAY:
            day, minute = day + _ONE_DAY, 0
        hour, minute = divmod(minute, 60)
        return datetime(day.year, day.month, day.day, hour, minute, tzinfo=self.zone).astimezone(UTC)

    def day_intervals(self, day: date) -> list[Interval]:
        """The working intervals of the local date ``day`` as ``(start, end)`` aware UTC datetimes, in order.

        Each wall-clock boundary is converted with zoneinfo (fold=0), so lengths follow the clock across DST changes.
        Inside a DST gap that conversion is not monotonic (in Europe/Berlin, 02:30 on the spring-forward day maps
        later than 03:00), so intervals are clipped to the day's own span ``[00:00, 24:00]`` and to the end of the
        previous interval, and empty ones are dropped. Hence the intervals of consecutive dates never overlap and
        the whole calendar is one ordered sequence of disjoint intervals.
        """
        day_hours = self._hours_on(day)
        if not day_hours:
            return []
        floor = self._local_to_utc(day, 0)
        ceiling = max(floor, self._local_to_utc(day, MINUTES_PER_DAY))
        intervals: list[Interval] = []
        for start_minute, end_minute in day_hours:
            start = max(self._local_to_utc(day, start_minute), floor)
            end = min(self._local_to_utc(day, end_minute), ceiling)
            if start < end:
                intervals.append((start, end))
                floor = end
        return intervals

    def _walk(self, first_at: datetime, last_at: datetime | None = None) -> Iterator[Interval]:
        """Yield, in order, the working intervals of the local dates from ``first_at``'s to ``last_at``'s.

        One extra date is walked on either side, so that an instant in a DST gap straddling midnight (which belongs
        to the previous date's span) still meets its interval. Without ``last_at``, the walk ends
        :data:`HORIZON_DAYS` days after ``first_at``'s date. Leaving the representable date range raises
        :class:`CalendarError`.
        """
        try:
            day = self._local_date(first_at) - _ONE_DAY
            last = self._local_date(last_at) if last_at is not None else day + timedelta(days=HORIZON_DAYS)
            last += _ONE_DAY
            while day <= last:
                yield from self.day_intervals(day)
                day += _ONE_DAY
        except OverflowError as exc:
            raise CalendarError("Working time beyond the supported date range.") from exc

    def _local_date(self, at: datetime) -> date:
        return at.astimezone(self.zone).date()

    def _has_working_time_from(self, day: date) -> bool:
        """Cheap check that some working time may exist on or after ``day`` (exactness is left to the horizon)."""
        if any(self.hours.get(weekday) for weekday in range(7)):
            return True
        return bool(self._makeup_hours()) and any(d >= day and d not in self.holidays for d in self.workdays)

    # -- public arithmetic --------------------------------------------------------------------------------------------

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The instant (aware, UTC) at which ``duration`` of working time has elapsed after ``start``.

        ``start`` must be timezone-aware and may lie outside working time: the clock then starts at the next
        working interval. A zero duration returns ``start`` itself (in UTC). When the duration runs out exactly at
        the end of an interval, that end is returned, not the start of the next interval. Negative durations raise
        :class:`ValueError`; a calendar without working time, or one in which the duration does not run out within
        :data:`HORIZON_DAYS` days, raises :class:`CalendarError`.

        The walk goes day by day over :meth:`day_intervals` (never minute by minute), from the local date before
        ``start``'s to at most :data:`HORIZON_DAYS` days later.
        """
        start = _as_utc(start, "start")
        if not isinstance(duration, timedelta):
            raise ValueError(f"duration must be a timedelta, got {type(duration).__name__}.")
        if duration < _ZERO:
            raise ValueError(f"duration must not be negative, got {duration}.")
        if not duration:
            return start
        if not self._has_working_time_from(self._local_date(start) - _ONE_DAY):
            raise CalendarError("The calendar has no working time at all.")
        remaining = duration
        for interval_start, interval_end in self._walk(start):
            if interval_end <= start:
                continue
            interval_start = max(interval_start, start)
            available = interval_end - interval_start
            if remaining <= available:
                return interval_start + remaining
            remaining -= available
        raise CalendarError(f"Not enough working time within {HORIZON_DAYS} days after {start.isoformat()}.")

    def between(self, start: datetime, end: datetime) -> timedelta:
        """The working time within ``[start, end]``: the summed overlaps with the working intervals.

        Both instants must be timezone-aware. When ``end < start`` the result is ``-between(end, start)``, so
        ``between(x, y) + between(y, z) == between(x, z)`` for any order. The walk covers the local dates from
        ``start``'s to ``end``'s (plus one date either side, for DST gaps straddling midnight).
        """
        start = _as_utc(start, "start")
        end = _as_utc(end, "end")
        if end < start:
            return -self.between(end, start)
        total = _ZERO
        for interval_start, interval_end in self._walk(start, end):
            overlap = min(interval_end, end) - max(interval_start, start)
            if overlap > _ZERO:
                total += overlap
        return total

    def is_working(self, at: datetime) -> bool:
        """Whether the aware instant ``at`` lies inside a working interval (start inclusive, end exclusive)."""
        at = _as_utc(at, "at")
        return any(s <= at < e for s, e in self._walk(at, at))
