"""Imports: 10,000-row files of organisations, projects, contacts, assets, warranties and open
tickets through ``manage.py import_data``, against the bare SQL ``COPY`` of the same rows.

    python bench/imports.py [--rows 10000] [--runs 3] [--database servicedesk_bench_imports]

On a PostgreSQL database of its own (created, migrated and given the demo desk): each run of a
kind imports a new file of ``--rows`` rows (new keys every run, so every row is new), then the
same file again (every row unchanged); the medians over ``--runs`` runs and rows per second are
printed. The floor: ``COPY`` of the same rows into the kind's table in a transaction rolled back
(what PostgreSQL alone needs, with no check, no history and no clocks). Figures: docs/benchmarks.md.
"""

import argparse
import csv
import datetime
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import PYTHON, ROOT, Bench

KINDS = ["organisations", "projects", "contacts", "assets", "warranties", "tickets"]


def django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servicedesk.settings")
    import django

    django.setup()


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out).writerows(rows)
    return out.getvalue().encode()


def make_file(kind: str, run: int, rows: int) -> tuple[bytes, list[list[str]]]:
    """The file of one run: its own keys (``r<run>-…``), on the bench's base rows."""
    p = f"r{run}"
    start = (datetime.date(2000, 1, 1) + datetime.timedelta(days=run % 9000)).isoformat()
    if kind == "organisations":
        body = [[f"{p}-org-{n}", f"Organisation {p} {n}", f"+86 21 5555 {n:04d}"] for n in range(rows)]
        header = ["code", "name", "phone"]
    elif kind == "projects":
        body = [[f"{p}-prj-{n}", f"bench-org-{n % 100}", f"Project {p} {n}", "2025-06-30"] for n in range(rows)]
        header = ["code", "organisation", "name", "final_acceptance_date"]
    elif kind == "contacts":
        body = [[f"{p}-user-{n}", f"{p}.user{n}@bench.example", f"bench-org-{n % 100}", "Wei"] for n in range(rows)]
        header = ["username", "email", "organisation", "first_name"]
    elif kind == "assets":
        body = [
            [f"bench-prj-{n % 100}", f"{p}-SN-{n:06d}", "RTU-500", "2.4", "2025-05-20", "2025-06-30"]
            for n in range(rows)
        ]
        header = ["project", "serial_number", "name", "version", "installed_on", "accepted_on"]
    elif kind == "warranties":
        body = [
            # a new start date per run: a new warranty of the same assets
            [f"bench-prj-{n % 100}", f"BASE-SN-{n:06d}", "Bench warranty", start]
            for n in range(rows)
        ]
        header = ["project", "asset_serial", "terms", "start_date"]
    else:
        body = [
            [f"{p}-OLD-{n}", f"bench-prj-{n % 100}", f"Fault {n}", "Controller offline", "2026-01-05 09:30", "high"]
            for n in range(rows)
        ]
        header = ["reference", "project", "title", "description", "received_at", "priority"]
    return _csv([header, *body]), body


def base(rows: int) -> None:
    """100 organisations and projects, ``rows`` assets with serials for the warranties, the terms."""
    from customers.models import InstalledProduct, Organisation, Project
    from maintenance.models import WarrantyTerms

    if Organisation.objects.filter(code="bench-org-0").exists():
        return
    orgs = Organisation.objects.bulk_create(
        [Organisation(code=f"bench-org-{n}", name=f"Bench organisation {n}") for n in range(100)]
    )
    projects = Project.objects.bulk_create(
        [
            Project(code=f"bench-prj-{n}", organisation=orgs[n], name=f"Bench project {n}", is_active=True)
            for n in range(100)
        ]
    )
    InstalledProduct.objects.bulk_create(
        [
            InstalledProduct(project=projects[n % 100], name="Base", serial_number=f"BASE-SN-{n:06d}")
            for n in range(rows)
        ]
    )
    WarrantyTerms.objects.get_or_create(name="Bench warranty", defaults={"duration_months": 24})


