"""Side by side with django-helpdesk 2.6.1, on the same PostgreSQL, the same tickets, in one run.

django-helpdesk is installed by this script into its own virtual environment
(var/bench/helpdesk-venv), with a minimal Django project generated into var/bench/helpdesk-site
and its own database (servicedesk_bench_peer_helpdesk); the service desk uses
servicedesk_bench_peer. Both are filled by set-based SQL in their own schemas with the same
tickets: the same count, 40 % open, one queue per project, a third assigned, and the same
number due (28.5 % of all tickets: received two days ago, past django-helpdesk's one
escalation day and the desk's two-day resolution target). Both send email to a file backend.

1. Escalation: django-helpdesk's ``escalate_tickets`` command (each due ticket: priority up,
   email to the submitter and the owner, a follow-up and a ticket change) against the desk's
   breach pass over the same number of due SLA clocks (``deadlines.breach_due``, or one
   ``clock_check`` per due clock where that is not there yet), then the desk sending the
   emails that the pass queued; each timed in its own process, with its query count.
2. Web, at ``--web-tickets``: django-helpdesk's ticket list JSON (the datatables endpoint,
   open tickets, 50 per page) and its staff dashboard against the desk's queue API (open
   tickets, 50 per page) and the engineer's queue page; both served by gunicorn from their own
   venv with 2 workers and DEBUG off, both up; one client, the four requests in turn, median
   and p95 after warm-ups. Queries per request: Django's test client in each desk's process under
   ``CaptureQueriesContext`` (session and user look-ups included).

    make bench-peer
    python bench/peer.py --escalate 2000 --web-tickets 2000 --runs 5      # smaller
"""

import argparse
import base64
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import psycopg2
import redis
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import PASSWORD, ROOT, Bench, percentile, stop
from peer_helpdesk import Helpdesk

DUE_SHARE = 0.285
# BENCH_PEER_SLOT=1 (or 2): a second copy of the databases, ports, Redis database and outbox,
# so that two runs (the escalation and the web part, say) can go on side by side
SLOT = int(os.environ.get("BENCH_PEER_SLOT", "0"))
REDIS_URL = f"redis://127.0.0.1:6379/{6 + SLOT * 4}"
OUTBOX = ROOT / "var" / "bench" / ("peer-outbox" + (f"-{SLOT}" if SLOT else ""))
SUFFIX = f"_{SLOT}" if SLOT else ""
OURS = Bench(f"servicedesk_bench_peer{SUFFIX}", 8161 + SLOT * 10)
OURS.env.update(
    REDIS_URL=REDIS_URL,
    ALLOWED_HOSTS="127.0.0.1,testserver",
    EMAIL_URL=f"filemail:///{OUTBOX / 'servicedesk'}",  # django-environ drops one slash
)
PEER = Helpdesk(f"servicedesk_bench_peer_helpdesk{SUFFIX}", 8162 + SLOT * 10, OUTBOX / "helpdesk")

# When a generated ticket was received, on both desks: ``o.open`` (40 %) and ``o.due`` (the
# first ``due`` open tickets) are set by each generator from ``g``, 0..n-1.
RECEIVED = (
    "CASE WHEN o.open AND o.due THEN now() - interval '2 days' - (g % 50) * interval '1 second' "
    "WHEN o.open THEN now() - interval '1 hour' - (g % 540) * interval '1 minute' "
    "ELSE now() - interval '3 days' - (g % 525600) * interval '1 minute' END"
)

