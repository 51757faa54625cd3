"""core.outbound: the addresses the desk may call, checked when entered and again when
connecting, and a POST that goes to the checked address and follows no redirect. No Internet:
names resolve through ``tests.fake_dns``, requests go to a server on 127.0.0.1."""

import json
import shutil
import socket
import ssl
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import urllib3
from django.core.exceptions import ValidationError

from core import outbound
from core.outbound import (
    OutboundHTTPError,
    OutboundRefused,
    checked_address,
    post_json,
    validate_outbound_host,
    validate_outbound_url,
)
from tests.fake_dns import fake_dns

PUBLIC = "93.184.216.34"


@pytest.fixture(autouse=True)
def _nothing_allowed(settings):
    settings.OUTBOUND_ALLOWED_HOSTS = []


class Server(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append({"path": self.path, "headers": dict(self.headers), "body": body})
        status, headers, answer = type(self).answer
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    do_GET = do_POST

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    handler = type("Handler", (Server,), {"received": [], "answer": (200, {}, b'{"ok": true}')})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    handler.port = httpd.server_port
    yield handler
    httpd.shutdown()
    httpd.server_close()


# --- when an address is entered ----------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "http://127.1.2.3:8080/",
        "http://2130706433/",  # 127.0.0.1 spelled as a number
        "http://0x7f.1/",
        "http://localhost:8000/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",  # IPv4-mapped IPv6
        "http://[::ffff:10.0.0.1]/",
        "http://10.0.0.1/",
        "http://172.16.5.4/",
        "http://192.168.1.1/",
        "http://169.254.169.254/latest/meta-data/",  # the cloud metadata service
        "http://100.64.0.1/",  # carrier-grade NAT
        "http://0.0.0.0/",
        "http://224.0.0.1/",  # multicast
        "http://[fe80::1]/",
        "http://[fc00::1]/",
        "http://[ff02::1]/",
        "http://[::]/",
        "http://[2002:7f00:1::]/",  # 6to4 around 127.0.0.1
        "http://240.0.0.1/",  # reserved
        "http://internal.example.com/",  # resolves to a private address
        "http://split.example.com/",  # one public and one private address
    ],
)
def test_a_url_on_a_non_public_address_is_refused(monkeypatch, url):
    fake_dns(
        monkeypatch,
        {"localhost": "127.0.0.1", "internal.example.com": "10.1.2.3", "split.example.com": [PUBLIC, "192.168.0.9"]},
    )
    with pytest.raises(ValidationError) as refused:
        validate_outbound_url(url)
    assert refused.value.code == "outbound_refused"
    assert "OUTBOUND_ALLOWED_HOSTS" in refused.value.messages[0]


@pytest.mark.parametrize(
    "url", ["https://oapi.dingtalk.com/robot/send?access_token=x", f"http://{PUBLIC}/", "https://[2606:4700::1111]/"]
)
def test_a_url_on_a_public_address_is_accepted(monkeypatch, url):
    fake_dns(monkeypatch, {"oapi.dingtalk.com": PUBLIC})
    validate_outbound_url(url)


def test_a_name_that_does_not_resolve_is_refused_with_its_own_message(monkeypatch):
    fake_dns(monkeypatch, {})
    with pytest.raises(ValidationError) as refused:
        validate_outbound_url("https://no-such-host.example.com/hook")
    assert refused.value.code == "outbound_unresolved"
    assert "could not be resolved" in refused.value.messages[0]


@pytest.mark.parametrize(
    "url", ["ftp://example.com/", "file:///etc/passwd", "gopher://x/", "http:///path", "http://[::1"]
)
def test_only_http_and_https_urls_with_a_host(monkeypatch, url):
    fake_dns(monkeypatch, {"example.com": PUBLIC})
    with pytest.raises(ValidationError):
        validate_outbound_url(url)


