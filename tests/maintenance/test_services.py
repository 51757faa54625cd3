"""The maintenance services on real rows: warranties and their reminders, inspection schedules
and visits, return visits, satisfaction surveys, releases and upgrade notices."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core import signing
from django.utils import timezone

from core.errors import NotAllowed, ServiceDeskError
from customers.models import InstalledProduct
from maintenance import services
from maintenance.models import (
    AnswerKind,
    Decision,
    Inspection,
    InspectionAnswer,
    InspectionSchedule,
    Product,
    Release,
    ReturnVisit,
    SurveyInvitation,
    UpgradeNotice,
    Warranty,
    WarrantyTerms,
)
from notifications.models import Notification, Reason
from tests.accounts.factories import CustomerFactory
from tests.customers.factories import InstalledProductFactory, ProjectFactory
from tickets.models import Ticket, TicketEvent
from tickets.services import ticket_create, ticket_rate, ticket_update

pytestmark = pytest.mark.django_db

D = datetime.date
SHANGHAI = ZoneInfo("Asia/Shanghai")


def told(prefix: str) -> list:
    """Who got a maintenance notification whose key starts with ``prefix``, one entry each."""
    rows = Notification.objects.filter(key__startswith=prefix)
    assert all(row.reason == Reason.MAINTENANCE for row in rows)
    return sorted((row.recipient.username for row in rows), key=str)


# --- warranty_save --------------------------------------------------------------------------


def test_a_warranty_starts_on_the_acceptance_date_by_default(project_a, terms):
    # given: the project was accepted on 2025-06-30 (the factory's date)
    assert project_a.final_acceptance_date == D(2025, 6, 30)
    # when
    warranty = services.warranty_save(project=project_a, terms=terms)
    # then
    warranty.refresh_from_db()
    assert (warranty.start_date, warranty.end_date, warranty.asset) == (D(2025, 6, 30), D(2027, 6, 30), None)


def test_a_given_start_date_wins_over_the_acceptance_date(project_a, terms):
    warranty = services.warranty_save(project=project_a, terms=terms, start_date=D(2024, 1, 31))
    assert (warranty.start_date, warranty.end_date) == (D(2024, 1, 31), D(2026, 1, 31))


def test_no_acceptance_date_and_no_start_is_refused_and_nothing_is_saved(project_a, terms):
    project_a.final_acceptance_date = None
    project_a.save()
    with pytest.raises(ServiceDeskError) as refused:
        services.warranty_save(project=project_a, terms=terms)
    assert refused.value.field == "start_date"
    assert not Warranty.objects.exists()


def test_an_asset_of_another_project_is_refused(project_a, project_b, terms):
    elsewhere = InstalledProductFactory(project=project_b, name="Core switch")
    with pytest.raises(ServiceDeskError) as refused:
        services.warranty_save(project=project_a, terms=terms, asset=elsewhere)
    assert refused.value.field == "asset"
    assert not Warranty.objects.exists()


def test_a_start_date_whose_end_is_past_the_calendar_is_refused(project_a, terms):
    with pytest.raises(ServiceDeskError) as refused:
        services.warranty_save(project=project_a, terms=terms, start_date=D(9998, 6, 1))
    assert refused.value.field == "start_date"
    assert not Warranty.objects.exists()


def test_changing_the_terms_recomputes_the_end_and_resets_the_reminder(warranty_a, project_a, terms):
    # given: a reminder already sent for the old end date
    assert services.warranties_remind_expiring(today=D(2026, 1, 15)) == 1
    warranty_a.refresh_from_db()
    assert warranty_a.expiry_reminded_at is not None
    # when: saved again with only the notes changed, the reminder stands
    services.warranty_save(warranty=warranty_a, project=project_a, terms=terms, notes="Signed copy on file")
    warranty_a.refresh_from_db()
    assert warranty_a.expiry_reminded_at is not None and warranty_a.notes == "Signed copy on file"
    # when: the terms become three years
    longer = WarrantyTerms.objects.create(name="Extended 3 years", duration_months=36)
    services.warranty_save(warranty=warranty_a, project=project_a, terms=longer)
    # then: a new end, and the reminder will come again for it
    warranty_a.refresh_from_db()
    assert (warranty_a.terms, warranty_a.end_date, warranty_a.expiry_reminded_at) == (longer, D(2027, 2, 28), None)
    assert Warranty.objects.count() == 1
    assert services.warranties_remind_expiring(today=D(2027, 1, 15)) == 1


# --- warranties_remind_expiring -------------------------------------------------------------


@pytest.fixture
def liaison_a(project_a, customer_a):
    project_a.customer_liaison = customer_a
    project_a.save()
    return customer_a


def test_the_managers_and_the_customer_liaison_are_reminded_once(warranty_a, liaison_a, manager, engineer, org_a):
    # given: another contact of the organisation, and a customer of another
    CustomerFactory(username="cust-a2", organisation=org_a)
    CustomerFactory(username="cust-b")
    # when: the warranty enters its last 60 days
    assert services.warranties_remind_expiring(today=D(2026, 1, 1)) == 1
    # then: one notification each for the manager and the liaison, nobody else
    assert told(f"warranty:{warranty_a.pk}:") == ["cust-a", "mgr"]
    notification = Notification.objects.get(recipient=liaison_a)
    assert "Project A" in notification.title and str(warranty_a.pk) in notification.url
    # when: run again, the next day too
    assert services.warranties_remind_expiring(today=D(2026, 1, 1)) == 0
    assert services.warranties_remind_expiring(today=D(2026, 1, 2)) == 0
    # then: nobody is told twice
    assert Notification.objects.count() == 2


def test_without_a_liaison_the_organisations_contacts_are_reminded(warranty_a, manager, customer_a, org_a):
    CustomerFactory(username="cust-a2", organisation=org_a)
    CustomerFactory(username="cust-gone", organisation=org_a, is_active=False)
    CustomerFactory(username="cust-b")
    assert services.warranties_remind_expiring(today=D(2026, 1, 1)) == 1
    assert told(f"warranty:{warranty_a.pk}:") == ["cust-a", "cust-a2", "mgr"]


@pytest.mark.parametrize(
    "today",
    [D(2025, 12, 29), D(2024, 2, 1), D(2026, 3, 1)],
    ids=["61-days-before-the-end", "before-the-start", "after-the-end"],
)
def test_a_warranty_outside_the_window_is_not_reminded(warranty_a, liaison_a, manager, today):
    assert services.warranties_remind_expiring(today=today) == 0
    assert not Notification.objects.exists()
    warranty_a.refresh_from_db()
    assert warranty_a.expiry_reminded_at is None


def test_the_first_day_of_the_window_is_reminded(warranty_a, liaison_a, manager):
    # 60 days before 2026-02-28
    assert services.warranties_remind_expiring(today=D(2025, 12, 30)) == 1


# --- inspection schedules and visits --------------------------------------------------------


def test_a_quarterly_schedule_creates_each_visit_once_as_it_enters_the_lead_time(schedule_a, engineer, checklist):
    # given: FREQ=MONTHLY;INTERVAL=3 from 2026-01-15, 30 days ahead; when: the beat runs every day of a year
    created_on = {}
    day = D(2025, 12, 1)
    while day <= D(2026, 11, 30):
        before = set(Inspection.objects.values_list("pk", flat=True))
        made = services.inspections_plan(today=day)
        new = Inspection.objects.exclude(pk__in=before)
        assert made == new.count()
        for visit in new:
            created_on[visit.due_date] = day
        day += datetime.timedelta(days=1)
    # then: four visits, each made on the day its date came within 30 days
    assert created_on == {
        D(2026, 1, 15): D(2025, 12, 16),
        D(2026, 4, 15): D(2026, 3, 16),
        D(2026, 7, 15): D(2026, 6, 15),
        D(2026, 10, 15): D(2026, 9, 15),
    }
    template = [(i.section, i.label, i.answer_kind, i.unit) for i in checklist.items.all()]
    for visit in Inspection.objects.all():
        assert (visit.project, visit.schedule, visit.engineer, visit.status) == (
            schedule_a.project,
            schedule_a,
            engineer,
            Inspection.Status.PLANNED,
        )
        answers = [(a.section, a.label, a.answer_kind, a.unit) for a in visit.answers.all()]
        assert answers == template and not any(a.is_answered for a in visit.answers.all())
        # and the engineer was told of it
        assert told(f"inspection:{visit.pk}:assigned") == ["eng"]
    # when: the whole year runs again
    day = D(2025, 12, 1)
    while day <= D(2026, 11, 30):
        assert services.inspections_plan(today=day) == 0
        day += datetime.timedelta(days=1)
    # then: nothing new
    assert Inspection.objects.count() == 4
    assert InspectionAnswer.objects.count() == 4 * checklist.items.count()


def test_a_late_first_run_creates_every_visit_within_the_lead_time(project_a, engineer, checklist):
    services.schedule_save(
        project=project_a,
        name="Monthly check",
        rule="RRULE:FREQ=MONTHLY",
        first_date=D(2026, 1, 10),
        engineer=engineer,
        checklist=checklist,
        lead_days=60,
    )
    assert services.inspections_plan(today=D(2026, 1, 5)) == 2
    assert sorted(Inspection.objects.values_list("due_date", flat=True)) == [D(2026, 1, 10), D(2026, 2, 10)]


def test_visits_whose_dates_passed_while_beat_was_down_are_made_and_then_flagged(schedule_a):
    # given: the quarterly schedule from 2026-01-15; beat never ran before 2026-01-25
    assert services.inspections_plan(today=D(2026, 1, 25)) == 1
    visit = Inspection.objects.get()
    assert visit.due_date == D(2026, 1, 15)
    # then: the missed visit is overdue at once
    assert services.inspections_flag_overdue(today=D(2026, 1, 25)) == 1


def test_a_past_first_visit_makes_at_most_a_month_of_past_visits(project_a, engineer, checklist):
    services.schedule_save(
        project=project_a,
        name="Weekly",
        rule="FREQ=WEEKLY",
        first_date=D(2025, 1, 6),
        engineer=engineer,
        checklist=checklist,
        lead_days=0,
    )
    services.inspections_plan(today=D(2026, 1, 5))
    dates = sorted(Inspection.objects.values_list("due_date", flat=True))
    assert dates[0] >= D(2026, 1, 5) - datetime.timedelta(days=services.PLAN_BACK_DAYS)
    assert dates[-1] == D(2026, 1, 5)


@pytest.mark.parametrize(
    "rule",
    ["garbage", "INTERVAL=3", "FREQ=HOURLY", "FREQ=MINUTELY;INTERVAL=30", "", "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=31"],
)
def test_a_bad_rule_is_refused(project_a, engineer, checklist, rule):
    with pytest.raises(ServiceDeskError) as refused:
        services.schedule_save(
            project=project_a,
            name="Quarterly",
            rule=rule,
            first_date=D(2026, 1, 15),
            engineer=engineer,
            checklist=checklist,
        )
    assert refused.value.field == "rule"
    assert not InspectionSchedule.objects.exists()


def test_a_customer_cannot_be_the_scheduled_engineer(project_a, customer_a, checklist):
    with pytest.raises(ServiceDeskError) as refused:
        services.schedule_save(
            project=project_a,
            name="Quarterly",
            rule="FREQ=MONTHLY;INTERVAL=3",
            first_date=D(2026, 1, 15),
            engineer=customer_a,
            checklist=checklist,
        )
    assert refused.value.field == "engineer"


def test_an_inactive_schedule_creates_nothing(schedule_a):
    services.schedule_save(schedule=schedule_a, is_active=False)
    assert services.inspections_plan(today=D(2026, 1, 1)) == 0
    assert not Inspection.objects.exists()


@pytest.fixture
def visit(schedule_a) -> Inspection:
    """The 2026-01-15 visit of the quarterly schedule, as the beat makes it."""
    assert services.inspections_plan(today=D(2025, 12, 16)) == 1
    return Inspection.objects.get()


def answer_rows(inspection: Inspection) -> list[InspectionAnswer]:
    """Servers up (pass/fail), CPU load (value, %), Backups restorable (pass/fail)."""
    return list(inspection.answers.order_by("position"))


def test_answers_are_recorded_by_id_and_the_visit_is_then_in_progress(visit, engineer):
    servers, cpu, backups = answer_rows(visit)
    # when
    services.inspection_record(
        inspection_id=visit.pk,
        actor=engineer,
        answers={servers.pk: {"result": "pass"}, cpu.pk: {"value": "42", "note": "peak at 10:00"}},
        findings="All nodes up.",
    )
    # then
    visit.refresh_from_db()
    servers, cpu, backups = answer_rows(visit)
    assert (servers.result, cpu.value, cpu.note, cpu.result, backups.result) == ("pass", "42", "peak at 10:00", "", "")
    assert visit.status == Inspection.Status.IN_PROGRESS and visit.started_at is not None
    assert visit.findings == "All nodes up."
    # and a later save keeps what it does not mention
    services.inspection_record(inspection_id=visit.pk, actor=engineer, answers={backups.pk: {"result": "fail"}})
    servers, cpu, backups = answer_rows(visit)
    assert (servers.result, cpu.value, backups.result) == ("pass", "42", "fail")


def test_an_answer_of_another_visit_is_refused(visit, project_a, engineer, manager, checklist):
    other = services.health_check_create(
        actor=manager, project=project_a, engineer=engineer, due_date=D(2026, 2, 1), title="Ad hoc", checklist=checklist
    )
    servers = answer_rows(visit)[0]
    foreign = answer_rows(other)[0]
    with pytest.raises(ServiceDeskError) as refused:
        services.inspection_record(
            inspection_id=visit.pk,
            actor=engineer,
            answers={servers.pk: {"result": "pass"}, foreign.pk: {"result": "fail"}},
        )
    assert refused.value.field == "answers"
    # nothing half-saved
    assert answer_rows(visit)[0].result == "" and answer_rows(other)[0].result == ""
    visit.refresh_from_db()
    assert visit.status == Inspection.Status.PLANNED


@pytest.mark.parametrize(("row", "result"), [(1, "pass"), (0, "maybe")], ids=["pass-on-a-value", "not-pass-or-fail"])
def test_a_result_that_does_not_fit_the_check_is_refused(visit, engineer, row, result):
    rows = answer_rows(visit)
    with pytest.raises(ServiceDeskError) as refused:
        services.inspection_record(
            inspection_id=visit.pk,
            actor=engineer,
            answers={rows[2].pk: {"result": "pass"}, rows[row].pk: {"result": result}},
        )
    assert refused.value.field == "answers"
    assert all(r.result == "" for r in answer_rows(visit))


def test_a_customer_cannot_record_a_visit(visit, customer_a):
    with pytest.raises(NotAllowed):
        services.inspection_record(inspection_id=visit.pk, actor=customer_a, findings="Looks fine to me")


def test_completion_needs_every_pass_fail_answer_and_findings_then_tells_the_customer(visit, engineer, liaison_a):
    servers, cpu, backups = answer_rows(visit)
    assert cpu.answer_kind == AnswerKind.VALUE
    services.inspection_record(inspection_id=visit.pk, actor=engineer, answers={servers.pk: {"result": "pass"}})
    # when: one pass/fail check is unanswered
    with pytest.raises(ServiceDeskError) as refused:
        services.inspection_complete(inspection_id=visit.pk, actor=engineer)
    # then: refused, naming it
    assert refused.value.field == "answers" and "Backups restorable" in refused.value.message
    # when: all answered (the value check may stay empty) but no findings
    services.inspection_record(inspection_id=visit.pk, actor=engineer, answers={backups.pk: {"result": "fail"}})
    with pytest.raises(ServiceDeskError) as refused:
        services.inspection_complete(inspection_id=visit.pk, actor=engineer)
    assert refused.value.field == "findings"
    services.inspection_record(inspection_id=visit.pk, actor=engineer, findings="   ")
    with pytest.raises(ServiceDeskError):
        services.inspection_complete(inspection_id=visit.pk, actor=engineer)
    visit.refresh_from_db()
    assert visit.status == Inspection.Status.IN_PROGRESS and not told(f"inspection:{visit.pk}:completed")
    # when: the findings are written
    services.inspection_record(
        inspection_id=visit.pk, actor=engineer, findings="Backups fail to restore.", recommendations="Fix the job."
    )
    done = services.inspection_complete(inspection_id=visit.pk, actor=engineer)
    # then: completed, and the customer's liaison hears the report is ready
    done.refresh_from_db()
    assert done.status == Inspection.Status.COMPLETED and done.completed_at is not None
    assert told(f"inspection:{visit.pk}:completed") == ["cust-a"]


def test_a_completed_visit_can_no_longer_change(visit, engineer, manager):
    rows = answer_rows(visit)
    services.inspection_record(
        inspection_id=visit.pk,
        actor=engineer,
        answers={rows[0].pk: {"result": "pass"}, rows[2].pk: {"result": "pass"}},
        findings="All good.",
    )
    services.inspection_complete(inspection_id=visit.pk, actor=engineer)
    for change in (
        lambda: services.inspection_record(
            inspection_id=visit.pk, actor=engineer, answers={rows[0].pk: {"result": "fail"}}
        ),
        lambda: services.inspection_record(inspection_id=visit.pk, actor=engineer, findings="Changed my mind"),
        lambda: services.inspection_complete(inspection_id=visit.pk, actor=engineer),
        lambda: services.inspection_cancel(inspection_id=visit.pk, actor=manager, reason="Oops"),
    ):
        with pytest.raises(ServiceDeskError):
            change()
    visit.refresh_from_db()
    assert (visit.status, visit.findings, answer_rows(visit)[0].result) == ("completed", "All good.", "pass")


def test_overdue_visits_are_flagged_once_and_escalated(visit, project_a, engineer, manager):
    # given: the planned visit of 2026-01-15, an in-progress one, a completed and a cancelled one, all past
    started = services.health_check_create(
        actor=manager, project=project_a, engineer=engineer, due_date=D(2026, 1, 12), title="Started"
    )
    services.inspection_record(inspection_id=started.pk, actor=engineer, findings="Half way")
    completed = services.health_check_create(
        actor=manager, project=project_a, engineer=engineer, due_date=D(2026, 1, 10), title="Completed"
    )
    services.inspection_record(inspection_id=completed.pk, actor=engineer, findings="Fine")
    services.inspection_complete(inspection_id=completed.pk, actor=engineer)
    cancelled = services.health_check_create(
        actor=manager, project=project_a, engineer=engineer, due_date=D(2026, 1, 10), title="Cancelled"
    )
    services.inspection_cancel(inspection_id=cancelled.pk, actor=manager, reason="Site closed")
    # when: on its date, nothing is overdue yet
    assert services.inspections_flag_overdue(today=D(2026, 1, 12)) == 0
    # when: the day after the visit's date
    assert services.inspections_flag_overdue(today=D(2026, 1, 16)) == 2
    # then: the open ones are flagged, their engineer and the managers told, urgently
    flagged = set(Inspection.objects.exclude(overdue_at=None).values_list("pk", flat=True))
    assert flagged == {visit.pk, started.pk}
    for pk in flagged:
        assert told(f"inspection:{pk}:overdue") == ["eng", "mgr"]
    assert all(n.urgent for n in Notification.objects.filter(key__contains=":overdue"))
    # when: it runs again
    assert services.inspections_flag_overdue(today=D(2026, 1, 17)) == 0
    # then: flagged once
    assert Notification.objects.filter(key__contains=":overdue").count() == 4


# --- return visits --------------------------------------------------------------------------


@pytest.fixture
def return_visit(project_a, engineer):
    return services.return_visit_save(
        actor=engineer, project=project_a, scheduled_for=D(2026, 3, 1), staff=engineer, contact_name="Ms Li"
    )


def test_a_return_visit_is_planned_then_done_with_the_customers_words(return_visit, engineer):
    assert return_visit.status == ReturnVisit.Status.PLANNED
    services.return_visit_done(
        visit_id=return_visit.pk, actor=engineer, notes="Happy with the repair", satisfaction=5, suggestions="Faster"
    )
    return_visit.refresh_from_db()
    assert (return_visit.status, return_visit.satisfaction, return_visit.contact_name) == ("done", 5, "Ms Li")
    assert return_visit.done_at is not None and return_visit.suggestions == "Faster"
    # done is final
    with pytest.raises(ServiceDeskError):
        services.return_visit_done(visit_id=return_visit.pk, actor=engineer, notes="Again", satisfaction=1)
    with pytest.raises(ServiceDeskError):
        services.return_visit_save(visit=return_visit, actor=engineer, scheduled_for=D(2026, 4, 1))


@pytest.mark.parametrize("score", [0, 6, -1])
def test_a_satisfaction_outside_one_to_five_is_refused(return_visit, engineer, score):
    with pytest.raises(ServiceDeskError) as refused:
        services.return_visit_done(visit_id=return_visit.pk, actor=engineer, notes="Hm", satisfaction=score)
    assert refused.value.field == "satisfaction"
    return_visit.refresh_from_db()
    assert (return_visit.status, return_visit.satisfaction, return_visit.done_at) == ("planned", None, None)


def test_a_return_visit_needs_notes_staff_and_a_ticket_of_its_project(return_visit, project_a, project_b, engineer):
    with pytest.raises(ServiceDeskError) as refused:
        services.return_visit_done(visit_id=return_visit.pk, actor=engineer, notes="  ", satisfaction=3)
    assert refused.value.field == "notes"
    elsewhere = ticket_create(actor=engineer, project=project_b, title="Other", description="Elsewhere")
    with pytest.raises(ServiceDeskError) as refused:
        services.return_visit_save(
            actor=engineer, project=project_a, scheduled_for=D(2026, 3, 1), staff=engineer, ticket=elsewhere
        )
    assert refused.value.field == "ticket"
    assert ReturnVisit.objects.count() == 1


def test_a_customer_cannot_plan_a_return_visit(project_a, engineer, customer_a):
    with pytest.raises(NotAllowed):
        services.return_visit_save(actor=customer_a, project=project_a, scheduled_for=D(2026, 3, 1), staff=engineer)
    assert not ReturnVisit.objects.exists()


# --- satisfaction surveys -------------------------------------------------------------------


def resolved_ticket(reporter, project, engineer) -> Ticket:
    ticket = ticket_create(actor=reporter, project=project, title="Printer jams", description="Every morning")
    return ticket_update(ticket_id=ticket.pk, actor=engineer, status=Ticket.Status.RESOLVED)


def invitation_token(ticket: Ticket) -> str:
    notification = Notification.objects.get(key__startswith=f"ticket:{ticket.pk}:survey")
    assert "/survey/" in notification.url
    return notification.url.rstrip("/").rsplit("/", 1)[-1]


def test_the_reporter_of_a_resolved_ticket_is_invited_once(project_a, customer_a, engineer):
    ticket = resolved_ticket(customer_a, project_a, engineer)
    unresolved = ticket_create(actor=customer_a, project=project_a, title="Still open", description="...")
    # when
    assert services.surveys_send() == 1
    # then: one invitation, to the reporter, with a link that names the ticket
    assert SurveyInvitation.objects.get().ticket == ticket
    notification = Notification.objects.get(key__startswith=f"ticket:{ticket.pk}:survey")
    assert (notification.recipient, notification.reason) == (customer_a, Reason.MAINTENANCE)
    assert notification.ticket_id == ticket.pk
    assert services.survey_ticket(invitation_token(ticket)) == ticket
    assert not SurveyInvitation.objects.filter(ticket=unresolved).exists()
    # when: again
    assert services.surveys_send() == 0
    assert SurveyInvitation.objects.count() == 1 and Notification.objects.filter(key__contains=":survey").count() == 1


def test_the_answer_becomes_the_tickets_rating_by_its_reporter_once(project_a, customer_a, engineer):
    ticket = resolved_ticket(customer_a, project_a, engineer)
    services.surveys_send()
    token = invitation_token(ticket)
    # when
    services.survey_answer(token=token, score=4, comment="Quick fix")
    # then
    ticket.refresh_from_db()
    assert (ticket.rating, ticket.rating_comment) == (4, "Quick fix")
    event = TicketEvent.objects.get(ticket=ticket, kind=TicketEvent.Kind.RATED)
    assert event.actor == customer_a
    assert SurveyInvitation.objects.get(ticket=ticket).answered_at is not None
    # when: a second answer
    with pytest.raises(ServiceDeskError):
        services.survey_answer(token=token, score=1)
    ticket.refresh_from_db()
    assert ticket.rating == 4


def test_an_answer_out_of_range_is_refused_and_the_link_still_works(project_a, customer_a, engineer):
    ticket = resolved_ticket(customer_a, project_a, engineer)
    services.surveys_send()
    token = invitation_token(ticket)
    with pytest.raises(ServiceDeskError):
        services.survey_answer(token=token, score=6)
    assert SurveyInvitation.objects.get(ticket=ticket).answered_at is None
    services.survey_answer(token=token, score=5)
    assert Ticket.objects.get(pk=ticket.pk).rating == 5


def test_an_expired_link_is_refused(project_a, customer_a, engineer):
    ticket = resolved_ticket(customer_a, project_a, engineer)
    services.surveys_send()
    token = invitation_token(ticket)
    days = settings.SURVEY_LINK_DAYS
    # when: a day before it expires, it is still good
    with time_machine.travel(timezone.now() + datetime.timedelta(days=days - 1), tick=False):
        assert services.survey_ticket(token) == ticket
    # when: just after
    later = timezone.now() + datetime.timedelta(days=days, minutes=1)
    with time_machine.travel(later, tick=False), pytest.raises(ServiceDeskError) as refused:
        services.survey_answer(token=token, score=5)
    # then
    assert "expired" in refused.value.message
    assert Ticket.objects.get(pk=ticket.pk).rating is None


def test_a_forged_link_is_refused(project_a, customer_a, engineer):
    ticket = resolved_ticket(customer_a, project_a, engineer)
    other = resolved_ticket(customer_a, project_a, engineer)
    services.surveys_send()
    SurveyInvitation.objects.filter(ticket=other).delete()  # say only the first was invited
    token = invitation_token(ticket)
    value, signature = token.rsplit(":", 1)
    forged = [
        f"{value}:{signature[:-2]}{'AA' if not signature.endswith('AA') else 'BB'}",  # tampered signature
        signing.dumps(ticket.pk, salt="another.purpose"),  # signed for something else
        token.replace(value.split(":")[0], signing.dumps(other.pk).split(":")[0], 1),  # another ticket's id
        services.survey_token(other.pk),  # genuine, for a ticket never invited
        "not-a-token",
    ]
    for bad in forged:
        with pytest.raises(ServiceDeskError) as refused:
            services.survey_answer(token=bad, score=5)
        assert "not valid" in refused.value.message, bad
    assert Ticket.objects.filter(rating__isnull=False).count() == 0


def test_tickets_already_rated_or_reported_by_staff_are_not_invited(project_a, customer_a, engineer):
    rated = resolved_ticket(customer_a, project_a, engineer)
    ticket_rate(ticket_id=rated.pk, actor=customer_a, rating=5)
    resolved_ticket(engineer, project_a, engineer)  # staff logged it for themselves
    assert services.surveys_send() == 0
    assert not SurveyInvitation.objects.exists()


# --- releases and upgrade notices -----------------------------------------------------------


@pytest.fixture
def fleet(warranty_a, project_a, project_b, org_a):
    """Where the product "Gateway" runs: at project A (under warranty until 2026-02-28) at 1.0,
    at project B (no warranty) at 1.5 and, on another box, already at 2.0; at an inactive
    project; and project A's other product."""
    inactive = ProjectFactory(organisation=org_a, name="Old site", is_active=False)
    return {
        "a": InstalledProductFactory(project=project_a, name="gateway", version="1.0"),
        "b": InstalledProductFactory(project=project_b, name="Gateway", version="1.5"),
        "b_current": InstalledProductFactory(project=project_b, name="GATEWAY", version="2.0"),
        "inactive": InstalledProductFactory(project=inactive, name="Gateway", version="1.0"),
        "router": InstalledProductFactory(project=project_a, name="Router", version="1.0"),
    }