TICKETS = """
WITH projects AS (SELECT row_number() OVER (ORDER BY id) - 1 AS n, id, organisation_id FROM customers_project),
     total AS (SELECT count(*) AS c FROM customers_project)
INSERT INTO tickets_ticket (reference, organisation_id, project_id, reporter_id, channel, category, priority, status,
    title, description, location, impact, measures_taken, received_at, first_response_at, resolved_at, closed_at,
    next_due_at, assignee_id, rating_comment, cc, email_thread, created_at, updated_at)
SELECT 'BP-' || lpad(g::text, 8, '0'), p.organisation_id, p.id, {reporter}, 'portal', 'fault',
    (ARRAY['low', 'normal', 'high', 'urgent'])[1 + g % 4],
    CASE WHEN o.open THEN (ARRAY['acknowledged', 'in_progress'])[1 + g % 2] ELSE 'closed' END,
    'Generated fault ' || g, 'generated', '', '', '', r.received, r.received + interval '30 minutes',
    CASE WHEN NOT o.open THEN r.received + interval '2 hours' END,
    CASE WHEN NOT o.open THEN r.received + interval '2 hours' END,
    CASE WHEN o.open THEN r.received + interval '2 days' END,
    CASE WHEN g % 3 = 0 THEN {engineer} END, '', '[]', '', now(), now()
FROM generate_series({start}, {stop}) AS g
JOIN projects p ON p.n = g % (SELECT c FROM total)
CROSS JOIN LATERAL (SELECT g % 5 < 2 AS open, (g / 5) * 2 + g % 5 < {due} AS due) AS o
CROSS JOIN LATERAL (SELECT {received} AS received) AS r
"""
# First response answered after 30 minutes; resolution two days on the 24x7 calendar, running
# on open tickets (warned already when its 75 % moment is past), stopped on closed ones.
CLOCKS = """
INSERT INTO tickets_slaclock (ticket_id, metric, target_minutes, calendar_id, started_at, due_at, paused_at,
    paused_seconds, stopped_at, breached_at, version, warn_percent, warn_at, warned_at, escalation_position,
    escalation_next_at)
SELECT t.id, m.metric, m.target, {calendar}, t.received_at, t.received_at + m.target * interval '1 minute', NULL, 0,
    CASE WHEN m.metric = 'first_response' THEN t.first_response_at ELSE t.closed_at END, NULL, 1, 75,
    t.received_at + m.target * interval '45 seconds',
    CASE WHEN t.received_at + m.target * interval '45 seconds' <= now()
         THEN t.received_at + m.target * interval '45 seconds' END,
    0, NULL
FROM tickets_ticket t CROSS JOIN (VALUES ('first_response', 60), ('resolution', 2880)) AS m(metric, target)
WHERE t.reference LIKE 'BP-%%'
"""

IDS = """
import json
from accounts.models import User
from tickets.models import BusinessCalendar
print(json.dumps([User.objects.get(username="alice").pk, User.objects.get(username="engineer").pk,
                  BusinessCalendar.objects.get(name="24x7").pk]))
"""

# Due on each desk, asked as each desk's pass asks it.
OURS_DUE = (
    "SELECT count(*) FROM tickets_slaclock WHERE stopped_at IS NULL AND paused_at IS NULL "
    "AND breached_at IS NULL AND due_at <= now()"
)
PEER_DUE = (
    "SELECT count(*) FROM helpdesk_ticket t JOIN helpdesk_queue q ON q.id = t.queue_id "
    "WHERE t.status IN (1, 2) AND t.priority <> 1 AND NOT t.on_hold AND q.escalate_days > 0 "
    "AND COALESCE(t.last_escalation, t.created) <= now() - q.escalate_days * interval '1 day'"
)

COUNTING = """
import json, time
from django.db import connection

queries = [0]


def counting(execute, sql, params, many, context):
    queries[0] += 1
    return execute(sql, params, many, context)

"""

PEER_ESCALATE = (
    COUNTING
    + """
from django.core.management import call_command
from helpdesk.models import FollowUp, TicketChange

with connection.execute_wrapper(counting):
    started = time.perf_counter()
    call_command("escalate_tickets")
    seconds = time.perf_counter() - started
print(json.dumps({"seconds": seconds, "queries": queries[0], "followups": FollowUp.objects.count(),
                  "changes": TicketChange.objects.count()}))
"""
)

