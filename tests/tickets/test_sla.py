"""The SLA rules of docs/sla.md, through the ticket services, with time under control."""

import datetime

import pytest
import time_machine

from tests.tickets.helpers import BUSINESS_HOURS, ROUND_THE_CLOCK, sh
from tickets import services
from tickets.calendars import calendar_save
from tickets.models import SLAClock, SLACycle, Ticket
from tickets.policies import policy_save
from tickets.selectors import schedule_for

pytestmark = pytest.mark.django_db

at = sh


@pytest.fixture
def calendars(db):
    business = calendar_save(
        name="Business",
        timezone_name="Asia/Shanghai",
        hours=BUSINESS_HOURS,
        days=[
            {"date": datetime.date(2026, 2, 14), "kind": "workday", "name": "make-up"},
            {"date": datetime.date(2026, 2, 16), "kind": "holiday", "name": "eve"},
            {"date": datetime.date(2026, 2, 17), "kind": "holiday", "name": "Spring Festival"},
        ],
    )
    always = calendar_save(name="24x7", timezone_name="Asia/Shanghai", hours=ROUND_THE_CLOCK)
    return business, always


@pytest.fixture
def policy(calendars):
    business, always = calendars
    return policy_save(
        name="Standard",
        is_default=True,
        targets=[
            {"priority": "normal", "metric": "first_response", "minutes": 240, "calendar": business},
            {"priority": "normal", "metric": "resolution", "minutes": 960, "calendar": business},
            {"priority": "urgent", "metric": "first_response", "minutes": 60, "calendar": always},
            {"priority": "urgent", "metric": "resolution", "minutes": 480, "calendar": always},
            {"priority": "urgent", "metric": "onsite_arrival", "minutes": 240, "calendar": always},
        ],
    )


def file(customer, project, when, priority="normal") -> Ticket:
    with time_machine.travel(when, tick=False):
        return services.ticket_create(
            actor=customer, project=project, title="Fault", description="x", priority=priority
        )


def clock(ticket, metric) -> SLAClock:
    return SLAClock.objects.get(ticket=ticket, metric=metric)


def test_friday_17_00_plus_240_minutes_is_the_make_up_saturday_at_noon(policy, customer_a, project_a):
    ticket = file(customer_a, project_a, at(2026, 2, 13, 17, 0))
    assert clock(ticket, "first_response").due_at == at(2026, 2, 14, 12, 0)
    ticket.refresh_from_db()
    assert ticket.next_due_at == at(2026, 2, 14, 12, 0)


def test_holidays_are_skipped(policy, customer_a, project_a):
    # Saturday 14th (make-up) 17:00: one hour left that day; Sunday off; 16th and 17th holidays
    ticket = file(customer_a, project_a, at(2026, 2, 14, 17, 0))
    assert clock(ticket, "first_response").due_at == at(2026, 2, 18, 12, 0)


def test_a_report_outside_hours_starts_counting_at_opening(policy, customer_a, project_a):
    ticket = file(customer_a, project_a, at(2026, 3, 2, 7, 30))  # Monday before opening
    assert clock(ticket, "first_response").due_at == at(2026, 3, 2, 14, 0)


def test_urgent_faults_run_round_the_clock(policy, customer_a, project_a):
    ticket = file(customer_a, project_a, at(2026, 2, 15, 3, 0), priority="urgent")  # Sunday night
    assert clock(ticket, "first_response").due_at == at(2026, 2, 15, 4, 0)
    assert clock(ticket, "resolution").due_at == at(2026, 2, 15, 11, 0)
    assert not SLAClock.objects.filter(ticket=ticket, metric="onsite_arrival").exists()


def test_staff_logging_a_call_may_backdate_received_at(policy, engineer, customer_a, project_a):
    with time_machine.travel(at(2026, 3, 2, 10, 0), tick=False):
        ticket = services.ticket_create(
            actor=engineer,
            project=project_a,
            title="Call",
            description="x",
            reporter=customer_a,
            received_at=at(2026, 3, 2, 9, 0),
        )
    assert ticket.channel == "hotline" and ticket.reporter == customer_a
    assert clock(ticket, "first_response").due_at == at(2026, 3, 2, 14, 0)


