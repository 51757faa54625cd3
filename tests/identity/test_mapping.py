"""The mapping rules of ``identity.services.directory_sign_in``, shared by the directory and
OpenID Connect sign-ins, without a server: a ``DirectoryProfile`` in, the desk account out."""

import pytest

from accounts.models import AuditEvent, TeamMembership, User
from identity.models import DirectoryGroup, ExternalIdentity
from identity.services import DirectoryProfile, DirectoryRefusal, directory_group_save, directory_sign_in
from tests.accounts.factories import TeamFactory, UserFactory
from tests.customers.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

ENGINEERS = "cn=Desk-Engineers,ou=groups,dc=example,dc=com"
MANAGERS = "cn=desk-managers,ou=groups,dc=example,dc=com"
ADMINS = "cn=desk-admins,ou=groups,dc=example,dc=com"
SUPPORT = "cn=desk-support,ou=groups,dc=example,dc=com"
NIGHT = "cn=desk-night,ou=groups,dc=example,dc=com"
WATER = "cn=eastbay-water,ou=groups,dc=example,dc=com"


@pytest.fixture
def mapped(db):
    support, night = TeamFactory(name="Support"), TeamFactory(name="Night shift")
    water = OrganisationFactory(name="Eastbay Water Utility", code="eastbay-water")
    DirectoryGroup.objects.create(name=ENGINEERS.lower(), role=User.Role.ENGINEER)  # names compare without case
    DirectoryGroup.objects.create(name=MANAGERS, role=User.Role.MANAGER)
    DirectoryGroup.objects.create(name=ADMINS, role=User.Role.ADMIN)
    DirectoryGroup.objects.create(name=SUPPORT, team=support)
    DirectoryGroup.objects.create(name=NIGHT, team=night)
    DirectoryGroup.objects.create(name=WATER, organisation=water)
    return {"support": support, "night": night, "water": water}


def profile(username: str = "erin", *groups: str, source: str = "ldap", **fields) -> DirectoryProfile:
    subject = fields.pop("subject", f"uid={username},ou=people,dc=example,dc=com")
    return DirectoryProfile(source=source, subject=subject, username=username, groups=frozenset(groups), **fields)


def teams(user: User) -> set[int]:
    return set(TeamMembership.objects.filter(user=user).values_list("team_id", flat=True))


def refusals() -> list[tuple[str, str]]:
    return list(
        AuditEvent.objects.filter(kind=AuditEvent.Kind.DIRECTORY_REFUSED).values_list("username", "detail__reason")
    )


class TestRoles:
    def test_a_new_person_gets_the_highest_role_of_their_groups(self, mapped):
        user = directory_sign_in(profile("erin", ENGINEERS, MANAGERS, SUPPORT, email="erin@example.com"))
        assert (user.role, user.email, user.organisation) == (User.Role.MANAGER, "erin@example.com", None)
        assert teams(user) == {mapped["support"].pk}
        assert not user.has_usable_password()
        assert ExternalIdentity.objects.get(user=user).subject == "uid=erin,ou=people,dc=example,dc=com"

    def test_admin_wins_over_everything(self, mapped):
        assert directory_sign_in(profile("ada", WATER, ENGINEERS, ADMINS)).role == User.Role.ADMIN

    def test_a_team_alone_gives_no_role(self, mapped):
        with pytest.raises(DirectoryRefusal) as refused:
            directory_sign_in(profile("tim", SUPPORT))
        assert refused.value.reason == "None of your directory groups gives access to the service desk."
        assert not User.objects.filter(username="tim").exists()
        assert refusals() == [("tim", refused.value.reason)]


class TestOrganisations:
    def test_an_organisation_group_makes_a_customer_of_it(self, mapped):
        user = directory_sign_in(profile("carol", WATER, SUPPORT))
        assert (user.role, user.organisation) == (User.Role.CUSTOMER, mapped["water"])
        assert teams(user) == set()  # customers are in no team

    def test_the_attribute_names_the_organisation_and_wins_over_the_group(self, mapped):
        other = OrganisationFactory(code="north-grid")
        user = directory_sign_in(profile("olga", WATER, organisation_code="NORTH-GRID"))
        assert user.organisation == other

    def test_an_unknown_code_falls_back_to_the_group(self, mapped):
        user = directory_sign_in(profile("olga", WATER, organisation_code="no-such-code"))
        assert user.organisation == mapped["water"]

    def test_an_unknown_code_alone_is_refused(self, mapped):
        with pytest.raises(DirectoryRefusal):
            directory_sign_in(profile("olga", organisation_code="no-such-code"))

    def test_staff_drop_their_organisation(self, mapped):
        directory_sign_in(profile("carol", WATER))
        user = directory_sign_in(profile("carol", WATER, ENGINEERS))
        assert (user.role, user.organisation) == (User.Role.ENGINEER, None)


class TestTeams:
    def test_mapped_teams_follow_and_others_stay(self, mapped):
        user = directory_sign_in(profile("erin", ENGINEERS, SUPPORT, NIGHT))
        own = TeamFactory(name="Own")
        TeamMembership.objects.create(user=user, team=own)
        user = directory_sign_in(profile("erin", ENGINEERS, NIGHT))
        assert teams(user) == {mapped["night"].pk, own.pk}
        user = directory_sign_in(profile("erin", ENGINEERS))
        assert teams(user) == {own.pk}