OURS_BREACH = (
    COUNTING
    + """
from django.utils import timezone
from notifications import services as notification_services
from notifications.models import Delivery, Notification
from tickets import deadlines
from tickets.models import SLAClock, TicketEvent

now = timezone.now()
with connection.execute_wrapper(counting):
    started = time.perf_counter()
    if hasattr(deadlines, "breach_due"):
        path = "deadlines.breach_due"
        deadlines.breach_due(now=now)
    else:
        path = "deadlines.clock_check per due clock"
        due = SLAClock.objects.filter(
            stopped_at__isnull=True, paused_at__isnull=True, breached_at__isnull=True, due_at__lte=now
        ).values_list("pk", flat=True)
        for clock_id in list(due):
            deadlines.clock_check(clock_id=clock_id, now=now)
    breach_seconds = time.perf_counter() - started
    breach_queries = queries[0]
    emails = list(
        Delivery.objects.filter(channel="email", status="pending").order_by("pk").values_list("pk", flat=True)
    )
    started = time.perf_counter()
    sent = sum(notification_services.delivery_send(delivery_id=delivery_id) for delivery_id in emails)
    mail_seconds = time.perf_counter() - started
print(json.dumps({
    "path": path, "seconds": breach_seconds, "queries": breach_queries,
    "mail_seconds": mail_seconds, "mail_queries": queries[0] - breach_queries, "emails_sent": sent,
    "breached": SLAClock.objects.filter(breached_at__isnull=False).count(),
    "events": TicketEvent.objects.filter(kind="breached").count(),
    "notifications": Notification.objects.count(), "deliveries": Delivery.objects.count(),
}))
"""
)

CAPTURE = """
import json
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from {user_module} import User

counts = {{}}
for username, path in {requests}:
    client = Client()
    client.force_login(User.objects.get(username=username))
    assert client.get(path).status_code == 200, path
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200, path
    counts[path] = len(queries.captured_queries)
print(json.dumps(counts))
"""

OPEN = "status=acknowledged&status=in_progress"
OURS_API = f"/api/v1/tickets/?{OPEN}&page_size=50"
OURS_PAGE = "/tickets/"
# what django-helpdesk's ticket list page asks by default: open and reopened, oldest first
PEER_QUERY = base64.b64encode(
    json.dumps(
        {"filtering": {"status__in": [1, 2]}, "sorting": "created", "search_string": "", "sortreverse": False}
    ).encode()
).decode()
PEER_LIST = f"/datatables_ticket_list/{PEER_QUERY}?draw=1&start=0&length=50"
PEER_DASHBOARD = "/dashboard/"


def last_json(output: str):
    return json.loads(output.strip().splitlines()[-1])


def count(bench: Bench, sql: str) -> int:
    return int(bench.psql(sql, bench.db_name))


def vacuum(database_url: str) -> None:
    connection = psycopg2.connect(database_url)
    connection.autocommit = True
    connection.cursor().execute("VACUUM ANALYZE")
    connection.close()


def generate_ours(tickets: int, due: int) -> None:
    reporter, engineer, calendar = last_json(OURS.django_print(IDS))
    with psycopg2.connect(OURS.database_url) as connection, connection.cursor() as cursor:
        # the previous size's tickets and everything they caused
        cursor.execute("TRUNCATE tickets_ticket, notifications_notification, notifications_delivery CASCADE")
        step = 250_000
        for start in range(0, tickets, step):
            stop_ = min(tickets, start + step) - 1
            cursor.execute(
                TICKETS.format(
                    reporter=reporter, engineer=engineer, due=due, received=RECEIVED, start=start, stop=stop_
                )
            )
            connection.commit()
        cursor.execute(CLOCKS.format(calendar=calendar))
        connection.commit()
    vacuum(OURS.database_url)


def clear_outbox(name: str) -> Path:
    folder = OUTBOX / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def emails_in(folder: Path) -> int:
    return sum(path.read_text(errors="replace").count("\nMessage-ID: ") for path in folder.iterdir())


