"""The security pages and the admins' API: a person's own page, an admin's view of another
person, the user search, the audit log with its filters and its CSV and XLSX exports (parsed),
bounded query counts, and who may call what."""

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts import services
from accounts.models import AuditEvent, UserSession
from accounts.services import audit
from accounts.services import sessions as session_services
from tests.accounts.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"


def sign_in(user, *, address="192.0.2.10", agent=FIREFOX) -> Client:
    client = Client(HTTP_USER_AGENT=agent, REMOTE_ADDR=address)
    assert client.post(reverse("accounts:login"), {"username": user.username, "password": PASSWORD}).status_code == 302
    return client


def test_my_page_lists_sessions_tokens_and_activity(engineer):
    other = sign_in(engineer, address="192.0.2.99", agent="Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0")
    client = sign_in(engineer)
    services.api_token_create(user=engineer, name="Build server")
    response = client.get(reverse("accounts:security"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "This session" in page and "192.0.2.99" in page
    assert 'aria-label="End session on Firefox, Windows (this session)"' in page
    assert 'aria-label="End session on Firefox, Linux"' in page
    assert "End all other sessions" in page
    assert "Build server" in page and "Revoke the API token Build server" in page
    assert "Signed in" in page  # the activity: the two sign-ins
    assert len(response.context["activity"]) == 3  # two sign-ins, a token issued
    assert other.get(reverse("accounts:security")).status_code == 200


def test_my_page_revokes_my_token_and_not_anothers(engineer, manager):
    token, _key = services.api_token_create(user=engineer, name="Laptop")
    assert sign_in(manager).post(reverse("accounts:security_token_revoke", args=[token.pk])).status_code == 404
    response = sign_in(engineer).post(reverse("accounts:security_token_revoke", args=[token.pk]))
    assert response.status_code == 302 and response.url == reverse("accounts:security")
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_the_preferences_page_and_the_menu_link_here(engineer):
    client = sign_in(engineer)
    page = client.get(reverse("accounts:preferences")).content.decode()
    assert page.count(reverse("accounts:security")) >= 2  # the user menu and the page's own link
    assert reverse("accounts:audit") not in page  # the audit log is the admins'


def test_the_admin_sees_another_persons_page(engineer, admin_user):
    sign_in(engineer)
    client = sign_in(admin_user)
    page = client.get(reverse("accounts:user_security", args=[engineer.pk])).content.decode()
    assert "End all sessions and revoke all tokens" in page
    assert "End session on Firefox, Windows" in page
    assert "This session" not in page
    assert client.get(reverse("accounts:user_security", args=[999999])).status_code == 404
    for role_user in (engineer,):
        assert sign_in(role_user).get(reverse("accounts:user_security", args=[admin_user.pk])).status_code == 403


def test_the_user_search(admin_user, engineer, customer_a):
    client = sign_in(admin_user)
    response = client.get(reverse("accounts:user_list"), {"q": engineer.last_name})
    assert [user.pk for user in response.context["page"]] == [engineer.pk]
    response = client.get(reverse("accounts:user_list"), {"role": "customer"})
    assert [user.pk for user in response.context["page"]] == [customer_a.pk]
    assert client.get(reverse("accounts:user_list"), {"role": "pope"}).status_code == 200  # the form's error


@pytest.fixture
def log(engineer):
    today = timezone.localdate()
    made = []
    for days, kind, user, username, address in [  # at noon, days ago, in the viewer's time zone
        (5, AuditEvent.Kind.SIGN_IN, engineer, "", "192.0.2.1"),
        (3, AuditEvent.Kind.SIGN_IN_FAILED, None, "=HYPERLINK(1)", "198.51.100.2"),
        (1, AuditEvent.Kind.ROLE_CHANGED, engineer, "", "192.0.2.1"),
    ]:
        event = audit.record(kind, user=user, username=username)
        noon = datetime.datetime.combine(today - datetime.timedelta(days=days), datetime.time(12))
        AuditEvent.objects.filter(pk=event.pk).update(at=timezone.make_aware(noon), address=address)
        made.append(event)
    return made


def _shown(response) -> list[int]:
    return [event.pk for event in response.context["page"]]


def test_the_audit_log_filters(admin_user, engineer, log):
    client = sign_in(admin_user)
    url = reverse("accounts:audit")
    assert _shown(client.get(url))[-3:] == [log[2].pk, log[1].pk, log[0].pk]  # newest first
    assert _shown(client.get(url, {"kind": "sign_in_failed"})) == [log[1].pk]
    assert _shown(client.get(url, {"address": "192.0.2.1"})) == [log[2].pk, log[0].pk]  # newest first
    assert _shown(client.get(url, {"username": "HYPERLINK"})) == [log[1].pk]
    today = timezone.localdate()
    three_days_ago = (today - datetime.timedelta(days=3)).isoformat()
    assert _shown(client.get(url, {"since": three_days_ago, "until": three_days_ago})) == [log[1].pk]
    four_days_ago = (today - datetime.timedelta(days=4)).isoformat()
    assert _shown(client.get(url, {"since": four_days_ago, "username": engineer.username})) == [log[2].pk]
    yesterday = today - datetime.timedelta(days=1)
    bad = client.get(url, {"since": today.isoformat(), "until": yesterday.isoformat()})
    assert bad.status_code == 200 and bad.context["form"].errors and _shown(bad) == []
    assert client.get(url, {"address": "nonsense"}).context["form"].errors["address"]


def test_the_exports_hold_the_filtered_lines(admin_user, log):
    client = sign_in(admin_user)
    response = client.get(reverse("accounts:audit_export", args=["csv"]), {"kind": "sign_in_failed"})
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    header, *rows = list(csv.reader(io.StringIO(text)))
    assert header[:3] == ["At", "What", "Kind"]
    assert len(rows) == 1
    assert rows[0][1:5] == ["Sign-in failed", "sign_in_failed", "'=HYPERLINK(1)", ""]  # a formula stays text
    assert rows[0][6] == "198.51.100.2"
    assert datetime.datetime.fromisoformat(rows[0][0]).tzinfo is not None  # ISO 8601 with its offset
    response = client.get(reverse("accounts:audit_export", args=["xlsx"]), {"address": "192.0.2.1"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.values)
    assert [row[2] for row in values[1:]] == ["role_changed", "sign_in"]
    assert client.get(reverse("accounts:audit_export", args=["pdf"])).status_code == 404


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


def _more_rows(engineer, admin_user, n: int) -> None:
    for i in range(n):
        sign_in(engineer, address=f"192.0.2.{i + 1}")
        sign_in(admin_user, address=f"198.51.100.{i + 1}")
        services.api_token_create(user=engineer, name=f"Client {i}")
        services.api_token_create(user=admin_user, name=f"Client {i}")
        UserFactory(username=f"someone{i}-{n}")


def test_the_lists_take_as_many_queries_for_many_rows_as_for_one(
    admin_user, engineer, django_assert_max_num_queries, monkeypatch
):
    monkeypatch.setattr(session_services, "SEEN_EVERY", 10**9)  # however slow the run: no last-seen write
    client = sign_in(admin_user)
    urls = [
        reverse("accounts:security"),
        reverse("accounts:user_security", args=[engineer.pk]),
        reverse("accounts:user_list"),
        reverse("accounts:audit"),
    ]
    _more_rows(engineer, admin_user, 1)
    [_queries(client, url) for url in urls]  # warm: what the navigation keeps in the cache
    few = [_queries(client, url) for url in urls]
    _more_rows(engineer, admin_user, 6)
    many = [_queries(client, url) for url in urls]
    assert many == few
    with django_assert_max_num_queries(25):
        client.get(reverse("accounts:user_security", args=[engineer.pk]))


# --- the API --------------------------------------------------------------------------------------


def test_my_sessions_over_the_api(api, engineer, manager):
    browser = sign_in(engineer)
    row = UserSession.objects.get(user=engineer)
    assert api.as_user(manager).delete(f"/api/v1/me/sessions/{row.pk}/").status_code == 404
    client = api.as_user(engineer)
    listed = client.get("/api/v1/me/sessions/").json()["results"]
    assert [(item["id"], item["device"], item["current"]) for item in listed] == [(row.pk, "Firefox, Windows", False)]
    assert client.delete(f"/api/v1/me/sessions/{row.pk}/").status_code == 204
    assert browser.get(reverse("accounts:preferences")).status_code == 302  # signed out


def test_the_admins_endpoints_of_a_user(api, engineer, customer_a, manager, admin_user):
    sign_in(engineer)
    token, _key = services.api_token_create(user=engineer, name="Laptop")
    row = UserSession.objects.get(user=engineer)
    paths = [
        f"/api/v1/users/{engineer.pk}/sessions/",
        f"/api/v1/users/{engineer.pk}/tokens/",
    ]
    for user in (customer_a, engineer, manager):
        client = api.as_user(user)
        for path in paths:
            assert client.get(path).status_code == 403, (user, path)
        assert client.delete(f"/api/v1/users/{engineer.pk}/tokens/{token.pk}/").status_code == 403
        assert client.post(f"/api/v1/users/{engineer.pk}/sessions/end-all/").status_code == 403
    client = api.as_user(admin_user)
    assert client.get("/api/v1/users/999999/sessions/").status_code == 404
    assert client.get("/api/v1/users/999999/tokens/").status_code == 404
    assert client.post("/api/v1/users/999999/sessions/end-all/").status_code == 404
    assert [item["id"] for item in client.get(f"/api/v1/users/{engineer.pk}/sessions/").json()["results"]] == [row.pk]
    tokens = client.get(f"/api/v1/users/{engineer.pk}/tokens/").json()["results"]
    assert token.pk in [item["id"] for item in tokens]
    assert client.delete(f"/api/v1/users/{engineer.pk}/tokens/{token.pk}/").status_code == 204
    assert client.delete(f"/api/v1/users/{engineer.pk}/tokens/{token.pk}/").status_code == 404
    assert client.delete(f"/api/v1/users/{engineer.pk}/sessions/{row.pk}/").status_code == 204
    assert client.delete(f"/api/v1/users/{engineer.pk}/sessions/{row.pk}/").status_code == 204  # idempotent
    assert client.delete(f"/api/v1/users/{admin_user.pk}/sessions/{row.pk}/").status_code == 404  # not theirs
    sign_in(engineer)
    assert client.post(f"/api/v1/users/{engineer.pk}/sessions/end-all/").json() == {"ended": 1}
    ended = AuditEvent.objects.filter(kind=AuditEvent.Kind.SESSION_ENDED, actor=admin_user).count()
    assert ended == 2