def test_a_staff_reply_stops_first_response_and_a_note_does_not(policy, customer_a, engineer, project_a):
    ticket = file(customer_a, project_a, at(2026, 3, 2, 9, 0))
    with time_machine.travel(at(2026, 3, 2, 10, 0), tick=False):
        services.comment_add(ticket_id=ticket.pk, actor=engineer, body="checking", public=False)
        assert clock(ticket, "first_response").stopped_at is None
        services.comment_add(ticket_id=ticket.pk, actor=customer_a, body="any news?")
        assert clock(ticket, "first_response").stopped_at is None
    with time_machine.travel(at(2026, 3, 2, 11, 0), tick=False):
        services.comment_add(ticket_id=ticket.pk, actor=engineer, body="on it")
    first = clock(ticket, "first_response")
    assert first.stopped_at == at(2026, 3, 2, 11, 0) and first.breached_at is None
    ticket.refresh_from_db()
    assert ticket.first_response_at == at(2026, 3, 2, 11, 0)
    assert ticket.next_due_at == clock(ticket, "resolution").due_at


def test_a_bare_acknowledgement_does_not_stop_first_response(policy, customer_a, engineer, project_a):
    ticket = file(customer_a, project_a, at(2026, 3, 2, 9, 0))
    with time_machine.travel(at(2026, 3, 2, 9, 30), tick=False):
        services.ticket_update(ticket_id=ticket.pk, actor=engineer, status="acknowledged")
        services.ticket_update(ticket_id=ticket.pk, actor=engineer, status="in_progress")
    assert clock(ticket, "first_response").stopped_at is None
    ticket.refresh_from_db()
    assert ticket.first_response_at is None


def test_acknowledging_stops_first_response_where_the_policy_says_so(policy, customer_a, engineer, project_a):
    policy.acknowledgement_stops_first_response = True
    policy.save()
    ticket = file(customer_a, project_a, at(2026, 3, 2, 9, 0))
    with time_machine.travel(at(2026, 3, 2, 9, 30), tick=False):
        services.ticket_update(ticket_id=ticket.pk, actor=engineer, status="acknowledged")
    assert clock(ticket, "first_response").stopped_at == at(2026, 3, 2, 9, 30)


def test_a_late_response_is_recorded_as_a_breach_at_the_due_moment(policy, customer_a, engineer, project_a):
    ticket = file(customer_a, project_a, at(2026, 3, 2, 9, 0))
    with time_machine.travel(at(2026, 3, 2, 15, 0), tick=False):
        services.comment_add(ticket_id=ticket.pk, actor=engineer, body="sorry for the wait")
    first = clock(ticket, "first_response")
    assert first.breached_at == at(2026, 3, 2, 14, 0)
    assert ticket.events.filter(kind="breached").count() == 1


def test_waiting_on_the_customer_pauses_resolution_and_moves_its_due(policy, customer_a, engineer, project_a):
    ticket = file(customer_a, project_a, at(2026, 3, 2, 9, 0))  # Monday; resolution 960 min: due Tuesday 18:00
    assert clock(ticket, "resolution").due_at == at(2026, 3, 3, 18, 0)
    with time_machine.travel(at(2026, 3, 2, 10, 0), tick=False):
        services.ticket_update(ticket_id=ticket.pk, actor=engineer, status="waiting_on_customer")
    assert clock(ticket, "resolution").paused_at == at(2026, 3, 2, 10, 0)
    ticket.refresh_from_db()
    # the status change answered nobody: only the first response runs
    assert ticket.next_due_at == clock(ticket, "first_response").due_at
    # the customer answers at 14:30: 3.5 working hours paused (10-12, 13-14:30)
    with time_machine.travel(at(2026, 3, 2, 14, 30), tick=False):
        services.comment_add(ticket_id=ticket.pk, actor=customer_a, body="here are the logs")
    ticket.refresh_from_db()
    assert ticket.status == "in_progress"
    resolution = clock(ticket, "resolution")
    assert resolution.paused_at is None and resolution.paused_seconds == 3.5 * 3600
    assert resolution.due_at == at(2026, 3, 4, 13, 30)  # Tuesday 18:00 + 3.5 working hours


def test_a_pause_over_a_holiday_costs_no_working_time(policy, customer_a, engineer, project_a):
    ticket = file(customer_a, project_a, at(2026, 2, 13, 17, 0))
    before = clock(ticket, "resolution").due_at
    with time_machine.travel(at(2026, 2, 15, 10, 0), tick=False):  # Sunday
        services.ticket_update(ticket_id=ticket.pk, actor=engineer, status="waiting_on_customer")
    with time_machine.travel(at(2026, 2, 17, 20, 0), tick=False):  # holidays in between
        services.ticket_update(ticket_id=ticket.pk, actor=engineer, status="in_progress")
    assert clock(ticket, "resolution").due_at == before


