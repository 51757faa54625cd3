"""Login protection (django-axes with accounts/login_protection.py): failed logins lock the account
tried (from any address) and the address trying (across usernames), each for a cool-off; a
completed password reset lets the real user in whatever an attacker does. The client address is
core.clients.client_address, so behind a proxy each client counts as itself."""

import datetime
import re

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from core.throttling import ClientScopedRateThrottle

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"
TOKEN = "/api/v1/auth/token/"
PROXY = "10.0.0.254"  # the reverse proxy every request comes through in the "behind_proxy" tests
ATTACKER = "198.51.100.66"
OFFICE = "203.0.113.10"


@pytest.fixture
def behind_proxy(settings):
    """One trusted proxy in front: REMOTE_ADDR is always the proxy, the client is in X-Forwarded-For."""
    settings.TRUSTED_PROXY_COUNT = 1


def _via_proxy(address: str) -> dict:
    # the client may send any X-Forwarded-For; the proxy appends the address it saw
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": f"1.2.3.4, {address}"}


def _login(client, username, password, address="10.0.0.1", path=LOGIN, proxy=False):
    meta = _via_proxy(address) if proxy else {"REMOTE_ADDR": address}
    return client.post(path, {"username": username, "password": password}, **meta)


def _fail(client, username, times, address="10.0.0.1", path=LOGIN, proxy=False):
    return [_login(client, username, "wrong", address, path, proxy).status_code for _ in range(times)]


def _signed_in(client) -> bool:
    return "_auth_user_id" in client.session


# --- per account -----------------------------------------------------------------------------


def test_five_failures_lock_the_page_login_even_with_the_right_password(client, engineer, password):
    assert _fail(client, "eng", 5) == [200, 200, 200, 200, 429]
    response = _login(client, "eng", password)
    assert response.status_code == 429
    assert "Too many failed logins for this account" in response.text
    assert reverse("accounts:password_reset") in response.text
    assert not _signed_in(client)


def test_failures_from_many_addresses_lock_the_account_everywhere(client, engineer, manager, password):
    # one guess each from five addresses: a per-(user, address) lock would never trip
    for n in range(5):
        _fail(client, "eng", 1, address=f"198.51.100.{n}")
    response = _login(client, "eng", password, address=OFFICE)
    assert response.status_code == 429
    assert "Reset your password" in response.text
    # only that account: another user from the same addresses signs in
    assert _login(client, "mgr", password, address="198.51.100.0").status_code == 302


def test_behind_a_proxy_the_account_lock_names_the_client_not_the_proxy(
    client, behind_proxy, engineer, manager, password
):
    """Five failures from A lock the account (that is what per-account means) but not the proxy's
    address: another user behind the same proxy, even at A, still signs in."""
    _fail(client, "eng", 5, address=ATTACKER, proxy=True)
    assert _login(client, "eng", password, address=OFFICE, proxy=True).status_code == 429
    assert _login(client, "mgr", password, address=ATTACKER, proxy=True).status_code == 302


def test_the_lock_ends_after_the_cool_off(client, engineer, password, settings):
    _fail(client, "eng", 5)
    later = datetime.datetime.now(tz=datetime.UTC) + settings.AXES_COOLOFF_TIME + datetime.timedelta(seconds=1)
    with time_machine.travel(later):
        response = _login(client, "eng", password)
    assert response.status_code == 302


def test_attempts_during_the_lock_do_not_extend_it(client, engineer, password, settings):
    """An attacker who keeps guessing cannot keep the account locked past its cool-off."""
    start = datetime.datetime.now(tz=datetime.UTC)
    _fail(client, "eng", 5, address=ATTACKER)
    with time_machine.travel(start + settings.AXES_COOLOFF_TIME - datetime.timedelta(minutes=1)):
        assert _fail(client, "eng", 3, address=ATTACKER) == [429, 429, 429]
    with time_machine.travel(start + settings.AXES_COOLOFF_TIME + datetime.timedelta(seconds=30)):
        # even from the address that kept trying (an office's shared address, say)
        assert _login(client, "eng", password, address=ATTACKER).status_code == 302


def test_a_success_before_the_limit_resets_the_account_count(client, engineer, password):
    _fail(client, "eng", 4)
    assert _login(client, "eng", password).status_code == 302
    client.logout()
    _fail(client, "eng", 4)
    assert _login(client, "eng", password).status_code == 302


def test_a_password_reset_lets_the_locked_out_user_in(client, engineer, password):
    _fail(client, "eng", 5, address=ATTACKER)
    assert _login(client, "eng", password, address=OFFICE).status_code == 429

    # the lockout page's link: the reset mail, then a new password
    client.post(reverse("accounts:password_reset"), {"email": engineer.email}, REMOTE_ADDR=OFFICE)
    link = re.search(r"https?://[^/]+(/accounts/password/reset/\S+/)", mail.outbox[-1].body).group(1)
    form_url = client.get(link, REMOTE_ADDR=OFFICE).url
    new = "Another-Secret-77"
    response = client.post(form_url, {"new_password1": new, "new_password2": new}, REMOTE_ADDR=OFFICE)
    assert response.status_code == 302
    # signed in at once, whatever the attacker does meanwhile
    assert int(client.session["_auth_user_id"]) == engineer.pk
    page = client.get(response.url)
    assert "you are logged in" in page.text

    # and the account's failures are gone: the new password works at the login page and the API
    client.logout()
    assert _login(client, "eng", new, address=OFFICE).status_code == 302
    client.logout()
    token = client.post(TOKEN, {"username": "eng", "password": new}, content_type="application/json")
    assert token.status_code == 200 and token.json()["token"]


