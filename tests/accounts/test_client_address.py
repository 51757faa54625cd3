"""One client address (core.clients.client_address, TRUSTED_PROXY_COUNT) for the API throttle,
login protection's rows, and log lines."""

import io
import logging
import uuid

import pytest
from axes.models import AccessAttempt, AccessLog
from django.test import RequestFactory
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from core.clients import ClientAddressFilter, client_address

TOKEN = "/api/v1/auth/token/"
PROXY = "10.0.0.254"


def _request(remote="192.0.2.1", forwarded=None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


@pytest.mark.parametrize(
    ("count", "remote", "forwarded", "expected"),
    [
        # 0: the header is ignored, whatever it says
        (0, "192.0.2.1", None, "192.0.2.1"),
        (0, "192.0.2.1", "203.0.113.5", "192.0.2.1"),
        (0, "192.0.2.1", "203.0.113.5, 198.51.100.7", "192.0.2.1"),
        # N: the Nth address from the right; the client's own entries further left are ignored
        (1, PROXY, "203.0.113.5", "203.0.113.5"),
        (1, PROXY, "6.6.6.6, 203.0.113.5", "203.0.113.5"),
        (1, PROXY, "6.6.6.6,7.7.7.7 ,  203.0.113.5", "203.0.113.5"),
        (2, PROXY, "6.6.6.6, 203.0.113.5, 10.0.0.3", "203.0.113.5"),
        # fewer addresses than proxies: the leftmost; no header: the connection's address
        (2, PROXY, "203.0.113.5", "203.0.113.5"),
        (1, PROXY, None, PROXY),
        (1, PROXY, "", PROXY),
        # addresses are read as addresses
        (1, PROXY, "203.0.113.5:41234", "203.0.113.5"),
        (1, PROXY, "[2001:db8::1]:443", "2001:db8::1"),
        (1, PROXY, "2001:DB8:0::1", "2001:db8::1"),
        (1, PROXY, "::ffff:203.0.113.5", "203.0.113.5"),
        (1, PROXY, "not-an-address", PROXY),
        (0, "", None, ""),
    ],
)
def test_the_rule(settings, count, remote, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = count
    assert client_address(_request(remote, forwarded)) == expected


def test_the_deprecated_proxy_count_is_still_read_and_trusted_proxy_count_wins(monkeypatch):
    import importlib

    import servicedesk.settings as module

    try:
        monkeypatch.setenv("PROXY_COUNT", "2")
        monkeypatch.delenv("TRUSTED_PROXY_COUNT", raising=False)
        assert importlib.reload(module).TRUSTED_PROXY_COUNT == 2
        monkeypatch.setenv("TRUSTED_PROXY_COUNT", "1")
        assert importlib.reload(module).TRUSTED_PROXY_COUNT == 1
    finally:
        monkeypatch.undo()
        importlib.reload(module)


# --- the token endpoint's throttle -----------------------------------------------------------


@pytest.mark.django_db
def test_a_random_forwarded_header_does_not_escape_the_token_throttle(api):
    """TRUSTED_PROXY_COUNT=0 (the default): a new X-Forwarded-For per request is not a new client."""
    codes = [
        api.post(TOKEN, {}, format="json", REMOTE_ADDR="192.0.2.50", HTTP_X_FORWARDED_FOR=str(uuid.uuid4())).status_code
        for _ in range(11)
    ]
    assert codes == [400] * 10 + [429]


@pytest.mark.django_db
def test_behind_a_proxy_the_throttle_keys_on_the_address_the_proxy_appended(api, settings):
    settings.TRUSTED_PROXY_COUNT = 1

    def post(client_entry: str, spoofed: str):
        forwarded = f"{spoofed}, {client_entry}"
        return api.post(TOKEN, {}, format="json", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded).status_code

    # spoofed leftmost entries change nothing
    codes = [post("203.0.113.5", f"198.51.100.{n}") for n in range(11)]
    assert codes == [400] * 10 + [429]
    # another client behind the same proxy has its own budget
    assert post("203.0.113.6", "198.51.100.1") == 400


def test_a_stock_drf_throttle_reads_the_same_address(settings):
    """REST_FRAMEWORK's NUM_PROXIES follows TRUSTED_PROXY_COUNT: a throttle that is not ours agrees."""
    for forwarded in (None, "203.0.113.5", "6.6.6.6, 203.0.113.5"):
        request = _request(PROXY, forwarded)
        assert BaseThrottle().get_ident(Request(request)) == client_address(request) == PROXY


# --- login protection's rows --------------------------------------------------------------------


@pytest.mark.django_db
def test_login_rows_record_the_client_behind_the_proxy(client, settings, engineer, password):
    settings.TRUSTED_PROXY_COUNT = 1
    forwarded = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "6.6.6.6, 203.0.113.5"}
    client.post("/accounts/login/", {"username": "eng", "password": "wrong"}, **forwarded)
    assert list(AccessAttempt.objects.values_list("username", "ip_address")) == [("eng", "203.0.113.5")]
    client.post("/accounts/login/", {"username": "eng", "password": password}, **forwarded)
    assert list(AccessLog.objects.values_list("username", "ip_address")) == [("eng", "203.0.113.5")]


# --- logs ----------------------------------------------------------------------------------------


@pytest.fixture
def console():
    """What the configured console handler writes, while the test runs."""
    [handler] = [h for h in logging.getLogger().handlers if any(isinstance(f, ClientAddressFilter) for f in h.filters)]
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)


@pytest.mark.django_db
def test_log_lines_carry_the_client_address(client, settings, console, engineer):
    settings.TRUSTED_PROXY_COUNT = 1
    forwarded = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "6.6.6.6, 203.0.113.5"}
    client.get("/no-such-page/", **forwarded)  # django.request: "Not Found"
    client.post("/accounts/login/", {"username": "eng", "password": "wrong"}, **forwarded)  # axes' lines
    logging.getLogger("servicedesk").warning("outside any request")
    lines = console.getvalue().splitlines()
    assert any("[203.0.113.5]" in line and "Not Found: /no-such-page/" in line for line in lines)
    assert any("[203.0.113.5]" in line and line.startswith("WARNING axes") for line in lines)
    assert not any("6.6.6.6" in line or f"[{PROXY}]" in line for line in lines)
    assert "WARNING servicedesk [-] outside any request" in lines


@pytest.mark.django_db
def test_a_forwarded_header_while_no_proxy_is_trusted_is_reported_once(client, caplog, monkeypatch):
    monkeypatch.setattr("core.clients._warned_unused_header", False)
    with caplog.at_level(logging.WARNING, logger="core.clients"):
        for _ in range(2):
            client.get("/accounts/login/", HTTP_X_FORWARDED_FOR="203.0.113.5")
    warnings = [r for r in caplog.records if r.name == "core.clients"]
    assert len(warnings) == 1
    assert "TRUSTED_PROXY_COUNT" in warnings[0].getMessage()
