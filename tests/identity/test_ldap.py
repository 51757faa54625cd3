"""Directory sign-in against a real OpenLDAP server (tests/identity/slapd.py): the login page and
the token endpoint take directory passwords, the account follows the directory's groups, and
refusals say why."""

import ldap
import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import AuditEvent, TeamMembership, User
from identity.models import ExternalIdentity
from tests.accounts.factories import PASSWORD as LOCAL_PASSWORD
from tests.accounts.factories import TeamFactory, UserFactory
from tests.identity import slapd
from tests.identity.slapd import (
    AD_PEOPLE,
    CUSTOMERS,
    DISABLED,
    ENGINEERS,
    MANAGERS,
    PASSWORD,
    SUPPORT_TEAM,
    configure,
    directory_fixture,  # noqa: F401  (fixture ``directory``: the test directory, mapped)
    person,
    slapd_server,  # noqa: F401  (fixture: the server, once a session)
)

pytestmark = pytest.mark.django_db

GENERIC = "Please enter a correct username and password. Note that both fields may be case-sensitive."
TOKEN = "/api/v1/auth/token/"


def sign_in(client, username: str, password: str = PASSWORD):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def form_errors(response) -> list[str]:
    return list(response.context["form"].non_field_errors())


def teams_of(user: User) -> set[int]:
    return set(TeamMembership.objects.filter(user=user).values_list("team_id", flat=True))


