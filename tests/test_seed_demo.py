import pytest
from django.core.management import call_command

from accounts.models import Team, User
from accounts.selectors import team_members
from customers.models import Organisation, Project

pytestmark = pytest.mark.django_db

DEMO_USERS = {
    "admin": "admin",
    "manager": "manager",
    "engineer": "engineer",
    "liaison": "engineer",
    "leader": "manager",
    "tech": "engineer",
    "alice": "customer",
    "bob": "customer",
}


def test_seed_demo_is_idempotent_and_the_demo_users_log_in(client):
    call_command("seed_demo", verbosity=0)
    counts = (User.objects.count(), Organisation.objects.count(), Project.objects.count(), Team.objects.count())
    call_command("seed_demo", verbosity=0)
    assert (User.objects.count(), Organisation.objects.count(), Project.objects.count(), Team.objects.count()) == counts
    assert counts[1:3] == (2, 2)

    for username, role in DEMO_USERS.items():
        user = User.objects.get(username=username)
        assert user.role == role
        response = client.post("/accounts/login/", {"username": username, "password": "ServiceDesk-2026"})
        assert response.status_code == 302, username
        client.logout()
    assert User.objects.get(username="admin").is_superuser
    alice, bob = User.objects.get(username="alice"), User.objects.get(username="bob")
    assert alice.organisation != bob.organisation
    assert Project.objects.get(organisation=alice.organisation).customer_liaison == alice


def test_the_emergency_groups_are_named_by_kind():
    call_command("seed_demo", verbosity=0)
    assert [u.username for u in team_members(kind=Team.Kind.LEADERSHIP)] == ["leader", "manager"]
    assert "tech" in [u.username for u in team_members(kind=Team.Kind.TECHNICAL)]
    assert [u.username for u in team_members(kind=Team.Kind.LIAISON)] == ["liaison"]


def test_seed_demo_keeps_a_changed_password():
    call_command("seed_demo", verbosity=0)
    alice = User.objects.get(username="alice")
    alice.set_password("Changed-By-Alice-1")
    alice.save()
    call_command("seed_demo", verbosity=0)
    assert User.objects.get(username="alice").check_password("Changed-By-Alice-1")
