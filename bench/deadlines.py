"""Deadline enforcement at scale: how late a breach is told, and what the watchdog costs.

1. Burst: 1,000 urgent tickets filed through ``tickets.services.ticket_create`` so that their
   first-response clocks are all due in the same second, among 100,000 open tickets whose
   clocks run far in the future (``servicedesk_bench_deadlines``). One Celery worker on Redis
   does what the app does: the warnings at once (the tickets were received almost an hour ago,
   past their 75 % moment), which queue the due moment as one ETA sweep, then the breaches
   set-based and the escalation chain of the default policy (technical group, then leadership
   group, whose IM webhook posts to a receiver in this script). Prints, per clock, the time
   from the due moment to the breach mark, to the leader's escalation notification, to its
   email and to the leadership's webhook post, the exactly-once counts and the sessions opened;
   then what a breach costs in one process, set-based (amortised) and per clock.
2. Restart (``--only restart``): the worker killed 5 s before 20 deadlines, a new one started
   10 s after them (beat running): when the leadership is told.
3. Watchdog: ``deadlines.watchdog()`` on 1,000,000 SLA clocks (``servicedesk_bench_watchdog``),
   through the ORM (nothing queued) and as bare SQL, with the plans of its six queries.

    make bench-deadlines
    python bench/deadlines.py --tickets 10000 --burst 200 --clocks 100000    # smaller
    python bench/deadlines.py --only watchdog
    python bench/deadlines.py --only restart
"""

import argparse
import collections
import contextlib
import http.server
import json
import math
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg2
import redis
from celery import Celery

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import PYTHON, ROOT, Bench, percentile

REDIS_URL = "redis://127.0.0.1:6379/12"
OUTBOX = ROOT / "var" / "bench" / "deadlines-outbox"
WORKER_LOG = ROOT / "var" / "bench" / "deadlines-worker.log"
BURST_TITLE = "Deadline burst"
BURST = Bench("servicedesk_bench_deadlines", 8102)
WATCH = Bench("servicedesk_bench_watchdog", 8103)
for bench in (BURST, WATCH):
    bench.env.update(
        REDIS_URL=REDIS_URL,
        EMAIL_URL=f"filemail:///{OUTBOX}",  # django-environ drops one slash
        LOG_LEVEL="WARNING",  # a deadline not queued is a warning
        OUTBOUND_ALLOWED_HOSTS="127.0.0.1",  # the leadership's IM webhook posts to this script
    )
QUEUES = "urgent,emergency,default"  # as the Procfile's worker

# Tickets over the generated projects, received 2 days to a year ago. ``{status}`` may use ``g``.
GENERATE_TICKETS = """
WITH projects AS (SELECT row_number() OVER (ORDER BY id) - 1 AS n, id, organisation_id FROM customers_project),
     total AS (SELECT count(*) AS c FROM customers_project)
INSERT INTO tickets_ticket (reference, organisation_id, project_id, reporter_id, channel, category, priority, status,
    title, description, location, impact, measures_taken, received_at, first_response_at, resolved_at, closed_at,
    rating_comment, cc, email_thread, created_at, updated_at)
SELECT '{prefix}-' || lpad(g::text, 8, '0'), p.organisation_id, p.id, {reporter}, 'portal', 'fault',
    (ARRAY['low', 'normal', 'high', 'urgent'])[1 + g % 4], s.status, 'Generated fault ' || g, 'generated', '', '', '',
    s.received_at,
    CASE WHEN s.status <> 'new' THEN s.received_at + interval '30 minutes' END,
    CASE WHEN s.status = 'closed' THEN s.received_at + interval '2 hours' END,
    CASE WHEN s.status = 'closed' THEN s.received_at + interval '2 hours' END,
    '', '[]'::jsonb, '', now(), now()
FROM generate_series({start}, {stop}) AS g
JOIN projects p ON p.n = g % (SELECT c FROM total)
CROSS JOIN LATERAL (
    SELECT {status} AS status, now() - interval '2 days' - (g % 525600) * interval '1 minute' AS received_at
) AS s
"""
# 20 % closed, 15 % in progress, 5 % waiting on the customer, 60 % new
WATCH_STATUS = (
    "CASE WHEN g % 20 < 4 THEN 'closed' WHEN g % 20 < 7 THEN 'in_progress' "
    "WHEN g % 20 = 7 THEN 'waiting_on_customer' ELSE 'new' END"
)

