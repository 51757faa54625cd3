import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from tickets.calendars import calendar_save
from tickets.models import BusinessCalendar, CalendarDay
from tickets.selectors import schedule_for

pytestmark = pytest.mark.django_db

HOURS = [{"weekday": d, "start_minute": 540, "end_minute": 1080} for d in range(5)]


def test_import_holidays_fills_holidays_and_make_up_days(capsys):
    calendar_save(name="Business", timezone_name="Asia/Shanghai", hours=HOURS)
    call_command("import_holidays", "CN", "2026", "--calendar", "Business")
    days = {day.date: day.kind for day in CalendarDay.objects.all()}
    assert days[datetime.date(2026, 10, 1)] == "holiday"
    assert days[datetime.date(2026, 2, 17)] == "holiday"
    assert days[datetime.date(2026, 2, 14)] == "workday"  # Saturday worked for the Spring Festival
    assert days[datetime.date(2026, 10, 10)] == "workday"
    assert "written to Business" in capsys.readouterr().out
    # the schedule sees them: a make-up Saturday has hours, National Day none
    schedule = schedule_for(BusinessCalendar.objects.get(name="Business"))
    assert schedule.day_intervals(datetime.date(2026, 2, 14))
    assert schedule.day_intervals(datetime.date(2026, 10, 1)) == []


def test_import_holidays_again_replaces_that_year_only():
    calendar = calendar_save(
        name="Business",
        timezone_name="Asia/Shanghai",
        hours=HOURS,
        days=[{"date": datetime.date(2025, 12, 31), "kind": "holiday", "name": "company day"}],
    )
    call_command("import_holidays", "CN", "2026", "--calendar", "Business")
    count = CalendarDay.objects.count()
    call_command("import_holidays", "CN", "2026", "--calendar", "Business")
    assert CalendarDay.objects.count() == count
    assert calendar.days.filter(date=datetime.date(2025, 12, 31)).exists()


def test_import_holidays_refuses_unknown_countries_and_calendars():
    calendar_save(name="Business", timezone_name="Asia/Shanghai", hours=HOURS)
    with pytest.raises(CommandError, match="No holiday calendar"):
        call_command("import_holidays", "XX", "2026", "--calendar", "Business")
    with pytest.raises(CommandError, match="No calendar named"):
        call_command("import_holidays", "CN", "2026", "--calendar", "Nope")


@pytest.mark.parametrize(
    ("hours", "timezone_name"),
    [
        ([{"weekday": 0, "start_minute": 600, "end_minute": 540}], "Asia/Shanghai"),
        ([{"weekday": 7, "start_minute": 540, "end_minute": 600}], "Asia/Shanghai"),
        (
            [
                {"weekday": 0, "start_minute": 540, "end_minute": 720},
                {"weekday": 0, "start_minute": 700, "end_minute": 800},
            ],
            "Asia/Shanghai",
        ),
        (HOURS, "Mars/Base"),
    ],
)
def test_bad_calendars_are_refused_and_nothing_is_saved(hours, timezone_name):
    with pytest.raises(ValidationError):
        calendar_save(name="Bad", timezone_name=timezone_name, hours=hours)
    assert not BusinessCalendar.objects.exists()


def test_a_changed_calendar_is_not_served_from_the_cache():
    calendar = calendar_save(name="Business", timezone_name="Asia/Shanghai", hours=HOURS)
    assert schedule_for(calendar).day_intervals(datetime.date(2026, 3, 7)) == []  # a Saturday
    calendar = calendar_save(
        calendar=calendar,
        name="Business",
        timezone_name="Asia/Shanghai",
        hours=[*HOURS, {"weekday": 5, "start_minute": 540, "end_minute": 720}],
    )
    assert len(schedule_for(calendar).day_intervals(datetime.date(2026, 3, 7))) == 1
