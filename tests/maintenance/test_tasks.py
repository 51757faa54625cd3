"""The beat's maintenance tasks: each calls its service, and running it twice does nothing more."""

import datetime
import fnmatch
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings

from maintenance import tasks
from maintenance.models import Inspection, SurveyInvitation, Warranty
from notifications.models import Notification
from servicedesk.celery import app
from tickets.models import Ticket
from tickets.services import ticket_create, ticket_update

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
TASKS = [
    tasks.plan_inspections,
    tasks.flag_overdue_inspections,
    tasks.remind_expiring_warranties,
    tasks.send_surveys,
    tasks.plan_return_visits,
    tasks.follow_up_return_visits,
]


def at(*args: int):
    """Freeze the clock at a wall-clock moment of the service desk's time zone."""
    return time_machine.travel(datetime.datetime(*args, tzinfo=SHANGHAI), tick=False)


def test_every_maintenance_task_is_routed_and_on_the_beat():
    app.loader.import_default_modules()
    ours = sorted(name for name in app.tasks if name.startswith("maintenance."))
    assert ours == sorted(task.name for task in TASKS)
    for name in ours:
        assert any(fnmatch.fnmatch(name, pattern) for pattern in settings.CELERY_TASK_ROUTES), name
    on_beat = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert set(ours) <= on_beat


def test_plan_inspections_creates_the_visits_within_the_lead_time_once(schedule_a):
    with at(2025, 12, 16, 3, 0):
        assert tasks.plan_inspections() == 1
        assert tasks.plan_inspections.apply().get() == 0
    assert list(Inspection.objects.values_list("due_date", flat=True)) == [datetime.date(2026, 1, 15)]
    assert Inspection.objects.get().answers.count() == 3


def test_plan_inspections_goes_by_the_local_date(schedule_a):
    # 2025-12-16 00:30 in Shanghai is still the 15th in UTC: the visit is 30 local days away
    with at(2025, 12, 16, 0, 30):
        assert tasks.plan_inspections() == 1


def test_flag_overdue_inspections_flags_each_late_visit_once(schedule_a, manager):
    with at(2025, 12, 16, 3, 0):
        tasks.plan_inspections()
    with at(2026, 1, 15, 23, 0):  # the visit's own day is not late
        assert tasks.flag_overdue_inspections() == 0
    with at(2026, 1, 16, 9, 0):
        assert tasks.flag_overdue_inspections() == 1
        assert tasks.flag_overdue_inspections.apply().get() == 0
    assert Inspection.objects.exclude(overdue_at=None).count() == 1
    assert Notification.objects.filter(key__contains=":overdue").count() == 2  # the engineer and the manager


def test_remind_expiring_warranties_reminds_once(warranty_a, manager, customer_a):
    with at(2025, 12, 29, 12, 0):  # 61 days before the end
        assert tasks.remind_expiring_warranties() == 0
    with at(2025, 12, 30, 12, 0):
        assert tasks.remind_expiring_warranties() == 1
        assert tasks.remind_expiring_warranties.apply().get() == 0
    assert Warranty.objects.exclude(expiry_reminded_at=None).count() == 1
    assert Notification.objects.filter(key__startswith=f"warranty:{warranty_a.pk}:").count() == 2


def test_send_surveys_invites_once(project_a, customer_a, engineer):
    ticket = ticket_create(actor=customer_a, project=project_a, title="Printer jams", description="Every morning")
    ticket_update(ticket_id=ticket.pk, actor=engineer, status=Ticket.Status.RESOLVED)
    assert tasks.send_surveys() == 1
    assert tasks.send_surveys.apply().get() == 0
    assert SurveyInvitation.objects.get().ticket == ticket
    assert Notification.objects.filter(key__startswith=f"ticket:{ticket.pk}:survey").count() == 1


@pytest.mark.parametrize("task", TASKS, ids=lambda task: task.name)
def test_each_task_does_nothing_on_an_empty_database(task):
    assert task.apply().get() == 0