# Two clocks per ticket on the 24x7 calendar. Running clocks are due 1 to 31 days ahead. With
# ``{near}``, a few hundred first-response clocks (target 60 minutes) are placed around now by
# RETIME: due within the horizon, warned within it, breached with an escalation step within it.
GENERATE_CLOCKS = """
INSERT INTO tickets_slaclock (ticket_id, metric, target_minutes, calendar_id, started_at, due_at, paused_at,
    paused_seconds, stopped_at, breached_at, version, warn_percent, warn_at, warned_at, escalation_position,
    escalation_next_at)
SELECT t.id, m.metric, d.target, {calendar}, t.received_at, d.due_at,
    CASE WHEN k.kind = 'paused' THEN t.received_at + interval '1 hour' END, 0,
    CASE WHEN k.kind = 'stopped' THEN t.received_at + (30 + 90 * m.i) * interval '1 minute' END,
    CASE WHEN k.kind IN ('breached', 'escalating_soon', 'escalating_later') THEN d.due_at END,
    1, 75, d.due_at - d.target * interval '15 seconds',
    CASE WHEN k.kind IN ('near_due', 'breached', 'escalating_soon', 'escalating_later')
         THEN d.due_at - d.target * interval '15 seconds' END,
    CASE k.kind WHEN 'breached' THEN 2 WHEN 'escalating_soon' THEN 1 WHEN 'escalating_later' THEN 1 ELSE 0 END,
    CASE k.kind WHEN 'escalating_soon' THEN now()
                WHEN 'escalating_later' THEN now() + interval '1 day' + (n.g % 1440) * interval '1 minute' END
FROM tickets_ticket t
CROSS JOIN (VALUES ('first_response', 0), ('resolution', 1)) AS m(metric, i)
CROSS JOIN LATERAL (SELECT substr(t.reference, 4)::int AS g) AS n
CROSS JOIN LATERAL (
    SELECT CASE
        WHEN t.status = 'closed' OR (m.i = 0 AND t.status <> 'new') THEN 'stopped'
        WHEN t.status = 'waiting_on_customer' THEN 'paused'
        WHEN {near} AND m.i = 0 AND n.g % 2000 = 10 THEN 'near_due'
        WHEN {near} AND m.i = 0 AND n.g % 2000 = 12 THEN 'near_warn'
        WHEN {near} AND m.i = 0 AND n.g % 2000 = 14 THEN 'escalating_soon'
        WHEN {near} AND m.i = 0 AND n.g % 1000 = 508 THEN 'escalating_later'
        WHEN {near} AND m.i = 1 AND n.g % 100 = 16 THEN 'breached'
        ELSE 'running' END AS kind
) AS k
CROSS JOIN LATERAL (
    SELECT CASE WHEN k.kind IN ('near_due', 'near_warn', 'escalating_soon') THEN 60 ELSE 240 + 2160 * m.i END
        AS target
) AS x
CROSS JOIN LATERAL (
    SELECT x.target,
        CASE WHEN k.kind IN ('running', 'paused')
             THEN now() + interval '1 day' + ((2 * n.g + m.i) % 43200) * interval '1 minute'
             ELSE t.received_at + x.target * interval '1 minute' END AS due_at
) AS d
WHERE t.reference LIKE '{prefix}-%%' AND t.id > {after}
"""
# The clocks around now, moved to the current moment (each run): 5 to 294 s ahead.
AHEAD = "now() + (5 + id %% 290) * interval '1 second'"
RETIME = [
    # due within the horizon (warned 15 minutes before)
    f"""UPDATE tickets_slaclock SET due_at = {AHEAD}, started_at = {AHEAD} - interval '60 minutes',
        warn_at = {AHEAD} - interval '15 minutes', warned_at = {AHEAD} - interval '15 minutes'
    WHERE ticket_id >= %(first)s AND target_minutes = 60 AND breached_at IS NULL AND warned_at IS NOT NULL""",
    # warned within the horizon
    f"""UPDATE tickets_slaclock SET warn_at = {AHEAD}, started_at = {AHEAD} - interval '45 minutes',
        due_at = {AHEAD} + interval '15 minutes'
    WHERE ticket_id >= %(first)s AND target_minutes = 60 AND breached_at IS NULL AND warned_at IS NULL""",
    # breached 10 minutes ago, the next escalation step within the horizon
    f"""UPDATE tickets_slaclock SET escalation_next_at = {AHEAD}, due_at = now() - interval '10 minutes',
        breached_at = now() - interval '10 minutes', started_at = now() - interval '70 minutes',
        warn_at = now() - interval '25 minutes', warned_at = now() - interval '25 minutes'
    WHERE ticket_id >= %(first)s AND target_minutes = 60 AND breached_at IS NOT NULL""",
]

IDS = """
import json
from accounts.models import User
from tickets.models import BusinessCalendar
print(json.dumps([User.objects.get(username="alice").pk, BusinessCalendar.objects.get(name="24x7").pk]))
"""


def last_json(output: str):
    return json.loads(output.strip().splitlines()[-1])


@contextlib.contextmanager
def cursor_on(bench: Bench, autocommit: bool = True):
    """A cursor on a connection of its own, closed after."""
    connection = psycopg2.connect(bench.database_url)
    connection.autocommit = autocommit
    try:
        with connection.cursor() as cursor:
            yield cursor
    finally:
        connection.close()


def scalar(cursor, sql: str, params=()):
    cursor.execute(sql, params)
    return cursor.fetchone()[0]


def scalar_row(cursor, sql: str, params) -> tuple:
    cursor.execute(sql, params)
    return cursor.fetchone()


def recreate(bench: Bench) -> None:
    """A fresh database: migrated, with the demo data and 200 generated projects."""
    bench.psql(f"DROP DATABASE IF EXISTS {bench.db_name}")
    bench.prepare(extra_projects=200)


def generate(bench: Bench, prefix: str, tickets: int, status: str, near: bool) -> None:
    reporter, calendar = last_json(bench.django_print(IDS))
    started = time.monotonic()
    with cursor_on(bench, autocommit=False) as cursor:
        after = scalar(cursor, "SELECT COALESCE(max(id), 0) FROM tickets_ticket")
        step = 250_000
        for start in range(1, tickets + 1, step):
            stop = min(tickets, start + step - 1)
            cursor.execute(
                GENERATE_TICKETS.format(prefix=prefix, reporter=reporter, status=status, start=start, stop=stop)
            )
            cursor.connection.commit()
        near_sql = "true" if near else "false"
        cursor.execute(GENERATE_CLOCKS.format(prefix=prefix, calendar=calendar, after=after, near=near_sql))
        cursor.connection.commit()
    print(f"generated {tickets:,} tickets with {2 * tickets:,} clocks in {time.monotonic() - started:.0f} s")


def vacuum(bench: Bench) -> None:
    with cursor_on(bench) as cursor:
        cursor.execute("VACUUM ANALYZE")


def exists(bench: Bench) -> bool:
    return bench.psql(f"SELECT 1 FROM pg_database WHERE datname='{bench.db_name}'") == "1"


