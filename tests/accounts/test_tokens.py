"""API tokens: hashed, one per client, expiring, revocable by their owner and by admins, and
revoked all at once by a password change or reset and by a deactivation."""

import datetime
import hashlib
import importlib
import re
from types import SimpleNamespace

import pytest
import time_machine
from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.models import ApiToken, User
from tests.accounts.factories import PASSWORD

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"
LOGOUT = "/api/v1/auth/logout/"
MINE = "/api/v1/me/tokens/"
ME = "/api/v1/me/"


def login(api, username: str, password: str = PASSWORD, **extra) -> str:
    response = api.post(TOKEN, {"username": username, "password": password, **extra}, format="json")
    assert response.status_code == 200, response.json()
    return response.json()["token"]


def me_with(api, key: str) -> int:
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api.get(ME).status_code


class TestIssue:
    def test_the_database_holds_only_the_keys_hash_and_prefix(self, api, engineer):
        key = login(api, "eng")

        token = ApiToken.objects.get(user=engineer)
        assert token.key_hash == hashlib.sha256(key.encode()).hexdigest() != key
        assert token.prefix == key[:8] and len(key) >= 40
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM accounts_apitoken")
            rows = cursor.fetchall()
        assert rows and not any(key in str(value) for row in rows for value in row)
        assert "authtoken_token" not in connection.introspection.table_names()
        assert me_with(api, key) == 200

    def test_two_logins_give_two_tokens_that_both_work(self, api, engineer):
        first, second = login(api, "eng"), login(api, "eng")

        assert first != second and ApiToken.objects.filter(user=engineer).count() == 2
        assert me_with(api, first) == 200 and me_with(api, second) == 200

    def test_a_token_is_named_by_the_client_else_its_user_agent(self, api, engineer):
        login(api, "eng", name="  Build   server ")
        api.post(TOKEN, {"username": "eng", "password": PASSWORD}, format="json", HTTP_USER_AGENT="curl/8.5")
        login(api, "eng")
        long_name = api.post(TOKEN, {"username": "eng", "password": PASSWORD, "name": "x" * 121}, format="json")

        names = list(ApiToken.objects.filter(user=engineer).order_by("pk").values_list("name", flat=True))
        assert names == ["Build server", "curl/8.5", "API client"]
        assert long_name.status_code == 400 and "name" in long_name.json()["errors"]

    def test_a_token_expires_after_api_token_ttl(self, api, engineer, settings):
        settings.API_TOKEN_TTL = datetime.timedelta(days=2)
        key = login(api, "eng")
        token = ApiToken.objects.get(user=engineer)
        assert token.expires_at - token.created_at == datetime.timedelta(days=2)

        with time_machine.travel(token.expires_at - datetime.timedelta(seconds=1)):
            assert me_with(api, key) == 200
        with time_machine.travel(token.expires_at + datetime.timedelta(seconds=1)):
            assert me_with(api, key) == 401
            assert api.get(ME).json() == {"detail": "Invalid token.", "errors": {}}
            assert api.get(ME)["WWW-Authenticate"] == "Token"

    def test_the_default_lifetime_is_thirty_days(self, engineer):
        token, _key = services.api_token_create(user=engineer)
        assert token.expires_at - token.created_at == datetime.timedelta(days=30)

    def test_an_inactive_users_token_is_a_401(self, api, engineer):
        key = login(api, "eng")
        User.objects.filter(pk=engineer.pk).update(is_active=False)  # whatever the path
        assert me_with(api, key) == 401

    def test_use_is_noted_at_most_once_a_minute(self, api, engineer):
        key = login(api, "eng")
        issued = ApiToken.objects.get().last_used_at
        assert issued is not None
        me_with(api, key)
        assert ApiToken.objects.get().last_used_at == issued
        later = issued + datetime.timedelta(minutes=2)
        with time_machine.travel(later, tick=False):
            me_with(api, key)
        assert ApiToken.objects.get().last_used_at == later


class TestLogout:
    def test_logout_revokes_only_the_token_in_use(self, api, engineer):
        laptop, phone = login(api, "eng"), login(api, "eng")
        api.credentials(HTTP_AUTHORIZATION=f"Token {laptop}")

        assert api.post(LOGOUT).status_code == 204

        assert me_with(api, laptop) == 401 and me_with(api, phone) == 200
        assert ApiToken.objects.filter(revoked_at__isnull=False).count() == 1

    def test_logout_needs_a_token(self, api, engineer):
        assert api.post(LOGOUT).status_code == 401
        api.force_authenticate(engineer)  # as a session would: there is no token to revoke
        response = api.post(LOGOUT)
        assert response.status_code == 400 and "API token" in response.json()["detail"]