# --- per address -----------------------------------------------------------------------------


def test_one_address_spraying_many_usernames_is_stopped(client, engineer, manager, password, settings):
    limit = settings.LOGIN_ADDRESS_FAILURE_LIMIT
    codes = [_login(client, f"guess{n}", "Summer2026!", address=ATTACKER).status_code for n in range(limit)]
    assert codes == [200] * (limit - 1) + [429]
    # every username from that address is refused now, even with the right password
    response = _login(client, "mgr", password, address=ATTACKER)
    assert response.status_code == 429
    assert "from your network address" in response.text
    assert not _signed_in(client)
    # no account was locked: the same users sign in from elsewhere
    assert _login(client, "mgr", password, address=OFFICE).status_code == 302


def test_behind_a_proxy_spraying_from_one_client_does_not_lock_the_others(
    client, behind_proxy, manager, password, settings
):
    for n in range(settings.LOGIN_ADDRESS_FAILURE_LIMIT):
        _login(client, f"guess{n}", "Summer2026!", address=ATTACKER, proxy=True)
    assert _login(client, "mgr", password, address=ATTACKER, proxy=True).status_code == 429
    # the proxy's own address is not what was locked: another client behind it signs in
    assert _login(client, "mgr", password, address=OFFICE, proxy=True).status_code == 302


def test_a_spoofed_forwarded_address_does_not_escape_the_address_lock(
    client, behind_proxy, manager, password, settings
):
    """The client's own X-Forwarded-For entries change nothing: the proxy's entry counts."""
    for n in range(settings.LOGIN_ADDRESS_FAILURE_LIMIT):
        client.post(
            LOGIN,
            {"username": f"guess{n}", "password": "x"},
            REMOTE_ADDR=PROXY,
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, {ATTACKER}",
        )
    assert _login(client, "mgr", password, address=ATTACKER, proxy=True).status_code == 429


def test_a_success_does_not_clear_the_address_count(client, manager, password, settings):
    """A sprayer holding one valid account cannot reset its address's count between rounds."""
    limit = settings.LOGIN_ADDRESS_FAILURE_LIMIT
    for n in range(limit - 1):
        _login(client, f"guess{n}", "x", address=ATTACKER)
    assert _login(client, "mgr", password, address=ATTACKER).status_code == 302
    client.logout()
    assert _login(client, "guess-last", "x", address=ATTACKER).status_code == 429


# --- every login ---------------------------------------------------------------------------


def test_the_admin_login_is_protected_too(client, admin_user, password, settings):
    _fail(client, "adm", 5, path=ADMIN_LOGIN, address=ATTACKER)
    response = _login(client, "adm", password, path=ADMIN_LOGIN, address=OFFICE)
    assert response.status_code == 429
    assert reverse("accounts:password_reset") in response.text
    for n in range(settings.LOGIN_ADDRESS_FAILURE_LIMIT):
        _login(client, f"guess{n}", "x", path=ADMIN_LOGIN, address="198.51.100.77")
    assert _login(client, "adm", password, path=ADMIN_LOGIN, address="198.51.100.77").status_code == 429


def test_the_token_endpoint_is_locked_too_and_answers_in_the_error_shape(api, engineer, password):
    for n in range(5):
        api.post(TOKEN, {"username": "eng", "password": "x"}, format="json", REMOTE_ADDR=f"10.0.0.{n}")
    response = api.post(TOKEN, {"username": "eng", "password": password}, format="json", REMOTE_ADDR="10.0.0.9")
    assert response.status_code == 429
    assert response.json()["detail"].startswith("Too many failed logins for this account")
    assert response.json()["errors"] == {}


def test_the_token_endpoint_stops_a_sprayer(api, engineer, password, settings, monkeypatch):
    monkeypatch.setattr(ClientScopedRateThrottle, "THROTTLE_RATES", {"token": "1000/min"})  # not under test here
    for n in range(settings.LOGIN_ADDRESS_FAILURE_LIMIT):
        api.post(TOKEN, {"username": f"guess{n}", "password": "x"}, format="json", REMOTE_ADDR=ATTACKER)
    response = api.post(TOKEN, {"username": "eng", "password": password}, format="json", REMOTE_ADDR=ATTACKER)
    assert response.status_code == 429
    assert "from your network address" in response.json()["detail"]
    assert (
        api.post(TOKEN, {"username": "eng", "password": password}, format="json", REMOTE_ADDR=OFFICE).status_code == 200
    )


def test_the_lockout_page_is_translated(client, engineer):
    _fail(client, "eng", 5)
    client.cookies["django_language"] = "zh-hans"
    response = _login(client, "eng", "wrong")
    assert response.status_code == 429
    assert "登录失败次数过多" in response.text
    assert reverse("accounts:password_reset") in response.text
