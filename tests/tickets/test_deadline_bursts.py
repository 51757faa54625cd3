"""Clocks due together are breached together (``deadlines.breach_due``, the sweep): every
breach, step, notification and delivery the per-clock path writes, once, in a number of
queries that does not grow with the clocks; a ticket someone holds is skipped, not waited on;
urgent deliveries go to their own queue."""

import datetime
import re
import threading

import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from notifications.models import Delivery, Notification, Webhook
from tests.customers.factories import ProjectFactory
from tests.tickets.helpers import sh, travel
from tickets import deadlines, escalation, services
from tickets.models import EscalationFire, SLAClock, Ticket, TicketEvent

T0 = sh(2026, 3, 2, 10)
MINUTE = datetime.timedelta(minutes=1)


@pytest.fixture
def world(sla_setup, escalation_defaults, groups, customer_a, project_a, engineer, manager, monkeypatch):
    monkeypatch.setattr(deadlines, "queue", lambda clock_id, eta=None: None)  # nothing runs by itself
    Webhook.objects.create(name="Leadership IM", url="https://im.example.com/hook", team=groups.leadership_team)
    return groups


def urgent_tickets(n, customer, project) -> list[Ticket]:
    with travel(T0):
        return [
            services.ticket_create(
                actor=customer, project=project, title=f"Pump {i} down", description="x", priority="urgent"
            )
            for i in range(n)
        ]


def rows(tickets) -> dict[str, int]:
    ids = [t.pk for t in tickets]
    clocks = SLAClock.objects.filter(ticket__in=ids)
    return {
        "breached": clocks.exclude(breached_at=None).count(),
        "events": TicketEvent.objects.filter(ticket__in=ids, kind__in=["breached", "escalated"]).count(),
        "fires": EscalationFire.objects.filter(clock__in=clocks).count(),
        "notifications": Notification.objects.filter(ticket_id__in=ids).exclude(reason="ticket_created").count(),
        "deliveries": Delivery.objects.filter(key__startswith="sla:").count(),
    }


def test_a_burst_writes_what_the_per_clock_path_writes_each_once_in_a_few_queries(
    world, customer_a, project_a, django_assert_max_num_queries
):
    single, burst = urgent_tickets(1, customer_a, project_a), urgent_tickets(40, customer_a, project_a)
    with travel(T0 + 61 * MINUTE):
        deadlines.clock_check(clock_id=SLAClock.objects.get(ticket=single[0], metric="first_response").pk)
        with django_assert_max_num_queries(40):  # ~86 per clock before: not per clock now
            assert deadlines.breach_due() == 40
    one, many = rows(single), rows(burst)
    assert {key: value * 40 for key, value in one.items()}["events"] == many["events"]
    assert one["breached"] == 1 and many["breached"] == 40
    assert many["fires"] == 40 * one["fires"] == 80  # technical, then leadership
    assert many["notifications"] == 40 * one["notifications"]
    # the leader's email and the leadership's IM webhook, once per clock, like the per-clock path
    assert Delivery.objects.filter(address="https://im.example.com/hook").count() == 41
    assert Delivery.objects.filter(recipient=world.leader).count() == 41
    leader = Notification.objects.filter(recipient=world.leader, ticket_id=burst[0].pk).get()
    assert leader.urgent and "Pump 0 down" in leader.title
    # one text rendered per reason and language for all clocks, each reader's acknowledgement
    # link their own: the notification's random token, which names its reader and ticket
    tokens = set()
    for notification in Notification.objects.filter(ticket_id=burst[0].pk).exclude(reason="ticket_created"):
        token = re.search(r"/acknowledge/([^/\s]+)/", notification.body).group(1)
        assert token == notification.token and token not in tokens
        tokens.add(token)
        with travel(T0 + 62 * MINUTE):
            assert escalation.acknowledge_reader(token) == (burst[0], notification.recipient)
        assert "Pump 0 down" in notification.body and burst[0].reference in notification.body
        assert notification.body.rstrip().endswith(f"/tickets/{burst[0].pk}/")  # its ticket's link, not another's
        assert Delivery.objects.filter(key=notification.key).get().body == notification.body
    by_ticket = {t.pk: t for t in burst}
    for notification in Notification.objects.filter(ticket_id__in=by_ticket).exclude(reason="ticket_created"):
        ticket = by_ticket[notification.ticket_id]  # each clock's own parts in the text rendered once
        assert notification.body.rstrip().endswith(f"/tickets/{ticket.pk}/") and ticket.title in notification.body
        assert notification.title.startswith(f"[{ticket.reference}]")
    clock = SLAClock.objects.get(ticket=burst[0], metric="first_response")
    assert clock.breached_at == clock.due_at and clock.escalation_next_at is None
    # once: a second pass, a per-clock task, a sweep find nothing
    with travel(T0 + 62 * MINUTE):
        assert deadlines.breach_due() == 0
        assert deadlines.clock_check(clock_id=clock.pk) == []
        assert deadlines.sweep() == {"breached": 0, "escalated": 0, "warned": 0, "left": 0}
    assert rows(burst) == many


def test_the_limit_and_a_moment_not_yet_due(world, customer_a, project_a):
    urgent_tickets(5, customer_a, project_a)
    with travel(T0 + 59 * MINUTE):
        assert deadlines.breach_due() == 0  # due at 11:00
    with travel(T0 + 60 * MINUTE):
        assert deadlines.breach_due(limit=2) == 2
        assert deadlines.breach_due() == 3