class TestRevokedAllAtOnce:
    def test_a_password_change_on_the_page_revokes_every_token(self, client, api, engineer, manager):
        keys = [login(api, "eng"), login(api, "eng")]
        other = login(api, "mgr")
        client.force_login(engineer)

        response = client.post(
            reverse("accounts:password_change"),
            {"old_password": PASSWORD, "new_password1": "Long-Enough-2026", "new_password2": "Long-Enough-2026"},
        )

        assert response.status_code == 302
        assert [me_with(api, key) for key in keys] == [401, 401]
        assert not services.user_api_tokens(user=engineer).exists()
        assert me_with(api, other) == 200  # another person's are untouched

    def test_a_refused_password_change_revokes_nothing(self, client, api, engineer):
        key = login(api, "eng")
        client.force_login(engineer)
        client.post(
            reverse("accounts:password_change"), {"old_password": "wrong", "new_password1": "x", "new_password2": "x"}
        )
        assert me_with(api, key) == 200

    def test_a_password_reset_revokes_every_token(self, client, api, engineer):
        key = login(api, "eng")
        client.post(reverse("accounts:password_reset"), {"email": engineer.email})
        link = re.search(r"https?://[^/]+(/accounts/password/reset/\S+/)", mail.outbox[0].body).group(1)
        form_url = client.get(link).url
        client.post(form_url, {"new_password1": "Another-Secret-77", "new_password2": "Another-Secret-77"})

        assert User.objects.get(pk=engineer.pk).check_password("Another-Secret-77")
        assert me_with(api, key) == 401

    def test_the_admins_password_page_and_any_set_password_revoke_too(self, client, api, engineer, admin_user):
        key = login(api, "eng")
        client.force_login(admin_user)
        response = client.post(
            reverse("admin:auth_user_password_change", args=[engineer.pk]),
            {"password1": "Admin-Chosen-2026", "password2": "Admin-Chosen-2026"},
        )
        assert response.status_code == 302
        assert me_with(api, key) == 401

        key = login(api, "eng", password="Admin-Chosen-2026")
        engineer.refresh_from_db()
        engineer.set_password("Shell-Chosen-2026")  # manage.py changepassword does this
        engineer.save()
        assert me_with(api, key) == 401

    def test_a_login_that_upgrades_the_password_hash_keeps_the_tokens(self, api, engineer, settings):
        settings.PASSWORD_HASHERS = [
            "django.contrib.auth.hashers.MD5PasswordHasher",
            "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        ]
        key = login(api, "eng")
        # an old hash: Django re-hashes it at the next login without "changing" the password
        User.objects.filter(pk=engineer.pk).update(password=make_password(PASSWORD, hasher="pbkdf2_sha256"))
        login(api, "eng")
        assert User.objects.get(pk=engineer.pk).password.startswith("md5$")
        assert me_with(api, key) == 200

    def test_a_deactivation_revokes_every_token(self, api, engineer):
        key = login(api, "eng")

        services.user_update(user=engineer, is_active=False)

        assert ApiToken.objects.get().revoked_at is not None
        services.user_update(user=engineer, is_active=True)
        assert me_with(api, key) == 401  # reactivating does not bring them back

    def test_the_admin_deactivating_a_user_revokes_every_token(self, client, api, engineer, admin_user):
        key = login(api, "eng")
        client.force_login(admin_user)
        joined = timezone.localtime(engineer.date_joined)
        data = {
            "username": "eng",
            "first_name": engineer.first_name,
            "last_name": engineer.last_name,
            "email": engineer.email,
            "date_joined_0": joined.strftime("%Y-%m-%d"),
            "date_joined_1": joined.strftime("%H:%M:%S"),
            "role": "engineer",
            # "is_active" left out: unticked
        }
        response = client.post(reverse("admin:accounts_user_change", args=[engineer.pk]), data)

        assert response.status_code == 302, response.context["adminform"].form.errors
        assert not User.objects.get(pk=engineer.pk).is_active
        assert me_with(api, key) == 401 and ApiToken.objects.get().revoked_at is not None


class TestMyTokens:
    def test_the_list_holds_my_working_tokens_never_a_key(self, api, engineer, manager):
        old = login(api, "eng", name="Old laptop")
        api.credentials(HTTP_AUTHORIZATION=f"Token {old}")
        api.post(LOGOUT)
        expired, _key = services.api_token_create(user=engineer, name="Expired")
        ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
        login(api, "mgr", name="Manager's")
        phone = login(api, "eng", name="Phone")
        laptop = login(api, "eng", name="Laptop")
        api.credentials(HTTP_AUTHORIZATION=f"Token {laptop}")

        body = api.get(MINE).json()

        rows = body["results"]
        assert [(row["name"], row["current"]) for row in rows] == [("Laptop", True), ("Phone", False)]
        assert set(rows[0]) == {"id", "name", "prefix", "created_at", "last_used_at", "expires_at", "current"}
        assert rows[1]["prefix"] == phone[:8]
        assert phone not in str(body) and laptop not in str(body)

    def test_i_revoke_one_of_mine_and_nobody_elses(self, api, engineer, manager):
        phone = login(api, "eng", name="Phone")
        managers = login(api, "mgr")
        laptop = login(api, "eng", name="Laptop")
        phone_id = ApiToken.objects.get(name="Phone").pk
        managers_id = ApiToken.objects.get(user=manager).pk
        api.credentials(HTTP_AUTHORIZATION=f"Token {laptop}")

        assert api.delete(f"{MINE}{managers_id}/").status_code == 404
        assert api.delete(f"{MINE}999999/").status_code == 404
        assert api.delete(f"{MINE}{phone_id}/").status_code == 204
        assert api.delete(f"{MINE}{phone_id}/").status_code == 404  # revoked already

        assert me_with(api, phone) == 401
        assert me_with(api, managers) == 200 and me_with(api, laptop) == 200

    def test_the_list_runs_a_fixed_number_of_queries(self, api, engineer, django_assert_max_num_queries):
        for n in range(10):
            services.api_token_create(user=engineer, name=f"Client {n}")
        api.credentials(HTTP_AUTHORIZATION=f"Token {login(api, 'eng')}")
        with django_assert_max_num_queries(3):  # the token, the count, the page
            assert len(api.get(MINE).json()["results"]) == 11


class TestAdmin:
    def test_an_admin_lists_every_users_tokens_and_revokes_them(self, client, api, engineer, manager, admin_user):
        eng_key = login(api, "eng", name="Engineer's laptop")
        mgr_key = login(api, "mgr", name="Manager's phone")
        client.force_login(admin_user)

        page = client.get(reverse("admin:accounts_apitoken_changelist"))
        assert "Engineer&#x27;s laptop" in page.text and "Manager&#x27;s phone" in page.text
        assert eng_key not in page.text and mgr_key not in page.text
        token = ApiToken.objects.get(user=engineer)
        response = client.post(
            reverse("admin:accounts_apitoken_changelist"),
            {"action": "revoke", "_selected_action": [token.pk]},
        )

        assert response.status_code == 302
        assert me_with(api, eng_key) == 401 and me_with(api, mgr_key) == 200
        assert client.get(reverse("admin:accounts_apitoken_add")).status_code == 403

    def test_the_admin_does_not_offer_revoking_to_staff_without_the_permission(self, client, engineer):
        viewer = User.objects.create_user(username="viewer", password=PASSWORD, role="admin", is_staff=True)
        viewer.user_permissions.add(Permission.objects.get(codename="view_apitoken"))
        services.api_token_create(user=engineer)
        client.force_login(viewer)
        page = client.get(reverse("admin:accounts_apitoken_changelist"))
        assert page.status_code == 200 and len(page.context["cl"].result_list) == 1
        assert page.context["action_form"] is None  # no action offered: revoking needs the change permission


class TestPreferencesPage:
    def test_the_page_lists_my_tokens_with_a_labelled_revoke_button(self, client, api, engineer, manager):
        login(api, "eng", name="Build server")
        login(api, "mgr", name="Manager's phone")
        client.force_login(engineer)

        page = client.get(reverse("accounts:preferences"))

        assert "Build server" in page.text and "Manager" not in page.text
        token = ApiToken.objects.get(user=engineer)
        assert reverse("accounts:api_token_revoke", args=[token.pk]) in page.text
        assert 'aria-label="Revoke the API token Build server"' in page.text

    def test_revoking_on_the_page_and_another_persons_is_a_404(self, client, api, engineer, manager):
        mine = login(api, "eng", name="Build server")
        theirs = login(api, "mgr")
        client.force_login(engineer)

        other = ApiToken.objects.get(user=manager)
        assert client.post(reverse("accounts:api_token_revoke", args=[other.pk])).status_code == 404
        assert client.get(reverse("accounts:api_token_revoke", args=[other.pk])).status_code == 405
        response = client.post(reverse("accounts:api_token_revoke", args=[ApiToken.objects.get(user=engineer).pk]))

        assert response.status_code == 302 and response.url == reverse("accounts:preferences")
        assert me_with(api, mine) == 401 and me_with(api, theirs) == 200
        assert "No API tokens." in client.get(reverse("accounts:preferences")).text


def test_the_old_authtoken_keys_become_hashed_tokens_that_expire(engineer, manager, settings):
    """The data migration: each clear key of rest_framework.authtoken keeps working, hashed,
    until API_TOKEN_TTL from the migration; the clear keys are deleted."""
    migration = importlib.import_module("accounts.migrations.0004_import_authtoken_tokens")
    settings.API_TOKEN_TTL = datetime.timedelta(days=7)
    old = {"0123456789abcdef0123456789abcdef01234567": engineer, "fedcba9876543210fedcba9876543210fedcba98": manager}
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, created timestamp with time zone,"
            " user_id bigint NOT NULL)"
        )
        for key, user in old.items():
            cursor.execute(
                "INSERT INTO authtoken_token (key, created, user_id) VALUES (%s, %s, %s)",
                [key, timezone.now(), user.pk],
            )
    migration.import_old_tokens(apps, SimpleNamespace(connection=connection, quote_name=connection.ops.quote_name))

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM authtoken_token")
        assert cursor.fetchone() == (0,)
    for key, user in old.items():
        token = services.api_token_authenticate(key=key)
        assert token is not None and token.user == user and token.name == "API client (before expiry)"
        assert token.expires_at - timezone.now() <= datetime.timedelta(days=7)
        assert token.expires_at - timezone.now() > datetime.timedelta(days=6)


