"""Deadline enforcement through the services, with time under control: warnings, breaches,
escalation chains, exactly once, stale tasks, the watchdog, acknowledgement."""

import datetime

import pytest

from accounts.models import User
from core.errors import NotAllowed, ServiceDeskError
from notifications.models import Notification
from tests.accounts.factories import UserFactory
from tests.tickets.helpers import sh, travel
from tickets import deadlines, escalation, services
from tickets.models import EscalationFire, EscalationStep, SLAClock, Ticket, TicketEvent
from tickets.policies import escalation_policy_save

pytestmark = pytest.mark.django_db

T0 = sh(2026, 3, 2, 10)  # a Monday, 10:00 in Shanghai
MINUTE = datetime.timedelta(minutes=1)


@pytest.fixture
def world(sla_setup, escalation_defaults, groups, customer_a, project_a, engineer, manager):
    return groups


def urgent(customer, project, when=T0, priority="urgent") -> Ticket:
    with travel(when):
        return services.ticket_create(
            actor=customer, project=project, title="Pump down", description="x", priority=priority
        )


def first_response(ticket) -> SLAClock:
    return SLAClock.objects.get(ticket=ticket, metric="first_response")


def check(clock: SLAClock, when: datetime.datetime) -> list[str]:
    with travel(when):
        return deadlines.clock_check(clock_id=clock.pk)


def told(user, reason=None):
    notifications = Notification.objects.filter(recipient=user)
    return notifications.filter(reason=reason) if reason else notifications


def test_a_clock_carries_its_warning_and_due_moments(world, customer_a, project_a):
    clock = first_response(urgent(customer_a, project_a))
    # the urgent first response: 60 minutes round the clock; the warning at 75%
    assert (clock.warn_at, clock.due_at) == (T0 + 45 * MINUTE, T0 + 60 * MINUTE)


def test_the_warning_goes_to_the_assignee_once_before_the_breach(world, customer_a, project_a, engineer):
    ticket = urgent(customer_a, project_a)
    services.ticket_assign(ticket_id=ticket.pk, actor=engineer, assignee=engineer)
    clock = first_response(ticket)
    assert check(clock, T0 + 44 * MINUTE) == []  # not yet
    assert check(clock, T0 + 46 * MINUTE) == ["warned"]
    assert check(clock, T0 + 47 * MINUTE) == []  # a second task, the watchdog: nothing more
    warning = told(engineer, "sla_warning").get()
    assert warning.ticket_id == ticket.pk and warning.reference == ticket.reference
    assert ticket.events.filter(kind=TicketEvent.Kind.WARNED).count() == 1
    assert told(world.leader).count() == 0


def test_the_breach_is_marked_recorded_and_escalated_to_technical_then_leadership(world, customer_a, project_a):
    ticket = urgent(customer_a, project_a)
    clock = first_response(ticket)
    assert check(clock, T0 + 61 * MINUTE) == ["breached", "escalated", "escalated"]
    clock.refresh_from_db()
    assert clock.breached_at == T0 + 60 * MINUTE  # at the due moment, not when it was noticed
    assert ticket.events.filter(kind=TicketEvent.Kind.BREACHED).count() == 1
    tech, leader = told(world.tech, "escalation").get(), told(world.leader, "escalation").get()
    assert tech.urgent and leader.urgent and leader.ticket_id == ticket.pk
    assert "Pump down" in leader.title
    # nobody is assigned: the support team hears of the breach itself
    assert told(world.eng2, "sla_breach").count() == 1
    steps = list(ticket.events.filter(kind=TicketEvent.Kind.ESCALATED).values_list("data", flat=True))
    assert [s["recipients"] for s in steps] == [[str(world.tech)], [str(world.leader)]]
    assert clock.escalation_next_at is None  # the chain is done
    assert check(clock, T0 + 62 * MINUTE) == []


def test_a_task_for_a_moment_that_moved_does_nothing(world, customer_a, project_a, engineer):
    ticket = urgent(customer_a, project_a)
    clock = first_response(ticket)
    with travel(T0 + 30 * MINUTE):
        services.comment_add(ticket_id=ticket.pk, actor=engineer, body="On it")  # the first response
    assert check(clock, T0 + 61 * MINUTE) == []  # the task queued for 11:00 fires: stale
    clock.refresh_from_db()
    assert clock.breached_at is None and not Notification.objects.filter(reason="escalation").exists()


