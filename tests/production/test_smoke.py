"""The production smoke: what users deploy, run as they run it.

A virtual environment from ``requirements.txt`` alone (``--require-hashes``), production
settings (DEBUG off, a SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL, REDIS_URL, mail to an SMTP
server), a fresh database migrated and set up by that environment (``migrate``,
``setup_desk``, ``createsuperuser --noinput``, ``collectstatic``, as docs/production.md says),
then gunicorn as the Dockerfile starts it and one Celery worker and beat as the Procfile and
docker-compose.yml start them. Through the HTTP API only: /healthz, an urgent ticket breached
by that worker with the leadership group told by email, an incident report PDF in Chinese, a
static file from WhiteNoise; then everything stops cleanly. A failure prints the logs' tails.

On PostgreSQL and Redis when DATABASE_URL and REDIS_URL say so (CI); on the embedded defaults
(SQLite, the filesystem broker) otherwise, as ``make run`` deploys on a laptop.
"""

import datetime
import http.client
import json
import re
import secrets
import subprocess
import time
import urllib.parse
from email import message_from_bytes
from email.header import decode_header, make_header
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from tests.processes import free_port
from tests.production.stack import (
    ROOT,
    Database,
    Stack,
    compose_command,
    dockerfile_command,
    procfile_command,
    redis_url,
    runtime_venv,
)

ADMIN_PASSWORD = secrets.token_urlsafe(12)
LEADER_PASSWORD = secrets.token_urlsafe(12)
REDIS_DB = 12  # the smoke's own; the worker tests use 14 and 15

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


class Mailbox:
    """An SMTP server on loopback that keeps what it receives."""

    def __init__(self) -> None:
        self.messages: list = []
        self.controller = Controller(self, hostname="127.0.0.1", port=free_port())

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content)))
        return "250 OK"

    def subjects_to(self, address: str) -> list[str]:
        return [str(make_header(decode_header(m["Subject"]))) for rcpt, m in self.messages if address in rcpt]


class Client:
    """HTTP to the gunicorn of the stack, as a browser behind a TLS proxy would reach it."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body=None, token: str | None = None, headers=None, form=False):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        sent = {"Host": "127.0.0.1", "X-Forwarded-Proto": "https", **(headers or {})}
        if token:
            sent["Authorization"] = f"Token {token}"
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            if form:
                sent["Content-Type"] = "application/x-www-form-urlencoded"
                body = urllib.parse.urlencode(body)
            else:
                sent["Content-Type"] = "application/json"
                body = json.dumps(body)
        connection.request(method, path, body=body, headers=sent)
        response = connection.getresponse()
        data = response.read()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":  # Secure cookies: kept by hand, the proxy speaks TLS
                name, _eq, rest = value.partition("=")
                self.cookies[name] = rest.split(";")[0]
        connection.close()
        return response.status, dict(response.getheaders()), data

    def json(self, method: str, path: str, body=None, token=None, expect=200):
        status, _headers, data = self.request(method, path, body, token)
        assert status == expect, f"{method} {path}: {status} {data[:2000]!r}"
        return json.loads(data) if data else None

    def token(self, username: str, password: str) -> str:
        return self.json("POST", "/api/v1/auth/token/", {"username": username, "password": password})["token"]

    def sign_in(self, username: str, password: str) -> None:
        status, _headers, page = self.request("GET", "/accounts/login/")
        assert status == 200, status
        csrf = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1].decode()
        origin = "https://127.0.0.1"  # the Host the proxy passes on
        status, _headers, page = self.request(
            "POST",
            "/accounts/login/",
            {"username": username, "password": password, "csrfmiddlewaretoken": csrf},
            headers={"Origin": origin, "Referer": f"{origin}/accounts/login/"},
            form=True,
        )
        assert status == 302, (status, page[:500])


def wait_for(what: str, predicate, timeout: float, stack: Stack):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        stopped = {name: code for name, code in stack.alive().items() if code is not None}
        assert not stopped, f"stopped while waiting for {what}: {stopped}"
        time.sleep(0.5)
    raise AssertionError(f"no {what} within {timeout} s")


CREATE_LEADER = """
from accounts import services
from accounts.models import Team, TeamMembership, User
leader = services.user_create(username="leader", password={password!r}, role=User.Role.MANAGER,
    first_name="Jun", last_name="Wang", email="leader@vendor.example", phone="")
