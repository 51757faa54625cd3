"""One step of the replica test, in a process of its own configured as a deployment is: the
environment names the primary (``DATABASE_URL``) and the replica (``DATABASE_REPLICA_URL``), so
the settings build both aliases and install the router. Run as
``python -m tests.production.replica_probe <step>`` from the project root; prints one JSON
document describing what was served from where.

Steps: ``seed`` (the demo desk), ``dashboard`` (the manager's dashboard page and API),
``file-ticket`` (a ticket filed through the API, then the dashboard API in the same block of
replica reads), ``write-replica`` (a write sent to the replica alias by hand).
"""

import contextlib
import json
import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servicedesk.settings")
django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import DatabaseError, connections  # noqa: E402
from django.test import Client  # noqa: E402

from accounts.models import User  # noqa: E402
from core.db import REPLICA, replica_reads  # noqa: E402
from core.time import desk_today  # noqa: E402
from customers.models import Organisation, Project  # noqa: E402
from reports.models import QualityReview  # noqa: E402
from reports.services import review_generate  # noqa: E402
from tickets.models import Ticket  # noqa: E402

ALIASES = ("default", REPLICA)


def server(alias: str) -> dict:
    """Which server an alias's connection reaches, asked on that connection."""
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery(), inet_server_port(), current_setting('transaction_read_only')")
        in_recovery, port, read_only = cursor.fetchone()
    return {"in_recovery": in_recovery, "port": port, "read_only": read_only == "on"}


class Captured:
    """The queries each alias ran inside the block (counted as they go: no connection is opened
    for the counting, so a replica that is down stays untouched)."""

    def __enter__(self):
        self.sql = {alias: [] for alias in ALIASES}
        self.stack = contextlib.ExitStack()
        for alias in ALIASES:
            self.stack.enter_context(connections[alias].execute_wrapper(self._recorder(alias)))
        return self

    def _recorder(self, alias: str):
        def record(execute, sql, params, many, context):
            self.sql[alias].append(sql)
            return execute(sql, params, many, context)

        return record

    def __exit__(self, *exc):
        self.stack.close()

    def tables(self, alias: str) -> list[str]:
        """The first table each query names (enough to tell a session read from a report's)."""
        found = []
        for sql in self.sql[alias]:
            word = next((w for w in ("FROM", "INTO", "UPDATE") if f"{w} " in sql), None)
            found.append(sql.split(f"{word} ", 1)[1].split()[0].strip('"') if word else sql[:40])
        return found

    def summary(self) -> dict:
        return {alias: self.tables(alias) for alias in ALIASES}


def manager_client() -> Client:
    client = Client()
    client.force_login(User.objects.get(username="manager"))
    return client


def backlog(document: dict) -> int:
    return sum(row["total"] for row in document["backlog"])


def step_seed() -> dict:
    call_command("seed_demo", verbosity=0)
    return {"tickets": Ticket.objects.count(), "open": Ticket.objects.filter(status__in=Ticket.OPEN_STATUSES).count()}


def step_dashboard() -> dict:
    client = manager_client()
    with Captured() as page:
        page_response = client.get("/reports/")
    with Captured() as api:
        api_response = client.get("/api/v1/reports/dashboard/")
    return {
        "page": {"status": page_response.status_code, "queries": page.summary()},
        "api": {"status": api_response.status_code, "queries": api.summary()},
        "backlog": backlog(api_response.json()),
        "open_on_primary": Ticket.objects.filter(status__in=Ticket.OPEN_STATUSES).count(),
        "servers": {alias: server(alias) for alias in ALIASES},
    }


def step_dashboard_down() -> dict:
    """The dashboard API with the replica's server stopped."""
    client = manager_client()
    with Captured() as api:
        response = client.get("/api/v1/reports/dashboard/")
    return {"status": response.status_code, "queries": api.summary()}


def step_file_ticket() -> dict:
    client = manager_client()
    project = Project.objects.select_related("organisation").filter(organisation__is_active=True).order_by("pk").first()
    payload = {"project": project.pk, "title": "Replica probe", "description": "Filed by the replica test."}
    with Captured() as filed:
        response = client.post("/api/v1/tickets/", payload, content_type="application/json")
    ticket_id = response.json().get("id")
    # a report that must see its own write: inside one block of replica reads, a quality review
    # is generated (its figures read in its transaction, on the primary), and every read after
    # it goes to the primary too
    manager = User.objects.get(username="manager")
    with replica_reads(), Captured() as block:
        seen_before = Ticket.objects.filter(title="Replica probe").count()
        review = review_generate(organisation=project.organisation, period="month", day=desk_today(), actor=manager)
        seen_after = Ticket.objects.filter(title="Replica probe").count()
        review_seen = QualityReview.objects.filter(pk=review.pk).exists()
    return {
        "status": response.status_code,
        "ticket": ticket_id,
        "queries": filed.summary(),
        "block": {
            "queries": block.summary(),
            "seen_before_write": seen_before,
            "seen_after_write": seen_after,
            "review_seen": review_seen,
        },
    }


def step_write_replica() -> dict:
    organisation = Organisation.objects.order_by("pk").first()
    try:
        Organisation.objects.using(REPLICA).filter(pk=organisation.pk).update(name="Written on the replica")
    except DatabaseError as error:
        return {"refused": True, "error": str(error).strip()}
    return {"refused": False}


STEPS = {
    "seed": step_seed,
    "dashboard": step_dashboard,
    "dashboard-down": step_dashboard_down,
    "file-ticket": step_file_ticket,
    "write-replica": step_write_replica,
}

if __name__ == "__main__":
    print(json.dumps(STEPS[sys.argv[1]]()))
