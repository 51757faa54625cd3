"""The reports on a PostgreSQL streaming replica: how far behind the primary the replica is
while tickets are filed as fast as the machine allows, and what reading the dashboard from the
replica costs against reading it from the primary.

Starts a private primary (``initdb``; ``fsync``, ``synchronous_commit`` and
``full_page_writes`` on, as in production) and a hot standby made from it by
``pg_basebackup -R``, both on loopback on the same machine (``tests/production/replica.py``:
the desk migrated and seeded with the demo data), then, in a process configured with
``DATABASE_URL`` and ``DATABASE_REPLICA_URL`` (``DEBUG`` off):

1. for each number of writer threads, ``--seconds`` of ``POST /api/v1/tickets/`` through
   Django's test client as the manager (each ticket with its clocks and acknowledgement, the
   filesystem broker); after each answer the writer polls the replica (its own psycopg2
   connection, every 0.5 ms) until the new ticket is there: **the time from the API's answer to
   the row on the replica**. Meanwhile the primary's ``pg_stat_replication`` is sampled every
   100 ms (``replay_lag``, bytes of WAL not yet replayed);
2. ``GET /api/v1/reports/dashboard/`` ``--runs`` times from the replica and from the primary
   (``core.db.primary_reads``), taking turns, on the data of step 1.

Both servers share the machine's cores, so this measures the lag and the routing, not the
capacity a replica on its own machine adds.

    make bench-replica
    python bench/replica.py --seconds 10 --writers 1,4 --runs 5    # shorter
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def quantile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")


# --- inside the deployed process ---------------------------------------------------------------


def inner(seconds: float, writers: list[int], runs: int) -> dict:
    import threading
    import time

    import django

    sys.path.insert(0, str(ROOT))
    django.setup()
    import psycopg2
    from django.db import connections
    from django.test import Client

    from accounts.models import User
    from core.db import primary_reads
    from customers.models import Project

    replica_dsn = os.environ["DATABASE_REPLICA_URL"]
    primary_dsn = os.environ["DATABASE_URL"]
    manager = User.objects.get(username="manager")
    project = Project.objects.filter(organisation__is_active=True).order_by("pk").first()
    payload = {"project": project.pk, "title": "Replica bench", "description": "Filed by bench/replica.py."}

    def client() -> Client:
        c = Client()
        c.force_login(manager)
        return c

    results = {"writes": [], "dashboard": {}}
    for count in writers:
        delays: list[float] = []
        samples: list[tuple[float | None, int]] = []
        stop = threading.Event()
        errors: list[str] = []

        def write(delays=delays, stop=stop, errors=errors) -> None:
            c = client()
            replica = psycopg2.connect(replica_dsn)
            replica.autocommit = True
            cursor = replica.cursor()
            try:
                while not stop.is_set():
                    response = c.post("/api/v1/tickets/", payload, content_type="application/json")
                    answered = time.perf_counter()
                    if response.status_code != 201:
                        errors.append(f"{response.status_code} {response.content[:200]!r}")
                        continue
                    ticket_id = response.json()["id"]
                    while True:
                        cursor.execute("SELECT 1 FROM tickets_ticket WHERE id = %s", [ticket_id])
                        if cursor.fetchone():
                            break
                        time.sleep(0.0005)
                    delays.append((time.perf_counter() - answered) * 1000)
            finally:
                replica.close()
                for connection in connections.all():
                    connection.close()

        def sample(samples=samples, stop=stop) -> None:
            primary = psycopg2.connect(primary_dsn)
            primary.autocommit = True
            cursor = primary.cursor()
            while not stop.is_set():
                cursor.execute(
                    "SELECT EXTRACT(epoch FROM replay_lag) * 1000,"
                    " pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn) FROM pg_stat_replication"
                )
                row = cursor.fetchone()
                if row:
                    samples.append((float(row[0]) if row[0] is not None else None, int(row[1] or 0)))
                time.sleep(0.1)
            primary.close()

        threads = [threading.Thread(target=write) for _ in range(count)] + [threading.Thread(target=sample)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        time.sleep(seconds)
        stop.set()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        lags = [lag for lag, _bytes in samples if lag is not None]
        results["writes"].append(
            {
                "writers": count,
                "tickets": len(delays),
                "per_second": len(delays) / elapsed,
                "errors": errors[:3],
                "visible_median_ms": statistics.median(delays) if delays else None,
                "visible_p99_ms": quantile(delays, 0.99),
                "visible_max_ms": max(delays) if delays else None,
                "replay_lag_median_ms": statistics.median(lags) if lags else None,
                "replay_lag_max_ms": max(lags) if lags else None,
                "behind_max_bytes": max((b for _lag, b in samples), default=0),
            }
        )

    c = client()
    times = {"replica": [], "primary": []}
    served = {}
    for run in range(runs + 2):
        for where in ("replica", "primary"):
            start = time.perf_counter()
            if where == "primary":
                with primary_reads():
                    response = c.get("/api/v1/reports/dashboard/")
            else:
                response = c.get("/api/v1/reports/dashboard/")
            took = (time.perf_counter() - start) * 1000
            assert response.status_code == 200, response.content[:300]
            served[where] = sum(row["total"] for row in response.json()["backlog"])
            if run >= 2:  # warm-ups
                times[where].append(took)
    results["dashboard"] = {
        where: {"median_ms": statistics.median(values), "p95_ms": quantile(values, 0.95), "backlog": served[where]}
        for where, values in times.items()
    }
    return results


# --- the driver --------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20, help="of filing tickets per writer count")
    parser.add_argument("--writers", default="1,4", help="writer threads, one phase per number")
    parser.add_argument("--runs", type=int, default=15, help="dashboard requests per side")
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    writers = [int(n) for n in args.writers.split(",")]
    if args.inner:
        print(json.dumps(inner(args.seconds, writers, args.runs)))
        return

    sys.path.insert(0, str(ROOT))
    from tests.production.replica import Desk

    durable = {"fsync": "on", "synchronous_commit": "on", "full_page_writes": "on"}
    root = Path(tempfile.mkdtemp(prefix="bench-replica-"))
    desk = Desk(root, primary_settings=durable)
    try:
        print("starting the primary, migrating, seeding, cloning the replica ...", flush=True)
        desk.start()
        env = {
            **desk.env(),
            "DEBUG": "false",
            "SECRET_KEY": "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
            "SECURE_SSL_REDIRECT": "false",
            "SESSION_COOKIE_SECURE": "false",
            "CSRF_COOKIE_SECURE": "false",
            "SECURE_HSTS_SECONDS": "0",
            "LOG_LEVEL": "ERROR",
        }
        result = subprocess.run(
            [
                sys.executable,
                "bench/replica.py",
                "--inner",
                *("--seconds", str(args.seconds)),
                *("--writers", args.writers, "--runs", str(args.runs)),
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            sys.exit(result.stderr[-5000:])
        figures = json.loads(result.stdout.splitlines()[-1])
    finally:
        desk.stop()
        shutil.rmtree(root, ignore_errors=True)

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    print(f"\ncommit {commit.stdout.strip()} (plus the working tree), load average {os.getloadavg()}")
    print()
    print(
        "| writers | tickets/s | answer → on the replica: median ms | p99 ms | max ms "
        "| replay_lag median ms | max ms | WAL behind, max bytes |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for row in figures["writes"]:
        print(
            f"| {row['writers']} | {row['per_second']:.1f} | {row['visible_median_ms']:.2f} "
            f"| {row['visible_p99_ms']:.2f} | {row['visible_max_ms']:.2f} "
            f"| {row['replay_lag_median_ms'] or 0:.2f} | {row['replay_lag_max_ms'] or 0:.2f} "
            f"| {row['behind_max_bytes']:,} |"
        )
        if row["errors"]:
            print("  errors:", row["errors"])
    dashboard = figures["dashboard"]
    print()
    print("| `GET /api/v1/reports/dashboard/` read from | median ms | p95 ms | backlog |")
    print("| --- | ---: | ---: | ---: |")
    for where in ("replica", "primary"):
        d = dashboard[where]
        print(f"| {where} | {d['median_ms']:.1f} | {d['p95_ms']:.1f} | {d['backlog']} |")
    ratio = dashboard["replica"]["median_ms"] / dashboard["primary"]["median_ms"]
    print(f"\nreplica / primary: {ratio:.2f}x")


if __name__ == "__main__":
    main()