class TestTheCheck:
    """The token check runs the ORM's statement, built once per process; nothing else is kept."""

    def fields(self, instance) -> dict:
        return {field.attname: getattr(instance, field.attname) for field in type(instance)._meta.concrete_fields}

    def test_one_query_gives_the_token_and_its_user_as_the_orm_reads_them(
        self, engineer, django_assert_num_queries, monkeypatch
    ):
        _token, key = services.api_token_create(user=engineer, name="laptop")
        with django_assert_num_queries(1):  # the use was noted at issue: no update within the minute
            token = services.api_token_authenticate(key=key)
        stored = ApiToken.objects.select_related("user").get(pk=token.pk)
        assert self.fields(token) == self.fields(stored)
        assert self.fields(token.user) == self.fields(stored.user)
        assert not token._state.adding and not token.user._state.adding
        # PostgreSQL runs the statement built once; SQLite's datetimes need converting: the ORM
        assert (services._token_statement("default") is None) == (connection.vendor == "sqlite")
        monkeypatch.setattr(services, "_token_statement", lambda alias: None)  # the ORM's path
        through_orm = services.api_token_authenticate(key=key)
        assert self.fields(through_orm) == self.fields(token)
        assert self.fields(through_orm.user) == self.fields(token.user)

    @pytest.mark.parametrize("orm", [False, True], ids=["built-once", "orm"])
    def test_a_revoked_expired_or_deactivated_token_fails_at_the_next_request(self, engineer, monkeypatch, orm):
        if orm:
            monkeypatch.setattr(services, "_token_statement", lambda alias: None)
        revoked, revoked_key = services.api_token_create(user=engineer)
        _expiring, expiring_key = services.api_token_create(user=engineer)
        assert services.api_token_authenticate(key=revoked_key) is not None  # the statement is built
        services.api_token_revoke(token=revoked)
        assert services.api_token_authenticate(key=revoked_key) is None
        with time_machine.travel(timezone.now() + datetime.timedelta(days=31), tick=False):
            assert services.api_token_authenticate(key=expiring_key) is None
        assert services.api_token_authenticate(key=expiring_key) is not None
        User.objects.filter(pk=engineer.pk).update(is_active=False)
        assert services.api_token_authenticate(key=expiring_key) is None
        assert services.api_token_authenticate(key="not a key") is None
