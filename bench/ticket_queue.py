"""The ticket queue at scale: 1,000,000 tickets (2,000,000 SLA clocks) on PostgreSQL.

Builds the data set with set-based SQL (a minute or two, once), then prints
- the queue API endpoint's median and p95 latency through gunicorn (one client, sequential),
- the queue page's median and p95 latency,
- the bare SQL of the same page (every query the endpoint runs, replayed with psycopg2),
- the ratio between them, and the PostgreSQL plan of the page query (index scans).

    make bench-queue                          # 1,000,000 tickets
    python bench/ticket_queue.py --tickets 200000    # smaller
"""

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import psycopg2
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import PASSWORD, Bench, percentile, stop

BENCH = Bench("servicedesk_bench_queue", 8101)
BENCH.env["ALLOWED_HOSTS"] = "127.0.0.1,testserver"
OPEN = "status=new&status=acknowledged&status=in_progress&status=waiting_on_customer"
API_PATH = f"/api/v1/tickets/?{OPEN}&page_size=50"
PAGE_PATH = "/tickets/"

GENERATE = """
WITH projects AS (SELECT row_number() OVER (ORDER BY id) - 1 AS n, id, organisation_id FROM customers_project),
     total AS (SELECT count(*) AS c FROM customers_project)
INSERT INTO tickets_ticket (reference, organisation_id, project_id, reporter_id, channel, category, priority, status,
    title, description, location, impact, measures_taken, received_at, next_due_at, assignee_id, rating_comment,
    cc, email_thread, created_at, updated_at)
SELECT 'BN-' || lpad(g::text, 8, '0'), p.organisation_id, p.id, {reporter}, 'portal', 'fault',
    (ARRAY['low', 'normal', 'high', 'urgent'])[1 + g % 4],
    CASE WHEN g % 20 = 0 THEN (ARRAY['new', 'acknowledged', 'in_progress', 'waiting_on_customer'])[1 + (g / 20) % 4]
         ELSE 'closed' END,
    'Generated fault ' || g, 'generated', '', '', '',
    now() - (g % 525600) * interval '1 minute',
    CASE WHEN g % 20 = 0 AND (g / 20) % 4 <> 3 THEN now() + ((g % 10000) - 2000) * interval '1 minute' END,
    CASE WHEN g % 3 = 0 THEN {engineer} END, '', '[]'::jsonb, '', now(), now()
FROM generate_series({start}, {stop}) AS g JOIN projects p ON p.n = g % (SELECT c FROM total)
"""

GENERATE_CLOCKS = """
INSERT INTO tickets_slaclock (ticket_id, metric, target_minutes, calendar_id, started_at, due_at, paused_at,
    paused_seconds, stopped_at, breached_at, version, escalation_position)
SELECT t.id, m.metric, 240, {calendar}, t.received_at,
    COALESCE(t.next_due_at, t.received_at + interval '4 hours'),
    CASE WHEN t.status = 'waiting_on_customer' AND m.metric = 'resolution' THEN now() END, 0,
    CASE WHEN t.status = 'closed' OR (m.metric = 'first_response' AND t.status <> 'new')
         THEN t.received_at + interval '2 hours' END,
    NULL, 1, 0
FROM tickets_ticket t CROSS JOIN (VALUES ('first_response'), ('resolution')) AS m(metric)
WHERE t.reference LIKE 'BN-%%' AND t.id > {after}
"""


def build(tickets: int) -> None:
    have = int(BENCH.psql("SELECT count(*) FROM tickets_ticket WHERE reference LIKE 'BN-%'", BENCH.db_name))
    if have >= tickets:
        print(f"{have} generated tickets already there")
        return
    ids = json.loads(
        BENCH.django_print(
            "import json; from accounts.models import User; from tickets.models import BusinessCalendar; "
            "print(json.dumps([User.objects.get(username='alice').pk, User.objects.get(username='engineer').pk, "
            "BusinessCalendar.objects.get(name='24x7').pk]))"
        )
        .strip()
        .splitlines()[-1]
    )
    reporter, engineer, calendar = ids
    started = time.monotonic()
    with psycopg2.connect(BENCH.database_url) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(max(id), 0) FROM tickets_ticket")
        after = cursor.fetchone()[0]
        step = 250_000
        for start in range(have + 1, tickets + 1, step):
            cursor.execute(
                GENERATE.format(reporter=reporter, engineer=engineer, start=start, stop=min(tickets, start + step - 1))
            )
            connection.commit()
        cursor.execute(GENERATE_CLOCKS.format(calendar=calendar, after=after))
        connection.commit()
    print(f"generated {tickets - have} tickets with their clocks in {time.monotonic() - started:.0f} s")


