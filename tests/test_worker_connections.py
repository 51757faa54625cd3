"""A real worker keeps its PostgreSQL connection across tasks (one backend for many tasks, not
one each) and recovers by itself when that PostgreSQL restarts: the next task runs. The server
is a private cluster (tests/pgcluster.py), so restarting it disturbs no other test."""

import os
import subprocess

import pytest
from django.core.cache.backends.redis import RedisCache
from django.db import connection

from tests.pgcluster import Cluster, bin_dir, pg_cluster  # noqa: F401 (the fixture)
from tests.workers import sender_for, start_worker, stop_worker, wait_for, worker_env
from tickets.deadlines import HORIZON_KEY

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="the worker reports through Redis"),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL sessions"),
]
N = 20


def schema_into(cluster: Cluster, dbname: str) -> None:
    """The test database's schema (migrated by pytest-django) in a database of the cluster."""
    db = connection.settings_dict
    dump = subprocess.run(
        [
            str(bin_dir() / "pg_dump"),
            "--schema-only",
            "--no-owner",
            "-h",
            db["HOST"] or "127.0.0.1",
            "-p",
            str(db["PORT"] or 5432),
            "-U",
            db["USER"],
            db["NAME"],
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    cluster.psql(f"CREATE DATABASE {dbname}")
    subprocess.run(
        [
            str(bin_dir() / "psql"),
            "-X",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            "127.0.0.1",
            "-p",
            str(cluster.port),
            "-U",
            cluster.user,
            "-d",
            dbname,
        ],
        input=dump,
        check=True,
        capture_output=True,
        text=True,
    )


def backends(cluster: Cluster, dbname: str) -> set[int]:
    """The PostgreSQL sessions open on the database now."""
    rows = cluster.psql(f"SELECT pid FROM pg_stat_activity WHERE datname = '{dbname}'")  # noqa: S608
    return {int(pid) for pid in rows.split()}


def test_the_worker_keeps_one_connection_and_survives_a_postgresql_restart(
    tmp_path,
    transactional_db,
    pg_cluster,  # noqa: F811
):
    schema_into(pg_cluster, "desk")
    env = worker_env(tmp_path / "var", redis_db=11, DATABASE_URL=pg_cluster.url("desk"), EMAIL_URL="consolemail://")
    sender = sender_for(env)
    cache = RedisCache(env["REDIS_URL"], {})
    log_path = tmp_path / "worker.log"

    def watchdog_runs() -> bool:
        """The watchdog reads the clocks (the database) and then marks its horizon (Redis)."""
        cache.delete(HORIZON_KEY)
        sender.send_task("tickets.tasks.watchdog", queue="urgent")
        return wait_for(lambda: cache.get(HORIZON_KEY) is not None, timeout=60)

    with open(log_path, "w") as log:
        worker = start_worker(env, concurrency=1, log=log)
        try:
            assert watchdog_runs(), "the worker never ran a task:\n" + log_path.read_text()[-3000:]
            seen = []
            for _ in range(N):
                assert watchdog_runs()
                seen.append(backends(pg_cluster, "desk"))
            # one backend, the same one, open between the tasks: the connection is kept
            assert all(len(pids) == 1 for pids in seen), seen
            assert len(set().union(*seen)) == 1, f"{len(set().union(*seen))} PostgreSQL sessions for {N} tasks"

            pg_cluster.restart()  # every session ends: the worker's connection is broken
            assert watchdog_runs(), "the first task after the restart failed:\n" + log_path.read_text()[-3000:]
            assert watchdog_runs()
            assert len(backends(pg_cluster, "desk")) == 1
        finally:
            stop_worker(worker)
    assert "Traceback" not in log_path.read_text(), log_path.read_text()[-3000:]
