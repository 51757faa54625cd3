"""Local passwords (identity.backends.LocalPasswordBackend): kept for the accounts no directory
or provider holds, refused per role by ``LOCAL_PASSWORD_DISABLED_ROLES``, with the reason on the
login page and at the token endpoint, and no password reset for an account that cannot use one."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import User
from identity.models import ExternalIdentity
from tests.accounts.factories import PASSWORD

pytestmark = pytest.mark.django_db

GENERIC = "Please enter a correct username and password. Note that both fields may be case-sensitive."
HELD_BY_DIRECTORY = "Your account is held by the directory: sign in with your directory password."
HELD_BY_SSO = "Your account is held by single sign-on: sign in with the single sign-on button."
TOKEN = "/api/v1/auth/token/"


def sign_in(client, username: str, password: str = PASSWORD):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def form_errors(response) -> list[str]:
    return list(response.context["form"].non_field_errors())


def held(user: User, source: str) -> User:
    ExternalIdentity.objects.create(user=user, source=source, subject=f"{source}:{user.username}")
    return user


class TestDefaults:
    def test_every_role_signs_in_with_a_local_password(self, client, settings, customer_a, engineer, manager):
        assert settings.LOCAL_PASSWORD_DISABLED_ROLES == []
        assert settings.AUTHENTICATION_BACKENDS[:2] == [
            "axes.backends.AxesStandaloneBackend",
            "identity.backends.LocalPasswordBackend",
        ]
        for user in (customer_a, engineer, manager):
            response = sign_in(client, user.username)
            assert response.status_code == 302 and response.url == reverse("home")
            client.logout()

    def test_a_wrong_password_is_the_generic_error(self, client, engineer):
        assert form_errors(sign_in(client, "eng", "wrong")) == [GENERIC]


class TestHeldAccounts:
    def test_an_account_the_directory_holds_is_refused_its_local_password(self, client, engineer):
        held(engineer, ExternalIdentity.Source.LDAP)  # e.g. an admin set it a password afterwards
        response = sign_in(client, "eng")
        assert response.status_code == 200
        assert form_errors(response) == [HELD_BY_DIRECTORY]
        assert client.get(reverse("home")).status_code == 302

    def test_an_account_the_provider_holds_is_told_to_use_single_sign_on(self, client, engineer):
        held(engineer, ExternalIdentity.Source.OIDC)
        assert form_errors(sign_in(client, "eng")) == [HELD_BY_SSO]

    def test_a_wrong_password_says_nothing_about_the_account(self, client, engineer):
        held(engineer, ExternalIdentity.Source.LDAP)
        assert form_errors(sign_in(client, "eng", "wrong")) == [GENERIC]

    def test_the_token_endpoint_answers_400_with_the_reason(self, api, engineer):
        held(engineer, ExternalIdentity.Source.LDAP)
        response = api.post(TOKEN, {"username": "eng", "password": PASSWORD}, format="json")
        assert response.status_code == 400
        assert response.json() == {"detail": HELD_BY_DIRECTORY, "errors": {"non_field_errors": [HELD_BY_DIRECTORY]}}


class TestDisabledRoles:
    @pytest.fixture
    def staff_off(self, settings):
        settings.LOCAL_PASSWORD_DISABLED_ROLES = ["engineer", "manager", "admin"]
        return settings

    def test_a_listed_role_is_refused_and_the_others_sign_in(self, client, staff_off, engineer, customer_a):
        response = sign_in(client, "eng")
        assert form_errors(response) == ["Your role does not sign in with a local password: ask an administrator."]
        assert sign_in(client, "cust-a").status_code == 302

    def test_the_reason_names_the_way_in_that_is_configured(self, client, staff_off, manager):
        staff_off.AUTHENTICATION_BACKENDS = [*staff_off.AUTHENTICATION_BACKENDS, "identity.ldap.DirectoryBackend"]
        assert form_errors(sign_in(client, "mgr")) == [
            "Your role does not sign in with a local password: sign in with your directory password."
        ]

    def test_the_token_endpoint_refuses_the_role_too(self, api, staff_off, engineer, customer_a):
        response = api.post(TOKEN, {"username": "eng", "password": PASSWORD}, format="json")
        assert response.status_code == 400
        assert response.json()["detail"].startswith("Your role does not sign in with a local password")
        assert api.post(TOKEN, {"username": "cust-a", "password": PASSWORD}, format="json").status_code == 200


class TestPasswordReset:
    def reset(self, client, user: User):
        mail.outbox.clear()
        response = client.post(reverse("accounts:password_reset"), {"email": user.email})
        assert response.status_code == 302  # the same answer whether a link was sent or not
        return mail.outbox

    def test_no_link_for_an_account_the_directory_holds(self, client, engineer):
        held(engineer, ExternalIdentity.Source.LDAP)
        assert self.reset(client, engineer) == []

    def test_no_link_for_a_role_without_local_passwords(self, client, settings, engineer, customer_a):
        settings.LOCAL_PASSWORD_DISABLED_ROLES = ["engineer"]
        assert self.reset(client, engineer) == []
        assert len(self.reset(client, customer_a)) == 1

    def test_a_link_sent_before_the_role_lost_local_passwords_no_longer_works(self, client, settings, engineer):
        (message,) = self.reset(client, engineer)
        link = re.search(r"https?://[^/]+(/accounts/password/reset/\S+/)", message.body).group(1)
        settings.LOCAL_PASSWORD_DISABLED_ROLES = ["engineer"]
        page = client.get(link)
        assert page.status_code == 200 and not page.context["validlink"]
        engineer.refresh_from_db()
        assert engineer.check_password(PASSWORD)

    def test_a_completed_reset_still_signs_the_person_in(self, client, engineer):
        (message,) = self.reset(client, engineer)
        link = re.search(r"https?://[^/]+(/accounts/password/reset/\S+/)", message.body).group(1)
        form_url = client.get(link).url
        response = client.post(form_url, {"new_password1": "Another-Secret-77", "new_password2": "Another-Secret-77"})
        assert response.status_code == 302
        assert client.get(reverse("home")).status_code == 200  # signed in by the local-password backend


class TestBreakGlass:
    def test_a_superuser_keeps_the_local_password_whatever_the_roles_say(self, client, settings, admin_user):
        settings.LOCAL_PASSWORD_DISABLED_ROLES = ["engineer", "manager", "admin"]
        assert sign_in(client, admin_user.username).status_code == 302
