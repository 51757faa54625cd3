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