team = Team.objects.create(kind=Team.Kind.LEADERSHIP, slug="emergency-leadership", name="Emergency leadership group")
services.team_add_member(team=team, user=leader, position=TeamMembership.Position.PROJECT_LEAD)
"""


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    venv = runtime_venv()
    home = tmp_path_factory.mktemp("production")
    (home / "var").mkdir()
    (home / "logs").mkdir()
    database = Database.fresh(home / "var")
    mailbox = Mailbox()
    mailbox.controller.start()
    port = free_port()
    broker = redis_url(REDIS_DB)
    env = {
        "PATH": f"{venv / 'bin'}:/usr/bin:/bin",
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": database.url,
        "VAR_DIR": str(home / "var"),
        "STATIC_ROOT": str(home / "static"),
        "EMAIL_URL": f"smtp://127.0.0.1:{mailbox.controller.port}",
        "DEFAULT_FROM_EMAIL": "service-desk@vendor.example",
        "SITE_URL": f"https://127.0.0.1:{port}",
        "HEARTBEAT_SECONDS": "2",  # beat's heartbeat task, every 2 s instead of every minute
        "DJANGO_SUPERUSER_USERNAME": "admin",
        "DJANGO_SUPERUSER_EMAIL": "admin@vendor.example",
        "DJANGO_SUPERUSER_PASSWORD": ADMIN_PASSWORD,
    }
    if broker:
        env["REDIS_URL"] = broker
        import redis

        redis.Redis.from_url(broker).flushdb()
    running = Stack(venv=venv, env=env, logs=home / "logs", port=port)
    try:
        yield running, mailbox
    finally:
        running.stop()
        mailbox.controller.stop()
        if database.drop:
            database.drop()
        if broker:
            redis.Redis.from_url(broker).flushdb()


def test_the_runtime_lock_alone_runs_the_desk(stack):
    running, mailbox = stack
    try:
        check_the_desk(running, mailbox)
    except BaseException:
        print(running.tails())  # shown by pytest with the failure
        raise


def check_the_desk(stack: Stack, mailbox: Mailbox) -> None:
    venv_python = stack.venv / "bin/python"
    # the runtime environment holds no development package
    for module in ("pytest", "factory", "schemathesis", "aiosmtpd", "piptools"):
        probe = f"import importlib.util; print(importlib.util.find_spec({module!r}) is None)"
        found = subprocess.run([str(venv_python), "-c", probe], capture_output=True, text=True, check=True)
        assert found.stdout.strip() == "True", f"{module} is installed in the runtime environment"

    # first run, as docs/production.md and docker-compose's migrate service do it
    assert compose_command("migrate")[-1].endswith("python manage.py setup_desk")
    stack.run("migrate", "--noinput")
    stack.run("setup_desk")
    stack.run("createsuperuser", "--noinput")
    stack.run("compilemessages", "--ignore", ".venv/*", "-v0")
    stack.run("collectstatic", "--noinput", "-v0")
    stack.run("check", "--deploy", "--fail-level", "ERROR")
    stack.run("shell", "-c", CREATE_LEADER.format(password=LEADER_PASSWORD))

    web = dockerfile_command()
    assert web[:2] == ["gunicorn", "servicedesk.wsgi:application"]
    bind = web.index("--bind") + 1
    web[bind] = f"127.0.0.1:{stack.port}"
    web[web.index("--workers") + 1] = "2"
    stack.start("web", web)
    stack.start("worker", procfile_command("worker"))
    stack.start("beat", procfile_command("beat"))
    client = Client(stack.port)

    # /healthz: the database, the broker and a fresh heartbeat of the worker (sent by beat)
    def healthy():
        try:
            status, _headers, body = client.request("GET", "/healthz", headers={"X-Forwarded-Proto": "http"})
        except OSError:
            return None
        health = json.loads(body) if status in (200, 503) else {}
        return health if status == 200 and health.get("worker") == "ok" else None

    health = wait_for("healthy /healthz with a worker heartbeat", healthy, 90, stack)
    assert (health["database"], health["broker"]) == ("ok", "ok")
    beat_at = datetime.datetime.fromisoformat(health["worker_heartbeat"])
    assert abs((datetime.datetime.now(datetime.UTC) - beat_at).total_seconds()) < 30

    # a project on the clean desk, and an urgent fault phoned in 59 min 52 s ago: its first
    # response (Y = 1 hour round the clock) is due in 8 seconds
    admin = client.token("admin", ADMIN_PASSWORD)
    organisation = client.json("POST", "/api/v1/organisations/", {"name": "Eastbay Water", "code": "ebw"}, admin, 201)
    project = client.json(
        "POST",
        "/api/v1/projects/",
        {"organisation": organisation["id"], "code": "ebw-scada", "name": "SCADA"},
        admin,
        201,
    )
    received = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=60) + datetime.timedelta(seconds=8)
    ticket = client.json(
        "POST",
        "/api/v1/tickets/",
        {
            "project": project["id"],
            "title": "泵站离线 Pump station offline",
            "description": "No pressure at pumping station 3.",
            "priority": "urgent",
            "received_at": received.isoformat(),
        },
        admin,
        201,
    )
    assert set(ticket["sla"]) == {"first_response", "resolution"}

    def breached():
        sla = client.json("GET", f"/api/v1/tickets/{ticket['id']}/", token=admin)["sla"]
        return sla["first_response"]["breached"] and sla["first_response"]["escalating"]

    wait_for("the breach marked by the worker", breached, 60, stack)
    leader = client.token("leader", LEADER_PASSWORD)

    def told():
        rows = client.json("GET", "/api/v1/notifications/", token=leader)["results"]
        return [row for row in rows if row["ticket"] == ticket["id"] and row["urgent"]]

    notification = wait_for("the leadership group's notification", told, 30, stack)[0]
    assert notification["reason"] == "escalation" and ticket["reference"] in notification["title"]
    subjects = wait_for("the leadership group's email", lambda: mailbox.subjects_to("leader@vendor.example"), 30, stack)
    assert any(ticket["reference"] in subject for subject in subjects), subjects

    # an incident report as a PDF with its Chinese text, for a signed-in engineer
    incident = client.json(
        "POST",
        "/api/v1/incidents/",
        {
            "project": project["id"],
            "title": "水厂控制中心停电",
            "symptoms": "控制中心全部断电，泵站失去监控。",
            "reporter_name": "吴丽",
        },
        admin,
        201,
    )
    client.sign_in("admin", ADMIN_PASSWORD)
    status, headers, pdf = client.request("GET", f"/emergency/incidents/{incident['id']}/report.pdf")
    assert status == 200 and headers["Content-Type"] == "application/pdf" and pdf.startswith(b"%PDF")
    text = read_pdf_text(pdf)
    assert "水厂控制中心停电" in text and incident["reference"] in text

    # a static file under its hashed name, served by WhiteNoise with a year's cache
    manifest = json.loads((Path(stack.env["STATIC_ROOT"]) / "staticfiles.json").read_text())["paths"]
    source, hashed = next((s, h) for s, h in manifest.items() if s.endswith(".css"))
    status, headers, body = client.request("GET", f"/static/{hashed}")
    assert status == 200 and body == (Path(stack.env["STATIC_ROOT"]) / hashed).read_bytes()
    assert "max-age=315360000" in headers.get("Cache-Control", ""), headers
    assert (ROOT / "static" / source).exists() or source.startswith(("admin/", "rest_framework/", "drf_"))

    # everything stops cleanly on SIGTERM, as docker and honcho stop it
    codes = stack.stop()
    assert codes == {"web": 0, "worker": 0, "beat": 0}, codes


def read_pdf_text(pdf: bytes) -> str:
    import io

    from pypdf import PdfReader

    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