class TestAccounts:
    def test_the_subject_finds_the_account_after_a_rename(self, mapped):
        first = directory_sign_in(profile("erin", ENGINEERS))
        again = directory_sign_in(profile("erin.new", ENGINEERS, subject="uid=erin,ou=people,dc=example,dc=com"))
        assert again.pk == first.pk and User.objects.count() == 1

    def test_an_unheld_local_account_is_taken_over_and_loses_its_password(self, mapped):
        local = UserFactory(username="Erin", role=User.Role.CUSTOMER, organisation=mapped["water"])
        user = directory_sign_in(profile("erin", ENGINEERS))
        assert user.pk == local.pk
        local.refresh_from_db()
        assert (local.role, local.organisation, local.has_usable_password()) == (User.Role.ENGINEER, None, False)

    def test_an_entry_moved_in_the_directory_keeps_its_account(self, mapped):
        first = directory_sign_in(profile("erin", ENGINEERS))
        moved = directory_sign_in(profile("erin", ENGINEERS, subject="uid=erin,ou=contractors,dc=example,dc=com"))
        assert moved.pk == first.pk
        assert list(ExternalIdentity.objects.values_list("subject", flat=True)) == [
            "uid=erin,ou=contractors,dc=example,dc=com"
        ]

    def test_an_account_held_by_another_openid_subject_is_not_taken(self, mapped):
        directory_sign_in(profile("erin", ENGINEERS, source="oidc", subject="sub-1"))
        with pytest.raises(DirectoryRefusal) as refused:
            directory_sign_in(profile("erin", ENGINEERS, source="oidc", subject="sub-2"))
        assert "another directory entry" in refused.value.reason
        assert ExternalIdentity.objects.get().subject == "sub-1"

    def test_the_other_source_may_hold_the_same_account(self, mapped):
        user = directory_sign_in(profile("erin", ENGINEERS))
        same = directory_sign_in(profile("erin", ENGINEERS, source="oidc", subject="0f9e-sub"))
        assert same.pk == user.pk
        assert set(ExternalIdentity.objects.values_list("source", flat=True)) == {"ldap", "oidc"}

    def test_a_superuser_is_never_taken_over(self, mapped):
        root = UserFactory(username="ada", role=User.Role.ADMIN, is_superuser=True)
        with pytest.raises(DirectoryRefusal):
            directory_sign_in(profile("ada", ADMINS))
        root.refresh_from_db()
        assert root.is_active and root.has_usable_password()


class TestDisabled:
    def test_disabled_deactivates_the_account_and_the_refusal_is_kept(self, mapped):
        user = directory_sign_in(profile("ivan", ENGINEERS))
        with pytest.raises(DirectoryRefusal) as refused:
            directory_sign_in(profile("ivan", ENGINEERS, active=False))
        assert refused.value.reason == "Your account is disabled in the directory."
        user.refresh_from_db()
        assert not user.is_active  # written although the sign-in failed
        assert refusals() == [("ivan", "Your account is disabled in the directory.")]
        assert AuditEvent.objects.get(kind=AuditEvent.Kind.DIRECTORY_REFUSED).user == user

    def test_losing_every_group_deactivates_a_held_account_only(self, mapped):
        held = directory_sign_in(profile("ivan", ENGINEERS))
        with pytest.raises(DirectoryRefusal):
            directory_sign_in(profile("ivan"))
        held.refresh_from_db()
        assert not held.is_active
        local = UserFactory(username="nora")  # the same name in the directory, in no mapped group
        with pytest.raises(DirectoryRefusal):
            directory_sign_in(profile("nora"))
        local.refresh_from_db()
        assert local.is_active  # not the directory's to close

    def test_back_in_a_group_reactivates(self, mapped):
        directory_sign_in(profile("ivan", ENGINEERS))
        with pytest.raises(DirectoryRefusal):
            directory_sign_in(profile("ivan", ENGINEERS, active=False))
        assert directory_sign_in(profile("ivan", ENGINEERS)).is_active


class TestMappingsAdmin:
    def test_a_mapping_must_give_something(self, mapped):
        from django.core.exceptions import ValidationError

        with pytest.raises(ValidationError):
            directory_group_save(name="cn=empty,ou=groups,dc=example,dc=com")

    def test_names_are_unique_without_case(self, mapped):
        from django.core.exceptions import ValidationError

        with pytest.raises(ValidationError):
            directory_group_save(name=MANAGERS.upper(), role=User.Role.ENGINEER)
        saved = directory_group_save(name="  Desk-Night-Leads  ", role=User.Role.MANAGER)
        assert saved.name == "Desk-Night-Leads"


class TestDemo:
    def test_the_demo_mappings_are_made_once(self, db):
        from accounts.models import Team
        from demo.identity import MAPPINGS, seed_identity

        TeamFactory(slug="first-line-support")
        TeamFactory(slug="emergency-technical", kind=Team.Kind.TECHNICAL)
        OrganisationFactory(code="eastbay-water")
        OrganisationFactory(code="northgate-hospital")
        assert seed_identity() == len(MAPPINGS)
        assert seed_identity() == 0
        engineers = DirectoryGroup.objects.get(name="cn=desk-engineers,ou=groups,dc=example,dc=com")
        assert (engineers.role, engineers.team.slug) == (User.Role.ENGINEER, "first-line-support")
