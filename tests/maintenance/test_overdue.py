"""Overdue is decided once (``Inspection.overdue_q`` / ``is_overdue``), on the desk's date:
the page, the API, its filter and the dashboard agree, whatever the viewer's time zone."""

import datetime

import pytest
from django.urls import reverse

from maintenance import services
from maintenance.models import Inspection
from tests.tickets.helpers import sh, travel

pytestmark = pytest.mark.django_db


def test_a_visit_is_overdue_from_the_desks_next_day_for_every_viewer(api, client, engineer, project_a, settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    engineer.time_zone = "Europe/London"  # still the 6th there when it is the 7th at the desk
    engineer.save()
    with travel(sh(2026, 12, 5, 10)):
        visit = services.health_check_create(
            project=project_a, engineer=engineer, due_date=datetime.date(2026, 12, 6), actor=engineer, title="Check"
        )
    with travel(sh(2026, 12, 6, 23, 30)):
        assert not Inspection.objects.get(pk=visit.pk).is_overdue
        assert not Inspection.objects.overdue().exists()
    with travel(sh(2026, 12, 7, 0, 30)):  # 16:30 on the 6th in London
        assert Inspection.objects.get(pk=visit.pk).is_overdue
        assert list(Inspection.objects.overdue()) == [visit]
        body = api.as_user(engineer).get(f"/api/v1/inspections/{visit.pk}/").json()
        assert body["overdue"] is True
        flagged = api.as_user(engineer).get("/api/v1/inspections/", {"overdue": "true"}).json()["results"]
        assert [row["id"] for row in flagged] == [visit.pk]
        client.force_login(engineer)
        page = client.get(reverse("maintenance:inspection_detail", args=[visit.pk])).content.decode()
        assert 'id="overdue"' in page
