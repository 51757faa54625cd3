"""A stopped clock keeps the working time it ran (SLAClock.working_seconds, tickets/sla.py): on
the clock's calendar, pauses left out; reopening and restarting clear it. And the data
migration that fills it in for clocks stopped before the field existed.

The calendars are tests/tickets/conftest.py's ``sla_setup``: normal tickets on business hours
(Mon-Fri 09:00-12:00 and 13:00-18:00 Shanghai, Saturday 2026-02-14 a make-up working day),
urgent ones round the clock. 2026-03-02 is a Monday."""

import pytest

from tests.tickets.helpers import sh, travel
from tickets import services
from tickets.models import Metric, SLAClock, Ticket

pytestmark = pytest.mark.django_db

HOUR = 3600


def file(customer, project, when, priority="normal") -> Ticket:
    with travel(when):
        return services.ticket_create(
            actor=customer, project=project, title="Fault", description="x", priority=priority
        )


def move(ticket, actor, when, status) -> None:
    with travel(when):
        services.ticket_update(ticket_id=ticket.pk, actor=actor, status=status)


def clock(ticket, metric=Metric.RESOLUTION) -> SLAClock:
    return SLAClock.objects.get(ticket=ticket, metric=metric)


def test_a_stop_keeps_the_working_time_on_the_calendar(sla_setup, customer_a, engineer, project_a):
    ticket = file(customer_a, project_a, sh(2026, 3, 2, 9, 0))
    assert clock(ticket).working_seconds is None  # running: nothing yet
    with travel(sh(2026, 3, 2, 9, 30)):
        services.comment_add(ticket_id=ticket.pk, actor=engineer, body="Looking into it.")
    assert clock(ticket, Metric.FIRST_RESPONSE).working_seconds == 30 * 60
    move(ticket, engineer, sh(2026, 3, 3, 10, 0), "resolved")
    # Monday 09:00-12:00 and 13:00-18:00 (8 h) + Tuesday 09:00-10:00 (1 h) = 9 h, though 25 h passed
    resolution = clock(ticket)
    assert resolution.working_seconds == 9 * HOUR
    assert (resolution.stopped_at - resolution.started_at).total_seconds() == 25 * HOUR


def test_the_evening_and_the_weekend_are_not_working_time(sla_setup, customer_a, engineer, project_a):
    # Friday 2026-02-13 17:00 -> Monday 02-16 10:00: Friday 17-18 (1 h) + the make-up Saturday
    # (3 h + 5 h) + Monday 09-10 (1 h) = 10 h; Sunday and the nights count nothing
    ticket = file(customer_a, project_a, sh(2026, 2, 13, 17, 0))
    move(ticket, engineer, sh(2026, 2, 16, 10, 0), "resolved")
    assert clock(ticket).working_seconds == 10 * HOUR


def test_round_the_clock_counts_every_hour(sla_setup, customer_a, engineer, project_a):
    # urgent on the 24x7 calendar: Sunday 2026-03-01 03:00 -> 05:00 = 2 h
    ticket = file(customer_a, project_a, sh(2026, 3, 1, 3, 0), priority="urgent")
    move(ticket, engineer, sh(2026, 3, 1, 5, 0), "resolved")
    assert clock(ticket).working_seconds == 2 * HOUR


def test_waiting_on_the_customer_is_left_out(sla_setup, customer_a, engineer, project_a):
    ticket = file(customer_a, project_a, sh(2026, 3, 2, 9, 0))
    move(ticket, engineer, sh(2026, 3, 2, 10, 0), "waiting_on_customer")
    with travel(sh(2026, 3, 2, 14, 30)):  # the customer answers: the clock runs again
        services.comment_add(ticket_id=ticket.pk, actor=customer_a, body="here are the logs")
    move(ticket, engineer, sh(2026, 3, 3, 11, 0), "resolved")
    # Monday 8 h + Tuesday 09-11 2 h = 10 h, less the pause 10-12 and 13-14:30 (3.5 h) = 6.5 h
    resolution = clock(ticket)
    assert resolution.paused_seconds == 3.5 * HOUR
    assert resolution.working_seconds == 6.5 * HOUR


def test_resolved_while_waiting_on_the_customer(sla_setup, customer_a, engineer, project_a):
    ticket = file(customer_a, project_a, sh(2026, 3, 2, 9, 0))
    move(ticket, engineer, sh(2026, 3, 2, 10, 0), "waiting_on_customer")
    move(ticket, engineer, sh(2026, 3, 2, 16, 0), "resolved")
    # 09-12 and 13-16 = 6 h, of which paused from 10:00 on: 10-12 and 13-16 = 5 h -> 1 h
    resolution = clock(ticket)
    assert (resolution.paused_at, resolution.paused_seconds) == (None, 5 * HOUR)
    assert resolution.working_seconds == 1 * HOUR


def test_reopening_starts_a_new_cycle_and_the_next_stop_counts_from_the_reopening(
    sla_setup, customer_a, engineer, project_a
):
    ticket = file(customer_a, project_a, sh(2026, 3, 2, 9, 0))
    move(ticket, engineer, sh(2026, 3, 2, 11, 0), "resolved")
    assert clock(ticket).working_seconds == 2 * HOUR  # 09-11
    move(ticket, customer_a, sh(2026, 3, 3, 9, 0), "in_progress")  # reopened next morning
    reopened = clock(ticket)
    assert (reopened.stopped_at, reopened.working_seconds, reopened.paused_seconds) == (None, None, 0)
    move(ticket, engineer, sh(2026, 3, 3, 10, 0), "resolved")
    # the new cycle's clock: Tuesday 09-10 = 1 h; the first cycle's 2 h are kept with that cycle
    assert clock(ticket).working_seconds == 1 * HOUR
    assert ticket.sla_cycles.get(metric=Metric.RESOLUTION).working_seconds == 2 * HOUR
