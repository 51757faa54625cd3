"""The rota admin writes through ``rotas.rota_save``: its checks and messages on the change
form, members in the order of their position, nothing half-saved."""

import pytest
from django.urls import reverse

from emergency.models import Rota
from tests.tickets.test_admin import inline


@pytest.fixture
def staff_client(client, admin_user):
    client.force_login(admin_user)
    return client


def rota_form(members, **fields) -> dict:
    rows = [{"position": str(position), "user": str(user.pk)} for position, user in members]
    return {
        "name": "Liaisons",
        "description": "",
        "timezone": "Asia/Shanghai",
        "handover": "09:00",
        "shift_days": "7",
        "starts_on": "2026-01-05",
        "is_active": "on",
        **inline("members", rows),
        **inline("overrides", []),
        **fields,
    }


def test_a_rota_is_saved_with_its_members_in_turn(staff_client, groups):
    response = staff_client.post(
        reverse("admin:emergency_rota_add"), rota_form([(2, groups.tech), (1, groups.liaison)])
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    rota = Rota.objects.get()
    assert [member.user for member in rota.members.order_by("position")] == [groups.liaison, groups.tech]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"timezone": "Mars/Base"}, "Unknown time zone."),
        ({"starts_on": "1900-01-01"}, "The first shift must start between"),
    ],
)
def test_the_services_refusal_is_shown_and_nothing_is_saved(staff_client, groups, change, message):
    response = staff_client.post(reverse("admin:emergency_rota_add"), rota_form([(1, groups.tech)], **change))
    assert response.status_code == 200 and message in response.content.decode()
    assert not Rota.objects.exists()


def test_a_customer_is_never_on_a_rota(staff_client, groups, customer_a):
    response = staff_client.post(reverse("admin:emergency_rota_add"), rota_form([(1, groups.tech), (2, customer_a)]))
    assert response.status_code == 200 and "Only staff users can be on a rota." in response.content.decode()
    assert not Rota.objects.exists()
