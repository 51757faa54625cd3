"""The beat sweep (run twice, as a redelivered task would) and the admin, which saves through
the services."""

import pytest
from django.urls import reverse

from parts.models import Movement, Part, Stock
from parts.tasks import release_closed_reservations
from tests.parts.conftest import close

pytestmark = pytest.mark.django_db


def test_the_sweep_task_releases_once_however_often_it_runs(stocked, engineer, ticket_a):
    from parts import services

    services.movement_record(
        actor=engineer, kind="reserve", part=stocked.part, quantity=2, from_location=stocked.van, ticket=ticket_a
    )
    close(ticket_a, engineer)
    assert release_closed_reservations() == 1
    assert release_closed_reservations() == 0
    assert Movement.objects.filter(kind="release").count() == 1
    assert Stock.objects.get(part=stocked.part, location=stocked.van).reserved == 0


def test_the_sweep_has_a_route_and_a_schedule(settings):
    assert settings.CELERY_TASK_ROUTES["parts.tasks.*"] == {"queue": "default"}
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "parts.tasks.release_closed_reservations" in tasks


def test_the_admin_saves_parts_through_the_service(client, admin_user, part):
    client.force_login(admin_user)
    answer = client.post(
        reverse("admin:parts_part_add"),
        {"part_number": "psu-500", "name": "Duplicate", "unit_price": "1", "is_active": "on"},
    )
    assert answer.status_code == 200
    assert "Another part has this part number." in answer.text
    answer = client.post(
        reverse("admin:parts_part_add"),
        {"part_number": "FAN-80", "name": "Fan", "unit_price": "1", "is_active": "on"},
    )
    assert answer.status_code == 302
    assert Part.objects.filter(part_number="FAN-80").exists()


def test_the_admin_sets_a_low_stock_level(client, admin_user, stocked):
    row = Stock.objects.get(part=stocked.part, location=stocked.van)
    client.force_login(admin_user)
    answer = client.post(reverse("admin:parts_stock_change", args=[row.pk]), {"low_level": "2"})
    assert answer.status_code == 302
    row.refresh_from_db()
    assert row.low_level == 2
    for name in ("movement", "reservation", "rma"):
        assert client.get(reverse(f"admin:parts_{name}_changelist")).status_code == 200
