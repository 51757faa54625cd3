"""Load and fault benchmark: N concurrent clients mixing portal pages, staff pages and API
calls against gunicorn on PostgreSQL, with optional faults (PostgreSQL and Redis restarted
under load). Prints count, errors, median and p95 per endpoint, and after a fault run checks
that no acknowledged write was lost or doubled.

    make bench-load                      # 50 clients, 60 s, no faults
    make bench-faults                    # the same with PostgreSQL and Redis restarted

Needs the machine's PostgreSQL (127.0.0.1:5432, user postgres) and Redis (127.0.0.1:6379).
It uses a database of its own, ``servicedesk_bench``, and Redis database 13; traffic goes to
127.0.0.1 only, and every loop is bounded in time.
"""

import argparse
import os
import random
import re
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import defaultdict
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import PASSWORD, Bench, percentile, stop

BENCH = Bench("servicedesk_bench", 8100)
BASE = BENCH.base
COUNT_ORGANISATIONS = "from customers.models import Organisation; print(Organisation.objects.count())"


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.error_samples: list[str] = []
        self.acknowledged: set[str] = set()  # codes of organisations the API confirmed created

    def record(self, label: str, seconds: float, ok: bool, detail: str = "") -> None:
        with self.lock:
            self.times[label].append(seconds)
            if not ok:
                self.errors[label] += 1
                if len(self.error_samples) < 10:
                    self.error_samples.append(f"{label}: {detail}")


def page_session(username: str) -> requests.Session:
    session = requests.Session()
    session.get(f"{BASE}/accounts/login/", timeout=10)
    response = session.post(
        f"{BASE}/accounts/login/",
        data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": session.cookies["csrftoken"]},
        headers={"Referer": f"{BASE}/accounts/login/"},
        timeout=10,
        allow_redirects=False,
    )
    assert response.status_code == 302, (username, response.status_code)
    return session


def api_session(username: str) -> requests.Session:
    session = requests.Session()
    token = session.post(f"{BASE}/api/v1/auth/token/", json={"username": username, "password": PASSWORD}, timeout=10)
    session.headers["Authorization"] = f"Token {token.json()['token']}"
    return session


def timed(stats: Stats, label: str, call, expect=(200,)) -> requests.Response | None:
    started = time.perf_counter()
    try:
        response = call()
    except requests.RequestException as error:
        stats.record(label, time.perf_counter() - started, False, type(error).__name__)
        return None
    stats.record(label, time.perf_counter() - started, response.status_code in expect, str(response.status_code))
    return response


def create_organisation(stats: Stats, session: requests.Session, stop_at: float) -> None:
    """A write that must land exactly once: retried until a definitive answer."""
    code = f"bench-{uuid.uuid4().hex[:12]}"
    payload = {"name": f"Bench {code}", "code": code}
    while time.monotonic() < stop_at + 30:
        response = timed(
            stats,
            "API POST organisation",
            lambda: session.post(f"{BASE}/api/v1/organisations/", json=payload, timeout=10),
            expect=(201,),
        )
        if response is not None and response.status_code == 201:
            break
        if response is not None and response.status_code == 400 and "code" in response.json().get("errors", {}):
            break  # an earlier attempt landed; its answer was lost on the way
        time.sleep(0.5)
    else:
        return
    with stats.lock:
        stats.acknowledged.add(code)


def client(stats: Stats, index: int, stop_at: float, project_ids: list[int]) -> None:
    rng = random.Random(index)
    persona = ["alice", "bob", "engineer", "manager", "engineer"][index % 5]
    try:
        pages = page_session(persona)
        api = api_session(persona)
    except Exception as error:
        stats.record("login", 0.0, False, repr(error))
        return
    while time.monotonic() < stop_at:
        choice = rng.random()
        if choice < 0.25:
            timed(stats, "page home", lambda: pages.get(f"{BASE}/", timeout=10))
        elif choice < 0.40:
            timed(stats, "page project list", lambda: pages.get(f"{BASE}/projects/", timeout=10))
        elif choice < 0.55:
            project = rng.choice(project_ids)
            timed(
                stats,
                "page project detail",
                lambda p=project: pages.get(f"{BASE}/projects/{p}/", timeout=10),
                expect=(200, 404),
            )
        elif choice < 0.65 and persona in {"engineer", "manager"}:
            timed(stats, "page organisation list", lambda: pages.get(f"{BASE}/organisations/", timeout=10))
        elif choice < 0.85:
            timed(stats, "API GET projects", lambda: api.get(f"{BASE}/api/v1/projects/", timeout=10))
        elif choice < 0.97:
            project = rng.choice(project_ids)
            timed(
                stats,
                "API GET project",
                lambda p=project: api.get(f"{BASE}/api/v1/projects/{p}/", timeout=10),
                expect=(200, 404),
            )
        elif persona == "manager":
            create_organisation(stats, api, stop_at)
        else:
            timed(stats, "API GET me", lambda: api.get(f"{BASE}/api/v1/me/", timeout=10))


