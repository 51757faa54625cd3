"""What a desk needs before its first ticket (``manage.py setup_desk``): the working-hours
calendar (Monday to Friday 09:00-18:00 with the lunch hour 12:00-13:00 off) and the 24x7 one,
the default SLA policy from the written promise's numbers, and the default escalation
policies; and the yearly import of the coming year's public holidays.

Each step creates only what is missing, so running it again changes nothing.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Model

from core.time import desk_today
from tickets import calendars, policies
from tickets.models import BusinessCalendar, CalendarDay, EscalationPolicy, EscalationStep, SLAPolicy

WORKING_HOURS_CALENDAR = "Working hours"
ROUND_THE_CLOCK_CALENDAR = "24x7"
DEFAULT_POLICY = "Standard after-sales SLA"
# Monday to Friday 09:00-18:00 with the lunch hour off: eight working hours a day
WORKING_HOURS = [
    {"weekday": day, "start_minute": start, "end_minute": end}
    for day in range(5)
    for start, end in ((9 * 60, 12 * 60), (13 * 60, 18 * 60))
]
ROUND_THE_CLOCK = [{"weekday": day, "start_minute": 0, "end_minute": 1440} for day in range(7)]

# The escalation defaults of the after-sales plan: an urgent ticket's unanswered first response
# goes to the emergency technical group at once and the leadership group right after; any
# other breach to the team lead, then, half an hour later, the managers. Also written by
# migration tickets/0003, which passes its historical models.
ESCALATION_DEFAULTS = [
    (
        "Urgent fault unanswered",
        "urgent",
        "first_response",
        [("notify_group", "technical", 0), ("notify_group", "leadership", 0)],
    ),
    ("Standard escalation", "", "", [("notify_team_lead", "", 0), ("notify_managers", "", 30)]),
]


def escalation_defaults_ensure(policy_model: type[Model], step_model: type[Model]) -> int:
    """Create the default escalation policies that are missing (by name); returns how many."""
    created = 0
    for name, priority, metric, steps in ESCALATION_DEFAULTS:
        policy, made = policy_model.objects.get_or_create(name=name, defaults={"priority": priority, "metric": metric})
        if made:
            created += 1
            for position, (action, group, delay) in enumerate(steps, start=1):
                step_model.objects.create(
                    policy=policy, position=position, action=action, group=group, delay_minutes=delay
                )
    return created


@dataclass(frozen=True)
class DefaultTarget:
    priority: str
    metric: str
    calendar: str  # WORKING_HOURS_CALENDAR or ROUND_THE_CLOCK_CALENDAR
    minutes: Callable[[float, float], float]  # of (X working hours, Y hours)


# The promise: an ordinary question or fault answered within X working hours, an urgent fault
# responded to within Y hours round the clock (SLA_ANSWER_WORKING_HOURS, SLA_URGENT_RESPONSE_HOURS).
# The other targets are the usual ones around them; administrators change any of them later.
DEFAULT_TARGETS = [
    DefaultTarget("urgent", "first_response", ROUND_THE_CLOCK_CALENDAR, lambda x, y: y * 60),
    DefaultTarget("urgent", "onsite_arrival", ROUND_THE_CLOCK_CALENDAR, lambda x, y: 4 * 60),
    DefaultTarget("urgent", "resolution", ROUND_THE_CLOCK_CALENDAR, lambda x, y: 8 * 60),
    DefaultTarget("high", "first_response", WORKING_HOURS_CALENDAR, lambda x, y: x / 2 * 60),
    DefaultTarget("high", "onsite_arrival", WORKING_HOURS_CALENDAR, lambda x, y: 8 * 60),
    DefaultTarget("high", "resolution", WORKING_HOURS_CALENDAR, lambda x, y: 24 * 60),
    DefaultTarget("normal", "first_response", WORKING_HOURS_CALENDAR, lambda x, y: x * 60),
    DefaultTarget("normal", "resolution", WORKING_HOURS_CALENDAR, lambda x, y: 40 * 60),
    DefaultTarget("low", "first_response", WORKING_HOURS_CALENDAR, lambda x, y: 2 * x * 60),
    DefaultTarget("low", "resolution", WORKING_HOURS_CALENDAR, lambda x, y: 80 * 60),
]


def default_targets(by_name: dict[str, BusinessCalendar]) -> list[dict]:
    """The default policy's targets, from the settings' X and Y."""
    x, y = settings.SLA_ANSWER_WORKING_HOURS, settings.SLA_URGENT_RESPONSE_HOURS
    return [
        {
            "priority": target.priority,
            "metric": target.metric,
            "minutes": max(1, round(target.minutes(x, y))),
            "calendar": by_name[target.calendar],
        }
        for target in DEFAULT_TARGETS
    ]


@transaction.atomic
def desk_setup(*, today: datetime.date) -> list[str]:
    """Create what is missing of the desk's defaults; returns what was created, in words."""
    created = []
    working = BusinessCalendar.objects.filter(name=WORKING_HOURS_CALENDAR).first()
    if working is None:
        working = calendars.calendar_save(
            name=WORKING_HOURS_CALENDAR,
            timezone_name=settings.TIME_ZONE,
            country=settings.DESK_COUNTRY,
            hours=WORKING_HOURS,
            description="Monday to Friday 09:00-12:00 and 13:00-18:00, with the public holidays and make-up "
            "working days.",
        )
        created.append(f"calendar {working.name}")
    for year in (today.year, today.year + 1):
        if working.country and not working.days.filter(date__year=year).exists():
            count = calendars.calendar_import_holidays(calendar=working, country=working.country, year=year)
            created.append(f"{count} public holidays and make-up working days of {working.country} {year}")
    always = BusinessCalendar.objects.filter(name=ROUND_THE_CLOCK_CALENDAR).first()
    if always is None:
        always = calendars.calendar_save(
            name=ROUND_THE_CLOCK_CALENDAR,
            timezone_name=settings.TIME_ZONE,
            hours=ROUND_THE_CLOCK,
            description="Round the clock, every day of the year.",
        )
        created.append(f"calendar {always.name}")
    if not SLAPolicy.objects.filter(is_default=True).exists():
        policy = policies.policy_save(
            name=DEFAULT_POLICY,
            description="Urgent faults round the clock; everything else on working hours.",
            is_default=True,
            targets=default_targets({WORKING_HOURS_CALENDAR: working, ROUND_THE_CLOCK_CALENDAR: always}),
        )
        created.append(f"SLA policy {policy.name}")
    if escalation_defaults_ensure(EscalationPolicy, EscalationStep):
        created.append("the default escalation policies")
    return created


def holidays_missing(*, year: int) -> list[BusinessCalendar]:
    """The calendars with a country that hold no public holiday of ``year``."""
    with_days = CalendarDay.objects.filter(date__year=year, kind=CalendarDay.Kind.HOLIDAY).values("calendar_id")
    return list(BusinessCalendar.objects.exclude(country="").exclude(pk__in=with_days).order_by("name"))


def holidays_renew(*, today: datetime.date | None = None) -> int:
    """In December (of the desk's time zone), import the coming year's public holidays and
    make-up working days for each calendar that has a country and none of them yet; returns how
    many calendars were filled."""
    today = today or desk_today()
    if today.month != 12:
        return 0
    filled = 0
    for calendar in holidays_missing(year=today.year + 1):
        calendars.calendar_import_holidays(calendar=calendar, country=calendar.country, year=today.year + 1)
        filled += 1
    return filled