def test_a_priority_change_applies_the_new_target_from_the_start(policy, customer_a, engineer, project_a):
    ticket = file(customer_a, project_a, at(2026, 3, 2, 9, 0))
    with time_machine.travel(at(2026, 3, 2, 9, 20), tick=False):
        services.ticket_update(ticket_id=ticket.pk, actor=engineer, priority="urgent")
    first = clock(ticket, "first_response")
    assert (first.target_minutes, first.due_at) == (60, at(2026, 3, 2, 10, 0))
    assert clock(ticket, "resolution").due_at == at(2026, 3, 2, 17, 0)
    ticket.refresh_from_db()
    assert ticket.next_due_at == at(2026, 3, 2, 10, 0)


def test_a_recorded_breach_stays_after_a_priority_change(policy, customer_a, engineer, project_a):
    ticket = file(customer_a, project_a, at(2026, 3, 2, 9, 0), priority="urgent")
    with time_machine.travel(at(2026, 3, 2, 10, 30), tick=False):
        services.comment_add(ticket_id=ticket.pk, actor=engineer, body="late")
        services.ticket_update(ticket_id=ticket.pk, actor=engineer, priority="normal")  # 240 min would have been met
    first = clock(ticket, "first_response")
    assert first.target_minutes == 240
    assert first.breached_at == at(2026, 3, 2, 10, 0)


def test_reopening_starts_a_new_resolution_cycle_with_the_full_target(policy, customer_a, engineer, project_a):
    ticket = file(customer_a, project_a, at(2026, 3, 2, 9, 0))
    with time_machine.travel(at(2026, 3, 2, 11, 0), tick=False):
        services.ticket_update(ticket_id=ticket.pk, actor=engineer, status="resolved")
    stopped = clock(ticket, "resolution")
    assert stopped.stopped_at == at(2026, 3, 2, 11, 0) and stopped.cycle == 1
    with time_machine.travel(at(2026, 3, 3, 9, 0), tick=False):  # reopened next morning by the customer
        services.ticket_update(ticket_id=ticket.pk, actor=customer_a, status="in_progress")
    reopened = clock(ticket, "resolution")
    assert (reopened.cycle, reopened.started_at, reopened.stopped_at) == (2, at(2026, 3, 3, 9, 0), None)
    assert reopened.paused_seconds == 0
    # the full 960 working minutes from the reopening: 16 working hours from Tuesday 09:00
    assert reopened.due_at == at(2026, 3, 4, 18, 0)
    assert schedule_for(reopened.calendar).between(at(2026, 3, 3, 9, 0), reopened.due_at) == datetime.timedelta(
        minutes=960
    )
    kept = SLACycle.objects.get(ticket=ticket, number=1, metric="resolution")
    assert (kept.stopped_at, kept.breached_at, kept.ended_at) == (at(2026, 3, 2, 11, 0), None, at(2026, 3, 3, 9, 0))


def test_the_on_site_clock_runs_from_dispatch_to_arrival(policy, customer_a, engineer, project_a):
    ticket = file(customer_a, project_a, at(2026, 3, 2, 9, 0), priority="urgent")
    with time_machine.travel(at(2026, 3, 2, 9, 30), tick=False):
        services.ticket_dispatch(
            ticket_id=ticket.pk, actor=engineer, engineer=engineer, expected_arrival_at=at(2026, 3, 2, 12, 0)
        )
    onsite = clock(ticket, "onsite_arrival")
    assert (onsite.started_at, onsite.due_at) == (at(2026, 3, 2, 9, 30), at(2026, 3, 2, 13, 30))
    with time_machine.travel(at(2026, 3, 2, 12, 10), tick=False):
        services.ticket_arrive(ticket_id=ticket.pk, actor=engineer)
    onsite = clock(ticket, "onsite_arrival")
    assert onsite.stopped_at == at(2026, 3, 2, 12, 10) and onsite.breached_at is None


def test_an_impossible_transition_changes_nothing(policy, customer_a, engineer, project_a):
    from core.errors import ServiceDeskError

    ticket = file(customer_a, project_a, at(2026, 3, 2, 9, 0))
    with pytest.raises(ServiceDeskError):
        services.ticket_update(ticket_id=ticket.pk, actor=engineer, status="closed")
    ticket.refresh_from_db()
    assert ticket.status == "new"
    assert clock(ticket, "first_response").stopped_at is None
    assert not ticket.events.filter(kind="status").exists()


def test_every_move_bumps_the_clock_version(policy, customer_a, engineer, project_a):
    ticket = file(customer_a, project_a, at(2026, 3, 2, 9, 0))
    versions = [clock(ticket, "resolution").version]
    for status in ("waiting_on_customer", "in_progress", "resolved"):
        with time_machine.travel(at(2026, 3, 2, 10, 0), tick=False):
            services.ticket_update(ticket_id=ticket.pk, actor=engineer, status=status)
        versions.append(clock(ticket, "resolution").version)
    assert versions == sorted(set(versions))