class TestLoginPage:
    def test_an_engineer_signs_in_and_gets_role_teams_and_identity(self, client, directory):
        response = sign_in(client, "erin")
        assert response.status_code == 302 and response.url == reverse("home")
        assert client.get(reverse("home")).status_code == 200
        erin = User.objects.get(username="erin")
        assert (erin.role, erin.organisation, erin.is_active) == (User.Role.ENGINEER, None, True)
        assert (erin.first_name, erin.last_name, erin.email) == ("Erin", "Engineer", "erin@directory.example.com")
        assert erin.phone == "+86 10 5555 0100"
        assert teams_of(erin) == {directory.support.pk, directory.technical.pk}
        assert not erin.has_usable_password()  # never a local password
        identity = ExternalIdentity.objects.get(user=erin)
        assert (identity.source, identity.subject) == ("ldap", person("erin"))

    def test_the_highest_mapped_group_gives_the_role(self, client, directory):
        directory.server.modify(MANAGERS, [(ldap.MOD_ADD, "member", [person("erin")])])
        assert sign_in(client, "erin").status_code == 302
        assert User.objects.get(username="erin").role == User.Role.MANAGER
        client.logout()
        assert sign_in(client, "ada").status_code == 302
        assert User.objects.get(username="ada").role == User.Role.ADMIN

    def test_a_customer_gets_the_organisation_of_a_group_or_of_the_attribute(self, client, directory):
        assert sign_in(client, "carol").status_code == 302  # member of cn=eastbay-water
        carol = User.objects.get(username="carol")
        assert (carol.role, carol.organisation) == (User.Role.CUSTOMER, directory.eastbay)
        client.logout()
        assert sign_in(client, "olga").status_code == 302  # o: eastbay-water, in no group
        olga = User.objects.get(username="olga")
        assert (olga.role, olga.organisation) == (User.Role.CUSTOMER, directory.eastbay)

    def test_a_second_sign_in_follows_the_groups_and_leaves_unmapped_teams(self, client, directory):
        assert sign_in(client, "erin").status_code == 302
        erin = User.objects.get(username="erin")
        own_team = TeamFactory()  # a team no directory group maps, joined at the desk
        TeamMembership.objects.create(user=erin, team=own_team)
        client.logout()
        # the directory: erin leaves the support team and becomes a manager
        directory.server.modify(SUPPORT_TEAM, [(ldap.MOD_DELETE, "member", [person("erin")])])
        directory.server.modify(MANAGERS, [(ldap.MOD_ADD, "member", [person("erin")])])
        directory.server.modify(person("erin"), [(ldap.MOD_REPLACE, "sn", ["Engineer-Manager"])])
        assert sign_in(client, "erin").status_code == 302
        erin.refresh_from_db()
        assert (erin.role, erin.last_name) == (User.Role.MANAGER, "Engineer-Manager")
        assert teams_of(erin) == {directory.technical.pk, own_team.pk}
        assert User.objects.filter(username="erin").count() == 1

    def test_disabled_by_group_is_refused_with_the_reason_and_deactivated(self, client, directory):
        assert sign_in(client, "ivan").status_code == 302
        client.logout()
        directory.server.modify(DISABLED, [(ldap.MOD_ADD, "member", [person("ivan")])])
        response = sign_in(client, "ivan")
        assert response.status_code == 200
        assert form_errors(response) == ["Your account is disabled in the directory."]
        ivan = User.objects.get(username="ivan")
        assert not ivan.is_active
        line = AuditEvent.objects.get(kind=AuditEvent.Kind.DIRECTORY_REFUSED)
        assert (line.user, line.username, line.method) == (ivan, "ivan", "ldap")
        assert line.detail == {"reason": "Your account is disabled in the directory."}
        # back in good standing: the next sign-in reactivates the account
        directory.server.modify(DISABLED, [(ldap.MOD_DELETE, "member", [person("ivan")])])
        assert sign_in(client, "ivan").status_code == 302
        ivan.refresh_from_db()
        assert ivan.is_active

    def test_a_session_ends_when_the_account_is_deactivated(self, client, directory):
        assert sign_in(client, "ivan").status_code == 302
        assert client.get(reverse("home")).status_code == 200
        directory.server.modify(DISABLED, [(ldap.MOD_ADD, "member", [person("ivan")])])
        assert sign_in(Client(), "ivan").status_code == 200  # refused on another browser
        assert client.get(reverse("home")).status_code == 302  # and this session is over

    def test_the_disabled_group_refuses_a_first_sign_in_too(self, client, directory):
        response = sign_in(client, "dora")  # an engineer, in cn=desk-disabled
        assert form_errors(response) == ["Your account is disabled in the directory."]
        assert not User.objects.filter(username="dora").exists()

    def test_no_mapped_group_is_refused_with_the_reason(self, client, directory):
        response = sign_in(client, "nora")  # only in cn=canteen, which maps to nothing
        assert response.status_code == 200
        assert form_errors(response) == ["None of your directory groups gives access to the service desk."]
        assert not User.objects.filter(username="nora").exists()
        line = AuditEvent.objects.get(kind=AuditEvent.Kind.DIRECTORY_REFUSED)
        assert (line.user, line.username) == (None, "nora")

    def test_losing_every_mapped_group_deactivates_the_account(self, client, directory):
        assert sign_in(client, "carol").status_code == 302
        client.logout()
        directory.server.modify(CUSTOMERS, [(ldap.MOD_DELETE, "member", [person("carol")])])
        response = sign_in(client, "carol")
        assert form_errors(response) == ["None of your directory groups gives access to the service desk."]
        assert not User.objects.get(username="carol").is_active

    def test_a_wrong_password_or_an_unknown_name_is_the_generic_error(self, client, directory):
        assert form_errors(sign_in(client, "erin", "not-the-password")) == [GENERIC]
        assert form_errors(sign_in(client, "nobody-at-all")) == [GENERIC]
        assert not User.objects.filter(username="erin").exists()
        assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.DIRECTORY_REFUSED).exists()

    def test_a_person_removed_from_the_directory_cannot_sign_in(self, client, directory):
        assert sign_in(client, "erin").status_code == 302
        client.logout()
        directory.server.delete(person("erin"))
        assert form_errors(sign_in(client, "erin")) == [GENERIC]

    def test_the_directory_account_cannot_use_a_local_password(self, client, directory):
        assert sign_in(client, "erin").status_code == 302
        client.logout()
        erin = User.objects.get(username="erin")
        erin.set_password("Local-Password-2026")  # say an admin gave it one
        erin.save()
        response = sign_in(client, "erin", "Local-Password-2026")
        assert form_errors(response) == ["Your account is held by the directory: sign in with your directory password."]
        assert sign_in(client, "erin").status_code == 302  # the directory password
        erin.refresh_from_db()
        assert not erin.has_usable_password()

    def test_an_entry_moved_to_another_branch_keeps_its_account(self, client, directory, settings):
        configure(settings, directory.server, LDAP_USER_SEARCH_BASE=slapd.SUFFIX)
        assert sign_in(client, "erin").status_code == 302
        client.logout()
        erin = User.objects.get(username="erin")
        moved = directory.server.move(person("erin"), AD_PEOPLE)
        for group in (ENGINEERS, SUPPORT_TEAM):  # the directory's groups follow the entry
            directory.server.modify(
                group, [(ldap.MOD_DELETE, "member", [person("erin")]), (ldap.MOD_ADD, "member", [moved])]
            )
        assert sign_in(client, "erin").status_code == 302
        assert User.objects.get(username="erin").pk == erin.pk
        assert ExternalIdentity.objects.get(user=erin).subject == moved

    def test_a_local_account_of_the_same_username_is_taken_over(self, client, directory):
        local = UserFactory(username="max", role=User.Role.ENGINEER)
        assert sign_in(client, "max").status_code == 302  # the directory password
        local.refresh_from_db()
        assert (local.role, local.has_usable_password()) == (User.Role.MANAGER, False)
        assert ExternalIdentity.objects.get(user=local).subject == person("max")

    def test_a_superuser_of_the_same_username_is_never_taken_over(self, client, directory):
        UserFactory(username="ada", role=User.Role.ADMIN, is_superuser=True, is_staff=True)
        response = sign_in(client, "ada")
        assert form_errors(response) == [
            "Your username belongs to a superuser of the service desk, who signs in with a local password."
        ]
        assert sign_in(client, "ada", LOCAL_PASSWORD).status_code == 302  # break glass
        assert not ExternalIdentity.objects.exists()