@pytest.fixture
def gateway(db):
    return Product.objects.create(name="Gateway")


def release(product: Product, version: str, kind: str) -> Release:
    return Release.objects.create(product=product, version=version, released_on=D(2025, 5, 20), kind=kind)


def publish(rel: Release, actor, on: datetime.datetime) -> int:
    with time_machine.travel(on, tick=False):
        return services.release_publish(release_id=rel.pk, actor=actor)


def test_a_release_reaches_the_installations_of_its_product_at_another_version(
    fleet, gateway, manager, liaison_a, customer_b
):
    major = release(gateway, "2.0", Release.Kind.MAJOR)
    # when: published while project A is under warranty
    assert publish(major, manager, datetime.datetime(2025, 6, 1, 12, tzinfo=SHANGHAI)) == 2
    # then: project A's 1.0 and project B's 1.5, not the box already at 2.0, the inactive project or the router
    notices = {n.installed_product_id: n for n in UpgradeNotice.objects.filter(release=major)}
    assert set(notices) == {fleet["a"].pk, fleet["b"].pk}
    at_a, at_b = notices[fleet["a"].pk], notices[fleet["b"].pk]
    assert (at_a.project, at_a.from_version, at_a.status) == (fleet["a"].project, "1.0", UpgradeNotice.Status.NOTIFIED)
    # a major upgrade is excluded by the warranty; without a warranty it is billable anyway
    assert at_a.decision == Decision.BILLABLE and "excludes Major-version upgrades" in at_a.reason
    assert at_b.decision == Decision.BILLABLE and "no warranty or service contract" in at_b.reason
    # each project's contact and the managers are told of their own notice
    assert told(f"release:{major.pk}:notice:{at_a.pk}") == ["cust-a", "mgr"]
    assert told(f"release:{major.pk}:notice:{at_b.pk}") == ["cust-b", "mgr"]
    major.refresh_from_db()
    assert major.published_at is not None
    # when: published again
    assert publish(major, manager, datetime.datetime(2025, 6, 2, 12, tzinfo=SHANGHAI)) == 0
    # then: no duplicates
    assert UpgradeNotice.objects.count() == 2 and Notification.objects.count() == 4


