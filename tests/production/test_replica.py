"""The reports read from a PostgreSQL streaming replica when ``DATABASE_REPLICA_URL`` is set
(``core/db.py``, docs/scaling.md).

The end-to-end tests start a private primary (``initdb``, ``wal_level = replica``) and a hot
standby cloned from it with ``pg_basebackup -R``, both on loopback (``tests/pgcluster.py``):
CI's own server is left alone, since its ``pg_hba.conf`` admits no replication connections and a
base backup copies every database of a server (the benchmark databases run to gigabytes). Each
step runs in a process configured as a deployment is (``tests/production/replica_probe.py``),
the environment naming the primary and the replica. They show the dashboard served from the
replica (its connection is in recovery; with the replica's replay paused, a ticket filed on the
primary is missing from the dashboard until the replica replays it), the write path on the
primary, a report that must see its own write (a quality review generated inside a block of
replica reads) reading the primary, a write sent to the replica refused, and the dashboard
served by the primary when the replica is down. The rules of the router are tested in this process, without a server.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections

from core import db
from core.db import REPLICA, ReplicaRouter, primary_reads, read_alias, replica_reads
from customers.models import Organisation
from tests.pgcluster import bin_dir
from tests.production.replica import Desk

ROOT = Path(__file__).resolve().parents[2]
ON_POSTGRESQL = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
REPORT_TABLES_PREFIXES = ("tickets_", "emergency_", "maintenance_", "training_", "customers_", "reports_")
IDENTITY_TABLES = {"django_session", "accounts_user", "authtoken_token", "axes_accessattempt"}


# --- the router's rules, in this process ---------------------------------------------------------


@pytest.fixture
def replica_on(monkeypatch):
    """The rules as with a replica configured and reachable (no server is asked)."""
    monkeypatch.setattr(db, "replica_configured", lambda: True)
    monkeypatch.setattr(db, "_replica_usable", lambda: True)


def test_without_a_replica_url_there_is_one_database_and_every_read_goes_to_it():
    if os.environ.get("DATABASE_REPLICA_URL"):
        pytest.skip("this run has a replica configured")
    assert list(settings.DATABASES) == ["default"]
    assert settings.DATABASE_ROUTERS == []
    with replica_reads():
        assert read_alias(Organisation) == "default"


def test_inside_replica_reads_a_report_reads_the_replica_and_nothing_else_does(replica_on):
    from accounts.models import User
    from tickets.models import SLAClock

    router = ReplicaRouter()
    assert router.db_for_read(SLAClock) == "default"  # outside a block: the primary
    with replica_reads():
        assert router.db_for_read(SLAClock) == REPLICA
        assert read_alias() == REPLICA  # raw SQL takes its cursor from here
        assert router.db_for_read(User) == "default"  # who is asking: where it was written
        with primary_reads():
            assert router.db_for_read(SLAClock) == "default"
            with replica_reads():  # a report called inside primary_reads stays on the primary
                assert router.db_for_read(SLAClock) == "default"
        assert router.db_for_read(SLAClock) == REPLICA
    assert router.db_for_read(SLAClock) == "default"


def test_writes_go_to_the_primary_and_the_reads_after_them_too(replica_on):
    from tickets.models import Ticket

    router = ReplicaRouter()
    with replica_reads():
        assert router.db_for_read(Ticket) == REPLICA
        with primary_reads():
            assert router.db_for_write(Ticket) == "default"
        assert router.db_for_read(Ticket) == "default"  # the write inside holds for the block
    with replica_reads():
        assert router.db_for_read(Ticket) == REPLICA  # a new block starts on the replica


def test_inside_a_transaction_on_the_primary_reads_stay_there(replica_on, monkeypatch):
    from tickets.models import Ticket

    with replica_reads():
        monkeypatch.setattr(connections["default"], "in_atomic_block", True)
        assert read_alias(Ticket) == "default"


def test_the_replica_is_never_migrated():
    router = ReplicaRouter()
    assert router.allow_migrate("default", "tickets") is True
    assert router.allow_migrate(REPLICA, "tickets") is False


def settings_with(env: dict[str, str]) -> subprocess.CompletedProcess:
    script = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({'aliases': list(s.DATABASES), 'routers': s.DATABASE_ROUTERS, "
        "'replica': {k: s.DATABASES['replica'][k] for k in ('HOST', 'PORT', 'OPTIONS', 'TEST')}}))"
    )
    unset = ("DJANGO_SETTINGS_MODULE", "REDIS_URL", "SECRET_KEY", "DATABASE_URL", "DATABASE_REPLICA_URL")
    clean = {k: v for k, v in os.environ.items() if k not in unset}
    clean.update(env, DEBUG="true", DJANGO_SETTINGS_MODULE="servicedesk.settings")
    return subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=clean, capture_output=True, text=True)


def test_the_replica_url_adds_a_read_only_alias_and_the_router(tmp_path):
    result = settings_with(
        {
            "VAR_DIR": str(tmp_path),
            "DATABASE_URL": "postgres://desk:secret@db-primary.internal:5432/desk",
            "DATABASE_REPLICA_URL": "postgres://desk:secret@db-replica.internal:5433/desk",
        }
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["aliases"] == ["default", REPLICA]
    assert values["routers"] == ["core.db.ReplicaRouter"]
    replica = values["replica"]
    assert (replica["HOST"], replica["PORT"]) == ("db-replica.internal", 5433)
    assert replica["OPTIONS"]["options"] == "-c default_transaction_read_only=on"
    assert replica["TEST"]["MIRROR"] == "default"


def test_a_replica_of_sqlite_is_refused(tmp_path):
    result = settings_with({"VAR_DIR": str(tmp_path), "DATABASE_REPLICA_URL": "postgres://desk@replica:5432/desk"})
    assert result.returncode != 0
    assert "DATABASE_REPLICA_URL is a PostgreSQL streaming replica" in result.stderr


# --- a real primary and a real replica -----------------------------------------------------------


@pytest.fixture(scope="module")
def desk(tmp_path_factory):
    if bin_dir() is None:
        if ON_POSTGRESQL:
            pytest.fail("The replica test needs the PostgreSQL server's binaries (initdb, pg_ctl, pg_basebackup)")
        pytest.skip("needs the PostgreSQL server's binaries (initdb, pg_ctl, pg_basebackup); a SQLite run has none")
    desk = Desk(tmp_path_factory.mktemp("replica-desk"))
    try:
        desk.start()
        yield desk
    finally:
        desk.stop()


def report_queries(tables: list[str]) -> list[str]:
    return [table for table in tables if table.startswith(REPORT_TABLES_PREFIXES)]


@pytest.mark.slow
def test_the_dashboard_is_served_from_the_replica(desk):
    seen = desk.probe("dashboard")

    assert seen["servers"]["default"] == {"in_recovery": False, "port": desk.primary.port, "read_only": False}
    assert seen["servers"][REPLICA] == {"in_recovery": True, "port": desk.replica.port, "read_only": True}
    for request in ("page", "api"):
        assert seen[request]["status"] == 200
        queries = seen[request]["queries"]
        # every figure of the report from the replica; the primary only told who is asking
        assert len(report_queries(queries[REPLICA])) >= 8, queries
        assert set(queries["default"]) <= IDENTITY_TABLES, queries
    assert seen["backlog"] == seen["open_on_primary"] > 0


@pytest.mark.slow
def test_with_the_replica_behind_the_dashboard_shows_what_it_has_replayed(desk):
    before = desk.probe("dashboard")["backlog"]
    desk.replica.psql("SELECT pg_wal_replay_pause()")
    try:
        filed = desk.probe("file-ticket")
        lagging = desk.probe("dashboard")
    finally:
        desk.replica.psql("SELECT pg_wal_replay_resume()")
    desk.catch_up()
    caught_up = desk.probe("dashboard")

    # the write path: the API wrote the ticket on the primary and read nothing from the replica
    assert filed["status"] == 201
    assert filed["queries"][REPLICA] == []
    assert "tickets_ticket" in filed["queries"]["default"]
    # a report that must see its own write: before the write the block read the replica (the
    # new ticket not there yet); the quality review read its figures and wrote on the primary,
    # and the block read the primary from then on (the new ticket, the review just written)
    block = filed["block"]
    assert (block["seen_before_write"], block["seen_after_write"], block["review_seen"]) == (0, 1, True)
    assert block["queries"][REPLICA] == ["tickets_ticket"]
    assert "reports_qualityreview" in block["queries"]["default"]
    assert block["queries"]["default"][-2:] == ["tickets_ticket", "reports_qualityreview"]
    # the lagging replica serves the dashboard as of its last replayed moment
    assert lagging["open_on_primary"] == before + 1
    assert lagging["backlog"] == before
    assert caught_up["backlog"] == before + 1


@pytest.mark.slow
def test_a_write_on_the_replica_is_refused(desk):
    seen = desk.probe("write-replica")

    assert seen["refused"] is True
    assert "read-only transaction" in seen["error"]


@pytest.mark.slow
def test_with_the_replica_down_the_primary_serves_the_dashboard(desk):
    desk.replica.run("pg_ctl", "-D", str(desk.replica.data), "-m", "fast", "-w", "stop")
    try:
        seen = desk.run("-m", "tests.production.replica_probe", "dashboard-down")
    finally:
        desk.replica.start()
    document = json.loads(seen.stdout.splitlines()[-1])
    assert document["status"] == 200
    assert document["queries"][REPLICA] == []
    assert len(report_queries(document["queries"]["default"])) >= 8
    assert "The replica cannot be reached" in seen.stderr