COPY = {
    "organisations": (
        "customers_organisation",
        ["created_at", "updated_at", "code", "name", "phone", "address", "email", "notes", "is_active"],
        lambda row, now: [now, now, row[0], row[1], row[2], "", "", "", "t"],
    ),
    "assets": (
        "customers_installedproduct",
        ["created_at", "updated_at", "project_id", "serial_number", "name", "version", "quantity", "notes", "location"],
        lambda row, now, ids=None: [now, now, ids[row[0]], row[1], row[2], row[3], 1, "", ""],
    ),
    "contacts": (
        "accounts_user",
        [
            "password",
            "is_superuser",
            "username",
            "first_name",
            "last_name",
            "email",
            "is_staff",
            "is_active",
            "date_joined",
            "role",
            "organisation_id",
            "phone",
            "job_title",
            "time_zone",
            "language",
        ],
        lambda row, now, ids=None: [
            "!",
            "f",
            row[0],
            row[3],
            "",
            row[1],
            "f",
            "t",
            now,
            "customer",
            ids[row[2]],
            "",
            "",
            "",
            "",
        ],
    ),
}


def copy_floor(kind: str, body: list[list[str]]) -> float | None:
    """Seconds for PostgreSQL to ``COPY`` the rows into the kind's table (rolled back)."""
    if kind not in COPY:
        return None
    from django.db import connection, transaction
    from django.utils import timezone

    from customers.models import Organisation, Project

    table, columns, make = COPY[kind]
    ids = dict(Project.objects.values_list("code", "id")) if kind == "assets" else None
    if kind == "contacts":
        ids = dict(Organisation.objects.values_list("code", "id"))
    now = timezone.now().isoformat()
    started = time.perf_counter()
    with transaction.atomic():
        out = io.StringIO(newline="")
        writer = csv.writer(out)
        for row in body:
            writer.writerow(make(row, now) if ids is None else make(row, now, ids))
        out.seek(0)
        with connection.cursor() as cursor:
            cursor.cursor.copy_expert(
                f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')", out
            )
        elapsed = time.perf_counter() - started
        transaction.set_rollback(True)
    return elapsed


def measure(rows: int, runs: int, kinds: list[str]) -> dict:
    from django.core.management import call_command

    base(rows)
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as folder:
        for kind in kinds:
            new, again, floor = [], [], []
            for run in range(runs):
                # new keys on every run (and every invocation on the same database)
                content, body = make_file(kind, int(time.time()) % 100_000 * 10 + run, rows)
                path = Path(folder) / f"{kind}-{run}.csv"
                path.write_bytes(content)
                if (seconds := copy_floor(kind, body)) is not None:  # before: the same keys, rolled back
                    floor.append(seconds)
                started = time.perf_counter()
                call_command("import_data", kind, str(path), "--show", "1", stdout=io.StringIO())
                new.append(time.perf_counter() - started)
                started = time.perf_counter()
                call_command("import_data", kind, str(path), "--show", "1", stdout=io.StringIO())
                again.append(time.perf_counter() - started)
            results[kind] = {"new": new, "unchanged": again, "copy": floor}
    return results


def child(args: argparse.Namespace) -> None:
    django_setup()
    print(json.dumps(measure(args.rows, args.runs, args.kinds)))


def report(result: dict, rows: int, runs: int) -> None:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout
    print(f"imports of {rows:,} rows, median of {runs} runs, commit {commit.strip()}")
    print(f"{'kind':<14}{'new (s)':>10}{'rows/s':>10}{'unchanged (s)':>15}{'rows/s':>10}{'COPY (s)':>10}")
    for kind, times in result.items():
        new, again = statistics.median(times["new"]), statistics.median(times["unchanged"])
        floor = f"{statistics.median(times['copy']):.2f}" if times["copy"] else "—"
        print(f"{kind:<14}{new:>10.2f}{rows / new:>10,.0f}{again:>15.2f}{rows / again:>10,.0f}{floor:>10}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--kinds", nargs="+", default=KINDS, choices=KINDS)
    parser.add_argument("--database", default="servicedesk_bench_imports")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    bench = Bench(args.database, 8090)
    if bench.psql(f"SELECT 1 FROM pg_database WHERE datname='{args.database}'") != "1":
        bench.psql(f"CREATE DATABASE {args.database}")
    bench.sh(PYTHON, "manage.py", "migrate", "--noinput")
    bench.sh(PYTHON, "manage.py", "seed_demo")
    options = ["--rows", str(args.rows), "--runs", str(args.runs), "--kinds", *args.kinds]
    process = subprocess.run(
        [PYTHON, str(Path(__file__).resolve()), "--child", *options],
        cwd=ROOT,
        env=bench.env,
        capture_output=True,
        text=True,
    )
    if process.returncode:
        raise SystemExit(f"the measurement failed:\n{process.stderr[-4000:]}")
    report(json.loads(process.stdout.strip().splitlines()[-1]), args.rows, args.runs)


if __name__ == "__main__":
    main()
