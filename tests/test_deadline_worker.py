"""Deadlines enforced by real processes: a Celery worker and beat on the real broker (Redis
when ``REDIS_URL`` is set, as in CI; the embedded filesystem broker otherwise) and the test
database. An urgent ticket left unanswered past its first response is breached and the
leadership group is told within seconds; a worker killed with tasks queued loses and doubles
nothing."""

import datetime
import os
import signal

import pytest
from django.utils import timezone

from accounts.models import Team, TeamMembership, User
from accounts.services import team_add_member
from notifications.models import Notification
from tests.accounts.factories import UserFactory
from tests.tickets.conftest import create_escalation_defaults
from tests.tickets.helpers import ROUND_THE_CLOCK
from tests.workers import database_url, sender_for, start_beat, start_worker, stop_worker, wait_for, worker_env
from tickets import services
from tickets.calendars import calendar_save
from tickets.models import EscalationFire, SLAClock, TicketEvent
from tickets.policies import policy_save

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def setup(project_a, customer_a, engineer):
    always = calendar_save(name="24x7", timezone_name="Asia/Shanghai", hours=ROUND_THE_CLOCK)
    policy_save(
        name="Standard",
        is_default=True,
        targets=[{"priority": "urgent", "metric": "first_response", "minutes": 60, "calendar": always}],
    )
    create_escalation_defaults()
    for kind, username in [(Team.Kind.TECHNICAL, "tech"), (Team.Kind.LEADERSHIP, "leader")]:
        team = Team.objects.create(name=kind, slug=kind, kind=kind)
        team_add_member(
            team=team,
            user=UserFactory(username=username, role=User.Role.ENGINEER),
            position=TeamMembership.Position.MEMBER,
        )


def due_in(seconds: float, project, customer, engineer) -> SLAClock:
    """An urgent ticket logged by phone, received so long ago that its first response is due soon."""
    ticket = services.ticket_create(
        actor=engineer,
        project=project,
        reporter=customer,
        title="Pump station offline",
        description="No pressure",
        priority="urgent",
        received_at=timezone.now() - datetime.timedelta(minutes=60) + datetime.timedelta(seconds=seconds),
    )
    return SLAClock.objects.get(ticket=ticket, metric="first_response")


def env_for(tmp_path, redis_db: int, **extra):
    return worker_env(
        tmp_path / "var",
        redis_db=redis_db if os.environ.get("REDIS_URL") else None,
        DATABASE_URL=database_url(),
        EMAIL_URL="consolemail://",
        SLA_HORIZON_SECONDS="120",
        **extra,
    )


def leader_told(clock) -> Notification | None:
    return Notification.objects.filter(
        recipient__username="leader", reason="escalation", ticket_id=clock.ticket_id
    ).first()


def test_the_watchdog_and_the_eta_task_breach_and_tell_the_leadership_within_seconds(
    tmp_path, setup, project_a, customer_a, engineer
):
    # nothing is queued by the request (as if the moment was far when the ticket was filed):
    # beat's watchdog sees the due moment enter the horizon and queues its ETA task
    clock = due_in(8, project_a, customer_a, engineer)
    env = env_for(tmp_path, 14, SLA_WATCHDOG_SECONDS="2")
    sender_for(env)  # empties the broker
    worker, beat = start_worker(env, concurrency=2), start_beat(env)
    try:
        assert wait_for(lambda: leader_told(clock) is not None, timeout=60), "the leadership group was not told"
    finally:
        stop_worker(beat)
        stop_worker(worker)
    clock.refresh_from_db()
    assert clock.breached_at == clock.due_at
    notification = leader_told(clock)
    latency = (notification.created_at - clock.due_at).total_seconds()
    assert 0 <= latency < 10, f"told {latency:.1f} s after the due moment"
    assert TicketEvent.objects.filter(ticket=clock.ticket, kind="breached").count() == 1
    assert Notification.objects.filter(recipient__username="tech", reason="escalation").count() == 1


def test_a_killed_worker_with_deadlines_queued_tells_each_person_exactly_once(
    tmp_path, setup, project_a, customer_a, engineer
):
    n = 12
    clocks = [due_in(4, project_a, customer_a, engineer) for _ in range(n)]
    env = env_for(tmp_path, 13, SLA_WATCHDOG_SECONDS="1")
    sender = sender_for(env)
    # each deadline queued three times: the request's task, a retry, the watchdog's
    for clock in clocks:
        for _ in range(3):
            sender.send_task("tickets.tasks.deadline", args=[clock.pk], eta=clock.due_at, queue="default")
    worker = start_worker(env, concurrency=2)
    beat = None
    try:
        assert wait_for(lambda: Notification.objects.filter(reason="escalation").count() >= 2, timeout=60)
        os.killpg(worker.pid, signal.SIGKILL)  # no goodbye, tasks in flight
        worker.wait(timeout=10)
        worker, beat = start_worker(env, concurrency=2), start_beat(env)
        assert wait_for(
            lambda: Notification.objects.filter(recipient__username="leader", reason="escalation").count() >= n,
            timeout=90,
        ), "not every clock reached the leadership group"
    finally:
        if beat is not None:
            stop_worker(beat)
        stop_worker(worker)
    for clock in clocks:
        assert leader_told(clock) is not None
        assert Notification.objects.filter(ticket_id=clock.ticket_id, reason="escalation").count() == 2  # tech, leader
        assert EscalationFire.objects.filter(clock=clock).count() == 2
        assert TicketEvent.objects.filter(ticket=clock.ticket, kind="breached").count() == 1


def test_a_worker_that_starts_breaches_a_clock_already_past_at_once(
    tmp_path, setup, project_a, customer_a, engineer, monkeypatch
):
    # due 5 s ago, its task lost (never queued), and no beat: only the starting worker's own
    # sweep can find it
    with monkeypatch.context() as patch:
        patch.setattr("tickets.deadlines.queue", lambda clock_id, eta=None: None)
        clock = due_in(-5, project_a, customer_a, engineer)
    assert clock.breached_at is None
    env = env_for(tmp_path, 13, SLA_WATCHDOG_SECONDS="3600")
    sender_for(env)  # empties the broker
    worker = start_worker(env, concurrency=2)
    try:
        assert wait_for(lambda: leader_told(clock) is not None, timeout=60), "the starting worker breached nothing"
    finally:
        stop_worker(worker)
    clock.refresh_from_db()
    assert clock.breached_at == clock.due_at
    assert TicketEvent.objects.filter(ticket=clock.ticket, kind="breached").count() == 1
    assert Notification.objects.filter(ticket_id=clock.ticket_id, reason="escalation").count() == 2  # tech, leader