def escalate(tickets: int) -> dict:
    due = round(tickets * DUE_SHARE)
    print(f"\n== escalation: {tickets:,} tickets, {due:,} due on each desk")
    started = time.monotonic()
    generate_ours(tickets, due)
    PEER.generate(tickets, due, RECEIVED)
    print(f"  generated both desks' tickets in {time.monotonic() - started:.0f} s")
    ours_due, peer_due = count(OURS, OURS_DUE), count(PEER.bench, PEER_DUE)
    print(f"  due: {ours_due:,} SLA clocks on the service desk, {peer_due:,} tickets on django-helpdesk")

    folder = clear_outbox("helpdesk")
    peer = last_json(PEER.python(PEER_ESCALATE))
    peer["emails"] = emails_in(folder)
    per = f"{peer['seconds'] / max(1, peer_due) * 1000:.2f} ms, {peer['queries'] / max(1, peer_due):.2f} q per due"
    print(
        f"  django-helpdesk escalate_tickets: {peer['seconds']:.2f} s, {peer['queries']:,} queries ({per}), "
        f"{peer['followups']:,} follow-ups, {peer['changes']:,} ticket changes, {peer['emails']:,} emails"
    )
    folder = clear_outbox("servicedesk")
    redis.Redis.from_url(REDIS_URL).flushdb()
    ours = last_json(OURS.django_print(OURS_BREACH))
    ours["emails"] = emails_in(folder)
    redis.Redis.from_url(REDIS_URL).flushdb()  # the delivery tasks queued for a worker; none runs here
    per = f"{ours['seconds'] / max(1, ours_due) * 1000:.2f} ms, {ours['queries'] / max(1, ours_due):.2f} q per due"
    print(
        f"  service desk {ours['path']}: {ours['seconds']:.2f} s, {ours['queries']:,} queries ({per}); "
        f"{ours['breached']:,} clocks breached, {ours['events']:,} events, {ours['notifications']:,} notifications, "
        f"{ours['deliveries']:,} deliveries"
    )
    print(
        f"  service desk sending the emails it queued, in process: {ours['mail_seconds']:.2f} s, "
        f"{ours['mail_queries']:,} queries, {ours['emails']:,} emails"
    )
    return {"tickets": tickets, "due": (ours_due, peer_due), "peer": peer, "ours": ours}


def timed_rounds(targets: dict[str, tuple[requests.Session, str]], runs: int) -> dict[str, list[float]]:
    """One client, sequential requests; the four requests take turns, so that whatever else
    the machine does weighs on both desks alike."""
    for _ in range(3):  # warm-up
        for session, url in targets.values():
            session.get(url, timeout=120).raise_for_status()
    times: dict[str, list[float]] = {label: [] for label in targets}
    for _ in range(runs):
        for label, (session, url) in targets.items():
            started = time.perf_counter()
            session.get(url, timeout=120).raise_for_status()
            times[label].append(time.perf_counter() - started)
    return times


def ours_sessions() -> tuple[requests.Session, requests.Session]:
    api = requests.Session()
    token = api.post(OURS.base + "/api/v1/auth/token/", json={"username": "manager", "password": PASSWORD})
    api.headers["Authorization"] = f"Token {token.json()['token']}"
    page = requests.Session()
    page.get(OURS.base + "/accounts/login/")
    page.post(
        OURS.base + "/accounts/login/",
        data={"username": "engineer", "password": PASSWORD, "csrfmiddlewaretoken": page.cookies["csrftoken"]},
        headers={"Referer": OURS.base + "/accounts/login/"},
    )
    return api, page