def timed_get(session: requests.Session, path: str, runs: int) -> list[float]:
    for _ in range(5):  # warm-up
        session.get(BENCH.base + path, timeout=60).raise_for_status()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        session.get(BENCH.base + path, timeout=60).raise_for_status()
        times.append(time.perf_counter() - started)
    return times


CAPTURE = """
import json
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.db import connection
from accounts.models import User
client = Client()
client.force_login(User.objects.get(username="manager"))
client.get("{path}")
with CaptureQueriesContext(connection) as queries:
    assert client.get("{path}").status_code == 200
print(json.dumps([q["sql"] for q in queries.captured_queries]))
"""


def captured_sql(path: str) -> list[str]:
    """Every query the endpoint runs for one page, as PostgreSQL received it."""
    lines = BENCH.django_print(CAPTURE.format(path=path)).strip().splitlines()
    queries = json.loads(lines[-1])
    # session and auth bookkeeping of the test client are not the page's work
    return [q for q in queries if "django_session" not in q and "axes_" not in q]


def replay(queries: list[str], runs: int) -> list[float]:
    times = []
    with psycopg2.connect(BENCH.database_url) as connection, connection.cursor() as cursor:
        for _ in range(runs + 5):
            started = time.perf_counter()
            for query in queries:
                cursor.execute(query)
                cursor.fetchall()
            times.append(time.perf_counter() - started)
    return times[5:]


def explain(query: str) -> list[str]:
    with psycopg2.connect(BENCH.database_url) as connection, connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) " + query)
        return [row[0] for row in cursor.fetchall()]


def report(label: str, times: list[float]) -> float:
    median = statistics.median(times) * 1000
    print(f"  {label:<48} median {median:8.2f} ms   p95 {percentile(times, 0.95) * 1000:8.2f} ms")
    return median


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=100)
    args = parser.parse_args()

    BENCH.prepare(extra_projects=200)
    build(args.tickets)
    connection = psycopg2.connect(BENCH.database_url)
    connection.autocommit = True
    connection.cursor().execute("VACUUM ANALYZE")
    connection.close()
    counts = BENCH.psql(
        "SELECT count(*), count(*) FILTER (WHERE status <> 'closed') FROM tickets_ticket", BENCH.db_name
    ).split("|")
    clocks = BENCH.psql("SELECT count(*) FROM tickets_slaclock", BENCH.db_name)
    print(f"{counts[0]} tickets ({counts[1]} open), {clocks} SLA clocks")

    queries = captured_sql(API_PATH)
    server = BENCH.start_gunicorn(workers=2)
    try:
        api = requests.Session()
        token = api.post(BENCH.base + "/api/v1/auth/token/", json={"username": "manager", "password": PASSWORD}).json()
        api.headers["Authorization"] = f"Token {token['token']}"
        page = requests.Session()
        page.get(BENCH.base + "/accounts/login/")
        page.post(
            BENCH.base + "/accounts/login/",
            data={"username": "engineer", "password": PASSWORD, "csrfmiddlewaretoken": page.cookies["csrftoken"]},
            headers={"Referer": BENCH.base + "/accounts/login/"},
        )
        print(f"\nqueue, 50 per page, nearest due first ({args.runs} runs each):")
        endpoint = report(f"GET {API_PATH[:40]}...", timed_get(api, API_PATH, args.runs))
        report(f"GET {PAGE_PATH} (engineer's queue page)", timed_get(page, PAGE_PATH, args.runs))
    finally:
        stop(server)
    bare = report(f"bare SQL of the endpoint ({len(queries)} queries)", replay(queries, args.runs))
    page_query = next(q for q in queries if "ORDER BY" in q and "LIMIT" in q and "tickets_ticket" in q)
    report("bare SQL of the page query alone", replay([page_query], args.runs))
    print(f"  endpoint / bare SQL: {endpoint / bare:.1f}x")
    print("\nplan of the page query:")
    for line in explain(page_query):
        print("  " + line)


if __name__ == "__main__":
    main()