def test_a_priority_change_moves_the_moment_and_the_old_task_finds_nothing_due(world, customer_a, project_a, engineer):
    ticket = urgent(customer_a, project_a)
    with travel(T0 + 10 * MINUTE):
        services.ticket_update(ticket_id=ticket.pk, actor=engineer, priority="normal")  # 4 working hours
    clock = first_response(ticket)
    assert clock.due_at > T0 + 4 * 60 * MINUTE
    assert check(clock, T0 + 61 * MINUTE) == []


def test_each_step_is_taken_once_whoever_reaches_it(world, customer_a, project_a):
    ticket = urgent(customer_a, project_a)
    clock = first_response(ticket)
    check(clock, T0 + 61 * MINUTE)
    # a worker that read the clock before the others wrote it tries the same steps again
    SLAClock.objects.filter(pk=clock.pk).update(escalation_position=0, escalation_next_at=T0 + 60 * MINUTE)
    assert check(clock, T0 + 61 * MINUTE) == []  # the unique (clock, step, repetition) refuses it
    assert told(world.leader).count() == 1 and EscalationFire.objects.filter(clock=clock).count() == 2
    with travel(T0 + 62 * MINUTE):
        deadlines.watchdog()
    assert told(world.leader).count() == 1


def test_steps_follow_their_delays_and_the_chain_repeats(world, customer_a, project_a, engineer, manager):
    escalation_policy_save(
        name="Normal, repeated",
        priority="normal",
        repeat_count=1,
        repeat_after_minutes=60,
        steps=[
            {"action": "notify_assignee", "delay_minutes": 0},
            {"action": "notify_managers", "delay_minutes": 30},
        ],
    )
    ticket = urgent(customer_a, project_a, priority="normal")
    services.ticket_assign(ticket_id=ticket.pk, actor=engineer, assignee=engineer)
    clock = first_response(ticket)
    due = clock.due_at  # 14:00: four working hours, with lunch
    assert due == sh(2026, 3, 2, 15)
    assert check(clock, due) == ["breached", "escalated"]
    assert check(clock, due + 29 * MINUTE) == []
    assert check(clock, due + 30 * MINUTE) == ["escalated"]  # the managers
    assert check(clock, due + 89 * MINUTE) == []
    assert check(clock, due + 90 * MINUTE) == ["escalated"]  # round two: the assignee again
    assert check(clock, due + 120 * MINUTE) == ["escalated"]  # and the managers
    assert check(clock, due + 600 * MINUTE) == []  # two rounds, then nothing
    assert told(engineer, "escalation").count() == 2 and told(manager, "escalation").count() == 2


def test_acknowledging_stops_the_chain_and_says_who_and_when(world, customer_a, project_a, engineer, manager):
    ticket = urgent(customer_a, project_a, priority="normal")  # the standard chain: team lead, then managers
    clock = first_response(ticket)
    check(clock, clock.due_at + MINUTE)
    assert told(world.lead, "escalation").count() == 1  # the support team's lead, not its engineer
    assert told(world.eng2, "escalation").count() == 0
    with travel(clock.due_at + 10 * MINUTE):
        escalation.ticket_acknowledge(ticket_id=ticket.pk, actor=engineer)
    assert check(clock, clock.due_at + 31 * MINUTE) == []  # the managers are not called
    assert told(manager).count() == 0
    clock.refresh_from_db()
    assert (clock.acknowledged_by, clock.acknowledged_at) == (engineer, clock.due_at + 10 * MINUTE)
    event = ticket.events.get(kind=TicketEvent.Kind.ESCALATION_ACKNOWLEDGED)
    assert event.actor == engineer and event.created_at is not None
    assert told(world.lead, "acknowledged").count() == 1  # those told so far learn it
    with pytest.raises(ServiceDeskError):
        escalation.ticket_acknowledge(ticket_id=ticket.pk, actor=engineer)


def test_customers_cannot_acknowledge(world, customer_a, project_a):
    ticket = urgent(customer_a, project_a)
    check(first_response(ticket), T0 + 61 * MINUTE)
    with pytest.raises(NotAllowed):
        escalation.ticket_acknowledge(ticket_id=ticket.pk, actor=customer_a)