class TestTokenEndpoint:
    def test_a_directory_password_gives_a_token(self, api, directory):
        response = api.post(TOKEN, {"username": "erin", "password": PASSWORD}, format="json")
        assert response.status_code == 200
        api.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
        me = api.get("/api/v1/me/").json()
        assert (me["username"], me["role"]) == ("erin", "engineer")

    def test_a_refusal_is_a_400_with_the_reason(self, api, directory):
        response = api.post(TOKEN, {"username": "nora", "password": PASSWORD}, format="json")
        assert response.status_code == 400
        reason = "None of your directory groups gives access to the service desk."
        assert response.json() == {"detail": reason, "errors": {"non_field_errors": [reason]}}

    def test_a_wrong_password_is_the_generic_400(self, api, directory):
        response = api.post(TOKEN, {"username": "erin", "password": "wrong"}, format="json")
        assert response.status_code == 400
        assert response.json()["detail"] == "Unable to log in with the given username and password."


class TestActiveDirectory:
    """memberOf and userAccountControl, as Active Directory gives them."""

    @pytest.fixture
    def active_directory(self, directory, settings):
        configure(
            settings,
            directory.server,
            LDAP_USER_SEARCH_BASE=AD_PEOPLE,
            LDAP_USER_FILTER="(sAMAccountName=%(user)s)",
            LDAP_USERNAME_ATTRIBUTE="sAMAccountName",
            LDAP_GROUP_MEMBERSHIP="memberOf",
            LDAP_GROUP_SEARCH_BASE="",
            LDAP_DISABLED_GROUP="",
        )
        return directory

    def test_groups_come_from_member_of(self, client, active_directory):
        assert sign_in(client, "alex").status_code == 302
        alex = User.objects.get(username="alex")
        assert alex.role == User.Role.ENGINEER
        assert teams_of(alex) == {active_directory.support.pk}
        assert ExternalIdentity.objects.get(user=alex).subject == slapd.ad_person("alex")

    def test_the_account_disable_bit_refuses(self, client, active_directory):
        assert sign_in(client, "alex").status_code == 302
        client.logout()
        active_directory.server.modify(slapd.ad_person("alex"), [(ldap.MOD_REPLACE, "userAccountControl", ["514"])])
        response = sign_in(client, "alex")
        assert form_errors(response) == ["Your account is disabled in the directory."]
        assert not User.objects.get(username="alex").is_active
        assert form_errors(sign_in(client, "dana")) == ["Your account is disabled in the directory."]

    def test_a_disabled_account_whose_bind_fails_is_deactivated_all_the_same(self, client, active_directory):
        # Active Directory refuses a disabled account's password: here, a wrong password stands
        # for that refusal, the entry's userAccountControl says disabled
        assert sign_in(client, "alex").status_code == 302
        client.logout()
        active_directory.server.modify(slapd.ad_person("alex"), [(ldap.MOD_REPLACE, "userAccountControl", ["514"])])
        assert form_errors(sign_in(client, "alex", "refused-by-ad")) == [GENERIC]  # nothing told
        assert not User.objects.get(username="alex").is_active
        line = AuditEvent.objects.get(kind=AuditEvent.Kind.DIRECTORY_REFUSED)
        assert (line.username, line.detail) == ("alex", {"reason": "Your account is disabled in the directory."})
        # an enabled account's wrong password changes nothing
        active_directory.server.modify(slapd.ad_person("alex"), [(ldap.MOD_REPLACE, "userAccountControl", ["512"])])
        assert sign_in(client, "alex").status_code == 302
        client.logout()
        assert form_errors(sign_in(client, "alex", "just-wrong")) == [GENERIC]
        assert User.objects.get(username="alex").is_active

    def test_member_of_changes_follow(self, client, active_directory):
        assert sign_in(client, "alex").status_code == 302
        client.logout()
        active_directory.server.modify(slapd.ad_person("alex"), [(ldap.MOD_REPLACE, "memberOf", [ENGINEERS, MANAGERS])])
        assert sign_in(client, "alex").status_code == 302
        alex = User.objects.get(username="alex")
        assert alex.role == User.Role.MANAGER
        assert teams_of(alex) == set()


