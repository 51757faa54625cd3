"""Browser sessions (accounts.services.sessions): signing in makes the row and the audit line
with the client address; ending a session from another browser signs that browser out; "end
all others" keeps the current one; an admin ends another person's; deactivation ends sessions
and tokens; the last-seen time is written at most once a minute; an expired session is not
listed."""

import datetime

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.models import ApiToken, AuditEvent, UserSession
from accounts.selectors_security import device_label, live_sessions
from accounts.services import sessions as session_services
from tests.accounts.factories import PASSWORD

pytestmark = pytest.mark.django_db

FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"


def sign_in(user, *, agent=FIREFOX, address="192.0.2.10", **extra) -> Client:
    client = Client(HTTP_USER_AGENT=agent, REMOTE_ADDR=address, **extra)
    response = client.post(reverse("accounts:login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content[:500]
    return client


def signed_in(client: Client) -> bool:
    return client.get(reverse("accounts:preferences")).status_code == 200


def test_signing_in_makes_the_session_row_and_the_audit_line_with_the_address(engineer):
    client = sign_in(engineer, address="192.0.2.10")
    row = UserSession.objects.get(user=engineer)
    assert row.session_key == client.session.session_key
    assert (row.address, row.method, row.ended_at) == ("192.0.2.10", "password", None)
    assert device_label(row.user_agent) == "Firefox, Windows"
    line = AuditEvent.objects.get(kind=AuditEvent.Kind.SIGN_IN, user=engineer)
    assert (line.address, line.method, line.username) == ("192.0.2.10", "password", engineer.username)
    assert list(live_sessions(user=engineer)) == [row]


def test_behind_a_trusted_proxy_the_forwarded_address_is_kept(engineer, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    sign_in(engineer, address="10.0.0.254", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.5")
    assert UserSession.objects.get(user=engineer).address == "203.0.113.5"
    assert AuditEvent.objects.get(kind=AuditEvent.Kind.SIGN_IN).address == "203.0.113.5"


def test_without_trusted_proxies_the_header_is_ignored(engineer, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    sign_in(engineer, address="192.0.2.7", HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert UserSession.objects.get(user=engineer).address == "192.0.2.7"


def test_ending_a_session_from_another_browser_signs_that_browser_out(engineer):
    laptop = sign_in(engineer, agent=FIREFOX)
    phone = sign_in(engineer, agent=CHROME, address="192.0.2.20")
    phone_row = UserSession.objects.get(session_key=phone.session.session_key)
    response = laptop.post(reverse("accounts:session_end", args=[phone_row.pk]))
    assert response.status_code == 302
    assert not signed_in(phone)
    assert signed_in(laptop)
    phone_row.refresh_from_db()
    assert phone_row.ended_at is not None
    assert not Session.objects.filter(session_key=phone_row.session_key).exists()
    line = AuditEvent.objects.get(kind=AuditEvent.Kind.SESSION_ENDED)
    assert (line.user, line.actor) == (engineer, None)  # the owner themself: no separate actor


def test_another_persons_session_cannot_be_ended(engineer, manager):
    sign_in(engineer)
    theirs = UserSession.objects.get(user=engineer)
    client = sign_in(manager)
    assert client.post(reverse("accounts:session_end", args=[theirs.pk])).status_code == 404
    api = client  # the API with a session is the same person
    assert api.delete(f"/api/v1/me/sessions/{theirs.pk}/").status_code in (403, 404)
    theirs.refresh_from_db()
    assert theirs.ended_at is None


def test_end_all_others_keeps_the_current_one(engineer):
    clients = [sign_in(engineer, address=f"192.0.2.{n}") for n in (1, 2, 3)]
    current = clients[0]
    assert current.post(reverse("accounts:sessions_end_others")).status_code == 302
    assert [signed_in(client) for client in clients] == [True, False, False]
    assert [row.session_key for row in live_sessions(user=engineer)] == [current.session.session_key]
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.SESSION_ENDED).count() == 2


def test_an_admin_ends_another_persons_sessions_and_tokens(engineer, admin_user):
    browser = sign_in(engineer)
    services.api_token_create(user=engineer, name="CLI")
    admin = sign_in(admin_user)
    row = UserSession.objects.get(user=engineer)
    assert admin.post(reverse("accounts:user_session_end", args=[engineer.pk, row.pk])).status_code == 302
    assert not signed_in(browser)
    line = AuditEvent.objects.get(kind=AuditEvent.Kind.SESSION_ENDED)
    assert (line.user, line.actor) == (engineer, admin_user)
    browser = sign_in(engineer)
    assert admin.post(reverse("accounts:user_sign_out_everywhere", args=[engineer.pk])).status_code == 302
    assert not signed_in(browser)
    assert not ApiToken.objects.filter(user=engineer, revoked_at__isnull=True).exists()
    revoked = AuditEvent.objects.get(kind=AuditEvent.Kind.TOKEN_REVOKED)
    assert (revoked.user, revoked.actor, revoked.detail["name"]) == (engineer, admin_user, "CLI")


def test_deactivation_ends_sessions_and_tokens(engineer, admin_user):
    browser = sign_in(engineer)
    services.api_token_create(user=engineer, name="CLI")
    services.user_update(user=engineer, is_active=False)
    assert not signed_in(browser)
    assert not live_sessions(user=engineer).exists()
    assert UserSession.objects.get(user=engineer).ended_at is not None
    assert not ApiToken.objects.filter(user=engineer, revoked_at__isnull=True).exists()
    kinds = set(AuditEvent.objects.filter(user=engineer).values_list("kind", flat=True))
    assert {AuditEvent.Kind.DEACTIVATED, AuditEvent.Kind.SESSION_ENDED, AuditEvent.Kind.TOKEN_REVOKED} <= kinds


def test_signing_out_ends_the_row(engineer):
    client = sign_in(engineer)
    key = client.session.session_key
    client.post(reverse("accounts:logout"))
    assert UserSession.objects.get(session_key=key).ended_at is not None
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.SIGN_OUT, user=engineer).count() == 1


def test_last_seen_is_written_at_most_once_a_minute(engineer, monkeypatch):
    client = sign_in(engineer)
    row = UserSession.objects.get(user=engineer)
    signed_in_at = row.last_seen_at
    signed_in(client)
    row.refresh_from_db()
    assert row.last_seen_at == signed_in_at  # within the minute: untouched
    later = session_services.time.time() + 61
    monkeypatch.setattr(session_services.time, "time", lambda: later)
    signed_in(client)
    row.refresh_from_db()
    assert row.last_seen_at > signed_in_at


def test_a_session_from_before_gets_its_row_when_next_used(engineer):
    client = sign_in(engineer)
    UserSession.objects.all().delete()  # as if signed in before this module existed
    session = client.session
    session[session_services.SEEN_KEY] = 0
    session.save()
    assert signed_in(client)
    assert UserSession.objects.get(user=engineer).session_key == client.session.session_key


def test_a_password_change_keeps_the_row_with_the_new_key(engineer):
    client = sign_in(engineer)
    old = client.session.session_key
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": "Another-Horse-2027", "new_password2": "Another-Horse-2027"},
    )
    assert response.status_code == 302
    new = client.session.session_key
    assert new != old
    assert list(live_sessions(user=engineer).values_list("session_key", flat=True)) == [new]
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.PASSWORD_CHANGED, user=engineer).count() == 1


def test_an_expired_session_is_not_listed(engineer):
    client = sign_in(engineer)
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert not live_sessions(user=engineer).exists()


@pytest.mark.parametrize(
    ("agent", "label"),
    [
        (FIREFOX, "Firefox, Windows"),
        (CHROME, "Chrome, Linux"),
        ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) Version/18.1 Mobile Safari/604.1", "Safari, iOS"),
        ("Mozilla/5.0 (Windows NT 10.0) Chrome/131.0 Safari/537.36 Edg/131.0", "Edge, Windows"),
        ("Mozilla/5.0 (Linux; Android 14) Chrome/131.0 Mobile Safari/537.36", "Chrome, Android"),
        ("curl/8.5.0", "curl"),
        ("", "Unknown browser"),
    ],
)
def test_the_device_in_plain_words(agent, label):
    assert device_label(agent) == label


def test_the_method_follows_the_backend():
    assert session_services.method_of_backend("identity.ldap.DirectoryBackend") == "directory"
    assert session_services.method_of_backend("identity.oidc.OidcBackend") == "oidc"
    assert session_services.method_of_backend("django.contrib.auth.backends.ModelBackend") == "password"


def test_the_admin_ends_sessions_and_signs_users_out_everywhere(engineer, admin_user):
    browser = sign_in(engineer)
    services.api_token_create(user=engineer, name="CLI")
    admin = sign_in(admin_user)
    row = UserSession.objects.get(user=engineer)
    changelist = reverse("admin:accounts_usersession_changelist")
    assert admin.get(changelist).status_code == 200
    assert admin.get(reverse("admin:accounts_usersession_change", args=[row.pk])).status_code == 200
    response = admin.post(changelist, {"action": "end_sessions", "_selected_action": [row.pk]})
    assert response.status_code == 302
    assert not signed_in(browser)
    browser = sign_in(engineer)
    users = reverse("admin:accounts_user_changelist")
    response = admin.post(users, {"action": "sign_out_everywhere", "_selected_action": [engineer.pk]})
    assert response.status_code == 302
    assert not signed_in(browser)
    assert not ApiToken.objects.filter(user=engineer, revoked_at__isnull=True).exists()
    assert signed_in(admin)


def test_the_audit_log_in_the_admin_is_read_only(admin_user):
    admin = sign_in(admin_user)
    line = AuditEvent.objects.get(kind=AuditEvent.Kind.SIGN_IN)
    assert admin.get(reverse("admin:accounts_auditevent_changelist"), {"q": admin_user.username}).status_code == 200
    assert admin.get(reverse("admin:accounts_auditevent_change", args=[line.pk])).status_code == 200
    assert admin.get(reverse("admin:accounts_auditevent_add")).status_code == 403
    assert admin.post(reverse("admin:accounts_auditevent_delete", args=[line.pk]), {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.filter(pk=line.pk).exists()