def test_a_raise_priority_step_moves_the_ticket_up(world, customer_a, project_a):
    escalation_policy_save(name="Raise", priority="normal", steps=[{"action": "raise_priority", "delay_minutes": 0}])
    ticket = urgent(customer_a, project_a, priority="normal")
    clock = first_response(ticket)
    check(clock, clock.due_at + MINUTE)
    ticket.refresh_from_db()
    assert ticket.priority == "high"
    assert ticket.events.filter(kind=TicketEvent.Kind.PRIORITY, data__by="escalation").exists()
    clock.refresh_from_db()
    assert clock.breached_at is not None  # a recorded breach stays


def test_the_most_specific_policy_wins(world, customer_a, project_a):
    general = escalation_policy_save(name="Any", steps=[{"action": "notify_managers"}])
    by_priority = escalation_policy_save(name="Urgent", priority="urgent", steps=[{"action": "notify_managers"}])
    by_project = escalation_policy_save(name="Project", project=project_a, steps=[{"action": "notify_managers"}])
    ticket = urgent(customer_a, project_a)
    assert escalation.policy_for_breach(ticket, "resolution") == by_project
    by_project.is_active = False
    by_project.save()
    assert escalation.policy_for_breach(ticket, "resolution") == by_priority
    assert escalation.policy_for_breach(ticket, "first_response").name == "Urgent fault unanswered"
    ticket.priority = "low"
    assert escalation.policy_for_breach(ticket, "resolution") in (general, escalation.policy_for_breach(ticket, ""))


def test_opening_an_incident_is_offered_only_while_a_module_registers_it(world, monkeypatch):
    policy = escalation_policy_save(name="Plain", steps=[{"action": "notify_managers"}])
    step = EscalationStep(policy=policy, action="open_incident")
    step.full_clean()  # the emergency module registered it at start-up
    assert "open_incident" in dict(escalation.offered_actions())
    monkeypatch.delitem(escalation._ACTIONS, "open_incident")
    with pytest.raises(Exception, match="not available"):
        step.full_clean()
    assert "open_incident" not in dict(escalation.offered_actions())


def test_a_step_needs_its_target(world):
    with pytest.raises(Exception, match="team"):
        escalation_policy_save(name="Bad", steps=[{"action": "notify_team"}])


# --- scheduling: ETA tasks within the horizon, the watchdog ------------------------------


@pytest.fixture
def queued(monkeypatch):
    calls = []
    monkeypatch.setattr(deadlines, "queue", lambda clock_id, eta=None: calls.append((clock_id, eta)))
    return calls


def test_a_moment_within_the_horizon_is_queued_when_the_clock_starts(
    world, customer_a, project_a, engineer, monkeypatch, django_capture_on_commit_callbacks
):
    queued, original = [], deadlines.queue

    def record(clock_id, eta=None):
        queued.append((clock_id, eta))
        original(clock_id, eta)  # eager in tests: the task runs at once

    monkeypatch.setattr(deadlines, "queue", record)
    # logged by phone 58 minutes after the call: the warning has passed, the due moment is 2 minutes away
    with travel(T0), django_capture_on_commit_callbacks(execute=True):
        ticket = services.ticket_create(
            actor=engineer,
            project=project_a,
            reporter=customer_a,
            title="Pump down",
            description="x",
            priority="urgent",
            received_at=T0 - 58 * MINUTE,
        )
    clock = first_response(ticket)
    # the passed warning at once; once it is given, the due moment with its ETA
    assert queued == [(clock.pk, clock.warn_at), (clock.pk, clock.due_at)]
    assert clock.warned_at == T0
    far = urgent(customer_a, project_a)  # due in an hour: left to the watchdog
    assert not [call for call in queued if call[0] == first_response(far).pk]


def test_the_watchdog_queues_each_moment_once_and_catches_what_was_missed(world, customer_a, project_a, queued):
    soon = first_response(urgent(customer_a, project_a, when=T0 - 57 * MINUTE))  # due T0 + 3 min
    later = first_response(urgent(customer_a, project_a, when=T0 - 50 * MINUTE))  # due T0 + 10 min
    missed = first_response(urgent(customer_a, project_a, when=T0 - 61 * MINUTE))  # due a minute ago
    queued.clear()
    with travel(T0):
        assert deadlines.watchdog() == {"late": 3, "queued": 1}
    # late: the missed due moment, the passed warnings of the others, all handled by one sweep
    # queued at once (named by the first of them); upcoming: soon's due moment
    expected = [(min(missed.pk, soon.pk, later.pk), None), (soon.pk, soon.due_at)]
    assert sorted(queued, key=str) == sorted(expected, key=str)
    queued.clear()
    with travel(T0 + MINUTE):
        deadlines.watchdog()
    assert (soon.pk, soon.due_at) not in queued  # already queued last minute
    with travel(T0 + 6 * MINUTE):
        deadlines.watchdog()
    assert (later.pk, later.due_at) in queued  # entered the horizon