class TestConnection:
    def test_start_tls_with_the_ca_file(self, client, directory, settings):
        configure(settings, directory.server, LDAP_START_TLS=True, LDAP_CA_FILE=directory.server.ca_file)
        assert sign_in(client, "erin").status_code == 302

    def test_start_tls_refuses_a_server_the_ca_file_does_not_vouch_for(self, client, directory, settings, tmp_path):
        other = tmp_path / "other-ca.pem"
        slapd._certificate(tmp_path)
        other.write_text((tmp_path / "cert.pem").read_text())
        configure(settings, directory.server, LDAP_START_TLS=True, LDAP_CA_FILE=str(other))
        assert form_errors(sign_in(client, "erin")) == [GENERIC]
        assert not User.objects.filter(username="erin").exists()

    def test_an_unreachable_directory_leaves_local_accounts_signing_in(self, client, directory, settings, engineer):
        configure(settings, directory.server, LDAP_SERVER_URI="ldap://127.0.0.1:1", LDAP_TIMEOUT=2)
        assert form_errors(sign_in(client, "erin")) == [GENERIC]
        response = sign_in(client, engineer.username, LOCAL_PASSWORD)
        assert response.status_code == 302 and response.url == reverse("home")

    def test_the_directory_is_off_without_a_server_uri(self, client, directory, settings):
        settings.AUTH_LDAP_SERVER_URI = ""
        assert form_errors(sign_in(client, "erin")) == [GENERIC]