def restart_postgres() -> None:
    version = os.listdir("/etc/postgresql")[0]
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart", "-m", "fast"], check=True)


def restart_redis() -> None:
    subprocess.run(["redis-cli", "-h", "127.0.0.1", "shutdown", "nosave"], check=False, capture_output=True)
    time.sleep(1)
    subprocess.run(
        [
            "redis-server",
            "--daemonize",
            "yes",
            "--bind",
            "127.0.0.1",
            "--port",
            "6379",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        check=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=5, help="gunicorn workers")
    parser.add_argument("--projects", type=int, default=200, help="extra projects generated")
    parser.add_argument("--faults", action="store_true", help="restart PostgreSQL and Redis under load")
    args = parser.parse_args()

    BENCH.prepare(args.projects)
    server = BENCH.start_gunicorn(args.workers)
    try:
        ids = BENCH.django_print(
            "from customers.models import Project; print(list(Project.objects.values_list('pk', flat=True)))"
        )
        project_ids = [int(x) for x in re.findall(r"\d+", ids)]
        before = int(BENCH.django_print(COUNT_ORGANISATIONS))
        stats = Stats()
        stop_at = time.monotonic() + args.seconds
        threads = [threading.Thread(target=client, args=(stats, i, stop_at, project_ids)) for i in range(args.clients)]
        for thread in threads:
            thread.start()
        faults = []
        if args.faults:
            time.sleep(args.seconds * 0.3)
            restart_postgres()
            faults.append(f"PostgreSQL restarted at {args.seconds * 0.3:.0f} s")
            time.sleep(args.seconds * 0.3)
            restart_redis()
            faults.append(f"Redis restarted at {args.seconds * 0.6:.0f} s")
        for thread in threads:
            thread.join(timeout=args.seconds + 90)
        healthy = requests.get(f"{BASE}/healthz", timeout=10).json()
    finally:
        stop(server)

    print(f"\n{args.clients} clients, {args.seconds} s, gunicorn {args.workers} workers, PostgreSQL + Redis")
    for fault in faults:
        print(f"  fault: {fault}")
    print(f"{'endpoint':<26}{'requests':>9}{'errors':>8}{'median ms':>11}{'p95 ms':>9}")
    total = 0
    for label in sorted(stats.times):
        values = stats.times[label]
        total += len(values)
        print(
            f"{label:<26}{len(values):>9}{stats.errors[label]:>8}"
            f"{statistics.median(values) * 1000:>11.1f}{percentile(values, 0.95) * 1000:>9.1f}"
        )
    print(f"{'all':<26}{total:>9}{sum(stats.errors.values()):>8}   ({total / args.seconds:.0f} requests/s)")
    for sample in stats.error_samples:
        print(f"  error: {sample}")
    print(f"health after the run: {healthy}")

    codes = BENCH.django_print(
        "from customers.models import Organisation; "
        "print(' '.join(Organisation.objects.filter(code__startswith='bench-').values_list('code', flat=True)))"
    ).split()
    after = int(BENCH.django_print(COUNT_ORGANISATIONS))
    lost = stats.acknowledged - set(codes)
    doubled = len(codes) - len(set(codes))
    added = after - before
    print(f"writes acknowledged: {len(stats.acknowledged)}, rows added: {added}, lost: {len(lost)}, doubled: {doubled}")
    if lost or doubled or added < len(stats.acknowledged):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
