"""Schemathesis against the live OpenAPI schema of the demo desk, as an admin and as a customer
at once: no 5xx, no answer that contradicts the schema, schema-violating input refused, and
every operation reached.

The world is the demo desk (``seed_demo``: every list holds rows, as a user's desk does) with a
notification for each of the two users. Identifiers in paths are drawn, most of the time, from
what each user's own lists answer (schemathesis dictionaries in a generated config), so the
operations behind an id reach their logic instead of answering 404 for want of data; the rest
of the time they are fuzzed like everything else. gunicorn (two workers) serves the test
database while the two runs go side by side.

Positive-data acceptance is left out: the schema cannot express the domain's rules (a unique
code, a liaison from the same organisation), so valid-looking input may rightly be a 400. The
token endpoint is throttled (and locks out after failed logins), so most of its fuzzed calls
rightly answer 429. The seed is fixed so CI is repeatable; `make fuzz` runs longer with other
seeds (FUZZ_EXAMPLES, FUZZ_SEED). FUZZ_TAGS (comma-separated OpenAPI tags, e.g.
``training,knowledge-base``) fuzzes those operations only.
"""

import datetime
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from accounts.services import api_token_create
from tests.processes import free_port
from tests.workers import database_url

BIN = Path(sys.executable).parent
ROLES = {"admin": "admin", "customer": "alice"}
# Operations that revoke the token the run authenticates with (its own is the only id its list
# answers): left out of the fuzzing, tested in tests/accounts/test_tokens.py.
REVOKING = {
    ("POST", "/api/v1/auth/logout/"),
    ("DELETE", "/api/v1/me/tokens/{id}/"),
    ("DELETE", "/api/v1/users/{user_id}/tokens/{id}/"),  # the admin's run would revoke both runs' tokens
}
REVOKING_REGEX = "/api/v1/(auth/logout/|me/tokens/[{]|users/[{]user_id[}]/tokens/[{])"
# Children answered as named lists rather than a list of rows: a ticket's links
# ({"tickets": [...], "incidents": [...]}, two id spaces): the path, the list's path under the
# parent, and the name of its list.
NAMED_CHILDREN = {
    "/api/v1/tickets/{ticket_id}/links/{link_id}/": ("links", "tickets"),
    "/api/v1/tickets/{ticket_id}/links/incidents/{link_id}/": ("links", "incidents"),
}


def seed_world() -> dict[str, str]:
    """The demo desk; a notification in each user's bell, billable work on the customer's
    ticket and a service contract of its organisation (the demo's is the other one's); the
    users' API tokens."""
    from maintenance import services as maintenance
    from tickets import services as tickets

    call_command("seed_demo", verbosity=0)
    alice, admin, manager = (User.objects.get(username=name) for name in ("alice", "admin", "manager"))
    project = alice.organisation.projects.first()
    ticket = tickets.ticket_create(actor=alice, project=project, title="Power supply", description="Burnt")
    tickets.ticket_assign(ticket_id=ticket.pk, actor=manager, assignee=admin)  # told in the bell
    maintenance.billable_item_add(
        ticket_id=ticket.pk, actor=manager, kind="part", description="Power supply (surge)", quantity=Decimal(1)
    )
    today = timezone.localdate()
    maintenance.contract_save(
        project=project, number="SC-ONSITE", start_date=today, end_date=today + datetime.timedelta(days=365)
    )
    return {
        role: api_token_create(user=User.objects.get(username=name), name="fuzzing")[1] for role, name in ROLES.items()
    }


def operations(tags: list[str] | None = None) -> list[tuple[str, str]]:
    """(method, path template) of the schema's operations, of the given tags only if any."""
    schema = yaml.safe_load((Path(settings.BASE_DIR) / "openapi.yaml").read_text())
    return [
        (method.upper(), path)
        for path, ops in schema["paths"].items()
        for method, op in ops.items()
        if not tags or set(tags) & set(op.get("tags", []))
    ]


def listed_ids(client: APIClient, path: str) -> list[int]:
    """The ids a list answers this client (every page of up to 200), or none."""
    response = client.get(path, {"page_size": 200} if "billable-items" not in path else {})
    if response.status_code != 200:
        return []
    body = response.json()
    rows = body["results"] if isinstance(body, dict) and "results" in body else body
    return [row["id"] for row in rows if isinstance(row, dict) and "id" in row]