def test_a_patch_is_free_under_warranty_and_billable_after(fleet, gateway, manager):
    patch = release(gateway, "1.0.1", Release.Kind.PATCH)
    assert publish(patch, manager, datetime.datetime(2025, 6, 1, 12, tzinfo=SHANGHAI)) == 3
    at_a = UpgradeNotice.objects.get(release=patch, installed_product=fleet["a"])
    assert at_a.decision == Decision.FREE and "includes Patches" in at_a.reason
    # after the warranty's last day the next patch is billable
    later = release(gateway, "1.0.2", Release.Kind.PATCH)
    publish(later, manager, datetime.datetime(2026, 3, 1, 0, 30, tzinfo=SHANGHAI))
    assert UpgradeNotice.objects.get(release=later, installed_product=fleet["a"]).decision == Decision.BILLABLE


def test_a_new_installation_is_reached_by_publishing_again(fleet, gateway, manager, project_a):
    major = release(gateway, "2.0", Release.Kind.MAJOR)
    publish(major, manager, datetime.datetime(2025, 6, 1, 12, tzinfo=SHANGHAI))
    spare = InstalledProductFactory(project=project_a, name="GateWay", version="1.2")
    assert publish(major, manager, datetime.datetime(2025, 6, 2, 12, tzinfo=SHANGHAI)) == 1
    assert UpgradeNotice.objects.filter(release=major, installed_product=spare).count() == 1