def cpu_seconds() -> dict[int, tuple[str, int, float]]:
    """Every process: pid -> (command line, parent pid, CPU seconds so far); for the whole
    machine, pid 0: its idle time (idle and waiting for I/O), pid -1: all of its time."""
    ticks = os.sysconf("SC_CLK_TCK")
    machine = [int(field) for field in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
    processes = {0: ("idle", 0, (machine[3] + machine[4]) / ticks), -1: ("all", 0, sum(machine) / ticks)}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            command = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue  # gone
        seconds = (int(fields[11]) + int(fields[12])) / ticks  # user and system time
        processes[int(stat.parent.name)] = (command.strip(), int(fields[1]), seconds)
    return processes


def cpu_split(before: dict, after: dict) -> dict[str, float]:
    """CPU seconds used between two snapshots, by the worker, PostgreSQL (its backends for this
    database and its own processes), Redis, this script and its shells, and everything else."""
    children: dict[int, list[int]] = {}
    for pid, (_command, parent, _seconds) in after.items():
        children.setdefault(parent, []).append(pid)
    ours, stack = set(), [os.getpid()]
    while stack:
        pid = stack.pop()
        ours.add(pid)
        stack += children.get(pid, [])
    used = {"worker": 0.0, "PostgreSQL": 0.0, "Redis": 0.0, "this script": 0.0, "other processes": 0.0}
    for pid, (command, _parent, seconds) in after.items():
        if pid <= 0:
            continue
        earlier = before.get(pid)
        seconds -= earlier[2] if earlier and earlier[0] == command else 0.0
        backend = re.match(r"postgres: [^:]+: \S+ (\S+) (\S+\(\d+\)|\[local\])", command)
        if pid in ours:
            used["worker" if "celery" in command else "this script"] += seconds
        elif backend and backend.group(1) != BURST.db_name:
            used["other processes"] += seconds
        elif command.startswith(("postgres", "/usr/lib/postgresql/")):
            used["PostgreSQL"] += seconds
        elif "redis-server" in command:
            used["Redis"] += seconds
        else:
            used["other processes"] += seconds
    idle = after[0][2] - before[0][2]
    # what processes that ended in between used: the one-task PostgreSQL backends, mostly
    used["processes that ended"] = after[-1][2] - before[-1][2] - idle - sum(used.values())
    used["idle"] = idle
    return used


# --- 1. the burst ---------------------------------------------------------------------------


class Receiver(http.server.ThreadingHTTPServer):
    """The leadership's IM: records when each post arrived and what it said."""

    daemon_threads = True

    def __init__(self):
        self.posts: list[tuple[float, dict]] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                outer.posts.append((time.time(), json.loads(body or b"{}")))
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hook"


HOOK = """
from accounts.models import Team
from notifications.models import Webhook
team = Team.objects.filter(kind=Team.Kind.LEADERSHIP, is_active=True).order_by("pk").first()
assert team is not None, "the demo data has no leadership group"
Webhook.objects.filter(name="Bench leadership IM").delete()
hook = Webhook.objects.create(name="Bench leadership IM", url="{url}", team=team, format="generic")
print(hook.pk)
"""

CREATE_BURST = """
import datetime, json, time
from accounts.models import User
from customers.models import Project
from tickets import services
from tickets.selectors import schedule_for
from tickets.models import SLAClock, SLATarget

target = SLATarget.objects.select_related("calendar").get(
    policy__is_default=True, priority="urgent", metric="first_response"
)
due = datetime.datetime.fromtimestamp({due}, tz=datetime.UTC)
received = due - datetime.timedelta(minutes=target.minutes)
assert schedule_for(target.calendar).add(received, datetime.timedelta(minutes=target.minutes)) == due, (
    "the urgent first-response target is not on a round-the-clock calendar"
)
actor, reporter = User.objects.get(username="engineer"), User.objects.get(username="alice")
project = Project.objects.get(code="ebw-scada")
started = time.perf_counter()
for number in range({burst}):
    services.ticket_create(
        actor=actor, project=project, reporter=reporter, title="{title} %d" % number,
        description="Generated by bench/deadlines.py", priority="urgent", received_at=received,
    )
seconds = time.perf_counter() - started
clocks = SLAClock.objects.filter(ticket__title__startswith="{title} ", metric="first_response")
print(json.dumps({{
    "seconds": seconds, "minutes": target.minutes, "calendar": target.calendar.name,
    "warn_percent": target.policy.warn_at_percent, "due_as_planned": clocks.filter(due_at=due).count(),
}}))
"""

# One breach (first-response clock of an urgent ticket, two escalation steps) checked in this
# process with nothing else running: its time, its queries and their time.
PROBE = """
import datetime, json, time
from django.db import connection
from django.utils import timezone
import notifications.services.sending
from accounts.models import User
from customers.models import Project
from tickets import deadlines, services
from tickets.models import SLAClock

deadlines.queue = lambda clock_id, eta=None: None  # checked here, not by a worker
notifications.services.sending.delivery_enqueue = lambda delivery_id, **kwargs: None
actor, reporter = User.objects.get(username="engineer"), User.objects.get(username="alice")
project = Project.objects.get(code="ebw-scada")
received = timezone.now() - datetime.timedelta(hours=2)
clocks = []
for number in range({count}):
    ticket = services.ticket_create(
        actor=actor, project=project, reporter=reporter, title="{title} probe %d" % number,
        description="Generated by bench/deadlines.py", priority="urgent", received_at=received,
    )
    clocks.append(SLAClock.objects.get(ticket=ticket, metric="first_response").pk)
sql = []


def timed(execute, query, params, many, context):
    started = time.perf_counter()
    try:
        return execute(query, params, many, context)
    finally:
        sql.append(time.perf_counter() - started)


runs = []
with connection.execute_wrapper(timed):
    for clock_id in clocks:
        sql.clear()
        started = time.perf_counter()
        done = deadlines.clock_check(clock_id=clock_id)
        runs.append([time.perf_counter() - started, len(sql), sum(sql), done])
print(json.dumps(runs))
"""

# Per burst clock: seconds from the due moment to the breach mark, to the leader's escalation
# notification (stored in the same transaction), and to that notification's email being sent.
LATENCIES = """
SELECT c.id, c.breached_at IS NOT NULL,
    extract(epoch FROM (SELECT min(e.created_at) FROM tickets_ticketevent e
                        WHERE e.ticket_id = c.ticket_id AND e.kind = 'breached') - c.due_at),
    extract(epoch FROM n.created_at - c.due_at),
    extract(epoch FROM d.sent_at - c.due_at),
    c.due_at, c.warned_at, c.escalation_position, c.escalation_next_at, c.ticket_id,
    extract(epoch FROM c.due_at)
FROM tickets_slaclock c
JOIN tickets_ticket t ON t.id = c.ticket_id
LEFT JOIN notifications_notification n
    ON n.key LIKE 'sla:' || c.id || ':%%' AND n.reason = 'escalation' AND n.recipient_id = %s
LEFT JOIN notifications_delivery d ON d.key = n.key AND d.channel = 'email'
WHERE t.title LIKE %s AND c.metric = 'first_response'
"""

PROGRESS = """
SELECT count(*) FILTER (WHERE c.warned_at IS NOT NULL), count(*) FILTER (WHERE c.breached_at IS NOT NULL),
    (SELECT count(*) FROM notifications_notification n
     WHERE n.reason = 'escalation' AND n.recipient_id = %s AND n.key LIKE 'sla:%%'),
    (SELECT count(*) FROM notifications_delivery WHERE status IN ('pending', 'sending'))
FROM tickets_slaclock c JOIN tickets_ticket t ON t.id = c.ticket_id
WHERE t.title LIKE %s AND c.metric = 'first_response'
"""

# sessions ended so far (PostgreSQL 14+)
SESSIONS = "SELECT sessions FROM pg_stat_database WHERE datname = %s"

FORGET_BURST = """
DELETE FROM tickets_escalationfire WHERE clock_id IN (
    SELECT c.id FROM tickets_slaclock c JOIN tickets_ticket t ON t.id = c.ticket_id WHERE t.title LIKE %(title)s);
DELETE FROM tickets_ticketevent WHERE ticket_id IN (SELECT id FROM tickets_ticket WHERE title LIKE %(title)s);
DELETE FROM tickets_slaclock WHERE ticket_id IN (SELECT id FROM tickets_ticket WHERE title LIKE %(title)s);
DELETE FROM tickets_ticket WHERE title LIKE %(title)s;
TRUNCATE notifications_delivery, notifications_notification;
"""


def prepare_burst_database(tickets: int) -> None:
    have = -1
    if exists(BURST):
        have = int(BURST.psql("SELECT count(*) FROM tickets_ticket WHERE reference LIKE 'BD-%'", BURST.db_name) or -1)
    if have != tickets:
        print(f"building {BURST.db_name}: {tickets:,} open tickets, their clocks due 1 to 31 days ahead")
        recreate(BURST)
        generate(BURST, "BD", tickets, status="'new'", near=False)
    else:
        print(f"{BURST.db_name}: {tickets:,} open tickets there already")
        BURST.sh(PYTHON, "manage.py", "migrate", "--noinput")
    with cursor_on(BURST) as cursor:
        cursor.execute(FORGET_BURST, {"title": BURST_TITLE + " %"})  # the previous run's burst
    vacuum(BURST)


def start_worker(concurrency: int, db_reuse_max: int | None = None, log_mode: str = "w"):
    """One worker on the app's settings; with ``db_reuse_max``, on the app's settings plus
    ``CELERY_DB_REUSE_MAX`` (a module written to var/bench), so that Celery's Django fixup keeps
    the task's database connection instead of closing it around every task."""
    WORKER_LOG.parent.mkdir(parents=True, exist_ok=True)
    env = dict(BURST.env)
    if db_reuse_max:
        shim = WORKER_LOG.parent / "deadlines_settings.py"
        shim.write_text(f"from servicedesk.settings import *  # noqa: F403\n\nCELERY_DB_REUSE_MAX = {db_reuse_max}\n")
        env.update(DJANGO_SETTINGS_MODULE="deadlines_settings", PYTHONPATH=str(shim.parent))
    command = [PYTHON, "-m", "celery", "-A", "servicedesk", "worker", "-Q", QUEUES]
    command += ["-c", str(concurrency), "-l", "warning", "--without-mingle", "--without-gossip"]
    command += ["-n", "bench-deadlines@%h"]
    with WORKER_LOG.open(log_mode) as log:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    control = Celery(broker=REDIS_URL).control
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the worker exited; see {WORKER_LOG}")
        if control.ping(timeout=1):
            return process
    raise SystemExit(f"the worker did not answer a ping in 60 s; see {WORKER_LOG}")


def stop_worker(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def scheduled_deadlines() -> int:
    """How many ``deadline`` ETA tasks the worker holds."""
    replies = Celery(broker=REDIS_URL).control.inspect(timeout=5).scheduled() or {}
    return sum(
        1
        for entries in replies.values()
        for entry in entries
        if entry.get("request", {}).get("name") in ("tickets.tasks.deadline", "tickets.tasks.sweep")
    )


def burst(args: argparse.Namespace) -> None:
    prepare_burst_database(args.tickets)
    leader = int(BURST.psql("SELECT id FROM accounts_user WHERE username = 'leader'", BURST.db_name))
    title = BURST_TITLE + " %"
    redis.Redis.from_url(REDIS_URL).flushdb()
    shutil.rmtree(OUTBOX, ignore_errors=True)
    OUTBOX.mkdir(parents=True)
    receiver = Receiver()
    hook = int(BURST.django_print(HOOK.format(url=receiver.url)).split()[-1])

    worker = start_worker(args.concurrency, args.db_reuse_max)
    try:
        lead = args.lead or min(240, 30 + 0.1 * args.burst)
        due = math.ceil(time.time() + lead)
        print(
            f"\nfiling {args.burst:,} urgent tickets through ticket_create, first response due at "
            f"{time.strftime('%H:%M:%S', time.gmtime(due))} UTC ({due - time.time():.0f} s ahead)"
        )
        created = last_json(BURST.django_print(CREATE_BURST.format(due=due, burst=args.burst, title=BURST_TITLE)))
        print(
            f"  filed in {created['seconds']:.1f} s ({created['seconds'] / args.burst * 1000:.0f} ms each); target "
            f"{created['minutes']} min on {created['calendar']}, warning at {created['warn_percent']} %; "
            f"{created['due_as_planned']} clocks due at that second"
        )
        with cursor_on(BURST) as cursor:
            while True:  # the warnings, their emails and the ETA tasks of the due moment
                warned, _breached, _told, pending = scalar_row(cursor, PROGRESS, (leader, title))
                queued = sum(redis.Redis.from_url(REDIS_URL).llen(q) for q in QUEUES.split(","))
                if (warned >= args.burst and not queued and not pending) or time.time() > due - 2:
                    break
                time.sleep(0.5)
            setup_end = time.time()
            held = scheduled_deadlines()
            print(
                f"  set up {due - setup_end:.1f} s before the due moment: {warned} clocks warned, "
                f"{held} deadline ETA tasks held by the worker, {queued} messages queued, {pending} emails unsent"
            )
            if warned < args.burst or queued or pending:
                print("  WARNING: the set-up overran the due moment; raise --lead")

            time.sleep(max(0.0, due - time.time()))
            cpu_before = cpu_seconds()
            sessions = scalar(cursor, SESSIONS, (BURST.db_name,))
            timeout = due + args.timeout
            while time.time() < timeout:
                _warned, breached, told, _pending = scalar_row(cursor, PROGRESS, (leader, title))
                if breached >= args.burst and told >= args.burst:
                    break
                time.sleep(0.5)
            done = time.time()
            cpu = cpu_split(cpu_before, cpu_seconds())
            sessions = scalar(cursor, SESSIONS, (BURST.db_name,)) - sessions
            while time.time() < timeout and scalar_row(cursor, PROGRESS, (leader, title))[3]:
                time.sleep(0.5)  # the emails
            cursor.execute(LATENCIES, (leader, title))
            rows = cursor.fetchall()
            cursor.execute("SELECT status, count(*) FROM notifications_delivery GROUP BY status ORDER BY status")
            deliveries = dict(cursor.fetchall())
            cursor.execute(ONCE, (leader, title, hook))
            once = cursor.fetchone()
    finally:
        stop_worker(worker)
        receiver.shutdown()
    report_burst(args, rows, deliveries, done - due, receiver.posts, once)
    print(
        f"from the due moment until the last clock was done ({done - due:.1f} s on {os.cpu_count()} cores = "
        f"{(done - due) * (os.cpu_count() or 1):.0f} CPU-s), CPU seconds used by: "
        + ", ".join(f"{name} {seconds:.1f}" for name, seconds in cpu.items())
    )
    print(f"PostgreSQL sessions opened and closed meanwhile: {sessions:,}")
    if cpu["other processes"] > 0.1 * (done - due) * (os.cpu_count() or 1):
        print("WARNING: other processes took more than a tenth of the CPU: the figures are slower than they should be")
    probe(args)


ONCE = """
SELECT
    (SELECT count(*) FROM notifications_notification n JOIN tickets_ticket t ON t.id = n.ticket_id
     WHERE n.reason = 'escalation' AND n.recipient_id = %s AND t.title LIKE %s),
    (SELECT count(*) FROM notifications_delivery WHERE webhook_id = %s),
    (SELECT count(*) FROM notifications_delivery WHERE channel = 'email'),
    (SELECT count(DISTINCT message_id) FROM notifications_delivery WHERE channel = 'email'),
    (SELECT count(*) FROM tickets_ticketevent WHERE kind = 'breached'),
    (SELECT count(*) FROM tickets_escalationfire)
"""


def outbox_message_ids() -> collections.Counter:
    """Message-IDs of the emails written to the file mailbox: each should appear once."""
    ids = collections.Counter()
    for path in OUTBOX.glob("*"):
        for line in path.read_text(errors="replace").splitlines():
            if line.lower().startswith("message-id:"):
                ids[line.split(":", 1)[1].strip()] += 1
    return ids


def summary(values: list[float]) -> list[float]:
    return [statistics.median(values), percentile(values, 0.9), percentile(values, 0.99), max(values)]


def report_burst(
    args: argparse.Namespace, rows: list[tuple], deliveries: dict, waited: float, posts: list, once: tuple
) -> None:
    breach = [r[2] for r in rows if r[2] is not None]
    told = [r[3] for r in rows if r[3] is not None]
    mailed = [r[4] for r in rows if r[4] is not None]
    due_of = {r[9]: float(r[10]) for r in rows}
    per_ticket = collections.Counter(p["ticket"] for _t, p in posts if p.get("ticket") in due_of)
    posted = {}
    for moment, payload in posts:
        if payload.get("ticket") in due_of and payload.get("reason") == "escalation":
            posted.setdefault(payload["ticket"], moment - due_of[payload["ticket"]])
    posted = list(posted.values())
    print(
        f"\n{len(rows):,} first-response clocks due in the same second, among {2 * args.tickets:,} running clocks; "
        f"one worker, prefork concurrency {args.concurrency}"
        + (f", CELERY_DB_REUSE_MAX={args.db_reuse_max}" if args.db_reuse_max else "")
    )
    print("\n| from the due moment to | clocks | median s | p90 s | p99 s | max s |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for label, values in (
        ('the breach mark (TicketEvent "breached")', breach),
        ("the leader's escalation notification stored", told),
        ("the leader's escalation email sent", mailed),
        ("the leadership's IM webhook post received", posted),
    ):
        if values:
            cells = summary(values)
            print(f"| {label} | {len(values):,} | " + " | ".join(f"{value:.2f}" for value in cells) + " |")
        else:
            print(f"| {label} | 0 | | | | |")
    if told:
        print(
            f"\nfirst notification {min(told):.2f} s after the due moment, the last {max(told):.2f} s after "
            f"({len(told) / max(max(told), 1e-3):.0f} clocks/s); deliveries: {deliveries}"
        )
    notified, hook_rows, emails, message_ids, breach_events, fires = once
    dupes = sum(1 for n in outbox_message_ids().values() if n > 1)
    print(
        f"exactly once: leader's escalation notifications {notified:,} for {len(rows):,} clocks; "
        f"leadership webhook deliveries {hook_rows:,}, posts received {sum(per_ticket.values()):,} for "
        f"{len(per_ticket):,} tickets (most for one ticket: {max(per_ticket.values(), default=0)}); "
        f"email deliveries {emails:,} with {message_ids:,} distinct Message-IDs, {dupes} Message-IDs written "
        f"to the mailbox more than once; breach events {breach_events:,}, escalation fires {fires:,}"
    )
    if told and breach and mailed and posted:
        for label, ok in (
            (
                "breach marked and leadership notification stored: p99 <= 2 s",
                max(percentile(breach, 0.99), percentile(told, 0.99)) <= 2,
            ),
            ("the last <= 3 s", max(max(breach), max(told)) <= 3),
            (
                "leadership email and IM webhook: p99 <= 10 s",
                max(percentile(mailed, 0.99), percentile(posted, 0.99)) <= 10,
            ),
            (
                "each exactly once",
                notified == len(rows)
                and max(per_ticket.values(), default=0) == 1
                and len(per_ticket) == len(rows)
                and emails == message_ids
                and dupes == 0,
            ),
        ):
            print(f"goal: {label}: {'MET' if ok else 'NOT MET'}")
    missing = [r for r in rows if r[1] is False or r[3] is None]
    if missing:
        print(f"\nNOT DONE {waited:.0f} s after the due moment: {len(missing)} clocks")
        for clock_id, breached, _, told, _, due, warned, position, next_at, *_rest in missing[:20]:
            print(
                f"  clock {clock_id}: due {clock_time(due)}, warned {clock_time(warned)}, breached {breached}, "
                f"leader told {told is not None}, escalation steps taken {position}, next step {clock_time(next_at)}"
            )
    errors = [line for line in WORKER_LOG.read_text().splitlines() if "ERROR" in line or "WARNING/" in line]
    errors = [line for line in errors if "SecurityWarning" not in line]
    print(f"worker log ({WORKER_LOG.relative_to(ROOT)}): {len(errors)} error or warning lines")
    for line in errors[:10]:
        print("  " + line[:200])


def clock_time(moment) -> str:
    return "-" if moment is None else f"{moment:%H:%M:%S.%f} UTC"


# The same breaches set-based: ``count`` urgent tickets past due, breached by one
# ``deadlines.breach_due()`` in this process with nothing else running, every query captured.
PROBE_SET = """
import datetime, json, time
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
import notifications.services.sending
from accounts.models import User
from customers.models import Project
from tickets import deadlines, services

deadlines.queue = lambda clock_id, eta=None: None  # checked here, not by a worker
notifications.services.sending.delivery_enqueue = lambda delivery_id, **kwargs: None
notifications.services.sending.deliveries_enqueue = lambda ids, **kwargs: None
actor, reporter = User.objects.get(username="engineer"), User.objects.get(username="alice")
project = Project.objects.get(code="ebw-scada")
received = timezone.now() - datetime.timedelta(hours=2)
for number in range({count}):
    services.ticket_create(
        actor=actor, project=project, reporter=reporter, title="{title} set %d" % number,
        description="Generated by bench/deadlines.py", priority="urgent", received_at=received,
    )
with CaptureQueriesContext(connection) as captured:
    started = time.perf_counter()
    breached = deadlines.breach_due()
    seconds = time.perf_counter() - started
sql = sum(float(q["time"]) for q in captured.captured_queries)
print(json.dumps({{
    "breached": breached, "seconds": seconds, "queries": len(captured.captured_queries), "sql": sql,
    "batch": deadlines.BATCH,
}}))
"""


def probe(args: argparse.Namespace) -> None:
    count = min(args.burst, 1000)
    bulk = last_json(BURST.django_print(PROBE_SET.format(count=count, title=BURST_TITLE)))
    print(
        f"\n{bulk['breached']:,} such breaches by one deadlines.breach_due() in one process, nothing else "
        f"running (batches of {bulk['batch']}; each with its 2 escalation steps and 6 notifications): "
        f"{bulk['seconds']:.2f} s, {bulk['seconds'] / max(bulk['breached'], 1) * 1000:.2f} ms and "
        f"{bulk['queries'] / max(bulk['breached'], 1):.2f} queries per breach ({bulk['queries']} queries taking "
        f"{bulk['sql']:.2f} s in all)"
    )
    runs = last_json(BURST.django_print(PROBE.format(count=20, title=BURST_TITLE)))[1:]  # the first warms up
    seconds, queries, sql = (statistics.median(run[i] for run in runs) for i in range(3))
    print(
        f"\none such breach checked in one process, nothing else running (median of {len(runs)}: "
        f"{', '.join(runs[0][3])}): {seconds * 1000:.1f} ms, {queries:.0f} queries taking {sql * 1000:.1f} ms "
        f"(commit not included); at {args.concurrency} processes that is at most "
        f"{args.concurrency / seconds:.0f} clocks/s"
    )


# --- 2. a worker restarted across deadlines -------------------------------------------------

RESTART_TITLE = "Deadline restart"


def restart(args: argparse.Namespace) -> None:
    """The worker killed (SIGKILL: its ETA tasks held, unacknowledged) 5 s before ``n`` urgent
    first responses fall due; a new worker started 10 s after them; beat running throughout."""
    n = args.restart_clocks
    if not exists(BURST):
        prepare_burst_database(args.tickets)
    leader = int(BURST.psql("SELECT id FROM accounts_user WHERE username = 'leader'", BURST.db_name))
    title = RESTART_TITLE + " %"
    with cursor_on(BURST) as cursor:
        cursor.execute(FORGET_BURST, {"title": title})
    redis.Redis.from_url(REDIS_URL).flushdb()
    worker = start_worker(args.concurrency)
    beat = subprocess.Popen(
        [PYTHON, "-m", "celery", "-A", "servicedesk", "beat", "-l", "warning"],
        cwd=ROOT,
        env=BURST.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        due = math.ceil(time.time() + 30)
        BURST.django_print(CREATE_BURST.format(due=due, burst=n, title=RESTART_TITLE))
        print(
            f"\nrestart: {n} urgent first responses due at {time.strftime('%H:%M:%S', time.gmtime(due))} UTC; "
            "worker killed 5 s before, a new one started 10 s after, beat running"
        )
        time.sleep(max(0.0, due - 5 - time.time()))
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
        time.sleep(max(0.0, due + 10 - time.time()))
        started = time.time() - due
        worker = start_worker(args.concurrency, log_mode="a")
        ready = time.time() - due  # it answered a ping
        with cursor_on(BURST) as cursor:
            while time.time() < due + 180:
                if scalar_row(cursor, PROGRESS, (leader, title))[2] >= n:
                    break
                time.sleep(0.2)
            cursor.execute(LATENCIES, (leader, title))
            told = [r[3] for r in cursor.fetchall() if r[3] is not None]
    finally:
        stop_worker(beat)
        stop_worker(worker)
    last = max(told) if told else float("nan")
    print(
        f"  new worker started {started:.2f} s after the deadline, answering {ready:.2f} s after it; leadership "
        f"told for {len(told)} of {n} clocks, the first {min(told, default=float('nan')):.2f} s and the last "
        f"{last:.2f} s after the deadline "
        f"(goal 15 s: {'MET' if len(told) == n and last <= 15 else 'NOT MET'})"
    )


# --- 3. the watchdog ------------------------------------------------------------------------

WATCHDOG_ORM = """
import json, time
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from tickets import deadlines

deadlines.queue = lambda clock_id, eta=None: None  # nothing is sent


def run():
    cache.delete(deadlines.HORIZON_KEY)  # each run looks at the whole horizon, as after a restart
    started = time.perf_counter()
    result = deadlines.watchdog()
    return time.perf_counter() - started, result


for _ in range(3):
    run()
times = [run()[0] for _ in range({runs})]
cache.delete(deadlines.HORIZON_KEY)
with CaptureQueriesContext(connection) as captured:
    result = deadlines.watchdog()
cache.delete(deadlines.HORIZON_KEY)
print(json.dumps({{"times": times, "result": result, "queries": [q["sql"] for q in captured.captured_queries]}}))
"""


def prepare_watch_database(clocks: int) -> int:
    tickets = clocks // 2
    have, fresh = -1, False
    if exists(WATCH):
        with cursor_on(WATCH) as cursor:
            first = scalar(cursor, "SELECT min(id) FROM tickets_ticket WHERE reference LIKE 'BW-%%'")
            if first is not None:
                have = scalar(cursor, "SELECT count(*) FROM tickets_slaclock WHERE ticket_id >= %s", (first,))
                # the running clocks are due 1 to 31 days after generation: older than 22 h, build again
                fresh = scalar(
                    cursor,
                    "SELECT min(due_at) > now() + interval '2 hours' FROM tickets_slaclock WHERE ticket_id >= %s "
                    "AND target_minutes <> 60 AND stopped_at IS NULL AND paused_at IS NULL AND breached_at IS NULL",
                    (first,),
                )
    if have != 2 * tickets or not fresh:
        print(f"building {WATCH.db_name}: {tickets:,} tickets, {2 * tickets:,} clocks")
        recreate(WATCH)
        generate(WATCH, "BW", tickets, status=WATCH_STATUS, near=True)
    else:
        print(f"{WATCH.db_name}: {have:,} generated clocks there already")
        WATCH.sh(PYTHON, "manage.py", "migrate", "--noinput")
    with cursor_on(WATCH) as cursor:
        first = scalar(cursor, "SELECT min(id) FROM tickets_ticket WHERE reference LIKE 'BW-%%'")
        for sql in RETIME:
            cursor.execute(sql, {"first": first})
    vacuum(WATCH)
    return 2 * tickets


CENSUS = """
SELECT count(*),
    count(*) FILTER (WHERE stopped_at IS NULL AND paused_at IS NULL AND breached_at IS NULL),
    count(*) FILTER (WHERE stopped_at IS NOT NULL),
    count(*) FILTER (WHERE paused_at IS NOT NULL AND stopped_at IS NULL),
    count(*) FILTER (WHERE breached_at IS NOT NULL),
    count(*) FILTER (WHERE stopped_at IS NULL AND paused_at IS NULL AND breached_at IS NULL AND due_at <= now()),
    count(*) FILTER (WHERE stopped_at IS NULL AND paused_at IS NULL AND breached_at IS NULL
                     AND due_at > now() AND due_at <= now() + interval '300 seconds'),
    count(*) FILTER (WHERE stopped_at IS NULL AND paused_at IS NULL AND breached_at IS NULL AND warned_at IS NULL
                     AND warn_at > now() AND warn_at <= now() + interval '300 seconds'),
    count(*) FILTER (WHERE escalation_next_at > now() AND escalation_next_at <= now() + interval '300 seconds')
FROM tickets_slaclock
"""


def replay(queries: list[str], runs: int) -> list[list[float]]:
    """Each query's time per run (after 3 warm-ups), on one psycopg2 connection."""
    times = []
    with cursor_on(WATCH) as cursor:
        for _ in range(runs + 3):
            run = []
            for query in queries:
                started = time.perf_counter()
                cursor.execute(query)
                cursor.fetchall()
                run.append(time.perf_counter() - started)
            times.append(run)
    return times[3:]


def explain(cursor, query: str) -> list[str]:
    cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + query)
    return [line for (line,) in cursor.fetchall()]


def watchdog(args: argparse.Namespace) -> None:
    prepare_watch_database(args.clocks)
    with cursor_on(WATCH) as cursor:
        total, running, stopped, paused, breached, late, due, warn, escalation = scalar_row(cursor, CENSUS, ())
    print(
        f"\n{total:,} SLA clocks: {running:,} running (not breached; {late} of them past due), {stopped:,} stopped, "
        f"{paused:,} paused, {breached:,} breached; within the 300 s horizon: {due} due, {warn} warnings, "
        f"{escalation} escalation steps"
    )
    orm = last_json(WATCH.django_print(WATCHDOG_ORM.format(runs=args.runs)))
    queries = orm["queries"]
    bare = replay(queries, args.runs)
    orm_ms = statistics.median(orm["times"]) * 1000
    bare_ms = statistics.median(sum(run) for run in bare) * 1000
    print(f"\nwatchdog, {args.runs} runs each after 3 warm-ups (result of one run: {orm['result']})")
    print("\n| what | median ms | p90 ms |")
    print("| --- | ---: | ---: |")
    print(
        f"| `deadlines.watchdog()` through the ORM ({len(queries)} queries, queue() a no-op) | {orm_ms:.2f} | "
        f"{percentile(orm['times'], 0.9) * 1000:.2f} |"
    )
    totals = [sum(run) for run in bare]
    print(
        f"| bare SQL of the same {len(queries)} queries (psycopg2) | {bare_ms:.2f} | "
        f"{percentile(totals, 0.9) * 1000:.2f} |"
    )
    print(f"\nORM / bare SQL: {orm_ms / bare_ms:.1f}x")
    print("\n| query | rows | bare median ms | plan |")
    print("| --- | ---: | ---: | --- |")
    plans = []
    with cursor_on(WATCH) as cursor:
        for number, query in enumerate(queries):
            cursor.execute(query)
            rows = len(cursor.fetchall())
            plan = explain(cursor, query)
            plans.append(plan)
            scans = ", ".join(line.strip().split(" (")[0].removeprefix("->  ") for line in plan if "Scan" in line)
            median = statistics.median(run[number] for run in bare) * 1000
            print(f"| {number + 1}. {describe(query)} | {rows} | {median:.2f} | {scans} |")
    for number, (query, plan) in enumerate(zip(queries, plans, strict=True)):
        print(f"\n{number + 1}. {query}")
        for line in plan:
            print("   " + line)


def describe(query: str) -> str:
    where = query.split(" WHERE ", 1)[1]
    for column in ("escalation_next_at", "warn_at", "due_at"):
        if f'"{column}" <=' in where or f'"{column}" >' in where:
            kind = "late" if "LIMIT" in query else "upcoming"
            return f"{kind} `{column}`"
    return where[:40]


def load_note() -> str:
    load = os.getloadavg()[0]
    note = f"load average {load:.2f} on {os.cpu_count()} cores"
    print(note + " (the figures assume nothing else runs: see 'other processes' below)")
    return note


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000, help="open tickets around the burst")
    parser.add_argument("--burst", type=int, default=1000, help="urgent tickets due in the same second")
    parser.add_argument("--clocks", type=int, default=1_000_000, help="SLA clocks for the watchdog")
    parser.add_argument("--runs", type=int, default=20, help="watchdog runs")
    parser.add_argument("--concurrency", type=int, default=2, help="the worker's prefork processes")
    parser.add_argument(
        "--db-reuse-max", type=int, help="run the worker with CELERY_DB_REUSE_MAX (connections kept across tasks)"
    )
    parser.add_argument("--lead", type=float, help="seconds from the start of the filing to the due moment")
    parser.add_argument("--timeout", type=float, default=600, help="seconds to wait after the due moment")
    parser.add_argument("--only", choices=["burst", "restart", "watchdog"])
    parser.add_argument("--restart-clocks", type=int, default=20, help="deadlines in the restart scenario")
    args = parser.parse_args()
    started = time.monotonic()
    busy = load_note()
    if args.only in (None, "burst"):
        burst(args)
    if args.only in (None, "restart"):
        restart(args)
    if args.only in (None, "watchdog"):
        watchdog(args)
    redis.Redis.from_url(REDIS_URL).flushdb()
    print(f"\n(the whole run took {time.monotonic() - started:.0f} s; at the start: {busy})")


if __name__ == "__main__":
    main()
