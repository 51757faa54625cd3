"""Admins that save through their app's service show its refusal on the form and save nothing."""

import datetime

import pytest
from django.urls import reverse

from accounts.models import Team
from emergency.models import Risk
from tests.tickets.test_admin import inline

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, admin_user):
    client.force_login(admin_user)
    return client


def test_a_team_takes_staff_only(staff_client, customer_a, engineer):
    data = {"name": "Night", "slug": "night", "kind": "support", "description": "", "email": "", "is_active": "on"}
    rows = [{"user": str(engineer.pk), "position": "member"}, {"user": str(customer_a.pk), "position": "member"}]
    refused = staff_client.post(reverse("admin:accounts_team_add"), {**data, **inline("memberships", rows)})
    assert refused.status_code == 200 and "Only staff users can be members of a team." in refused.content.decode()
    assert not Team.objects.filter(slug="night").exists()
    saved = staff_client.post(reverse("admin:accounts_team_add"), {**data, **inline("memberships", rows[:1])})
    assert saved.status_code == 302 and list(Team.objects.get(slug="night").members.all()) == [engineer]


def test_a_risk_owner_is_staff(staff_client, project_a, customer_a, engineer):
    data = {
        "project": str(project_a.pk),
        "category": "hardware",
        "title": "Disk failure",
        "likelihood": "3",
        "impact": "4",
        "mitigation": "",
        "owner": str(customer_a.pk),
        "review_date": (datetime.date.today() + datetime.timedelta(days=30)).isoformat(),
        "status": "open",
    }
    refused = staff_client.post(reverse("admin:emergency_risk_add"), data)
    assert refused.status_code == 200 and "The owner of a risk must be staff." in refused.content.decode()
    assert not Risk.objects.exists()
    saved = staff_client.post(reverse("admin:emergency_risk_add"), {**data, "owner": str(engineer.pk)})
    assert saved.status_code == 302 and Risk.objects.get().owner == engineer


def test_a_routing_rule_for_an_inactive_project_is_refused(staff_client, project_a):
    from mail.models import RoutingRule

    project_a.is_active = False
    project_a.save()
    data = {"name": "SCADA", "position": "1", "mailbox": "", "field": "subject", "contains": "SCADA"}
    data.update({"project": str(project_a.pk), "priority": "high", "is_active": "on"})
    refused = staff_client.post(reverse("admin:mail_routingrule_add"), data)
    assert refused.status_code == 200
    assert "This project is no longer active: a rule for it would never apply." in refused.content.decode()
    assert not RoutingRule.objects.exists()


def test_users_are_made_and_changed_by_the_accounts_services(staff_client, org_a):
    from accounts.models import User

    data = {"username": "wu", "password1": "Pump-Station-2026", "password2": "Pump-Station-2026", "role": "customer"}
    data.update({"organisation": "", "email": "wu@example.com", "first_name": "Wu", "last_name": "Li", "phone": ""})
    refused = staff_client.post(reverse("admin:accounts_user_add"), data)
    assert refused.status_code == 200 and not User.objects.filter(username="wu").exists()

    added = staff_client.post(reverse("admin:accounts_user_add"), {**data, "organisation": str(org_a.pk)})
    assert added.status_code == 302
    wu = User.objects.get(username="wu")
    assert (wu.organisation, wu.role) == (org_a, "customer") and wu.check_password("Pump-Station-2026")


def test_a_user_change_goes_through_the_service(staff_client, engineer):
    from unittest import mock

    from accounts import services

    data = {
        "username": engineer.username,
        "first_name": "Hao",
        "last_name": "Liu",
        "email": engineer.email,
        "is_active": "",  # deactivated
        "date_joined_0": "2026-01-05",
        "date_joined_1": "09:00:00",
        "role": "manager",
        "organisation": "",
        "phone": "",
        "job_title": "",
        "time_zone": "",
        "language": "",
    }
    with mock.patch.object(services, "user_update", wraps=services.user_update) as service:
        response = staff_client.post(reverse("admin:accounts_user_change", args=[engineer.pk]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert service.call_count == 2  # run on the form to check it (rolled back), then to save
    engineer.refresh_from_db()
    assert (engineer.role, engineer.is_active, engineer.first_name) == ("manager", False, "Hao")