def test_only_managers_publish(fleet, gateway, engineer):
    major = release(gateway, "2.0", Release.Kind.MAJOR)
    with pytest.raises(NotAllowed):
        services.release_publish(release_id=major.pk, actor=engineer)
    assert not UpgradeNotice.objects.exists()


@pytest.fixture
def notice(fleet, gateway, manager) -> UpgradeNotice:
    major = release(gateway, "2.0", Release.Kind.MAJOR)
    publish(major, manager, datetime.datetime(2025, 6, 1, 12, tzinfo=SHANGHAI))
    return UpgradeNotice.objects.get(installed_product=fleet["a"])


def test_planning_an_upgrade_needs_a_date(notice, engineer):
    with pytest.raises(ServiceDeskError) as refused:
        services.notice_update(notice_id=notice.pk, actor=engineer, status=UpgradeNotice.Status.PLANNED)
    assert refused.value.field == "planned_for"
    notice.refresh_from_db()
    assert notice.status == UpgradeNotice.Status.NOTIFIED
    services.notice_update(
        notice_id=notice.pk, actor=engineer, status=UpgradeNotice.Status.PLANNED, planned_for=D(2025, 7, 1)
    )
    notice.refresh_from_db()
    assert (notice.status, notice.planned_for) == (UpgradeNotice.Status.PLANNED, D(2025, 7, 1))