def config_for(token: str, directory: Path) -> Path:
    """A schemathesis.toml whose dictionaries hold the ids this user's lists answer, bound to
    the path parameters of each operation with a probability of 0.8."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    lines = [
        # a request line over gunicorn's limit is refused by gunicorn (documented on each operation)
        "[checks.negative_data_rejection]",
        "expected-statuses = "
        '["400", "401", "403", "404", "405", "406", "409", "414", "415", "422", "428", "429", "5xx"]',
        "",
    ]
    seen: dict[str, list[int]] = {}
    for path in sorted({path for _method, path in operations() if "{" in path}):
        bindings = {}
        parent = path.split("{", 1)[0]
        first = re.search(r"\{(\w+)\}", path)[1]
        ids = seen.setdefault(parent, listed_ids(client, parent))
        if not ids:
            continue
        bindings[first] = ids
        nested = re.search(r"\{\w+\}/([\w-]+)/\{(\w+)\}", path)
        named = NAMED_CHILDREN.get(path)
        if nested or named:  # a child of one parent: a parent that has children, and its children
            segment, child = (named[0], re.findall(r"\{(\w+)\}", path)[-1]) if named else nested.groups()
            children = {}
            for parent_id in ids:
                if named:
                    answer = client.get(f"{parent}{parent_id}/{segment}/")
                    rows = answer.json().get(named[1], []) if answer.status_code == 200 else []
                    found = [row["id"] for row in rows]
                elif segment == "resources":
                    detail = client.get(f"{parent}{parent_id}/")
                    found = (
                        [row["id"] for row in detail.json().get("resources", [])] if detail.status_code == 200 else []
                    )
                else:
                    found = listed_ids(client, f"{parent}{parent_id}/{segment}/")
                if found:
                    children[parent_id] = found
                    break
            if not children:
                continue
            ((parent_id, found),) = children.items()
            bindings = {first: [parent_id], child: found}
        name = re.sub(r"\W+", "_", path).strip("_")
        for parameter, values in bindings.items():
            lines += [f"[dictionaries.{name}_{parameter}]", f"values = {json.dumps(values)}", ""]
        lines += [
            "[[operations]]",
            f'include-path = "{path}"',
            "[operations.parameters]",
            *[f'"path.{p}" = {{ dictionary = "{name}_{p}", probability = 0.8 }}' for p in bindings],
            "",
        ]
    config = directory / "schemathesis.toml"
    config.write_text("\n".join(lines))
    return config


def template_of(method: str, path: str, templates: list[tuple[str, re.Pattern]]) -> str | None:
    for template, pattern in templates:
        if pattern.fullmatch(path):
            return template
    return None


def reached(access_log: Path, tokens: dict[str, str]) -> dict[tuple[str, str, str], set[int]]:
    """(role, method, template) -> the status codes the server answered."""
    templates = sorted(
        {(path, re.compile(re.sub(r"\\\{\w+\\\}", r"[^/]+", re.escape(path)))) for _m, path in operations()},
        key=lambda item: -len(item[0]),
    )
    role_of = {f"Token {token}": role for role, token in tokens.items()}
    codes: dict[tuple[str, str, str], set[int]] = {}
    for line in access_log.read_text(errors="replace").splitlines():
        try:
            method, path, status, authorization = line.split("\t")
        except ValueError:
            continue
        template = template_of(method, path, templates)
        if template and authorization in role_of:
            codes.setdefault((role_of[authorization], method, template), set()).add(int(status))
    return codes


@pytest.mark.slow
@pytest.mark.timeout(1800)
@pytest.mark.django_db(transaction=True)
def test_the_demo_desk_holds_its_schema_under_fuzzing(tmp_path):
    tokens = seed_world()
    port = free_port()
    access_log = tmp_path / "access.log"
    env = {key: value for key, value in os.environ.items() if key not in ("REDIS_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(DJANGO_SETTINGS_MODULE="servicedesk.settings_test", DATABASE_URL=database_url(), LOG_LEVEL="WARNING")
    server = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "servicedesk.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--access-logfile",
            str(access_log),
            "--access-logformat",
            "%(m)s\t%(U)s\t%(s)s\t%({authorization}i)s",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=open(tmp_path / "server.log", "wb"),  # noqa: SIM115 (the process holds it)
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    runs = {}
    try:
        wait_for_server(port)
        tags = [tag.strip() for tag in os.environ.get("FUZZ_TAGS", "").split(",") if tag.strip()]
        for role, token in tokens.items():
            directory = tmp_path / role
            directory.mkdir()
            config = config_for(token, directory)
            runs[role] = subprocess.Popen(
                [
                    str(BIN / "schemathesis"),
                    "--config-file",
                    str(config),
                    "run",
                    f"http://127.0.0.1:{port}/api/schema/",
                    "--header",
                    f"Authorization: Token {token}",
                    "--checks",
                    "all",
                    "--exclude-checks",
                    "positive_data_acceptance",
                    "--max-examples",
                    os.environ.get("FUZZ_EXAMPLES", "15"),
                    "--seed",
                    os.environ.get("FUZZ_SEED", "20261125"),
                    "--workers",
                    "1",
                    "--exclude-path-regex",
                    REVOKING_REGEX,
                    *[argument for tag in tags for argument in ("--include-tag", tag)],
                ],
                cwd=directory,
                env={**os.environ, "NO_COLOR": "1"},
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
        outputs = {role: run.communicate(timeout=1500)[0] for role, run in runs.items()}
    finally:
        for run in runs.values():
            if run.poll() is None:
                run.kill()
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    for role, run in runs.items():
        failures = outputs[role].partition("= FAILURES =")[2].partition("= WARNINGS =")[0]
        assert run.returncode == 0, f"{role}:\n{(failures or outputs[role])[:12000]}"
    codes = reached(access_log, tokens)
    unreached = sorted(
        (role, method, path)
        for role in tokens
        for method, path in operations(tags)
        if "{" in path and (method, path) not in REVOKING and codes.get((role, method, path), set()) <= {404}
    )
    assert not unreached, f"only ever 404 (or never called): {unreached}"


def wait_for_server(port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/schema/", timeout=5)
        except urllib.error.HTTPError:
            return  # it answers (401: no token)
        except OSError:
            time.sleep(0.3)
    raise AssertionError("the fuzzing server did not start")