def web(tickets: int, runs: int, generate: bool) -> dict:
    print(f"\n== web: {tickets:,} tickets, {runs} rounds of the four requests after 3 warm-ups, one client")
    if generate:
        due = round(tickets * DUE_SHARE)
        generate_ours(tickets, due)
        PEER.generate(tickets, due, RECEIVED)
    queries = last_json(
        PEER.python(
            CAPTURE.format(
                user_module="django.contrib.auth.models",
                requests=[("engineer", PEER_LIST), ("engineer", PEER_DASHBOARD)],
            )
        )
    )
    queries |= last_json(
        OURS.django_print(
            CAPTURE.format(user_module="accounts.models", requests=[("manager", OURS_API), ("engineer", OURS_PAGE)])
        )
    )
    peer_server = PEER.start_gunicorn(workers=2)
    try:
        ours_server = OURS.start_gunicorn(workers=2)
        try:
            peer_session = PEER.login()
            api, page = ours_sessions()
            targets = {
                "peer_list": (peer_session, PEER.bench.base + PEER_LIST),
                "peer_dashboard": (peer_session, PEER.bench.base + PEER_DASHBOARD),
                "ours_api": (api, OURS.base + OURS_API),
                "ours_page": (page, OURS.base + OURS_PAGE),
            }
            times = timed_rounds(targets, runs)
        finally:
            stop(ours_server)
    finally:
        stop(peer_server)
    paths = {"peer_list": PEER_LIST, "peer_dashboard": PEER_DASHBOARD, "ours_api": OURS_API, "ours_page": OURS_PAGE}
    results = {label: (times[label], queries[path]) for label, path in paths.items()}
    for label, (times, queries) in results.items():
        print(
            f"  {label:<16} median {statistics.median(times) * 1000:9.1f} ms   "
            f"p95 {percentile(times, 0.95) * 1000:9.1f} ms   {queries} queries"
        )
    return results


def table(escalations: list[dict], pages: dict | None, web_tickets: int) -> None:
    print("\n== side by side (one run, same PostgreSQL)")
    header = f"{'':<58} {'django-helpdesk':>26} {'service desk':>26} {'ratio':>8} {'goal':>6}"
    print(header)
    print("-" * len(header))

    def row(label: str, peer: str, ours: str, ratio: float, goal: int) -> None:
        verdict = "met" if ratio >= goal else "not met"
        print(f"{label:<58} {peer:>26} {ours:>26} {ratio:>7.1f}x {goal:>5}x {verdict}")

    for run in escalations:
        peer, ours = run["peer"], run["ours"]
        label = f"escalation, {run['tickets']:,} tickets, {run['due'][1]:,} due"
        row(
            label + ": breach pass",
            f"{peer['seconds']:.2f} s, {peer['queries']:,} q",
            f"{ours['seconds']:.3f} s, {ours['queries']:,} q",
            peer["seconds"] / ours["seconds"],
            100,
        )
        both = ours["seconds"] + ours["mail_seconds"]
        row(
            label + ": with its emails",
            f"{peer['seconds']:.2f} s, {peer['emails']:,} mails",
            f"{both:.2f} s, {ours['emails']:,} mails",
            peer["seconds"] / both,
            100,
        )
    if pages:
        for label, peer_key, ours_key in (
            ("ticket list JSON / queue API, 50 open", "peer_list", "ours_api"),
            ("staff dashboard / engineer queue page", "peer_dashboard", "ours_page"),
        ):
            peer_times, peer_q = pages[peer_key]
            ours_times, ours_q = pages[ours_key]
            peer_median, ours_median = statistics.median(peer_times), statistics.median(ours_times)
            row(
                f"{label}, {web_tickets:,} tickets (median)",
                f"{peer_median * 1000:.1f} ms, {peer_q} q",
                f"{ours_median * 1000:.1f} ms, {ours_q} q",
                peer_median / ours_median,
                50,
            )
    print(f"\nload average: {' '.join(f'{value:.2f}' for value in os.getloadavg())}")
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    print(f"commit {commit.stdout.strip()} (with the working tree's changes, if any)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--escalate", type=int, nargs="*", default=[20_000, 100_000], help="ticket counts")
    parser.add_argument("--web-tickets", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--only", choices=["escalate", "web"])
    args = parser.parse_args()

    OURS.prepare(extra_projects=200)
    projects = count(OURS, "SELECT count(*) FROM customers_project")
    PEER.install()
    PEER.prepare(queues=projects)
    print(f"{PEER.versions()}; service desk at its working tree; {projects} projects = {PEER.queues} queues")
    escalations = []
    if args.only != "web":
        escalations = [escalate(tickets) for tickets in args.escalate]
    pages = None
    if args.only != "escalate":
        reuse = bool(escalations) and escalations[-1]["tickets"] == args.web_tickets
        pages = web(args.web_tickets, args.runs, generate=not reuse)
    table(escalations, pages, args.web_tickets)


if __name__ == "__main__":
    main()
