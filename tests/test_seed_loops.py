"""The demo's loops that close (demo/loops.py): improvement actions open, done and overdue,
a return-visit schedule per demo project with a scored visit and an overdue one, a report
signed off; made once."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from demo.loops import ACTIONS, seed_loops
from emergency.models import ReviewAction
from maintenance.models import Inspection, ReturnVisit, ReturnVisitSchedule

pytestmark = pytest.mark.django_db


def test_the_demo_closes_its_loops_once():
    with time_machine.travel(datetime.datetime(2027, 5, 20, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        call_command("seed_demo", verbosity=0)
        today = datetime.date(2027, 5, 20)
        actions = ReviewAction.objects.filter(description__in=[row[0] for row in ACTIONS])
        assert actions.count() == 3
        assert actions.filter(done_at__isnull=False).count() == 1
        assert actions.filter(done_at=None, due_date__lt=today).count() == 1  # overdue
        assert actions.filter(done_at=None, due_date__gte=today).count() == 1
        schedules = ReturnVisitSchedule.objects.all()
        assert sorted(schedule.project.code for schedule in schedules) == ["ebw-scada", "ngh-records"]
        scheduled = ReturnVisit.objects.filter(schedule__isnull=False)
        assert scheduled.filter(status=ReturnVisit.Status.DONE, satisfaction__isnull=False).exists()
        assert scheduled.filter(overdue_at__isnull=False, status=ReturnVisit.Status.PLANNED).exists()
        signed = Inspection.objects.get(signed_off_at__isnull=False)
        assert signed.project.code == "ngh-records" and signed.signed_off_name
        assert seed_loops() == 0
