"""The audit log's lines (accounts.signals, accounts.services): failures with the username as
typed and never the password, django-axes still locking out; role changes, deactivations and
reactivations however saved, with the actor of the request; password changes; tokens issued
and revoked; and the API of the log for admins only."""

import datetime

import pytest
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone
from simple_history.middleware import HistoryRequestMiddleware
from simple_history.models import HistoricalRecords

from accounts import services
from accounts.models import AuditEvent, User
from tests.accounts.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_a_failed_sign_in_keeps_the_username_as_typed_and_never_the_password(engineer):
    client = Client(REMOTE_ADDR="198.51.100.9")
    client.post(reverse("accounts:login"), {"username": "Nobody-Typed-This", "password": "s3cret-Typed-2026"})
    client.post(reverse("accounts:login"), {"username": engineer.username, "password": "wrong-Password-2026"})
    unknown, known = AuditEvent.objects.filter(kind=AuditEvent.Kind.SIGN_IN_FAILED).order_by("pk")
    assert (unknown.username, unknown.user, unknown.address) == ("Nobody-Typed-This", None, "198.51.100.9")
    assert (known.username, known.user) == (engineer.username, engineer)
    for line in (unknown, known):
        assert "s3cret" not in str(line.detail) and "wrong-Password" not in str(line.detail)


def test_axes_still_locks_out_and_each_failure_is_written(engineer, settings):
    client = Client(REMOTE_ADDR="198.51.100.10")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("accounts:login"), {"username": engineer.username, "password": "wrong-Password-2026"})
    response = client.post(reverse("accounts:login"), {"username": engineer.username, "password": PASSWORD})
    assert response.status_code == 429  # locked, even with the right password
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.SIGN_IN_FAILED, user=engineer).count() >= (
        settings.AXES_FAILURE_LIMIT
    )
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.SIGN_IN, user=engineer).exists()


def in_request_of(user, change) -> None:
    """Run ``change`` while serving a request of ``user``, through the middleware that keeps it
    (simple_history's, as in MIDDLEWARE)."""
    request = RequestFactory().post("/admin/", REMOTE_ADDR="192.0.2.50")
    request.user = user

    def view(request):
        change()
        return HttpResponse()

    HistoryRequestMiddleware(view)(request)
    assert not hasattr(HistoricalRecords.context, "request")  # nothing left once served


def test_role_changes_and_deactivation_are_written_with_the_actor(engineer, admin_user):
    in_request_of(admin_user, lambda: services.user_update(user=engineer, role=User.Role.MANAGER))
    in_request_of(admin_user, lambda: services.user_update(user=engineer, is_active=False))
    in_request_of(admin_user, lambda: services.user_update(user=engineer, is_active=True))
    lines = list(AuditEvent.objects.filter(user=engineer).exclude(kind=AuditEvent.Kind.SESSION_ENDED).order_by("pk"))
    assert [(line.kind, line.actor) for line in lines] == [
        (AuditEvent.Kind.ROLE_CHANGED, admin_user),
        (AuditEvent.Kind.DEACTIVATED, admin_user),
        (AuditEvent.Kind.REACTIVATED, admin_user),
    ]
    assert lines[0].detail == {"from": "engineer", "to": "manager"}
    assert lines[0].address == "192.0.2.50"


def test_a_save_outside_any_request_is_written_without_actor(engineer):
    engineer.is_active = False
    engineer.save()  # a command, a worker, the directory
    line = AuditEvent.objects.get(kind=AuditEvent.Kind.DEACTIVATED)
    assert (line.user, line.actor, line.address) == (engineer, None, None)


def test_saving_other_fields_writes_nothing_and_reads_nothing_more(engineer, django_assert_num_queries):
    with django_assert_num_queries(1):
        engineer.phone = "+86 1"
        engineer.save(update_fields=["phone"])
    services.user_update(user=engineer, job_title="Lead")
    assert not AuditEvent.objects.exists()


def test_a_new_user_writes_no_change(db):
    services.user_create(username="newbie", password="Brand-New-Horse-2026", role=User.Role.ENGINEER)
    assert not AuditEvent.objects.exists()


def test_a_password_change_is_written(engineer):
    engineer.set_password("Another-Horse-2027")
    engineer.save()
    line = AuditEvent.objects.get(kind=AuditEvent.Kind.PASSWORD_CHANGED)
    assert line.user == engineer


def test_tokens_issued_and_revoked_are_written(engineer):
    token, _key = services.api_token_create(user=engineer, name="Laptop")
    services.api_token_revoke(token=token)
    services.api_token_revoke(token=token)  # twice: written once
    issued = AuditEvent.objects.get(kind=AuditEvent.Kind.TOKEN_ISSUED)
    revoked = AuditEvent.objects.get(kind=AuditEvent.Kind.TOKEN_REVOKED)
    assert issued.detail == {"token": token.pk, "name": "Laptop", "prefix": token.prefix}
    assert (revoked.user, revoked.detail["prefix"]) == (engineer, token.prefix)


# --- the API ------------------------------------------------------------------------------------


@pytest.fixture
def lines(engineer, customer_a):
    from accounts.services import audit

    now = timezone.now()
    made = []
    for hours, kind, user, address in [
        (30, AuditEvent.Kind.SIGN_IN, engineer, "192.0.2.1"),
        (20, AuditEvent.Kind.SIGN_IN_FAILED, None, "198.51.100.2"),
        (10, AuditEvent.Kind.SIGN_IN, customer_a, "2001:db8::7"),
    ]:
        event = audit.record(kind, user=user, username=user.username if user else "Mallory")
        AuditEvent.objects.filter(pk=event.pk).update(at=now - datetime.timedelta(hours=hours), address=address)
        made.append(event)
    return made


def test_the_api_of_the_log_is_for_admins(api, lines, customer_a, engineer, manager, admin_user):
    for user in (customer_a, engineer, manager):
        assert api.as_user(user).get("/api/v1/audit-events/").status_code == 403
        assert api.as_user(user).get(f"/api/v1/audit-events/{lines[0].pk}/").status_code == 403
    client = api.as_user(admin_user)
    assert client.get("/api/v1/audit-events/999999/").status_code == 404
    detail = client.get(f"/api/v1/audit-events/{lines[0].pk}/").json()
    assert (detail["kind"], detail["kind_label"], detail["address"]) == ("sign_in", "Signed in", "192.0.2.1")


def test_the_api_filters_the_log(api, lines, admin_user, engineer):
    client = api.as_user(admin_user)

    def ids(**params):
        response = client.get("/api/v1/audit-events/", {**params, "page_size": 200})
        assert response.status_code == 200, response.json()
        return {row["id"] for row in response.json()["results"]} & {line.pk for line in lines}

    assert ids(kind="sign_in_failed") == {lines[1].pk}
    assert ids(username="mallo") == {lines[1].pk}
    assert ids(user=engineer.pk) == {lines[0].pk}
    assert ids(address="2001:db8::7") == {lines[2].pk}
    since = (timezone.now() - datetime.timedelta(hours=25)).isoformat()
    until = (timezone.now() - datetime.timedelta(hours=15)).isoformat()
    assert ids(since=since, until=until) == {lines[1].pk}
    assert client.get("/api/v1/audit-events/", {"address": "not an address"}).status_code == 400
    assert client.get("/api/v1/audit-events/", {"kind": "nonsense"}).status_code == 400
    assert client.get("/api/v1/audit-events/", {"since": "yesterday"}).status_code == 400
