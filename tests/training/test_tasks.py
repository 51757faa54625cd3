"""The beat's training task: it calls reminders_send, and running it twice reminds nobody twice."""

import datetime
import fnmatch

import pytest
import time_machine
from django.conf import settings
from django.core import mail

from notifications.models import Notification
from servicedesk.celery import app
from tests.accounts.factories import CustomerFactory
from training import services, tasks
from training.models import Enrolment

pytestmark = pytest.mark.django_db


def test_the_training_tasks_are_routed_and_on_the_beat():
    app.loader.import_default_modules()
    ours = sorted(name for name in app.tasks if name.startswith("training."))
    assert ours == ["training.tasks.send_reminders"]
    for name in ours:
        assert any(fnmatch.fnmatch(name, pattern) for pattern in settings.CELERY_TASK_ROUTES), name
    entries = [
        entry for entry in settings.CELERY_BEAT_SCHEDULE.values() if entry["task"] == "training.tasks.send_reminders"
    ]
    assert len(entries) == 1
    # often enough that a reminder is not late by more than a few minutes
    assert float(entries[0]["schedule"]) <= 15 * 60


def test_send_reminders_twice_reminds_once(
    session_a, customer_a, colleague_a, org_a, settings, django_capture_on_commit_callbacks
):
    settings.TRAINING_REMINDER_HOURS = 24
    services.enrol(session_id=session_a.pk, contact=customer_a, actor=customer_a)
    services.enrol(session_id=session_a.pk, contact=colleague_a, actor=colleague_a)
    waiting = CustomerFactory(username="waiting", organisation=org_a)
    services.enrol(session_id=session_a.pk, contact=waiting, actor=waiting)
    # a week ahead: not yet
    assert tasks.send_reminders() == 0
    soon = session_a.starts_at - datetime.timedelta(hours=3)
    with time_machine.travel(soon, tick=False), django_capture_on_commit_callbacks(execute=True):
        assert tasks.send_reminders() == 2
        assert tasks.send_reminders.apply().get() == 0  # through Celery, as the beat sends it
    assert Notification.objects.filter(key__contains=":reminder:").count() == 2
    assert sorted(m.to[0] for m in mail.outbox if m.subject.startswith("Reminder:")) == sorted(
        [customer_a.email, colleague_a.email]
    )
    assert Enrolment.objects.get(contact=waiting).reminded_at is None
