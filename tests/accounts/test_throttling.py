"""Repeated failed logins lock the username out from that address for a while (django-axes)."""

import datetime

import pytest
import time_machine
from django.urls import reverse

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def _fail(client, username, times, address="10.0.0.1"):
    for _ in range(times):
        client.post(LOGIN, {"username": username, "password": "wrong"}, REMOTE_ADDR=address)


def test_five_failures_lock_the_page_login_even_with_the_right_password(client, engineer, password):
    _fail(client, "eng", 5)
    response = client.post(LOGIN, {"username": "eng", "password": password}, REMOTE_ADDR="10.0.0.1")
    assert response.status_code == 429
    assert "Too many failed logins" in response.text
    assert "_auth_user_id" not in client.session


def test_the_lock_is_per_username_and_address(client, engineer, manager, password):
    _fail(client, "eng", 5)
    # the same user from another address, and another user from the same address, still log in
    response = client.post(LOGIN, {"username": "eng", "password": password}, REMOTE_ADDR="10.0.0.2")
    assert response.status_code == 302
    client.logout()
    response = client.post(LOGIN, {"username": "mgr", "password": password}, REMOTE_ADDR="10.0.0.1")
    assert response.status_code == 302


def test_the_lock_ends_after_the_cool_off(client, engineer, password, settings):
    _fail(client, "eng", 5)
    later = datetime.datetime.now(tz=datetime.UTC) + settings.AXES_COOLOFF_TIME + datetime.timedelta(seconds=1)
    with time_machine.travel(later):
        response = client.post(LOGIN, {"username": "eng", "password": password}, REMOTE_ADDR="10.0.0.1")
    assert response.status_code == 302


def test_a_success_before_the_limit_resets_the_count(client, engineer, password):
    _fail(client, "eng", 4)
    assert client.post(LOGIN, {"username": "eng", "password": password}, REMOTE_ADDR="10.0.0.1").status_code == 302
    client.logout()
    _fail(client, "eng", 4)
    assert client.post(LOGIN, {"username": "eng", "password": password}, REMOTE_ADDR="10.0.0.1").status_code == 302


def test_the_token_endpoint_is_locked_too_and_answers_in_the_error_shape(api, engineer, password):
    for _ in range(5):
        api.post("/api/v1/auth/token/", {"username": "eng", "password": "x"}, format="json", REMOTE_ADDR="10.0.0.3")
    response = api.post(
        "/api/v1/auth/token/", {"username": "eng", "password": password}, format="json", REMOTE_ADDR="10.0.0.3"
    )
    assert response.status_code == 429
    assert response.json()["detail"].startswith("Too many failed logins")
    assert response.json()["errors"] == {}


def test_the_lockout_page_is_translated(client, engineer):
    _fail(client, "eng", 5)
    client.cookies["django_language"] = "zh-hans"
    response = client.post(LOGIN, {"username": "eng", "password": "wrong"}, REMOTE_ADDR="10.0.0.1")
    assert response.status_code == 429
    assert "登录失败次数过多" in response.text
    assert reverse("accounts:password_reset") in response.text
