"""The gate of the second factor (accounts/two_factor_middleware.py) and the token endpoint's
``otp``: unverified sessions, roles that require a factor, token requests, what stays open."""

import pytest
import time_machine
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import ApiToken, AuditEvent
from accounts.services import two_factor
from tests.accounts.test_two_factor import at, code_of, enrolled, sign_in, wrong_code

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"
ME = "/api/v1/me/"
VERIFY = reverse("accounts:two_factor_verify")
STATUS = reverse("accounts:two_factor")


class TestUnverifiedSession:
    def test_pages_go_to_the_code_and_the_api_answers_403(self, client, engineer, password):
        enrolled(engineer)
        sign_in(client, "eng", password)
        assert client.get(reverse("accounts:preferences"))["Location"] == f"{VERIFY}?next=%2Faccounts%2Fpreferences%2F"
        assert client.get(STATUS)["Location"].startswith(VERIFY)  # not the factor's own page either
        assert client.get("/admin/")["Location"].startswith(VERIFY)
        response = client.get(ME)
        assert response.status_code == 403
        assert response.json() == {
            "detail": "Enter the code of your second factor on the desk first (or send an API token).",
            "errors": {},
        }

    def test_the_verify_page_shows_a_visitors_bar_until_the_code_is_in(self, client, engineer, password):
        device, _codes = enrolled(engineer)
        sign_in(client, "eng", password)
        page = client.get(VERIFY).content.decode()
        assert 'id="user-menu"' not in page and 'id="on-duty"' not in page
        assert reverse("tickets:list") not in page and str(engineer) not in page
        with time_machine.travel(at(60), tick=False):
            client.post(VERIFY, {"code": code_of(device, at(60))})
            assert 'id="user-menu"' in client.get(reverse("accounts:preferences")).content.decode()

    def test_what_stays_open(self, client, engineer, password):
        enrolled(engineer)
        sign_in(client, "eng", password)
        assert client.get(VERIFY).status_code == 200
        assert client.get(reverse("healthz")).status_code in (200, 503)
        assert client.get(reverse("accounts:password_reset")).status_code == 200
        assert client.post(reverse("set_language"), {"language": "zh-hans", "next": VERIFY}).status_code == 302
        assert client.post(reverse("accounts:logout")).status_code == 302
        assert client.get(reverse("home")).status_code == 302  # signed out: the login page
        assert client.get(reverse("home"))["Location"].startswith(reverse("accounts:login"))

    def test_a_token_request_is_not_gated(self, client, engineer, password):
        enrolled(engineer)
        sign_in(client, "eng", password)
        with time_machine.travel(at(40), tick=False):
            device = engineer.totpdevice_set.get()
            key = (
                APIClient()
                .post(TOKEN, {"username": "eng", "password": password, "otp": code_of(device, at(40))}, format="json")
                .json()["token"]
            )
            assert client.get(ME, HTTP_AUTHORIZATION=f"Token {key}").status_code == 200
            assert client.get(ME, HTTP_AUTHORIZATION="Token wrong-key").status_code == 401  # never the session
            assert client.get(ME).status_code == 403

    def test_any_way_of_signing_in_is_asked(self, client, engineer, settings):
        """The directory and OpenID Connect sign in through ``django.contrib.auth.login`` with
        their own backends, as ``force_login`` does here (no password form): the gate reads only
        the session."""
        enrolled(engineer)
        client.force_login(engineer, backend=settings.AUTHENTICATION_BACKENDS[-1])
        assert client.get(reverse("home"))["Location"] == f"{VERIFY}?next=%2F"

    def test_a_reset_lets_the_next_request_through(self, client, engineer, admin_user, password):
        enrolled(engineer)
        sign_in(client, "eng", password)
        assert client.get(reverse("home")).status_code == 302
        two_factor.factor_reset(user=engineer, actor=admin_user)
        assert client.get(reverse("home")).status_code == 200


