"""The minute sweep: a response or recovery target that passes unmet is marked once, and the
leadership group and the people assigned are told at once."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings

from emergency import services
from emergency.models import Incident, IncidentEntry
from emergency.tasks import deadlines
from notifications.models import Notification
from servicedesk.celery import app

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
BREACH = IncidentEntry.Kind.BREACH


def sh(*args):
    return datetime.datetime(*args, tzinfo=SHANGHAI)


def move(incident, actor, to, at, **data):
    with time_machine.travel(at, tick=False):
        return services.incident_transition(incident_id=incident.pk, actor=actor, to=to, **data)


@pytest.fixture
def incident(groups, project_a):
    """Critical, reported at 10:00 Shanghai, plan active at 10:05 with eng2 assigned: response due
    10:30, recovery due 14:00 (round the clock)."""
    with time_machine.travel(sh(2026, 11, 25, 10), tick=False):
        reported = services.incident_create(
            actor=groups.liaison, project=project_a, title="Records down", symptoms="No ward", reporter_name="Bob"
        )
    move(reported, groups.tech, "assessed", sh(2026, 11, 25, 10, 1), grade="critical")
    active = move(reported, groups.tech, "plan_activated", sh(2026, 11, 25, 10, 5), responders=[groups.eng2])
    assert (active.response_due_at, active.recovery_due_at) == (sh(2026, 11, 25, 10, 30), sh(2026, 11, 25, 14))
    return active


def told(target):
    """Who was told that the ``target`` was breached, and whether urgently."""
    return {
        (n.recipient.username, n.urgent)
        for n in Notification.objects.filter(reason="incident", key__contains=f":breach:{target}:")
    }


def breaches(incident):
    """The breach entries' data, the due moment read back as a datetime."""
    return [
        {**data, "due_at": datetime.datetime.fromisoformat(data["due_at"])}
        for data in incident.entries.filter(kind=BREACH).values_list("data", flat=True)
    ]


def test_before_the_due_moment_nothing_happens(incident):
    assert services.incident_deadlines(sh(2026, 11, 25, 10, 29, 59)) == 0
    incident.refresh_from_db()
    assert (incident.response_breached_at, incident.recovery_breached_at) == (None, None)
    assert breaches(incident) == [] and told("response") == set()


def test_a_missed_response_is_marked_once_and_told_urgently_once(incident, groups):
    # when: the sweep runs a minute after the response was due
    assert services.incident_deadlines(sh(2026, 11, 25, 10, 31)) == 1
    # then: marked, one timeline entry, the leadership group and the people assigned told urgently
    incident.refresh_from_db()
    assert incident.response_breached_at == sh(2026, 11, 25, 10, 31)
    assert incident.recovery_breached_at is None
    assert breaches(incident) == [{"target": "response", "due_at": sh(2026, 11, 25, 10, 30)}]
    assert told("response") == {(groups.leader.username, True), (groups.eng2.username, True)}
    notifications = Notification.objects.count()

    # when: the sweep runs again (next minute, or twice)
    assert services.incident_deadlines(sh(2026, 11, 25, 10, 32)) == 0
    assert services.incident_deadlines(sh(2026, 11, 25, 10, 32)) == 0
    # then: nothing changes and nobody is told twice
    incident.refresh_from_db()
    assert incident.response_breached_at == sh(2026, 11, 25, 10, 31)
    assert len(breaches(incident)) == 1
    assert Notification.objects.count() == notifications


def test_a_response_in_time_is_never_marked(incident, groups):
    move(incident, groups.tech, "remote_handling", sh(2026, 11, 25, 10, 20))
    assert services.incident_deadlines(sh(2026, 11, 25, 10, 31)) == 0
    incident.refresh_from_db()
    assert (incident.responded_at, incident.response_breached_at) == (sh(2026, 11, 25, 10, 20), None)
    assert told("response") == set()


def test_a_missed_recovery_is_marked_once(incident, groups):
    move(incident, groups.tech, "remote_handling", sh(2026, 11, 25, 10, 20))
    assert services.incident_deadlines(sh(2026, 11, 25, 13, 59)) == 0
    assert services.incident_deadlines(sh(2026, 11, 25, 14, 1)) == 1
    incident.refresh_from_db()
    assert (incident.response_breached_at, incident.recovery_breached_at) == (None, sh(2026, 11, 25, 14, 1))
    assert breaches(incident) == [{"target": "recovery", "due_at": sh(2026, 11, 25, 14)}]
    assert told("recovery") == {(groups.leader.username, True), (groups.eng2.username, True)}
    assert services.incident_deadlines(sh(2026, 11, 25, 14, 2)) == 0
    assert len(breaches(incident)) == 1


