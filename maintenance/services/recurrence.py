"""The recurrence of scheduled visits (inspections, return visits): RFC 5545 rules and the one
planning pass that turns a schedule's dates into visits."""

import datetime
from collections.abc import Callable, Iterable
from typing import TypeVar

from dateutil import rrule
from dateutil.relativedelta import relativedelta
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from core.errors import ServiceDeskError
from core.time import desk_today
from maintenance.models.schedules import RecurringSchedule

S = TypeVar("S", bound=RecurringSchedule)

RULE_LIMIT = 1000  # visit dates taken from one window


RULE_YEARS = 10  # a rule must give a date within this many years of its first visit


# Visits whose dates passed while beat was down are still made (and then flagged overdue),
# back this far (so a schedule entered with a past first visit makes at most a month of them).
PLAN_BACK_DAYS = 31


def parse_rule(rule: str, first_date: datetime.date) -> rrule.rrule:
    """An RFC 5545 RRULE from ``first_date``; a rule that never repeats is refused."""
    text = rule.strip().removeprefix("RRULE:")
    start = datetime.datetime.combine(first_date, datetime.time())
    try:
        parsed = rrule.rrulestr(text, dtstart=start, forceset=False)
    except (ValueError, TypeError, AttributeError) as error:
        raise ServiceDeskError(
            _("Not an RFC 5545 recurrence rule; for example FREQ=MONTHLY;INTERVAL=3."), field="rule"
        ) from error
    if not isinstance(parsed, rrule.rrule) or "FREQ" not in text.upper():
        raise ServiceDeskError(_("Give one rule with FREQ, for example FREQ=MONTHLY;INTERVAL=3."), field="rule")
    if parsed._freq in (rrule.HOURLY, rrule.MINUTELY, rrule.SECONDLY):
        raise ServiceDeskError(_("Visits repeat daily at most."), field="rule")
    if parsed._interval < 1:  # dateutil loops forever on INTERVAL=0 and fails on a negative one
        raise ServiceDeskError(_("The interval must be 1 or more."), field="rule")
    # dateutil would search to the year 9999 for a date that never comes (31 February)
    horizon = start + relativedelta(years=RULE_YEARS)
    if parsed.replace(until=min(parsed._until or horizon, horizon)).after(start, inc=True) is None:
        raise ServiceDeskError(
            _("The rule gives no date within %(years)d years of the first visit.") % {"years": RULE_YEARS},
            field="rule",
        )
    return parsed


def occurrences(schedule: RecurringSchedule, start: datetime.date, end: datetime.date) -> list[datetime.date]:
    """The schedule's visit dates from ``start`` through ``end``."""
    parsed = parse_rule(schedule.rule, schedule.first_date)
    after = datetime.datetime.combine(start, datetime.time())
    before = datetime.datetime.combine(end, datetime.time())
    bounded = parsed.replace(until=min(parsed._until or before, before))  # never a search past ``end``
    return [moment.date() for moment in bounded.between(after, before, inc=True)][:RULE_LIMIT]


def plan_visits(
    schedules: Iterable[S],
    *,
    planned: Callable[[S, list[datetime.date]], Iterable[datetime.date]],
    create: Callable[[S, datetime.date], None],
    today: datetime.date | None = None,
) -> int:
    """Create each schedule's visits that fall within its lead time, each date once whoever runs
    this and how often: ``planned`` gives the dates among those that have a visit already,
    ``create`` makes one (in its own savepoint; a unique constraint settles a race). A rule that no
    longer parses creates nothing (the schedule's page shows the error). Returns how many were
    created."""
    today = today or desk_today()
    created = 0
    for schedule in schedules:
        end = today + datetime.timedelta(days=schedule.lead_days)
        try:
            since = max(today - datetime.timedelta(days=PLAN_BACK_DAYS), schedule.first_date)
            dates = occurrences(schedule, since, end)
        except ServiceDeskError:
            continue
        existing = set(planned(schedule, dates))
        for day in dates:
            if day in existing:
                continue
            try:
                with transaction.atomic():
                    create(schedule, day)
            except IntegrityError:
                continue  # another run made it first
            created += 1
    return created