class TestRequiredRoles:
    @pytest.fixture(autouse=True)
    def _admins_and_managers(self, settings):
        settings.TWO_FACTOR_REQUIRED_ROLES = ["admin", "manager"]

    def test_a_manager_without_a_factor_is_sent_to_set_it_up(self, client, manager, password):
        sign_in(client, "mgr", password)
        response = client.get(reverse("tickets:list"))
        assert response["Location"] == f"{STATUS}?next=%2Ftickets%2F"
        page = client.get(response["Location"])
        assert page.status_code == 200 and "Your role requires a second factor" in page.text
        api = client.get(ME)
        assert api.status_code == 403 and "requires a second factor" in api.json()["detail"]

        with time_machine.travel(at(0), tick=False):
            assert client.post(reverse("accounts:two_factor_enrol"), {"next": "/tickets/"}).status_code == 302
            device = manager.totpdevice_set.get(confirmed=False)
            assert client.get(STATUS).status_code == 200  # the set-up page, with the QR code
            page = client.post(
                reverse("accounts:two_factor_confirm"), {"confirm-code": code_of(device, at(0)), "next": "/tickets/"}
            )
            assert page.status_code == 200 and 'href="/tickets/"' in page.text
            assert client.get(reverse("tickets:list")).status_code == 200
            assert client.get(ME).status_code == 200

    def test_a_superuser_counts_as_an_admin_and_an_engineer_is_not_asked(self, client, admin_user, engineer):
        assert two_factor.two_factor_required(admin_user) and not two_factor.two_factor_required(engineer)
        client.force_login(engineer)
        assert client.get(reverse("tickets:list")).status_code == 200
        client.force_login(admin_user)
        assert client.get(reverse("tickets:list")).status_code == 302

    def test_the_token_endpoint_asks_to_enrol_first(self, api, manager, password):
        response = api.post(TOKEN, {"username": "mgr", "password": password}, format="json")
        assert response.status_code == 400
        assert response.json()["errors"] == {
            "otp": ["Your role requires a second factor: enrol a second factor on the desk first."]
        }
        assert AuditEvent.objects.filter(user=manager, kind=AuditEvent.Kind.FACTOR_FAILED).exists()


class TestTokenEndpoint:
    def test_an_account_without_a_factor_keeps_the_contract(self, api, engineer, password):
        response = api.post(TOKEN, {"username": "eng", "password": password}, format="json")
        assert response.status_code == 200 and list(response.json()) == ["token"]

    def test_an_account_with_a_factor_needs_a_valid_otp(self, api, engineer, password):
        device, codes = enrolled(engineer)
        with time_machine.travel(at(40), tick=False):
            missing = api.post(TOKEN, {"username": "eng", "password": password}, format="json")
            assert missing.status_code == 400
            assert missing.json()["errors"] == {
                "otp": ["This account has a second factor: send the current code of its authenticator app in otp."]
            }
            wrong = api.post(
                TOKEN, {"username": "eng", "password": password, "otp": wrong_code(device, at(40))}, format="json"
            )
            assert wrong.status_code == 400 and list(wrong.json()["errors"]) == ["otp"]
        with time_machine.travel(at(70), tick=False):
            right = api.post(
                TOKEN, {"username": "eng", "password": password, "otp": code_of(device, at(70))}, format="json"
            )
            assert right.status_code == 200 and list(right.json()) == ["token"]
            recovery = api.post(TOKEN, {"username": "eng", "password": password, "otp": codes[0]}, format="json")
            assert recovery.status_code == 200
        failed = AuditEvent.objects.filter(user=engineer, kind=AuditEvent.Kind.FACTOR_FAILED, method="token")
        assert sorted(event.detail["reason"] for event in failed) == ["missing", "wrong"]
        assert ApiToken.objects.filter(user=engineer).count() == 2

    def test_a_wrong_password_is_refused_before_the_code(self, api, engineer):
        enrolled(engineer)
        response = api.post(TOKEN, {"username": "eng", "password": "nope", "otp": "123456"}, format="json")
        assert response.status_code == 400 and "otp" not in response.json()["errors"]
        assert not AuditEvent.objects.filter(user=engineer, kind=AuditEvent.Kind.FACTOR_FAILED).exists()