def test_both_targets_missed_are_marked_in_one_sweep(incident):
    assert services.incident_deadlines(sh(2026, 11, 25, 15)) == 2
    assert {data["target"] for data in breaches(incident)} == {"response", "recovery"}


def test_a_recovery_in_time_is_never_marked(incident, groups):
    move(incident, groups.tech, "remote_handling", sh(2026, 11, 25, 10, 20))
    move(incident, groups.tech, "recovered", sh(2026, 11, 25, 13))
    assert services.incident_deadlines(sh(2026, 11, 25, 14, 1)) == 0
    incident.refresh_from_db()
    assert incident.recovery_breached_at is None and breaches(incident) == []


def test_a_recovery_the_customer_does_not_confirm_runs_on(incident, groups):
    # given: recovered in time, then reopened after the recovery target
    move(incident, groups.tech, "remote_handling", sh(2026, 11, 25, 10, 20))
    move(incident, groups.tech, "recovered", sh(2026, 11, 25, 13))
    move(incident, groups.tech, "remote_handling", sh(2026, 11, 25, 14, 30), note="Ward 3 still down")
    # then: the recovery target counts as missed
    assert services.incident_deadlines(sh(2026, 11, 25, 14, 31)) == 1
    assert [data["target"] for data in breaches(incident)] == ["recovery"]


def test_a_closed_incident_is_ignored(incident):
    # given: closed with both targets unmet on the record (e.g. closed by an administrator)
    Incident.objects.filter(pk=incident.pk).update(status=Incident.Status.CLOSED)
    assert services.incident_deadlines(sh(2026, 11, 25, 15)) == 0
    incident.refresh_from_db()
    assert (incident.response_breached_at, incident.recovery_breached_at) == (None, None)
    assert breaches(incident) == []


def test_an_incident_never_assessed_breaches_its_response_target_from_the_report(groups, project_a):
    # given: reported at 03:00 and never assessed (the strictest plan's 30 minutes: due 03:30)
    with time_machine.travel(sh(2026, 11, 25, 3), tick=False):
        reported = services.incident_create(
            actor=groups.liaison, project=project_a, title="T", symptoms="S", reporter_name="R"
        )
    assert reported.response_due_at == sh(2026, 11, 25, 3, 30)
    assert services.incident_deadlines(sh(2026, 11, 25, 3, 29)) == 0
    # when: nobody answers by then
    assert services.incident_deadlines(sh(2026, 11, 25, 3, 31)) == 1
    # then: marked, and the leadership group told at once; the recovery target has no due moment yet
    reported.refresh_from_db()
    assert (reported.response_breached_at, reported.recovery_breached_at) == (sh(2026, 11, 25, 3, 31), None)
    assert told("response") == {(groups.leader.username, True)}
    assert services.incident_deadlines(datetime.datetime(2100, 1, 1, tzinfo=datetime.UTC)) == 0


def test_the_sweep_takes_four_queries_when_nothing_is_due(incident, django_assert_max_num_queries):
    # response, recovery, on-site arrivals and escalation steps: one indexed query each
    with django_assert_max_num_queries(4):
        assert services.incident_deadlines(sh(2026, 11, 25, 10, 29)) == 0


# --- the task -------------------------------------------------------------------------------


def test_beat_runs_the_task_every_minute_on_the_emergency_queue():
    entry = settings.CELERY_BEAT_SCHEDULE["incident-deadlines"]
    assert entry["task"] == "emergency.tasks.deadlines" == deadlines.name
    assert entry["schedule"] <= 60
    assert settings.CELERY_TASK_ROUTES["emergency.tasks.*"] == {"queue": "emergency"}
    assert app.amqp.router.route({}, "emergency.tasks.deadlines")["queue"].name == "emergency"


def test_the_task_marks_what_is_due_now_and_runs_twice_harmlessly(incident):
    with time_machine.travel(sh(2026, 11, 25, 10, 31), tick=False):
        assert deadlines() == 1
        assert deadlines() == 0
    assert len(breaches(incident)) == 1
