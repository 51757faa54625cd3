"""The response process rules: the state machine, grading and re-grading, the plan's clocks,
verification and review, tickets promoted or escalated to incidents."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from core.errors import NotAllowed, ServiceDeskError
from emergency import defaults, services
from emergency.models import Grade, GradingRule, Incident, IncidentEntry, Level, ResponsePlan, ReviewAction

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
Status = Incident.Status
ORDER = [s for s in Status.values if s != Status.REPORTED]  # assessed ... closed, the onsite detour included


def sh(*args):
    return datetime.datetime(*args, tzinfo=SHANGHAI)


def step_data(to, groups):
    """What each step needs to be accepted."""
    return {
        Status.ASSESSED: {"grade": "general"},
        Status.REMOTE_HANDLING: {"note": "Not recovered after all"},
        Status.ONSITE: {"engineer": groups.eng2},
        Status.VERIFIED: {"verification_note": "Bob confirmed by phone"},
        Status.REVIEWED: {"root_cause": "Controller firmware", "summary": "Back in an hour"},
    }.get(to, {})


def report(groups, project, **extra):
    fields = {"title": "Records cluster down", "symptoms": "No ward opens records", "reporter_name": "Bob Zhou"}
    return services.incident_create(actor=groups.liaison, project=project, **{**fields, **extra})


def move(incident, actor, to, **data):
    return services.incident_transition(incident_id=incident.pk, actor=actor, to=to, **data)


def walk(incident, groups, status):
    """Take the incident through the real steps up to ``status``."""
    for to in ORDER[ORDER.index(incident.status) + 1 if incident.status in ORDER else 0 :]:
        if Status(incident.status) == status:
            break
        incident = move(incident, groups.tech, to, **step_data(to, groups))
    assert incident.status == status
    return incident


def snapshot(incident):
    return (
        Incident.objects.filter(pk=incident.pk).values().get(),
        list(incident.entries.values_list("pk", flat=True)),
        list(incident.responders.values_list("pk", flat=True)),
    )


# --- the state machine ----------------------------------------------------------------------

REFUSED = [(a, b) for a in Status.values for b in Status.values if b not in services.NEXT[a]]


def test_the_machine_has_every_step_and_ten_moves():
    assert set(services.NEXT) == set(Status.values)
    assert sum(len(nexts) for nexts in services.NEXT.values()) == 10
    assert len(REFUSED) == 81 - 10


@pytest.mark.parametrize(("current", "to"), REFUSED, ids=[f"{a}->{b}" for a, b in REFUSED])
def test_a_move_out_of_order_is_refused_and_changes_nothing(groups, project_a, current, to):
    # given: an incident that reached ``current`` by the real steps
    incident = walk(report(groups, project_a), groups, current)
    before = snapshot(incident)
    # when: it is moved to ``to`` with everything that step would need
    with pytest.raises(ServiceDeskError) as refused:
        move(incident, groups.tech, to, **step_data(to, groups))
    # then: refused for the order (not for a permission), nothing written
    assert not isinstance(refused.value, NotAllowed)
    assert refused.value.field == "to"
    assert snapshot(incident) == before


def test_references_count_per_local_year(groups, project_a):
    # 07:00 on New Year's Day in Shanghai is still the old year in UTC
    with time_machine.travel(sh(2026, 12, 31, 23), tick=False):
        assert report(groups, project_a).reference == "INC-2026-0001"
    with time_machine.travel(sh(2027, 1, 1, 7), tick=False):
        assert report(groups, project_a).reference == "INC-2027-0001"
        assert report(groups, project_a).reference == "INC-2027-0002"


def test_an_unknown_step_is_refused(groups, project_a):
    incident = report(groups, project_a)
    with pytest.raises(ServiceDeskError):
        move(incident, groups.tech, "solved")
    assert Incident.objects.get(pk=incident.pk).status == Status.REPORTED


# --- grading --------------------------------------------------------------------------------

grade_for = defaults.grade_for
LEVELS = [Level.LOW, Level.MEDIUM, Level.HIGH]


def test_the_default_matrix_grades_by_the_sum_of_the_levels():
    assert GradingRule.objects.count() == 27
    assert services.grade_by_matrix(severity="low", scope="low", urgency="low") == Grade.GENERAL
    assert services.grade_by_matrix(severity="high", scope="high", urgency="high") == Grade.CRITICAL
    for s, severity in enumerate(LEVELS):
        for c, scope in enumerate(LEVELS):
            for u, urgency in enumerate(LEVELS):
                assert services.grade_by_matrix(severity=severity, scope=scope, urgency=urgency) == grade_for(s + c + u)
    assert [grade_for(total) for total in range(7)] == [
        "general",
        "general",
        "important",
        "important",
        "urgent",
        "critical",
        "critical",
    ]
    assert services.grade_by_matrix(severity="", scope="", urgency="") == ""


def test_assessing_by_the_matrix_records_the_levels_and_the_suggestion(groups, project_a):
    incident = move(
        report(groups, project_a),
        groups.tech,
        "assessed",
        grade="urgent",
        severity="high",
        scope_level="medium",
        urgency="medium",
        assessment="Storage controller failed",
    )
    incident.refresh_from_db()
    assert (incident.grade, incident.suggested_grade, incident.grade_reason) == ("urgent", "urgent", "")
    assert (incident.severity, incident.scope_level, incident.urgency) == ("high", "medium", "medium")
    assert incident.assessment == "Storage controller failed"
    graded = incident.entries.get(kind=IncidentEntry.Kind.GRADED)
    assert graded.data == {"grade": "urgent", "suggested": "urgent", "reason": ""}


def test_a_grade_other_than_the_matrixs_needs_a_reason(groups, project_a):
    incident = report(groups, project_a)
    levels = {"severity": "low", "scope_level": "low", "urgency": "low"}
    with pytest.raises(ServiceDeskError) as refused:
        move(incident, groups.tech, "assessed", grade="critical", **levels)
    assert refused.value.field == "grade_reason"
    assert Incident.objects.get(pk=incident.pk).status == Status.REPORTED
    # with a reason the override stands, the matrix's suggestion kept beside it
    move(
        incident, groups.tech, "assessed", grade="critical", grade_reason="The hospital's only records system", **levels
    )
    incident.refresh_from_db()
    assert (incident.grade, incident.suggested_grade) == ("critical", "general")
    assert incident.grade_reason == "The hospital's only records system"


def test_no_levels_no_suggestion_and_no_reason_needed(groups, project_a):
    incident = move(report(groups, project_a), groups.tech, "assessed", grade="important")
    assert (incident.grade, incident.suggested_grade, incident.severity) == ("important", "", "")


@pytest.mark.parametrize(
    "levels",
    [{"severity": "high"}, {"severity": "high", "scope_level": "high"}, {"urgency": "low"}],
    ids=["one", "two", "urgency only"],
)
def test_severity_scope_and_urgency_come_all_or_none(groups, project_a, levels):
    incident = report(groups, project_a)
    with pytest.raises(ServiceDeskError) as refused:
        move(incident, groups.tech, "assessed", grade="critical", grade_reason="why", **levels)
    assert refused.value.field == "severity"
    assert Incident.objects.get(pk=incident.pk).grade == ""


def test_a_grade_is_required_and_must_exist(groups, project_a):
    incident = report(groups, project_a)
    for grade in ("", "catastrophic"):
        with pytest.raises(ServiceDeskError) as refused:
            move(incident, groups.tech, "assessed", grade=grade)
        assert refused.value.field == "grade"


@pytest.mark.parametrize(
    ("who", "allowed"),
    [("tech", True), ("leader", True), ("manager", True), ("liaison", False), ("lead", False), ("engineer", False)],
)
def test_only_the_technical_and_leadership_groups_and_managers_assess(
    groups, project_a, manager, engineer, who, allowed
):
    actor = {"manager": manager, "engineer": engineer}.get(who) or getattr(groups, who)
    incident = report(groups, project_a)
    if allowed:
        assert move(incident, actor, "assessed", grade="general").status == Status.ASSESSED
    else:
        with pytest.raises(NotAllowed):
            move(incident, actor, "assessed", grade="general")
        assert Incident.objects.get(pk=incident.pk).status == Status.REPORTED
    assert services.can_grade(actor) is allowed


# --- re-grading and the plan's clocks ---------------------------------------------------------


def regrade(incident, actor, grade, reason="Two more sites affected", **levels):
    return services.incident_regrade(incident_id=incident.pk, actor=actor, grade=grade, grade_reason=reason, **levels)


def test_regrading_needs_a_reason_and_is_recorded_with_old_and_new(groups, project_a):
    incident = walk(report(groups, project_a), groups, Status.ASSESSED)
    with pytest.raises(ServiceDeskError) as refused:
        regrade(incident, groups.tech, "urgent", reason=" ")
    assert refused.value.field == "grade_reason"
    assert Incident.objects.get(pk=incident.pk).grade == "general"

    incident = regrade(incident, groups.tech, "urgent")
    entry = incident.entries.filter(kind=IncidentEntry.Kind.GRADED).last()
    assert entry.data == {"grade": "urgent", "old": "general", "suggested": "", "reason": "Two more sites affected"}
    assert entry.actor == groups.tech and entry.public
    # before activation the grade changes and nothing else: the response clock runs from the
    # report (the strictest plan's 30 minutes), no plan
    due = incident.reported_at + datetime.timedelta(minutes=30)
    assert (incident.status, incident.plan, incident.response_due_at) == (Status.ASSESSED, None, due)


def test_regrading_is_refused_before_assessment_after_closure_and_outside_the_groups(groups, project_a, engineer):
    incident = report(groups, project_a)
    with pytest.raises(ServiceDeskError):
        regrade(incident, groups.tech, "urgent")
    incident = walk(incident, groups, Status.ASSESSED)
    with pytest.raises(NotAllowed):
        regrade(incident, engineer, "urgent")
    incident = walk(incident, groups, Status.CLOSED)
    with pytest.raises(ServiceDeskError):
        regrade(incident, groups.tech, "urgent")
    assert Incident.objects.get(pk=incident.pk).grade == "general"
    assert incident.entries.filter(kind=IncidentEntry.Kind.GRADED).count() == 1


def resources(incident):
    return sorted((r.kind, r.description) for r in incident.resources.all())


def test_regrading_an_active_plan_moves_the_clocks_from_the_report_and_adds_resources(groups, project_a):
    # given: a critical incident reported at 10:00, its plan active (30 / 240 minutes round the clock)
    with time_machine.travel(sh(2026, 11, 25, 10, 0), tick=False):
        incident = report(groups, project_a)
        move(incident, groups.tech, "assessed", grade="critical")
    with time_machine.travel(sh(2026, 11, 25, 10, 5), tick=False):
        incident = move(incident, groups.tech, "plan_activated", responders=[groups.eng2])
    assert incident.plan.grade == "critical"
    assert (incident.response_due_at, incident.recovery_due_at) == (sh(2026, 11, 25, 10, 30), sh(2026, 11, 25, 14))
    critical = resources(incident)
    assert len(critical) == 4
    # and: the response target passes unmet
    services.incident_deadlines(sh(2026, 11, 25, 10, 31))
    assert Incident.objects.get(pk=incident.pk).response_breached_at is not None

    # when: it is re-graded urgent at 10:40 (60 / 480 minutes)
    with time_machine.travel(sh(2026, 11, 25, 10, 40), tick=False):
        incident = regrade(incident, groups.tech, "urgent", reason="Failover worked for most wards")
    # then: the recovery target counts from the report, not from the re-grading; the response
    # target is never loosened, so its breach stands
    incident.refresh_from_db()
    assert incident.plan.grade == "urgent"
    assert (incident.response_due_at, incident.recovery_due_at) == (sh(2026, 11, 25, 10, 30), sh(2026, 11, 25, 18))
    assert incident.response_breached_at == sh(2026, 11, 25, 10, 31)
    # and the urgent plan's resources are added to those already allocated
    assert len(resources(incident)) == 7 and set(critical) <= set(resources(incident))

    # when: back to critical, nothing is allocated twice
    with time_machine.travel(sh(2026, 11, 25, 10, 45), tick=False):
        incident = regrade(incident, groups.leader, "critical", reason="Second cluster failed")
    assert (incident.response_due_at, incident.recovery_due_at) == (sh(2026, 11, 25, 10, 30), sh(2026, 11, 25, 14))
    assert len(resources(incident)) == len(set(resources(incident))) == 7
    assert incident.status == Status.PLAN_ACTIVATED


def test_a_plan_on_the_business_calendar_counts_working_time(groups, project_a, sla_setup):
    ResponsePlan.objects.filter(grade="urgent").update(calendar=sla_setup.business)
    # the project's own response target is a week, so the plans' targets are the stricter ones
    project_a.emergency_response_minutes = 7 * 24 * 60
    project_a.save()
    # given: reported on Friday 17:30 Shanghai, half an hour before the end of the working day
    with time_machine.travel(sh(2026, 11, 27, 17, 30), tick=False):
        incident = report(groups, project_a)
        move(incident, groups.tech, "assessed", grade="urgent")
    # when: the plan is activated after hours
    with time_machine.travel(sh(2026, 11, 27, 19, 0), tick=False):
        incident = move(incident, groups.tech, "plan_activated")
    # then: 60 minutes is 30 on Friday and 30 on Monday; 480 minutes ends Monday 17:30
    assert incident.response_due_at == sh(2026, 11, 30, 9, 30)
    assert incident.recovery_due_at == sh(2026, 11, 30, 17, 30)
    # and a critical plan (round the clock) counts straight through the weekend
    with time_machine.travel(sh(2026, 11, 27, 19, 5), tick=False):
        incident = regrade(incident, groups.tech, "critical")
    assert incident.response_due_at == sh(2026, 11, 27, 18)


# --- along the process ------------------------------------------------------------------------


def test_going_back_from_recovered_needs_a_note_and_clears_recovered_at(groups, project_a):
    incident = walk(report(groups, project_a), groups, Status.RECOVERED)
    responded = incident.responded_at
    assert incident.recovered_at is not None
    with pytest.raises(ServiceDeskError) as refused:
        move(incident, groups.tech, "remote_handling", note="  ")
    assert refused.value.field == "note"
    assert Incident.objects.get(pk=incident.pk).recovered_at is not None

    incident = move(incident, groups.tech, "remote_handling", note="Ward 3 still cannot print")
    incident.refresh_from_db()
    assert (incident.status, incident.recovered_at, incident.responded_at) == ("remote_handling", None, responded)
    assert incident.entries.filter(kind="note", text="Ward 3 still cannot print").exists()
    assert incident.entries.filter(kind="step").last().data["reopened"] is True


def test_a_customer_may_only_confirm_the_recovery_of_its_own_incident(groups, project_a, customer_a, customer_b):
    incident = walk(report(groups, project_a), groups, Status.RECOVERED)
    for actor, to in [(customer_b, "verified"), (customer_a, "remote_handling")]:
        with pytest.raises(NotAllowed):
            move(incident, actor, to, note="Still broken")
    assert Incident.objects.get(pk=incident.pk).status == Status.RECOVERED
    # the customer needs no note: it is their own word
    incident = move(incident, customer_a, "verified")
    assert (incident.status, incident.verified_by, incident.verification_note) == ("verified", customer_a, "")
    assert incident.entries.filter(kind="step").last().data["by_customer"] is True
    with pytest.raises(NotAllowed):
        move(incident, customer_a, "reviewed", **step_data("reviewed", groups))


def test_staff_verifying_must_say_how_the_customer_confirmed(groups, project_a):
    incident = walk(report(groups, project_a), groups, Status.RECOVERED)
    with pytest.raises(ServiceDeskError) as refused:
        move(incident, groups.tech, "verified", verification_note=" ")
    assert refused.value.field == "verification_note"
    incident = move(incident, groups.tech, "verified", verification_note="Bob confirmed by phone at 11:20")
    assert (incident.verified_by, incident.verification_note) == (groups.tech, "Bob confirmed by phone at 11:20")


def test_the_review_needs_root_cause_and_summary_and_saves_nothing_half(groups, project_a, manager, customer_a):
    incident = walk(report(groups, project_a), groups, Status.VERIFIED)
    for missing in ("root_cause", "summary"):
        data = {"root_cause": "Firmware bug", "summary": "Back in 2 hours", missing: ""}
        with pytest.raises(ServiceDeskError) as refused:
            move(incident, groups.tech, "reviewed", **data)
        assert refused.value.field == missing
    # a good action, then one owned by a customer: the whole review is refused
    due = datetime.date(2026, 12, 31)
    actions = [
        {"description": "Upgrade firmware", "owner": manager, "due_date": due},
        {"description": "Keep a spare", "owner": customer_a, "due_date": due},
    ]
    before = snapshot(incident)
    with pytest.raises(ServiceDeskError) as refused:
        move(incident, groups.tech, "reviewed", root_cause="Firmware bug", summary="Back in 2 hours", actions=actions)
    assert refused.value.field == "actions"
    assert not ReviewAction.objects.exists()
    assert snapshot(incident) == before
    # with staff owners it goes through, each action on the timeline
    move(incident, groups.tech, "reviewed", root_cause="Firmware bug", summary="Back in 2 hours", actions=actions[:1])
    incident.refresh_from_db()
    assert (incident.status, incident.root_cause) == ("reviewed", "Firmware bug")
    assert incident.review_actions.get().owner == manager
    assert incident.entries.get(kind="review_action").text == "Upgrade firmware"


# --- tickets become incidents -----------------------------------------------------------------


@pytest.fixture
def ticket(customer_a, project_a, sla_setup):
    from tickets.services import ticket_create

    return ticket_create(
        actor=customer_a, project=project_a, title="Disk alarm", description="Array degraded", priority="urgent"
    )


def test_a_ticket_is_promoted_once_while_its_incident_is_open(groups, project_a, ticket):
    first = services.incident_create(actor=groups.liaison, project=project_a, ticket=ticket)
    assert (first.channel, first.title, first.symptoms) == ("ticket", "Disk alarm", "Array degraded")
    with pytest.raises(ServiceDeskError) as refused:
        services.incident_create(actor=groups.liaison, project=project_a, ticket=ticket)
    assert refused.value.field == "ticket" and first.reference in refused.value.message
    assert ticket.incidents.count() == 1
    # once it is closed the ticket may be promoted again
    walk(first, groups, Status.CLOSED)
    services.incident_create(actor=groups.liaison, project=project_a, ticket=ticket)
    assert ticket.incidents.count() == 2


def test_a_ticket_of_another_project_is_refused(groups, project_b, ticket):
    with pytest.raises(ServiceDeskError) as refused:
        services.incident_create(actor=groups.liaison, project=project_b, ticket=ticket)
    assert refused.value.field == "ticket"
    assert not Incident.objects.exists()


def test_the_escalation_step_opens_one_incident(ticket):
    assert services.incident_from_escalation(ticket=ticket, clock=None, step=None) is None
    incident = ticket.incidents.get()
    assert (incident.channel, incident.reported_by, incident.title) == ("escalation", None, "Disk alarm")
    assert incident.entries.get(kind="reported").data["channel"] == "escalation"
    assert ticket.events.filter(kind="incident").count() == 1
    # when: the step runs again, nothing more
    services.incident_from_escalation(ticket=ticket, clock=None, step=None)
    assert ticket.incidents.count() == 1 and ticket.events.filter(kind="incident").count() == 1


def test_the_escalation_step_leaves_a_promoted_tickets_open_incident_alone(groups, project_a, ticket):
    services.incident_create(actor=groups.liaison, project=project_a, ticket=ticket)
    services.incident_from_escalation(ticket=ticket, clock=None, step=None)
    assert list(ticket.incidents.values_list("channel", flat=True)) == ["ticket"]


def test_regrading_keeps_the_assessed_levels_and_judges_a_met_target_against_its_new_due(groups, project_a):
    # given: the project's response target is two hours; assessed high/high/high (critical by
    # the matrix) but graded urgent (60 minutes: due 11:00) at 10:00, handling started at 10:45
    project_a.emergency_response_minutes = 120
    project_a.save()
    with time_machine.travel(sh(2026, 11, 25, 10, 0), tick=False):
        incident = report(groups, project_a)
        move(
            incident,
            groups.tech,
            "assessed",
            grade="urgent",
            grade_reason="Failover in place",
            severity="high",
            scope_level="high",
            urgency="high",
        )
        move(incident, groups.tech, "plan_activated")
    with time_machine.travel(sh(2026, 11, 25, 10, 45), tick=False):
        move(incident, groups.tech, "remote_handling")
        # when: re-graded important without new levels (the page's form sends none)
        incident = regrade(incident, groups.tech, "important")
    # then: the matrix's grade stands beside the chosen one
    assert (incident.severity, incident.suggested_grade, incident.grade) == ("high", "critical", "important")
    # and: the response target is not loosened (11:00 stays), and handling at 10:45 met it
    assert (incident.response_due_at, incident.response_breached_at) == (sh(2026, 11, 25, 11), None)
    # and: re-graded critical (10:30), the response at 10:45 is late
    with time_machine.travel(sh(2026, 11, 25, 10, 50), tick=False):
        incident = regrade(incident, groups.tech, "critical", reason="Second cluster failed")
    assert incident.response_breached_at == sh(2026, 11, 25, 10, 45)


def test_an_inactive_engineer_is_not_sent_on_site(groups, project_a):
    incident = walk(report(groups, project_a), groups, Status.REMOTE_HANDLING)
    groups.eng2.is_active = False
    groups.eng2.save()
    with pytest.raises(ServiceDeskError):
        move(incident, groups.tech, "onsite", engineer=groups.eng2)
    assert Incident.objects.get(pk=incident.pk).status == Status.REMOTE_HANDLING