def test_warnings_and_later_steps_are_set_based_too(world, customer_a, project_a, engineer, manager):
    from tickets.policies import escalation_policy_save

    escalation_policy_save(
        name="Urgent, then managers",
        project=project_a,
        priority="urgent",
        steps=[{"action": "notify_assignee", "delay_minutes": 0}, {"action": "notify_managers", "delay_minutes": 30}],
    )
    tickets = urgent_tickets(3, customer_a, project_a)
    for ticket in tickets:
        services.ticket_assign(ticket_id=ticket.pk, actor=engineer, assignee=engineer)
    with travel(T0 + 46 * MINUTE):
        assert deadlines.sweep()["warned"] == 3
    assert Notification.objects.filter(recipient=engineer, reason="sla_warning").count() == 3
    with travel(T0 + 61 * MINUTE):
        assert deadlines.sweep()["breached"] == 3
    assert Notification.objects.filter(recipient=engineer, reason="escalation").count() == 3
    assert not Notification.objects.filter(recipient=manager, reason="escalation").exists()
    with travel(T0 + 91 * MINUTE):
        assert deadlines.sweep()["escalated"] == 3  # the managers, 30 minutes after the breach
        assert deadlines.sweep()["escalated"] == 0
    assert Notification.objects.filter(recipient=manager, reason="escalation").count() == 3


def test_urgent_deliveries_take_their_own_queue(
    world, customer_a, project_a, monkeypatch, django_capture_on_commit_callbacks
):
    from notifications import tasks

    sent = []
    monkeypatch.setattr(
        tasks.deliver_batch, "apply_async", lambda args, queue=None, **options: sent.append((queue, args[0]))
    )
    urgent_tickets(3, customer_a, project_a)
    with travel(T0 + 61 * MINUTE), django_capture_on_commit_callbacks(execute=True):
        deadlines.breach_due()
    queues = {pk: queue for queue, ids in sent for pk in ids}
    for delivery in Delivery.objects.filter(key__startswith="sla:"):
        urgent = delivery.recipient in (world.tech, world.leader) or delivery.channel == "webhook"
        assert queues[delivery.pk] == ("urgent" if urgent else None), delivery.key
    assert next(queue for queue, _ids in sent) == "urgent"  # the urgent ones first


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: SQLite locks the whole database")
def test_a_ticket_someone_holds_is_skipped_and_left_to_the_per_clock_path(
    sla_setup, escalation_defaults, groups, customer_a, project_a, monkeypatch
):
    monkeypatch.setattr(deadlines, "queue", lambda clock_id, eta=None: None)
    per_clock = []
    monkeypatch.setattr(deadlines, "queue_clock", lambda clock_id, eta=None: per_clock.append(clock_id))
    held, free = urgent_tickets(2, customer_a, project_a)
    locked, release = threading.Event(), threading.Event()

    def reply_in_progress():
        with transaction.atomic():
            Ticket.objects.select_for_update().get(pk=held.pk)
            locked.set()
            release.wait(30)
        connections.close_all()

    thread = threading.Thread(target=reply_in_progress)
    thread.start()
    try:
        assert locked.wait(10)
        with travel(T0 + 61 * MINUTE):
            assert deadlines.breach_due() == 1  # not waiting for the held ticket
    finally:
        release.set()
        thread.join()
    assert per_clock == [SLAClock.objects.get(ticket=held, metric="first_response").pk]
    assert SLAClock.objects.get(ticket=free, metric="first_response").breached_at is not None
    assert SLAClock.objects.get(ticket=held, metric="first_response").breached_at is None
    with travel(T0 + 61 * MINUTE):
        assert deadlines.clock_check(clock_id=per_clock[0]) == ["breached", "escalated", "escalated"]


def test_a_chain_that_ends_without_a_step_is_saved_and_the_sweep_ends(world, customer_a, project_a, engineer):
    tickets = urgent_tickets(2, customer_a, project_a)
    clocks = SLAClock.objects.filter(ticket__in=tickets, metric="first_response")
    # breached with the chain's first step still ahead, then the tickets are resolved
    clocks.update(breached_at=T0, escalation_next_at=T0 + 61 * MINUTE)
    Ticket.objects.filter(pk__in=[t.pk for t in tickets]).update(status="resolved")
    with travel(T0 + 62 * MINUTE):
        assert deadlines.escalate_due() == 0
    assert not clocks.exclude(escalation_next_at=None).exists()
    assert not Notification.objects.filter(reason="escalation").exists()


def test_the_policies_are_read_once_however_many_projects_the_burst_spans(world, customer_a, project_a):
    projects = [project_a] + [ProjectFactory(organisation=project_a.organisation) for _ in range(5)]
    spread = [ticket for project in projects for ticket in urgent_tickets(2, customer_a, project)]
    with travel(T0 + 61 * MINUTE), CaptureQueriesContext(connection) as across_six:
        assert deadlines.breach_due() == 12
    one_project = urgent_tickets(12, customer_a, project_a)
    with travel(T0 + 61 * MINUTE), CaptureQueriesContext(connection) as within_one:
        assert deadlines.breach_due() == 12
    assert len(across_six) == len(within_one)  # not one policy look-up per (project, priority, metric)
    assert rows(spread)["fires"] == rows(one_project)["fires"] == 24