def test_the_watchdog_marks_a_breach_whose_task_was_lost(world, customer_a, project_a):
    clock = first_response(urgent(customer_a, project_a))
    with travel(T0 + 61 * MINUTE):
        deadlines.watchdog()  # eager in tests: the queued task runs at once
    clock.refresh_from_db()
    assert clock.breached_at == clock.due_at and told(world.leader, "escalation").count() == 1


def test_the_watchdog_asks_three_indexed_questions(world, customer_a, project_a, django_assert_max_num_queries, queued):
    for n in range(5):
        urgent(customer_a, project_a, when=T0 - n * MINUTE)
    with travel(T0 + 2 * 60 * MINUTE), django_assert_max_num_queries(6):
        deadlines.watchdog()


def test_a_new_manager_is_told_in_their_language(world, customer_a, project_a):
    UserFactory(username="mgr-zh", role=User.Role.MANAGER, language="zh-hans")
    ticket = urgent(customer_a, project_a, priority="normal")
    clock = first_response(ticket)
    check(clock, clock.due_at + 31 * MINUTE)
    title = told(User.objects.get(username="mgr-zh"), "escalation").get().title
    assert "升级" in title


def test_a_task_that_runs_a_moment_early_queues_itself_for_the_moment(world, customer_a, project_a, queued):
    clock = first_response(urgent(customer_a, project_a))
    check(clock, clock.warn_at)
    queued.clear()
    with travel(clock.due_at - datetime.timedelta(seconds=2)):
        assert deadlines.clock_check(clock_id=clock.pk) == []
        deadlines.requeue_if_early(clock.pk)
    assert queued == [(clock.pk, clock.due_at)]
    queued.clear()
    with travel(clock.due_at - 10 * MINUTE):
        deadlines.requeue_if_early(clock.pk)  # a stale task for a moment long ahead: the watchdog's
    assert queued == []


def test_no_chain_runs_on_a_resolved_ticket(world, customer_a, project_a, engineer):
    ticket = urgent(customer_a, project_a)
    with travel(T0 + MINUTE):
        services.ticket_dispatch(ticket_id=ticket.pk, actor=engineer, engineer=engineer)
        services.ticket_update(ticket_id=ticket.pk, actor=engineer, status="resolved")
    onsite = SLAClock.objects.get(ticket=ticket, metric="onsite_arrival")
    assert check(onsite, onsite.due_at + MINUTE) == ["breached"]  # the engineer never arrived: missed
    assert not Notification.objects.filter(reason="escalation").exists()  # but nobody is chased


def test_a_team_is_told_in_a_bounded_number_of_queries(world, django_assert_max_num_queries):
    from notifications.services import Message, notify

    for n in range(10):
        user = UserFactory(username=f"member{n}")
        world.technical_team.memberships.create(user=user)
    message = Message(reason="escalation", subject="x", template="notifications/email/_footer.txt")
    users = list(User.objects.filter(username__startswith="member"))
    # per person only the two get_or_create writes (notification, email: a read, a savepoint, an
    # insert, a release each); their channels and webhooks are read once for everyone
    with django_assert_max_num_queries(4 + 8 * len(users)):
        assert notify(users=users, teams=[world.technical_team], key="burst", message=message) == 10


def test_a_policy_with_a_step_missing_its_target_is_refused_whole(world, api, admin_user, monkeypatch):
    from tickets.models import EscalationPolicy

    answer = api.as_user(admin_user).post(
        "/api/v1/escalation-policies/",
        {"name": "Broken", "steps": [{"action": "notify_managers"}, {"action": "notify_team"}]},
        format="json",
    )
    assert answer.status_code == 400 and "steps[1]" in answer.json()["errors"]
    assert not EscalationPolicy.objects.filter(name="Broken").exists()  # nothing half-saved
    assert api.post("/api/v1/escalation-policies/", {"name": "X", "steps": []}, format="json").status_code == 400
    monkeypatch.delitem(escalation._ACTIONS, "open_incident")
    answer = api.post(
        "/api/v1/escalation-policies/", {"name": "X", "steps": [{"action": "open_incident"}]}, format="json"
    )
    assert answer.status_code == 400  # not offered while no module registers it
