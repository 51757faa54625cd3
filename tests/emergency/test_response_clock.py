"""The emergency clock starts at the first call: the response target from the report (the
project's, the desk's, the strictest plan's), tightened never loosened, the breach told at once
through quiet hours, the escalation chain and its acknowledgement, and the on-site arrival
target of each dispatch."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from core.errors import ServiceDeskError
from emergency import services
from emergency.models import Incident, IncidentDispatch, IncidentEntry, IncidentEscalationFire, ResponsePlan
from emergency.tasks import deadlines
from notifications.models import Delivery, Notification, Preference
from tickets import escalation
from tickets.policies import escalation_policy_save

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
MINUTE = datetime.timedelta(minutes=1)


def sh(*args):
    return datetime.datetime(*args, tzinfo=SHANGHAI)


def report(groups, project, at):
    with time_machine.travel(at, tick=False):
        return services.incident_create(
            actor=groups.liaison, project=project, title="Zephyr SCADA down", symptoms="No trends", reporter_name="Bob"
        )


def move(incident, actor, to, at, **data):
    with time_machine.travel(at, tick=False):
        return services.incident_transition(incident_id=incident.pk, actor=actor, to=to, **data)


def sweep(at):
    return services.incident_deadlines(at)


def fresh(incident):
    return Incident.objects.get(pk=incident.pk)


# --- the response target from the report ----------------------------------------------------


def test_the_response_clock_starts_at_the_report_with_the_strictest_plans_target(groups, project_a):
    # the critical plan's 30 minutes is the strictest; nothing set on the project or the desk
    incident = report(groups, project_a, sh(2026, 11, 25, 3))
    assert (incident.response_due_at, incident.plan, incident.grade) == (sh(2026, 11, 25, 3, 30), None, "")
    assert services.response_minutes(project_a) == 30


def test_the_projects_target_wins_then_the_desks_setting(groups, project_a, settings):
    settings.EMERGENCY_RESPONSE_MINUTES = 90
    assert report(groups, project_a, sh(2026, 11, 25, 3)).response_due_at == sh(2026, 11, 25, 4, 30)
    project_a.emergency_response_minutes = 240
    project_a.save()
    assert report(groups, project_a, sh(2026, 11, 25, 3)).response_due_at == sh(2026, 11, 25, 7)


def test_without_any_plan_the_target_is_two_hours(groups, project_a):
    ResponsePlan.objects.all().delete()
    assert report(groups, project_a, sh(2026, 12, 31, 23)).response_due_at == sh(2027, 1, 1, 1)


def test_assessment_and_activation_tighten_but_never_loosen(groups, project_a):
    # given: the project promises two hours: due 12:00
    project_a.emergency_response_minutes = 120
    project_a.save()
    incident = report(groups, project_a, sh(2026, 11, 25, 10))
    assert incident.response_due_at == sh(2026, 11, 25, 12)
    # when: assessed general (240 minutes): later, so the due moment stands
    incident = move(incident, groups.tech, "assessed", sh(2026, 11, 25, 10, 5), grade="general")
    assert incident.response_due_at == sh(2026, 11, 25, 12)
    # when: re-graded urgent (60 minutes from the report): tighter, so 11:00
    with time_machine.travel(sh(2026, 11, 25, 10, 10), tick=False):
        services.incident_regrade(incident_id=incident.pk, actor=groups.tech, grade="urgent", grade_reason="Spreads")
    assert fresh(incident).response_due_at == sh(2026, 11, 25, 11)
    # when: the plan is activated, then the incident re-graded general again: 11:00 stays
    incident = move(fresh(incident), groups.tech, "plan_activated", sh(2026, 11, 25, 10, 15))
    with time_machine.travel(sh(2026, 11, 25, 10, 20), tick=False):
        services.incident_regrade(incident_id=incident.pk, actor=groups.tech, grade="general", grade_reason="Calmer")
    incident = fresh(incident)
    assert (incident.plan.grade, incident.response_due_at) == ("general", sh(2026, 11, 25, 11))
    assert incident.recovery_due_at == sh(2026, 11, 27, 10)  # the recovery target follows the plan


def test_handling_in_time_stops_the_response_clock(groups, project_a):
    incident = report(groups, project_a, sh(2026, 11, 25, 10))
    move(incident, groups.tech, "assessed", sh(2026, 11, 25, 10, 5), grade="critical")
    move(incident, groups.tech, "plan_activated", sh(2026, 11, 25, 10, 6))
    move(incident, groups.tech, "remote_handling", sh(2026, 11, 25, 10, 20))
    assert sweep(sh(2026, 11, 25, 11)) == 0
    assert fresh(incident).response_breached_at is None


# --- the breach, told at once through quiet hours ------------------------------------------


def test_an_unanswered_report_at_night_is_told_at_once_through_quiet_hours(groups, project_a):
    # given: the leader sleeps 22:00-07:00 (Shanghai) and the report comes at 03:00, never assessed
    groups.leader.time_zone = "Asia/Shanghai"
    groups.leader.save()
    Preference.objects.create(user=groups.leader, quiet_from=datetime.time(22), quiet_until=datetime.time(7))
    incident = report(groups, project_a, sh(2026, 11, 25, 3))
    # when: the sweep runs at 03:31
    with time_machine.travel(sh(2026, 11, 25, 3, 31), tick=False):
        assert deadlines() == 1
        assert deadlines() == 0  # the task run twice marks and tells nothing twice
    # then: marked, on the timeline, and the leader's email is due now, not at 07:00
    assert fresh(incident).response_breached_at == sh(2026, 11, 25, 3, 31)
    entry = incident.entries.get(kind=IncidentEntry.Kind.BREACH)
    assert entry.data["target"] == "response"
    mail = Delivery.objects.get(key__startswith=f"incident:{incident.pk}:breach:response:", recipient=groups.leader)
    assert mail.next_attempt_at <= sh(2026, 11, 25, 3, 31)
    notice = Notification.objects.get(recipient=groups.leader, key__contains=":breach:response:")
    assert notice.urgent and notice.token and f"/emergency/acknowledge/{notice.token}/" in notice.body


# --- the escalation chain ---------------------------------------------------------------------


@pytest.fixture
def chain(groups):
    """The strictest plan (critical) names a chain: the leadership group at the breach, the
    managers 15 minutes later, the whole chain once more after 30 minutes."""
    policy = escalation_policy_save(
        name="Emergency response",
        repeat_count=1,
        repeat_after_minutes=30,
        steps=[
            {"action": "notify_group", "group": "leadership", "delay_minutes": 0},
            {"action": "notify_managers", "delay_minutes": 15},
        ],
    )
    ResponsePlan.objects.filter(grade="critical").update(escalation_policy=policy)
    return policy


def steps_taken(incident):
    return list(
        incident.entries.filter(kind=IncidentEntry.Kind.ESCALATED)
        .order_by("pk")
        .values_list("data__action", "data__repetition")
    )


def test_an_unanswered_incident_escalates_step_by_step_exactly_once(groups, project_a, manager, chain):
    # given: reported at 03:00, never assessed: due 03:30
    incident = report(groups, project_a, sh(2026, 11, 25, 3))
    # when: the breach: the first step at once
    assert sweep(sh(2026, 11, 25, 3, 30)) == 2  # the breach and the first step
    incident = fresh(incident)
    assert incident.escalation_policy == chain
    assert steps_taken(incident) == [("notify_group", 0)]
    assert Notification.objects.filter(key__startswith=f"incident:{incident.pk}:escalation:").count() == 1
    # then: the managers at 03:45, not before; each step once, however often the sweep runs
    assert sweep(sh(2026, 11, 25, 3, 44)) == 0
    assert sweep(sh(2026, 11, 25, 3, 45)) == 1
    assert sweep(sh(2026, 11, 25, 3, 45)) == 0
    assert Notification.objects.filter(recipient=manager, reason="escalation").count() == 1
    # and: the second round at 04:15 and 04:30, then nothing more
    assert sweep(sh(2026, 11, 25, 4, 15)) == 1
    assert sweep(sh(2026, 11, 25, 4, 30)) == 1
    assert sweep(sh(2026, 11, 25, 9)) == 0
    assert steps_taken(fresh(incident)) == [
        ("notify_group", 0),
        ("notify_managers", 0),
        ("notify_group", 1),
        ("notify_managers", 1),
    ]
    assert fresh(incident).escalation_next_at is None


def test_a_step_already_taken_is_not_taken_again_by_a_late_duplicate(groups, project_a, chain):
    incident = report(groups, project_a, sh(2026, 11, 25, 3))
    sweep(sh(2026, 11, 25, 3, 30))
    # given: a stale worker put the chain back to its first step (a redelivered task)
    Incident.objects.filter(pk=incident.pk).update(escalation_position=0, escalation_next_at=sh(2026, 11, 25, 3, 30))
    # then: the unique fire refuses it, and nobody is told twice
    told = Notification.objects.count()
    assert sweep(sh(2026, 11, 25, 3, 31)) == 0
    assert IncidentEscalationFire.objects.filter(incident=incident).count() == 1
    assert Notification.objects.count() == told


def test_the_acknowledgement_link_stops_further_steps(client, groups, project_a, manager, chain):
    incident = report(groups, project_a, sh(2026, 11, 25, 3))
    sweep(sh(2026, 11, 25, 3, 30))
    token = Notification.objects.get(recipient=groups.leader, key__contains=":escalation:").token
    # when: the leader opens the link (GET asks, changes nothing), then confirms (POST)
    with time_machine.travel(sh(2026, 11, 25, 3, 35), tick=False):
        page = client.get(f"/emergency/acknowledge/{token}/")
        assert page.status_code == 200 and fresh(incident).acknowledged_at is None
        page = client.post(f"/emergency/acknowledge/{token}/")
    assert b'id="acknowledge-result"' in page.content
    incident = fresh(incident)
    assert (incident.acknowledged_at, incident.acknowledged_by) == (sh(2026, 11, 25, 3, 35), groups.leader)
    assert incident.entries.filter(kind=IncidentEntry.Kind.ACKNOWLEDGED, actor=groups.leader).exists()
    # then: the managers' step never comes
    assert sweep(sh(2026, 11, 25, 4)) == 0
    assert not Notification.objects.filter(recipient=manager, reason="escalation").exists()
    # and: a second acknowledgement is refused; a made-up token is a 400
    with pytest.raises(ServiceDeskError):
        services.incident_acknowledge(incident_id=incident.pk, actor=groups.tech)
    assert client.get("/emergency/acknowledge/not-a-token/").status_code == 400


def test_the_breach_notice_link_acknowledges_too_and_handling_ends_the_chain(groups, project_a, manager, chain):
    incident = report(groups, project_a, sh(2026, 11, 25, 3))
    sweep(sh(2026, 11, 25, 3, 30))
    token = Notification.objects.get(recipient=groups.leader, key__contains=":breach:response:").token
    assert services.acknowledge_reader(token) == (fresh(incident), groups.leader)
    # when: handling starts instead (assessed and activated, then remote handling at 03:40)
    move(incident, groups.tech, "assessed", sh(2026, 11, 25, 3, 38), grade="critical")
    move(incident, groups.tech, "plan_activated", sh(2026, 11, 25, 3, 39))
    move(incident, groups.tech, "remote_handling", sh(2026, 11, 25, 3, 40))
    # then: no further step
    assert sweep(sh(2026, 11, 25, 3, 45)) == 0
    assert steps_taken(fresh(incident)) == [("notify_group", 0)]


def test_a_ticket_breach_never_picks_the_policy_a_response_plan_keeps(chain, project_a):
    assert escalation.Policies().for_breach(project_a.pk, "urgent", "first_response") != chain


# --- the on-site arrival target ---------------------------------------------------------------


def onsite(groups, project_a, at):
    incident = report(groups, project_a, at)
    move(incident, groups.tech, "assessed", at + MINUTE, grade="urgent")
    move(incident, groups.tech, "plan_activated", at + 2 * MINUTE)
    move(incident, groups.tech, "remote_handling", at + 3 * MINUTE)
    return move(incident, groups.tech, "onsite", at + 10 * MINUTE, engineer=groups.eng2)


def test_each_dispatch_has_an_arrival_target_marked_once_when_missed(groups, project_a):
    ResponsePlan.objects.filter(grade="urgent").update(onsite_minutes=120)
    # given: dispatched at 10:10: due on site by 12:10
    incident = onsite(groups, project_a, sh(2026, 11, 25, 10))
    dispatch = IncidentDispatch.objects.get(incident=incident)
    assert dispatch.arrival_due_at == sh(2026, 11, 25, 12, 10)
    assert sweep(sh(2026, 11, 25, 12, 10) - MINUTE) == 0
    # when: not there by then
    assert sweep(sh(2026, 11, 25, 12, 11)) == 1
    assert sweep(sh(2026, 11, 25, 12, 12)) == 0
    # then: marked, on the timeline, the leadership group told urgently, once
    dispatch.refresh_from_db()
    assert dispatch.arrival_breached_at == sh(2026, 11, 25, 12, 11)
    assert incident.entries.get(kind=IncidentEntry.Kind.BREACH).data["target"] == "arrival"
    told = Notification.objects.filter(
        key=f"incident:{incident.pk}:breach:arrival:{dispatch.pk}:user:{groups.leader.pk}"
    )
    assert [n.urgent for n in told] == [True]


def test_an_arrival_in_time_is_never_marked(groups, project_a):
    ResponsePlan.objects.filter(grade="urgent").update(onsite_minutes=120)
    incident = onsite(groups, project_a, sh(2026, 11, 25, 10))
    with time_machine.travel(sh(2026, 11, 25, 11), tick=False):
        services.incident_arrive(incident_id=incident.pk, actor=groups.eng2)
    assert sweep(sh(2026, 11, 25, 13)) == 0
    assert IncidentDispatch.objects.get(incident=incident).arrival_breached_at is None


def test_a_plan_without_an_arrival_target_sets_none(groups, project_a):
    ResponsePlan.objects.filter(grade="urgent").update(onsite_minutes=None)
    incident = onsite(groups, project_a, sh(2026, 11, 25, 10))
    assert IncidentDispatch.objects.get(incident=incident).arrival_due_at is None