def test_hosts_are_checked_alone_for_imap(monkeypatch):
    fake_dns(monkeypatch, {"imap.example.com": PUBLIC, "mail.lan": "192.168.1.20"})
    validate_outbound_host("imap.example.com")
    with pytest.raises(ValidationError):
        validate_outbound_host("mail.lan")
    with pytest.raises(ValidationError):
        validate_outbound_host("")


def test_listed_hosts_and_networks_may_be_private(monkeypatch, settings):
    fake_dns(
        monkeypatch,
        {
            "robot.intranet": "10.1.2.3",
            "a.corp.example": "10.9.9.9",
            "other.lan": "10.1.200.1",
            "elsewhere.lan": "10.2.0.1",
            "gone.intranet": [],
        },
    )
    settings.OUTBOUND_ALLOWED_HOSTS = ["Robot.Intranet", ".corp.example", "10.1.0.0/16", "127.0.0.1"]
    validate_outbound_url("http://robot.intranet:8080/hook")  # by name (case does not matter)
    validate_outbound_url("http://a.corp.example/")  # a subdomain of a listed domain
    validate_outbound_url("http://other.lan/")  # its address is in a listed network
    validate_outbound_url("http://127.0.0.1:9000/")
    with pytest.raises(ValidationError):
        validate_outbound_url("http://elsewhere.lan/")
    with pytest.raises(ValidationError):
        validate_outbound_url("http://127.0.0.2/")


# --- when connecting --------------------------------------------------------------------------


def test_the_address_is_checked_again_when_connecting(monkeypatch):
    """DNS rebinding: public when saved, private when the desk connects."""
    answers = iter([PUBLIC, "127.0.0.1"])
    fake_dns(monkeypatch, {"rebind.example.com": lambda: next(answers)})
    validate_outbound_url("http://rebind.example.com/hook")
    with pytest.raises(OutboundRefused, match=r"127\.0\.0\.1"):
        checked_address("rebind.example.com", 80)


def test_checked_address_returns_the_address_to_connect_to(monkeypatch, settings):
    fake_dns(monkeypatch, {"hooks.example.com": [PUBLIC, "2606:4700::1111"], "robot.lan": "10.0.0.7"})
    assert checked_address("hooks.example.com", 443) == PUBLIC
    with pytest.raises(OutboundRefused):
        checked_address("robot.lan", 80)
    settings.OUTBOUND_ALLOWED_HOSTS = ["robot.lan"]
    assert checked_address("robot.lan", 80) == "10.0.0.7"


def test_a_name_that_stopped_resolving_is_a_network_error_not_a_refusal(monkeypatch):
    fake_dns(monkeypatch, {})
    with pytest.raises(OSError):
        checked_address("vanished.example.com", 443)


def test_a_post_goes_to_the_checked_address_with_the_name_in_the_host_header(monkeypatch, settings, server):
    lookups = fake_dns(monkeypatch, {"hooks.example.test": "127.0.0.1"})
    settings.OUTBOUND_ALLOWED_HOSTS = ["127.0.0.0/8"]
    response = post_json(
        f"http://hooks.example.test:{server.port}/hook?token=a%20b", {"title": "正常"}, timeout=5, headers={"X-A": "1"}
    )
    assert response.status_code == 200 and response.json() == {"ok": True}
    [request] = server.received
    assert request["path"] == "/hook?token=a%20b"
    assert request["headers"]["Host"] == f"hooks.example.test:{server.port}"
    assert request["headers"]["X-A"] == "1"
    assert json.loads(request["body"]) == {"title": "正常"}
    assert lookups["hooks.example.test"] == 1  # resolved once: the connection used the checked address


def test_a_post_to_an_address_that_became_private_is_refused_before_connecting(monkeypatch, server):
    fake_dns(monkeypatch, {"rebind.example.com": "127.0.0.1"})
    with pytest.raises(OutboundRefused):
        post_json(f"http://rebind.example.com:{server.port}/hook", {}, timeout=5)
    with pytest.raises(OutboundRefused):
        post_json(f"http://127.0.0.1:{server.port}/hook", {}, timeout=5)
    with pytest.raises(OutboundRefused):
        post_json("ftp://example.com/", {}, timeout=5)
    assert server.received == []


