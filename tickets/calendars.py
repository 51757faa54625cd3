"""The writes that change a business calendar: its hours, dated exceptions and holidays
imported from the ``holidays`` package. Its ``WorkSchedule`` is read by
``tickets.selectors.schedule_for``."""

import zoneinfo
from collections.abc import Iterable, Mapping
from typing import Any

import holidays as holidays_package
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tickets.models import BusinessCalendar, CalendarDay, WorkingHours


def _validate_timezone(name: str) -> None:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as error:
        raise ValidationError({"timezone": [_("Unknown time zone: %(name)s.") % {"name": name}]}) from error


def _validate_country(code: str) -> None:
    if code and code not in holidays_package.list_supported_countries():
        raise ValidationError({"country": [_("No holiday calendar for %(country)s.") % {"country": code}]})


def _validate_hours(hours: Iterable[Mapping[str, int]]) -> list[tuple[int, int, int]]:
    rows = sorted((h["weekday"], h["start_minute"], h["end_minute"]) for h in hours)
    if not rows:
        raise ValidationError({"hours": [_("A calendar needs at least one interval of working hours.")]})
    for (weekday, start, end), following in zip(rows, [*rows[1:], None], strict=True):
        if not 0 <= weekday <= 6:
            raise ValidationError({"hours": [_("A weekday is a number from 0 (Monday) to 6 (Sunday).")]})
        if not 0 <= start < end <= 1440:
            raise ValidationError({"hours": [_("Each interval must start before it ends, within 00:00-24:00.")]})
        if following is not None and following[0] == weekday and following[1] < end:
            raise ValidationError({"hours": [_("The intervals of one weekday must not overlap.")]})
    return rows


@transaction.atomic
def calendar_save(
    *,
    calendar: BusinessCalendar | None = None,
    name: str,
    timezone_name: str,
    hours: Iterable[Mapping[str, int]],
    days: Iterable[Mapping[str, Any]] = (),
    description: str = "",
    country: str = "",
) -> BusinessCalendar:
    """Create a calendar, or replace an existing one's name, zone, country, hours and dated days."""
    _validate_timezone(timezone_name)
    _validate_country(country)
    rows = _validate_hours(hours)
    days = list(days)
    dates = [day["date"] for day in days]
    if len(dates) != len(set(dates)):
        raise ValidationError({"days": [_("A date may appear only once.")]})
    calendar = calendar or BusinessCalendar()
    calendar.name, calendar.timezone, calendar.description = name, timezone_name, description
    calendar.country = country
    calendar.full_clean()
    calendar.save()  # also moves updated_at, which retires the cached schedule
    calendar.hours.all().delete()
    WorkingHours.objects.bulk_create(
        WorkingHours(calendar=calendar, weekday=weekday, start_minute=start, end_minute=end)
        for weekday, start, end in rows
    )
    calendar.days.all().delete()
    CalendarDay.objects.bulk_create(
        CalendarDay(calendar=calendar, date=day["date"], kind=day["kind"], name=day.get("name", "")) for day in days
    )
    return calendar


@transaction.atomic
def calendar_import_holidays(
    *, calendar: BusinessCalendar, country: str, year: int, language: str | None = None
) -> int:
    """Fill a year's public holidays and make-up working days from the ``holidays`` package.

    Days already on the calendar for that year are replaced; other years are kept. Returns
    the number of days written.
    """
    try:
        source = holidays_package.country_holidays(country, years=year, language=language)
    except NotImplementedError as error:
        raise ValidationError(
            {"country": [_("No holiday calendar for %(country)s.") % {"country": country}]}
        ) from error
    days = {day: ("holiday", name) for day, name in source.items()}
    for day in getattr(source, "weekend_workdays", set()):
        if day.year == year:
            days[day] = ("workday", _("Make-up working day"))
    CalendarDay.objects.filter(calendar=calendar, date__year=year).delete()
    CalendarDay.objects.bulk_create(
        CalendarDay(calendar=calendar, date=day, kind=kind, name=name[:120])
        for day, (kind, name) in sorted(days.items())
    )
    calendar.updated_at = timezone.now()
    calendar.save(update_fields=["updated_at"])
    return len(days)
