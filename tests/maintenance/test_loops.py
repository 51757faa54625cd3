"""Loops that close in maintenance: return visits recur per project on a schedule (planned
ahead, reminded, flagged overdue, each once) and the customer signs an inspection report off
(service, API, page, PDF)."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from core.errors import NotAllowed, ServiceDeskError
from maintenance import reports, services
from maintenance.models import Inspection, ReturnVisit, ReturnVisitSchedule
from notifications.models import Notification

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime.datetime(2026, 3, 10, 9, 0, tzinfo=SHANGHAI)
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def _fixed_day():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def visits_a(project_a, engineer, manager):
    return services.return_visit_schedule_save(
        actor=manager,
        project=project_a,
        name="Quarterly call",
        rule="FREQ=MONTHLY;INTERVAL=3",
        first_date=datetime.date(2026, 3, 12),
        staff=engineer,
        lead_days=30,
        remind_days=2,
    )


# --- return visits on a schedule ---------------------------------------------------------------


def test_the_schedule_plans_its_visits_ahead_once(visits_a, engineer):
    assert services.return_visits_plan() == 1  # 12 March is within 30 days; 12 June is not
    assert services.return_visits_plan() == 0  # run twice: one visit
    visit = ReturnVisit.objects.get()
    assert (visit.schedule, visit.scheduled_for, visit.staff, visit.status) == (
        visits_a,
        datetime.date(2026, 3, 12),
        engineer,
        ReturnVisit.Status.PLANNED,
    )
    assert services.return_visits_plan(today=datetime.date(2026, 5, 20)) == 1  # 12 June comes within reach
    visits_a.is_active = False
    visits_a.save()
    assert services.return_visits_plan(today=datetime.date(2026, 8, 20)) == 0


def test_a_schedule_needs_a_rule_that_repeats_and_a_staff_member(project_a, engineer, customer_a, manager):
    fields = {"project": project_a, "name": "Calls", "first_date": TODAY, "staff": engineer}
    with pytest.raises(ServiceDeskError) as refused:
        services.return_visit_schedule_save(actor=manager, rule="every quarter", **fields)
    assert refused.value.field == "rule"
    with pytest.raises(ServiceDeskError) as refused:
        services.return_visit_schedule_save(actor=manager, rule="FREQ=MONTHLY", **{**fields, "staff": customer_a})
    assert refused.value.field == "staff"
    assert not ReturnVisitSchedule.objects.exists()


def test_who_makes_the_visit_is_reminded_then_it_is_flagged_overdue_each_once(visits_a, engineer, manager):
    services.return_visits_plan()
    visit = ReturnVisit.objects.get()
    assert services.return_visits_follow_up(today=datetime.date(2026, 3, 9)) == {"reminded": 0, "overdue": 0}
    assert services.return_visits_follow_up(today=datetime.date(2026, 3, 10)) == {"reminded": 1, "overdue": 0}
    assert services.return_visits_follow_up(today=datetime.date(2026, 3, 11)) == {"reminded": 0, "overdue": 0}
    assert Notification.objects.filter(recipient=engineer, key__startswith=f"return-visit:{visit.pk}:reminder:")
    # the date passes undone: flagged once, who makes it and the managers told
    assert services.return_visits_follow_up(today=datetime.date(2026, 3, 13)) == {"reminded": 0, "overdue": 1}
    assert services.return_visits_follow_up(today=datetime.date(2026, 3, 14)) == {"reminded": 0, "overdue": 0}
    visit.refresh_from_db()
    assert visit.overdue_at is not None
    assert list(ReturnVisit.objects.overdue(datetime.date(2026, 3, 14))) == [visit]
    told = Notification.objects.filter(key__startswith=f"return-visit:{visit.pk}:overdue")
    assert set(told.values_list("recipient", flat=True)) == {engineer.pk, manager.pk}
    # done late, it leaves the overdue list; its score feeds the satisfaction figures
    services.return_visit_done(visit_id=visit.pk, actor=engineer, notes="Happy", satisfaction=4)
    assert not ReturnVisit.objects.overdue(datetime.date(2026, 3, 14)).exists()


def test_a_visit_made_in_time_is_never_flagged(visits_a, engineer):
    services.return_visits_plan()
    visit = ReturnVisit.objects.get()
    services.return_visit_done(visit_id=visit.pk, actor=engineer, notes="All good", satisfaction=5)
    assert services.return_visits_follow_up(today=datetime.date(2026, 3, 20)) == {"reminded": 0, "overdue": 0}


def test_the_beat_tasks_plan_and_follow_up(visits_a):
    from maintenance.tasks import follow_up_return_visits, plan_return_visits

    assert plan_return_visits() == 1
    # 10 March: the visit of 12 March is 2 days away, its maker is reminded, once
    assert follow_up_return_visits() == 1
    assert follow_up_return_visits() == 0
    assert plan_return_visits() == 0


def test_api_schedules_managers_write_customers_read_their_own(
    api, visits_a, manager, engineer, customer_a, customer_b
):
    client = api.as_user(manager)
    answer = client.post(
        "/api/v1/return-visit-schedules/",
        {
            "project": visits_a.project_id,
            "name": "Half-yearly visit",
            "rule": "FREQ=MONTHLY;INTERVAL=6",
            "first_date": "2026-04-01",
            "staff": engineer.pk,
            "remind_days": 3,
        },
        format="json",
    )
    assert answer.status_code == 201, answer.json()
    assert (answer.json()["remind_days"], answer.json()["staff_name"]) == (3, str(engineer))
    bad = client.post(
        "/api/v1/return-visit-schedules/",
        {"project": visits_a.project_id, "name": "x", "rule": "nope", "first_date": "2026-04-01", "staff": engineer.pk},
        format="json",
    )
    assert bad.status_code == 400 and "rule" in bad.json()["errors"]
    assert len(api.as_user(customer_a).get("/api/v1/return-visit-schedules/").json()["results"]) == 2
    assert api.as_user(customer_b).get("/api/v1/return-visit-schedules/").json()["results"] == []
    assert api.as_user(customer_b).get(f"/api/v1/return-visit-schedules/{visits_a.pk}/").status_code == 404
    assert (
        api.as_user(engineer)
        .patch(f"/api/v1/return-visit-schedules/{visits_a.pk}/", {"is_active": False}, format="json")
        .status_code
        == 403
    )


def test_pages_list_and_edit_the_schedules(client, visits_a, manager, engineer, customer_a):
    client.force_login(manager)
    page = client.get(reverse("maintenance:return_schedules"))
    assert page.status_code == 200 and b"Quarterly call" in page.content
    answer = client.post(
        reverse("maintenance:return_schedule_edit", args=[visits_a.pk]),
        {
            "project": visits_a.project_id,
            "name": "Quarterly call",
            "rule": "FREQ=MONTHLY;INTERVAL=3",
            "first_date": "2026-03-12",
            "staff": engineer.pk,
            "lead_days": 30,
            "remind_days": 5,
            "is_active": "on",
        },
    )
    assert answer.status_code == 302
    visits_a.refresh_from_db()
    assert visits_a.remind_days == 5
    client.force_login(engineer)
    assert client.get(reverse("maintenance:return_schedule_create")).status_code == 403
    client.force_login(customer_a)
    assert client.get(reverse("maintenance:return_schedules")).status_code == 403


# --- the customer's sign-off of an inspection report ---------------------------------------------


@pytest.fixture
def report_a(project_a, engineer, manager):
    inspection = services.health_check_create(
        actor=manager, project=project_a, engineer=engineer, due_date=TODAY, title="Zephyr health check"
    )
    services.inspection_record(inspection_id=inspection.pk, actor=engineer, findings="All servers healthy")
    return services.inspection_complete(inspection_id=inspection.pk, actor=engineer)


def sign(inspection, actor, **fields):
    data = {"name": "Li Wei", "remarks": "Received, thank you", **fields}
    return services.inspection_sign_off(inspection_id=inspection.pk, actor=actor, **data)


def test_the_customer_signs_a_completed_report_off_once(report_a, customer_a, engineer, manager):
    signed = sign(report_a, customer_a)
    assert (signed.signed_off_name, signed.signed_off_on, signed.sign_off_remarks, signed.signed_off_by) == (
        "Li Wei",
        TODAY,
        "Received, thank you",
        customer_a,
    )
    told = Notification.objects.filter(key__startswith=f"inspection:{report_a.pk}:signed-off")
    assert set(told.values_list("recipient", flat=True)) == {engineer.pk, manager.pk}
    with pytest.raises(ServiceDeskError):
        sign(report_a, customer_a, name="Someone else")
    report_a.refresh_from_db()
    assert report_a.signed_off_name == "Li Wei"


def test_only_the_projects_customer_signs_and_only_a_completed_report(
    report_a, project_a, customer_a, customer_b, engineer, manager
):
    with pytest.raises(NotAllowed):
        sign(report_a, customer_b)
    with pytest.raises(NotAllowed):
        sign(report_a, engineer)
    with pytest.raises(ServiceDeskError) as refused:
        sign(report_a, customer_a, name=" ")
    assert refused.value.field == "name"
    with pytest.raises(ServiceDeskError) as refused:
        sign(report_a, customer_a, signed_on=TODAY + datetime.timedelta(days=1))
    assert refused.value.field == "signed_on"
    with pytest.raises(ServiceDeskError) as refused:
        sign(report_a, customer_a, signed_on=TODAY - datetime.timedelta(days=1))
    assert refused.value.field == "signed_on"
    planned = services.health_check_create(
        actor=manager, project=project_a, engineer=engineer, due_date=TODAY, title="Not done"
    )
    with pytest.raises(ServiceDeskError):
        sign(planned, customer_a)
    report_a.refresh_from_db()
    assert not report_a.is_signed_off


def test_api_sign_off(api, report_a, customer_a, customer_b, engineer):
    url = f"/api/v1/inspections/{report_a.pk}/sign-off/"
    assert api.as_user(customer_b).post(url, {"name": "X"}, format="json").status_code == 404
    assert api.as_user(engineer).post(url, {"name": "X"}, format="json").status_code == 403
    client = api.as_user(customer_a)
    assert client.post(url, {}, format="json").json()["errors"].keys() == {"name"}
    answer = client.post(url, {"name": "Li Wei", "signed_on": "2026-03-10", "remarks": "OK"}, format="json")
    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert (body["signed_off"], body["signed_off_name"], body["signed_off_on"], body["sign_off_remarks"]) == (
        True,
        "Li Wei",
        "2026-03-10",
        "OK",
    )
    assert client.post(url, {"name": "Li Wei"}, format="json").status_code == 400


def test_the_portal_page_signs_off_and_staff_see_it(client, report_a, customer_a, engineer):
    url = reverse("maintenance:inspection_detail", args=[report_a.pk])
    client.force_login(customer_a)
    assert b'id="sign-off-form"' in client.get(url).content
    answer = client.post(
        reverse("maintenance:inspection_sign_off", args=[report_a.pk]),
        {"name": "Li Wei", "signed_on": "2026-03-10", "remarks": "Zephyr received"},
    )
    assert answer.status_code == 302
    page = client.get(url).content
    assert b'id="sign-off-form"' not in page and b"Li Wei" in page
    client.force_login(engineer)
    page = client.get(url).content
    assert b"Li Wei" in page and b"Zephyr received" in page
    answer = client.post(reverse("maintenance:inspection_sign_off", args=[report_a.pk]), {"name": "X"})
    assert answer.status_code in (302, 403)


def test_the_pdf_shows_the_sign_off_block(report_a, customer_a, monkeypatch):
    shown: list[tuple[str, str]] = []

    def facts(self, pairs):
        shown.extend((str(label), str(value)) for label, value in pairs)

    monkeypatch.setattr(reports.Report, "facts", facts)
    reports.inspection_pdf(Inspection.objects.get(pk=report_a.pk), language="en")
    assert ("Signed off by", "Li Wei") not in shown
    sign(report_a, customer_a)
    shown.clear()
    reports.inspection_pdf(Inspection.objects.get(pk=report_a.pk), language="en")
    assert ("Signed off by", "Li Wei") in shown and ("Date", "2026-03-10") in shown


def test_api_shows_a_visits_schedule_and_overdue_flag(api, visits_a, engineer, customer_a):
    services.return_visits_plan()
    visit = ReturnVisit.objects.get()
    with time_machine.travel(datetime.datetime(2026, 3, 14, 9, 0, tzinfo=SHANGHAI), tick=False):
        services.return_visits_flag_overdue()
        rows = api.as_user(customer_a).get("/api/v1/return-visits/?overdue=true").json()["results"]
        assert [(row["id"], row["schedule"], row["overdue"]) for row in rows] == [(visit.pk, visits_a.pk, True)]
        assert rows[0]["overdue_at"]
        assert api.as_user(engineer).get("/api/v1/return-visits/?overdue=false").json()["results"] == []


def test_the_admin_saves_a_schedule_through_the_service(client, admin_user, project_a, engineer, customer_a):
    client.force_login(admin_user)
    data = {
        "project": project_a.pk,
        "name": "Yearly review call",
        "rule": "FREQ=YEARLY",
        "first_date": "2026-04-01",
        "staff": engineer.pk,
        "lead_days": 30,
        "remind_days": 2,
        "is_active": "on",
    }
    refused = client.post("/admin/maintenance/returnvisitschedule/add/", {**data, "rule": "sometimes"})
    assert refused.status_code == 200 and not ReturnVisitSchedule.objects.exists()
    assert client.post("/admin/maintenance/returnvisitschedule/add/", data).status_code == 302
    assert ReturnVisitSchedule.objects.get().rule == "FREQ=YEARLY"