def test_a_redirect_is_not_followed_and_is_a_failure(settings, server):
    settings.OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1"]
    server.answer = (302, {"Location": f"http://127.0.0.1:{server.port}/internal-admin"}, b"")
    response = post_json(f"http://127.0.0.1:{server.port}/hook", b'{"signed":1}', timeout=5)
    assert response.status_code == 302
    assert [request["path"] for request in server.received] == ["/hook"]  # not /internal-admin
    assert server.received[0]["body"] == b'{"signed":1}'  # bytes go as they are
    with pytest.raises(OutboundHTTPError, match="redirects are not followed"):
        response.raise_for_status()


def test_an_error_status_is_a_failure(settings, server):
    settings.OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1"]
    server.answer = (500, {}, b"boom")
    response = post_json(f"http://127.0.0.1:{server.port}/", {}, timeout=5)
    with pytest.raises(OutboundHTTPError, match="500"):
        response.raise_for_status()


@pytest.fixture
def tls_server(tmp_path):
    """An HTTPS server on 127.0.0.1 whose certificate names hooks.example.test (self-signed),
    recording the name the client asked for (SNI)."""
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command to make a certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-keyout", str(key), "-out", str(cert), "-subj", "/CN=hooks.example.test",
            "-addext", "subjectAltName=DNS:hooks.example.test",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    handler = type("Handler", (Server,), {"received": [], "answer": (200, {}, b"{}")})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    handler.server_names = []
    context.sni_callback = lambda sock, name, ctx: handler.server_names.append(name)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    handler.port, handler.cert = httpd.server_port, str(cert)
    yield handler
    httpd.shutdown()
    httpd.server_close()


def test_https_verifies_the_certificate_for_the_name_not_the_address(monkeypatch, settings, tls_server):
    fake_dns(monkeypatch, {"hooks.example.test": "127.0.0.1", "other.example.test": "127.0.0.1"})
    settings.OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1/32"]
    url = f"https://hooks.example.test:{tls_server.port}/hook"
    # an unknown issuer is refused: certificates are verified
    with pytest.raises(urllib3.exceptions.SSLError, match=r"CERTIFICATE_VERIFY_FAILED"):
        post_json(url, {}, timeout=5)
    assert tls_server.server_names == ["hooks.example.test"]  # SNI carries the name
    monkeypatch.setattr(outbound.certifi, "where", lambda: tls_server.cert)  # now trusted
    assert post_json(url, {"a": 1}, timeout=5).status_code == 200
    assert tls_server.received[0]["headers"]["Host"] == f"hooks.example.test:{tls_server.port}"
    # the same address under another name: the certificate does not match that name
    with pytest.raises(urllib3.exceptions.SSLError, match=r"[Hh]ostname"):
        post_json(f"https://other.example.test:{tls_server.port}/hook", {}, timeout=5)
    assert len(tls_server.received) == 1


def test_refusals_are_not_os_errors():
    """Callers retry network errors (``OSError``); a refusal is final."""
    assert not issubclass(OutboundRefused, OSError)
    assert issubclass(socket.gaierror, OSError)


def test_a_post_to_a_listed_ipv6_address(settings):
    class V6Server(ThreadingHTTPServer):
        address_family = socket.AF_INET6

    handler = type("Handler", (Server,), {"received": [], "answer": (200, {}, b"{}")})
    try:
        httpd = V6Server(("::1", 0), handler)
    except OSError:
        pytest.skip("no IPv6 loopback here")
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        url = f"http://[::1]:{httpd.server_port}/hook"
        with pytest.raises(OutboundRefused):
            post_json(url, {}, timeout=5)
        settings.OUTBOUND_ALLOWED_HOSTS = ["[::1]"]
        assert post_json(url, {}, timeout=5).status_code == 200
        assert handler.received[0]["headers"]["Host"] == f"[::1]:{httpd.server_port}"
    finally:
        httpd.shutdown()
        httpd.server_close()