def test_a_done_upgrade_sets_the_installed_version_and_is_final(notice, engineer, fleet):
    installed = fleet["a"]
    history_before = installed.history.count()
    # when
    services.notice_update(notice_id=notice.pk, actor=engineer, status=UpgradeNotice.Status.DONE, notes="Smooth")
    # then: the project runs 2.0, with a history row saying so, and who did it
    installed.refresh_from_db()
    assert installed.version == "2.0"
    assert installed.history.count() == history_before + 1 and installed.history.first().version == "2.0"
    notice.refresh_from_db()
    assert (notice.status, notice.done_by, notice.notes) == (UpgradeNotice.Status.DONE, engineer, "Smooth")
    assert notice.done_at is not None
    # and it is final
    for status in (UpgradeNotice.Status.DONE, UpgradeNotice.Status.DECLINED, UpgradeNotice.Status.PLANNED):
        with pytest.raises(ServiceDeskError):
            services.notice_update(notice_id=notice.pk, actor=engineer, status=status, planned_for=D(2025, 8, 1))
    assert InstalledProduct.objects.get(pk=installed.pk).version == "2.0"


def test_a_notice_takes_only_the_tracked_statuses_and_staff(notice, engineer, customer_a):
    with pytest.raises(ServiceDeskError) as refused:
        services.notice_update(notice_id=notice.pk, actor=engineer, status=UpgradeNotice.Status.NOTIFIED)
    assert refused.value.field == "status"
    with pytest.raises(NotAllowed):
        services.notice_update(notice_id=notice.pk, actor=customer_a, status=UpgradeNotice.Status.DECLINED)
    notice.refresh_from_db()
    assert notice.status == UpgradeNotice.Status.NOTIFIED


def test_a_photo_must_be_a_picture_whatever_its_name(schedule_a, engineer):
    from django.core.files.uploadedfile import SimpleUploadedFile

    services.inspections_plan(today=D(2026, 1, 10))
    inspection = Inspection.objects.get()
    fake = SimpleUploadedFile("rack.jpg", b"%PDF-1.4 not a picture", content_type="image/jpeg")
    with pytest.raises(ServiceDeskError) as refused:
        services.photo_add(inspection_id=inspection.pk, actor=engineer, image=fake)
    assert refused.value.field == "image"
    assert not inspection.photos.exists()
