import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from accounts import services
from accounts.models import Team, TeamMembership, User
from accounts.selectors import team_members
from tests.accounts.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_customer_needs_an_organisation_in_the_database_too():
    with pytest.raises(IntegrityError):
        User.objects.create(username="orphan", role=User.Role.CUSTOMER)


def test_staff_belong_to_no_organisation(org_a):
    with pytest.raises(IntegrityError):
        User.objects.create(username="x", role=User.Role.ENGINEER, organisation=org_a)


def test_user_create_applies_the_password_policy_and_saves_nothing_on_error(org_a):
    with pytest.raises(ValidationError) as error:
        services.user_create(username="new", password="short", role=User.Role.ENGINEER)
    assert "password" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.user_create(username="new", password="Long-Enough-2026", role=User.Role.CUSTOMER)
    assert "organisation" in error.value.message_dict
    assert not User.objects.filter(username="new").exists()
    user = services.user_create(
        username="new", password="Long-Enough-2026", role=User.Role.CUSTOMER, organisation_id=org_a.pk
    )
    assert user.check_password("Long-Enough-2026") and user.is_customer and not user.is_staff_member


def test_the_leadership_group_is_found_by_kind(engineer, manager):
    leadership = TeamFactory(kind=Team.Kind.LEADERSHIP)
    support = TeamFactory(kind=Team.Kind.SUPPORT)
    services.team_add_member(team=leadership, user=manager, position=TeamMembership.Position.PROJECT_LEAD)
    services.team_add_member(team=support, user=engineer)
    assert list(team_members(kind=Team.Kind.LEADERSHIP)) == [manager]
    leadership.is_active = False
    leadership.save()
    assert not team_members(kind=Team.Kind.LEADERSHIP).exists()


def test_there_is_one_leadership_group():
    TeamFactory(kind=Team.Kind.LEADERSHIP)
    with pytest.raises(IntegrityError):
        TeamFactory(kind=Team.Kind.LEADERSHIP)


def test_customers_cannot_join_a_team(customer_a):
    with pytest.raises(ValidationError):
        services.team_add_member(team=TeamFactory(), user=customer_a)


def test_superusers_are_admins():
    user = User.objects.create_superuser("root", "root@example.com", "Long-Enough-2026")
    assert user.role == User.Role.ADMIN and user.is_admin and user.can_manage
    assert UserFactory(role=User.Role.MANAGER).can_manage
    assert not UserFactory(role=User.Role.ENGINEER).can_manage


@pytest.mark.django_db
def test_staff_has_one_meaning_everywhere():
    """Active engineers, managers and admins; never customers or the inactive."""
    from tests.accounts.factories import CustomerFactory, UserFactory

    engineer = UserFactory(role=User.Role.ENGINEER)
    manager = UserFactory(role=User.Role.MANAGER)
    admin = UserFactory(role=User.Role.ADMIN, is_superuser=True)
    UserFactory(role=User.Role.ENGINEER, is_active=False)
    UserFactory(role=User.Role.MANAGER, is_active=False)
    CustomerFactory()
    assert set(User.objects.staff()) == {engineer, manager, admin}
    assert list(User.objects.managers()) == [manager]
    assert all(user.is_staff_member for user in User.objects.staff())
