"""The manager's SLA dashboard at scale: 1,000,000 tickets on PostgreSQL.

Builds its own database (``servicedesk_bench_dashboard``: the demo data, 200 generated projects
and 9 more engineers, then 1,000,000 tickets received over the last twelve months with their SLA
clocks, by set-based SQL, once) with outcomes a report can tell apart: stopped clocks with their
working time, some stopped after their due moment (``breached_at`` set), running clocks past due,
paused ones, ratings on closed tickets, assignees spread over twelve engineers, projects of
unequal size; plus a few hundred incidents, inspections, warranties, return visits and 30,000
deflections. Then, as the manager and for the dashboard's default filter (the last twelve
months, everything):

(a) every selector of the dashboard in one process (attainment by each ``group_by``, the first
    page of breaches, backlog, incidents, inspections, warranties, satisfaction, deflection,
    open review actions): median and p95 of N runs;
(b) the bare SQL of the same selector: its queries captured from Django once and replayed with
    psycopg2 (the two take turns), median and p95;
(c) the ratio selector / bare SQL;
(d) the dashboard page ``/reports/`` and ``GET /api/v1/reports/sla/?group_by=month`` (and
    ``/api/v1/reports/dashboard/``) through gunicorn, end to end, against the sum of the bare
    SQL each runs (captured through Django's test client, replayed);
(e) the plan, ``EXPLAIN (ANALYZE, BUFFERS)``, of the attainment query over the twelve months
    (and a line for the plan of every selector query over 50 ms);
(f) the overall attainment query under a few session settings (work_mem, jit, parallel workers);
(g) a proposal: the page's two attainment queries as one (``GROUPING SETS``);
(h) each change this benchmark led to against what it replaced, taking turns;
(i)-(l) the SLA roll-up (issue 21): its build (when empty or changed, or BENCH_REBUILD=1), a
    minute of set-based changes and their refresh (rolled back), every filter the form allows
    (the default, three years, the 15th to the 14th, the largest organisation and project, a
    priority) by every grouping against the live SQL of the same answer (BENCH_LIVE=0: without
    it), checking the counts, and the plan of the page's statement.

    make bench-dashboard
    python bench/dashboard.py --tickets 100000 --runs 5      # smaller (a database of its own)
    python bench/dashboard.py --only selectors                # all but (d); --only pages: (d)
    python bench/dashboard.py --only rollup                   # (i)-(l)
"""

import argparse
import datetime
import json
import os
import random
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

import psycopg2
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import PASSWORD, PYTHON, ROOT, Bench, percentile, stop

PORT = 8102
PAGE = 25  # breaches per page
PATHS = ["/reports/", "/api/v1/reports/sla/?group_by=month", "/api/v1/reports/dashboard/"]
ENGINEERS = [  # generated besides the demo's engineer, liaison and tech: twelve in all
    ("bench-eng-1", "Yan", "Zhao"),
    ("bench-eng-2", "Fang", "Huang"),
    ("bench-eng-3", "Lei", "Zhou"),
    ("bench-eng-4", "Jing", "Wu"),
    ("bench-eng-5", "Qiang", "Xu"),
    ("bench-eng-6", "Min", "Sun"),
    ("bench-eng-7", "Tao", "Ma"),
    ("bench-eng-8", "Xin", "Zhu"),
    ("bench-eng-9", "Bo", "Hu"),
]


def bench_for(tickets: int) -> Bench:
    name = "servicedesk_bench_dashboard" if tickets == 1_000_000 else f"servicedesk_bench_dashboard_{tickets}"
    bench = Bench(name, PORT)
    bench.env["ALLOWED_HOSTS"] = "127.0.0.1,testserver"
    bench.env["REDIS_URL"] = "redis://127.0.0.1:6379/15"
    return bench


# --- the tickets and their clocks, set-based --------------------------------------------------

# a uniform number in [0, 1) from the ticket's number g and a stream k: reproducible, and the
# streams are independent of each other (unlike g % n)
UNIFORM = """
CREATE OR REPLACE FUNCTION pg_temp.u(g bigint, k bigint) RETURNS float8 LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT (hashint8extended(g, k) & 2147483647)::float8 / 2147483648.0 $$
"""

# one row per ticket of the batch with everything its ticket and clocks need. Targets by
# priority (minutes): first response 15/30/60/240, resolution 240/480/1440/4320, on-site
# arrival 120/240 (urgent/high, a quarter of them). Each clock takes -ln(1-u) * m of its target
# (exponential), m depending on the priority, on the engineer (0 to 0.16 more) and a little on
# the season: 9 % to 25 % of the clocks run past their target. A tenth of the resolution clocks
# were paused (up to half the target). A ticket is open when its resolution is not over by now,
# and some more (most of the last three days, a few of the older ones); older open tickets
# have breached their resolution clock.
GENERATE = """
DROP TABLE IF EXISTS gen;
CREATE TEMP TABLE gen AS
WITH base AS (
    SELECT g, %(t0)s::timestamptz - pg_temp.u(g, 1) * interval '365 days' AS received_at, pg_temp.u(g, 1) AS season,
        CASE WHEN pg_temp.u(g, 2) < 0.08 THEN 'urgent' WHEN pg_temp.u(g, 2) < 0.30 THEN 'high'
             WHEN pg_temp.u(g, 2) < 0.80 THEN 'normal' ELSE 'low' END AS priority,
        floor(power(pg_temp.u(g, 5), 1.3) * %(engineer_count)s)::int AS engineer,
        floor(power(pg_temp.u(g, 6), 1.6) * %(project_count)s)::int AS project,
        pg_temp.u(g, 3) AS u_open, pg_temp.u(g, 4) AS u_status
    FROM generate_series(%(start)s, %(stop)s) AS g
), targets AS (
    SELECT b.*,
        CASE priority WHEN 'urgent' THEN 15 WHEN 'high' THEN 30 WHEN 'normal' THEN 60 ELSE 240 END AS fr_target,
        CASE priority WHEN 'urgent' THEN 240 WHEN 'high' THEN 480 WHEN 'normal' THEN 1440 ELSE 4320 END AS res_target,
        CASE priority WHEN 'urgent' THEN 120 ELSE 240 END AS onsite_target,
        CASE priority WHEN 'urgent' THEN 0.5 WHEN 'high' THEN 0.45 WHEN 'normal' THEN 0.42 ELSE 0.38 END
            + 0.04 * (engineer %% 5) + 0.05 * sin(2 * pi() * season) AS m
    FROM base b
), timed AS (
    SELECT t.*,
        -ln(1 - pg_temp.u(g, 7)) * m * fr_target AS fr_minutes,
        greatest(-ln(1 - pg_temp.u(g, 8)) * m * res_target, -ln(1 - pg_temp.u(g, 7)) * m * fr_target) AS res_minutes,
        CASE WHEN pg_temp.u(g, 9) < 0.10 THEN floor(pg_temp.u(g, 10) * res_target * 30)::bigint ELSE 0 END
            AS res_paused,
        priority IN ('urgent', 'high') AND pg_temp.u(g, 11) < 0.25 AS onsite,
        -ln(1 - pg_temp.u(g, 12)) * m * onsite_target AS onsite_minutes
    FROM targets t
), ends AS (
    SELECT t.*,
        received_at + fr_minutes * interval '1 minute' AS fr_end,
        received_at + res_minutes * interval '1 minute' + res_paused * interval '1 second' AS res_end,
        received_at + onsite_minutes * interval '1 minute' AS onsite_end
    FROM timed t
), opened AS (
    SELECT e.*,
        res_end > %(t0)s OR (onsite AND onsite_end > %(t0)s)
            OR CASE WHEN %(t0)s - received_at < interval '3 days' THEN u_open < 0.6
                    WHEN %(t0)s - received_at < interval '30 days' THEN u_open < 0.1
                    ELSE u_open < 0.004 END AS is_open
    FROM ends e
)
SELECT o.*, 'BD-' || lpad(g::text, 8, '0') AS reference,
    CASE WHEN NOT is_open THEN CASE WHEN res_end > %(t0)s - interval '3 days' AND u_status < 0.5 THEN 'resolved'
                                    ELSE 'closed' END
         WHEN fr_end > %(t0)s THEN 'new'
         WHEN u_status < 0.25 THEN 'acknowledged' WHEN u_status < 0.8 THEN 'in_progress'
         ELSE 'waiting_on_customer' END AS status
FROM opened o;
"""

TICKETS = """
WITH projects AS (SELECT row_number() OVER (ORDER BY id) - 1 AS n, id, organisation_id FROM customers_project)
INSERT INTO tickets_ticket (reference, organisation_id, project_id, reporter_id, channel, category, priority, status,
    title, description, location, impact, measures_taken, received_at, first_response_at, resolved_at, closed_at,
    rating, rating_comment, assignee_id, created_at, updated_at, cc, email_thread)
SELECT g.reference, p.organisation_id, p.id, %(reporter)s,
    (ARRAY['portal', 'hotline', 'email', 'instant_message', 'remote_desktop', 'on_site'])[1 + g.g %% 6],
    (ARRAY['fault', 'fault', 'fault', 'question', 'request', 'change', 'complaint'])[1 + (g.g / 6) %% 7],
    g.priority, g.status, 'Generated ' || g.priority || ' fault ' || g.g, 'generated', '', '', '',
    g.received_at,
    CASE WHEN g.fr_end <= %(t0)s THEN g.fr_end END,
    CASE WHEN NOT g.is_open THEN g.res_end END,
    CASE WHEN g.status = 'closed' THEN least(g.res_end + interval '1 day', %(t0)s) END,
    CASE WHEN g.status = 'closed' AND pg_temp.u(g.g, 16) < 0.35 THEN
        -- a late resolution is rated lower
        CASE WHEN r.u < 0.05 THEN 1 WHEN r.u < 0.12 THEN 2 WHEN r.u < 0.25 THEN 3 WHEN r.u < 0.55 THEN 4 ELSE 5 END
    END,
    '',
    CASE WHEN g.status = 'new' AND pg_temp.u(g.g, 13) < 0.7 THEN NULL
         ELSE (%(engineers)s::bigint[])[1 + g.engineer] END,
    g.received_at, coalesce(least(g.res_end + interval '1 day', %(t0)s), %(t0)s), '[]'::jsonb, ''
FROM gen g
JOIN projects p ON p.n = g.project
CROSS JOIN LATERAL (SELECT pg_temp.u(g.g, 17) * CASE WHEN g.res_minutes > g.res_target THEN 0.6 ELSE 1 END AS u) r
"""

# due = start + target (+ the pauses of a resolution clock: the 24x7 calendar); the working
# time of a stopped clock is its minutes, its wall time those plus the pauses; breached_at is
# the due moment of a clock that stopped after it or was running (not paused) past it
CLOCKS = """
INSERT INTO tickets_slaclock (ticket_id, metric, target_minutes, calendar_id, started_at, due_at, paused_at,
    paused_seconds, stopped_at, working_seconds, breached_at, version, escalation_position)
SELECT t.id, c.metric, c.target, %(calendar)s, g.received_at, c.due_at, c.paused_at, c.paused_seconds, c.stopped_at,
    CASE WHEN c.stopped_at IS NOT NULL THEN round(c.minutes * 60)::bigint END,
    CASE WHEN c.due_at < coalesce(c.stopped_at, c.paused_at, %(t0)s) THEN c.due_at END,
    1, 0
FROM gen g
JOIN tickets_ticket t ON t.reference = g.reference
CROSS JOIN LATERAL (VALUES
    ('first_response', g.fr_target, g.received_at + g.fr_target * interval '1 minute', NULL::timestamptz, 0::bigint,
        CASE WHEN g.fr_end <= %(t0)s THEN g.fr_end END, g.fr_minutes),
    ('resolution', g.res_target,
        g.received_at + g.res_target * interval '1 minute'
            + CASE WHEN g.is_open THEN 0 ELSE g.res_paused END * interval '1 second',
        CASE WHEN g.status = 'waiting_on_customer'
             THEN greatest(g.fr_end, %(t0)s - pg_temp.u(g.g, 15) * interval '2 days') END,
        CASE WHEN g.is_open THEN 0 ELSE g.res_paused END,
        CASE WHEN NOT g.is_open THEN g.res_end END, g.res_minutes),
    ('onsite_arrival', g.onsite_target, g.received_at + g.onsite_target * interval '1 minute', NULL, 0,
        CASE WHEN g.onsite_end <= %(t0)s THEN g.onsite_end END, g.onsite_minutes)
) AS c(metric, target, due_at, paused_at, paused_seconds, stopped_at, minutes)
WHERE c.metric <> 'onsite_arrival' OR g.onsite
"""

NEXT_DUE = """
UPDATE tickets_ticket t SET next_due_at = c.due
FROM (SELECT ticket_id, min(due_at) AS due FROM tickets_slaclock
      WHERE stopped_at IS NULL AND paused_at IS NULL GROUP BY ticket_id) c
WHERE c.ticket_id = t.id AND t.reference LIKE 'BD-%%'
  AND t.status IN ('new', 'acknowledged', 'in_progress', 'waiting_on_customer')
"""

DEFLECTIONS = """
INSERT INTO training_deflection (article_id, user_id, organisation_id, query, source, created_at, visitor)
SELECT (%(articles)s::bigint[])[1 + g %% cardinality(%(articles)s::bigint[])], NULL,
    (%(organisations)s::bigint[])[
        1 + floor(power(pg_temp.u(g, 31), 1.6) * cardinality(%(organisations)s::bigint[]))::int],
    'bench', (ARRAY['ticket_form', 'article', 'api'])[1 + g %% 3],
    %(t0)s::timestamptz - pg_temp.u(g, 32) * interval '365 days', ''
FROM generate_series(1, %(count)s) AS g
"""


def build(bench: Bench, tickets: int, ids: dict) -> None:
    """The generated tickets, their clocks and the deflections; kept when already there."""
    have = int(bench.psql("SELECT count(*) FROM tickets_ticket WHERE reference LIKE 'BD-%'", bench.db_name))
    if have >= tickets:
        print(f"{have:,} generated tickets there already (built {ids['t0'][:16]} UTC)")
        return
    if have:
        raise SystemExit(f"{have:,} generated tickets, not {tickets:,}: drop {bench.db_name} and run again")
    started = time.monotonic()
    t0 = datetime.datetime.fromisoformat(ids["t0"])
    params = {
        "t0": t0,
        "reporter": ids["reporter"],
        "calendar": ids["calendar"],
        "engineers": ids["engineers"],
        "engineer_count": len(ids["engineers"]),
        "project_count": ids["projects"],
    }
    with psycopg2.connect(bench.database_url) as connection, connection.cursor() as cursor:
        cursor.execute(UNIFORM)
        step = 200_000
        for start in range(1, tickets + 1, step):
            batch = {**params, "start": start, "stop": min(tickets, start + step - 1)}
            for statement in (GENERATE, TICKETS, CLOCKS):
                cursor.execute(statement, batch)
            connection.commit()
            print(f"  {batch['stop']:,} tickets ({time.monotonic() - started:.0f} s)", flush=True)
        cursor.execute(NEXT_DUE, {})
        cursor.execute(
            DEFLECTIONS,
            {
                "t0": t0,
                "count": ids["deflections"],
                "articles": ids["articles"],
                "organisations": ids["organisations"],
            },
        )
        connection.commit()
    print(f"generated {tickets:,} tickets with their clocks in {time.monotonic() - started:.0f} s")


# --- inside Django (a child process on the benchmark's database) ----------------------------


def django_setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servicedesk.settings")
    import django

    django.setup()


def setup() -> dict:
    """The engineers, incidents, inspections, warranties and return visits (once), and the ids
    the SQL generator needs."""
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import User
    from customers.models import Organisation, Project
    from emergency.models import Incident
    from tickets.models import BusinessCalendar
    from training.models import Article

    rng = random.Random(8)
    for username, first, last in ENGINEERS:
        if not User.objects.filter(username=username).exists():
            user = User(username=username, first_name=first, last_name=last, role=User.Role.ENGINEER)
            user.set_unusable_password()
            user.save()
    engineers = list(
        User.objects.filter(username__in=["engineer", "liaison", "tech", *[e[0] for e in ENGINEERS]])
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    staff = list(User.objects.filter(role__in=["engineer", "manager"]).order_by("pk"))
    projects = list(Project.objects.select_related("organisation").order_by("pk"))
    now = timezone.now()
    today = timezone.localdate()
    marker = Incident.objects.filter(reference="BI-00001")
    with transaction.atomic():
        if not marker.exists():
            _incidents(rng, now, today, staff, projects)
            _maintenance(rng, now, today, staff, projects)
    articles = list(Article.objects.filter(status="published").order_by("pk").values_list("pk", flat=True))
    t0 = (
        User.objects.filter(username="bench-eng-1").values_list("date_joined", flat=True).get().astimezone(datetime.UTC)
    )
    return {
        "t0": t0.isoformat(),
        "reporter": User.objects.get(username="alice").pk,
        "calendar": BusinessCalendar.objects.get(name="24x7").pk,
        "engineers": engineers,
        "projects": len(projects),
        "articles": articles,
        "organisations": list(Organisation.objects.order_by("pk").values_list("pk", flat=True)),
        "deflections": 30_000,
    }


def _incidents(rng: random.Random, now: datetime.datetime, today: datetime.date, staff: list, projects: list) -> None:
    """400 incidents over the year (those of the last two months partly not closed) and two
    review actions for each of 90 graded ones, two in five not done."""
    from emergency.models import Grade, Incident, ReviewAction

    incidents = []
    open_steps = ["reported", "assessed", "plan_activated", "remote_handling", "onsite", "recovered", "verified"]
    for number in range(1, 401):
        project = rng.choice(projects)
        reported = now - datetime.timedelta(days=rng.uniform(0, 365))
        status = "closed" if rng.random() < 0.85 or reported < now - datetime.timedelta(days=60) else None
        status = status or rng.choice(open_steps)
        grade = "" if status == "reported" else rng.choices(Grade.values, weights=[50, 30, 15, 5])[0]
        incidents.append(
            Incident(
                reference=f"BI-{number:05d}",
                organisation=project.organisation,
                project=project,
                title=f"Generated incident {number}",
                symptoms="generated",
                reporter_name="Bench reporter",
                reported_at=reported,
                status=status,
                status_changed_at=reported + datetime.timedelta(hours=rng.uniform(1, 72)),
                grade=grade,
                closed_at=reported + datetime.timedelta(days=rng.uniform(1, 20)) if status == "closed" else None,
            )
        )
    Incident.objects.bulk_create(incidents)
    reviewed = [incident for incident in Incident.objects.filter(reference__startswith="BI-") if incident.grade][:90]
    ReviewAction.objects.bulk_create(
        ReviewAction(
            incident=incident,
            description=f"Improvement {n} of {incident.reference}",
            owner=rng.choice(staff),
            due_date=today + datetime.timedelta(days=rng.randint(-60, 90)),
            done_at=now - datetime.timedelta(days=rng.uniform(0, 30)) if rng.random() < 0.6 else None,
        )
        for incident in reviewed
        for n in range(1, 3)
    )


def _maintenance(rng: random.Random, now: datetime.datetime, today: datetime.date, staff: list, projects: list) -> None:
    """3,000 inspections due from eleven months ago to three months ahead (4 % of the past ones
    left open: overdue), a two-year warranty per generated project (started up to 1,000 days
    ago) and 2,500 return visits over the year, nine in ten of the past ones done with a
    satisfaction."""
    from maintenance import coverage
    from maintenance.models import Inspection, ReturnVisit, Warranty, WarrantyTerms

    inspections = []
    for number in range(3000):
        due = today + datetime.timedelta(days=rng.randint(-330, 90))
        if due < today - datetime.timedelta(days=3):
            status = rng.choices(["completed", "cancelled", "planned"], weights=[94, 2, 4])[0]
        elif due <= today:
            status = rng.choice(["planned", "in_progress"])
        else:
            status = "planned"
        inspections.append(
            Inspection(
                project=rng.choice(projects),
                title=f"Generated inspection {number}",
                due_date=due,
                engineer=rng.choice(staff),
                status=status,
                completed_at=now - datetime.timedelta(days=(today - due).days) if status == "completed" else None,
            )
        )
    Inspection.objects.bulk_create(inspections)
    terms = WarrantyTerms.objects.order_by("pk").first()
    warranties = []
    for project in projects:
        if project.code.startswith("gen-prj-"):
            start = today - datetime.timedelta(days=rng.randint(0, 1000))
            end = coverage.period_end(start, terms.duration_months)
            warranties.append(Warranty(project=project, terms=terms, start_date=start, end_date=end))
    Warranty.objects.bulk_create(warranties)
    visits = []
    for _ in range(2500):
        scheduled = today - datetime.timedelta(days=rng.randint(-30, 364))
        done = scheduled < today and rng.random() < 0.9
        visits.append(
            ReturnVisit(
                project=rng.choice(projects),
                scheduled_for=scheduled,
                staff=rng.choice(staff),
                contact_name="Bench contact",
                status="done" if done else ("planned" if scheduled >= today else "cancelled"),
                done_at=datetime.datetime.combine(scheduled, datetime.time(10), tzinfo=datetime.UTC) if done else None,
                satisfaction=rng.choices([1, 2, 3, 4, 5], weights=[3, 5, 15, 37, 40])[0] if done else None,
            )
        )
    ReturnVisit.objects.bulk_create(visits)


def census() -> dict:
    """What the data set holds, in figures a reader can check."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT count(*), count(*) FILTER (WHERE status IN ('new', 'acknowledged', 'in_progress',
                   'waiting_on_customer')), count(rating), count(DISTINCT assignee_id), count(DISTINCT project_id),
                   count(DISTINCT organisation_id), min(received_at), max(received_at) FROM tickets_ticket"""
        )
        tickets = cursor.fetchone()
        cursor.execute(
            """SELECT count(*), count(stopped_at), count(breached_at), count(paused_at),
                   count(*) FILTER (WHERE stopped_at > due_at), count(*) FILTER (WHERE metric = 'onsite_arrival')
               FROM tickets_slaclock"""
        )
        clocks = cursor.fetchone()
        counts = {}
        for table in ("emergency_incident", "maintenance_inspection", "maintenance_warranty",
                      "maintenance_returnvisit", "training_deflection"):  # fmt: skip
            cursor.execute(f"SELECT count(*) FROM {table}")
            counts[table] = cursor.fetchone()[0]
        settings = {}
        for name in ("server_version", "shared_buffers", "work_mem", "jit", "max_parallel_workers_per_gather"):
            cursor.execute(f"SHOW {name}")
            settings[name] = cursor.fetchone()[0]
        cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('tickets_slaclock')), "
                       "pg_size_pretty(pg_total_relation_size('tickets_ticket'))")  # fmt: skip
        sizes = cursor.fetchone()
    return {
        "tickets": tickets[0],
        "open": tickets[1],
        "rated": tickets[2],
        "assignees": tickets[3],
        "projects": tickets[4],
        "organisations": tickets[5],
        "received": [str(tickets[6]), str(tickets[7])],
        "clocks": clocks[0],
        "stopped": clocks[1],
        "breached_at": clocks[2],
        "paused": clocks[3],
        "stopped_late": clocks[4],
        "onsite": clocks[5],
        "counts": counts,
        "settings": settings,
        "sizes": {"tickets_slaclock": sizes[0], "tickets_ticket": sizes[1]},
    }


def manager_filter():
    """The dashboard's default filter as the manager opens it: the last twelve months."""
    from accounts.models import User
    from reports.filters import ReportFilterForm

    form = ReportFilterForm({}, user=User.objects.get(username="manager"))
    assert form.is_valid(), form.errors
    return form.report_filter()


def selector_cases(report) -> dict:
    from django.core.paginator import Paginator

    from reports import selectors

    def first_page() -> list:
        page = Paginator(selectors.breaches(report), PAGE).page(1)
        return [page.paginator.count, *page.object_list]

    cases = {"attainment, overall": lambda: selectors.attainment(report)}
    for group in selectors.GROUPS:
        cases[f"attainment by {group}"] = lambda group=group: selectors.attainment(report, group)
    cases.update(
        {
            f"breaches, first page of {PAGE} (count + page)": first_page,
            "backlog": lambda: selectors.backlog(report),
            "incidents by grade": lambda: selectors.incidents_by_grade(report),
            "inspections": lambda: selectors.inspections(report),
            "warranties expiring": lambda: list(selectors.warranties_expiring(report)),
            "satisfaction": lambda: selectors.satisfaction(report),
            "deflection": lambda: selectors.deflection(report),
            "open review actions": lambda: list(selectors.open_review_actions(report)),
        }
    )
    return cases


def replayer(cursor, queries: list[str]):
    # a server-side cursor (``QuerySet.iterator()``: the filter form's choices) is replayed as
    # its SELECT, fetched at once
    queries = [re.sub(r"^DECLARE \S+ NO SCROLL CURSOR WITH(OUT)? HOLD FOR ", "", query) for query in queries]

    def replay() -> None:
        for query in queries:
            cursor.execute(query)
            if cursor.description is not None:
                cursor.fetchall()

    return replay


def explain(cursor, query: str) -> list[str]:
    """EXPLAIN (ANALYZE, BUFFERS) of a query, under the settings it is sent with (the roll-up's
    statement comes with ``SET jit = off;``)."""
    settings, _sep, statement = query.rpartition(";\n") if query.startswith("SET ") else ("", "", query)
    if settings:
        cursor.execute(settings)
    try:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement)
        return [line for (line,) in cursor.fetchall()]
    finally:
        cursor.execute("RESET ALL")
        cursor.execute("SET TIME ZONE 'UTC'")


def measure(runs: int, warmups: int, only: str | None) -> dict:
    """(a), (b), (c) and (e): each selector and its SQL, taking turns, then the plans."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    report = manager_filter()
    bare = psycopg2.connect(os.environ["DATABASE_URL"])
    bare.autocommit = True
    cursor = bare.cursor()
    cursor.execute("SET TIME ZONE 'UTC'")  # as Django's connection
    rows = []
    for label, function in selector_cases(report).items():
        if only and only not in label:
            continue
        function()  # warm the caches
        with CaptureQueriesContext(connection) as captured:
            result = function()
        queries = [query["sql"] for query in captured.captured_queries]
        times = {"selector": [], "sql": []}
        replay = replayer(cursor, queries)
        for run in range(runs + warmups):
            for name, variant in (("selector", function), ("sql", replay)):
                started = time.perf_counter()
                variant()
                if run >= warmups:
                    times[name].append(time.perf_counter() - started)
        rows.append({"label": label, "queries": queries, "rows": len(result), **times})
        print(f"  {label}: {statistics.median(times['selector']) * 1000:.1f} ms", file=sys.stderr, flush=True)
    plans = {}
    for label in ("attainment, overall", "attainment by month"):
        row = next((row for row in rows if row["label"] == label), None)
        if row:
            plans[label] = explain(cursor, row["queries"][0])
    summaries = []  # the plan of every query of a selector slower than 50 ms, in a line
    for row in rows:
        if ms(row["sql"]) > 50:
            for query in row["queries"]:
                summaries.append([row["label"], query[:60], plan_summary(explain(cursor, query))])
    sample = {
        "overall": selectors_sample(report),
        "filter": [report.start.isoformat(), report.end.isoformat()],
    }
    result = {"rows": rows, "plans": plans, "summaries": summaries, "census": census(), "sample": sample}
    by_label = {row["label"]: row for row in rows}
    if "attainment, overall" in by_label and "attainment by month" in by_label:
        overall, month = by_label["attainment, overall"]["queries"][0], by_label["attainment by month"]["queries"][0]
        result["settings"] = time_settings(cursor, overall, runs, warmups)
        result["sets"] = time_grouping_sets(cursor, overall, month, runs, warmups)
    result["before_after"] = time_before_after(cursor, by_label, runs, warmups)
    bare.close()
    return result


# PostgreSQL settings tried on the overall attainment query, in the session
SETTINGS = {
    "as configured": [],
    "work_mem = 64MB": ["SET work_mem = '64MB'"],
    "work_mem = 256MB": ["SET work_mem = '256MB'"],
    "jit = off": ["SET jit = off"],
    "max_parallel_workers_per_gather = 0": ["SET max_parallel_workers_per_gather = 0"],
}


def taking_turns(variants: dict, runs: int, warmups: int) -> dict[str, list[float]]:
    """Each variant (a function) once per round, ``runs`` rounds after ``warmups``."""
    times: dict[str, list[float]] = {name: [] for name in variants}
    for run in range(runs + warmups):
        for name, function in variants.items():
            started = time.perf_counter()
            function()
            if run >= warmups:
                times[name].append(time.perf_counter() - started)
    return times


def time_settings(cursor, query: str, runs: int, warmups: int) -> dict[str, list[float]]:
    def under(statements: list[str]):
        def run() -> None:
            for statement in statements:
                cursor.execute(statement)
            try:
                cursor.execute(query)
                cursor.fetchall()
            finally:
                cursor.execute("RESET ALL")
                cursor.execute("SET TIME ZONE 'UTC'")

        return run

    return taking_turns({name: under(statements) for name, statements in SETTINGS.items()}, runs, warmups)


def time_grouping_sets(cursor, overall: str, month: str, runs: int, warmups: int) -> dict:
    """A proposal: the page's two attainment queries (the tiles: per metric; the chart: per
    month and metric) as one, ``GROUP BY GROUPING SETS ((metric, month), (metric))``, checked
    to give the per-metric rows of the overall query (clocks and met, which do not depend on
    the moment)."""
    head, tail = "GROUP BY 2, 1 ORDER BY 1 ASC, 2 ASC", "GROUP BY GROUPING SETS ((2, 1), (2)) ORDER BY 1 ASC, 2 ASC"
    if not month.endswith(head):
        return {}
    both = month.removesuffix(head) + tail
    cursor.execute(overall)
    expected = {row[0]: row[1:3] for row in cursor.fetchall()}
    cursor.execute(both)
    got = {row[1]: row[2:4] for row in cursor.fetchall() if row[0] is None}
    variants = {"two queries": replayer(cursor, [overall, month]), "one query": replayer(cursor, [both])}
    return {"same": got == expected, **taking_turns(variants, runs, warmups)}


# reports.sql.Seconds before issue #8's benchmark: EXTRACT, numeric since PostgreSQL 14
DATE_PART = re.compile(r"date_part\('epoch', (\"\w+\"\.\"\w+\") - (\"\w+\"\.\"\w+\")\)")


# reports.selectors.attainment before: a group's label columns in the GROUP BY
LABEL = re.compile(r"MIN\((\"\w+\"\.\"\w+\")\) AS (\"label_\w+\")")


def time_before_after(cursor, by_label: dict, runs: int, warmups: int) -> dict:
    """The changes this benchmark led to, each against what it replaced, taking turns: the
    wall time in seconds as ``date_part`` (float) instead of ``EXTRACT`` (numeric); a group's
    names taken with MIN instead of grouped by; the breaches page with the index
    ``sla_latest_due`` (without it: dropped inside a transaction that is rolled back)."""
    result = {}
    overall = by_label.get("attainment, overall")
    if overall:
        now = overall["queries"][0]
        before = DATE_PART.sub(r"EXTRACT(EPOCH FROM (\1 - \2))", now)
        if before != now:
            variants = {
                "EXTRACT (numeric), before": replayer(cursor, [before]),
                "date_part (float)": replayer(cursor, [now]),
            }
            result["attainment, overall: wall seconds as"] = taking_turns(variants, runs, warmups)
    engineer = by_label.get("attainment by engineer")
    if engineer:
        now = engineer["queries"][0]
        before, labels = LABEL.subn(r"\1 AS \2", now)
        keys = ", ".join(str(n) for n in range(1, labels + 3))
        order = ", ".join(f"{n} ASC" for n in [1, *range(3, labels + 3), 2])
        before = before.replace("GROUP BY 1, 2 ORDER BY 1 ASC, 2 ASC", f"GROUP BY {keys} ORDER BY {order}")
        if labels and before != now:
            variants = {"grouped by, before": replayer(cursor, [before]), "MIN": replayer(cursor, [now])}
            result["attainment by engineer: the names"] = taking_turns(variants, runs, warmups)
    breaches = next((row for label, row in by_label.items() if label.startswith("breaches")), None)
    if breaches:
        page = breaches["queries"][-1]

        def without_index() -> None:
            cursor.execute("BEGIN")
            try:
                cursor.execute("DROP INDEX sla_latest_due")
                cursor.execute(page)
                cursor.fetchall()
            finally:
                cursor.execute("ROLLBACK")

        variants = {"without the index, before": without_index, "with sla_latest_due": replayer(cursor, [page])}
        result[f"breaches, the page of {PAGE} alone"] = taking_turns(variants, runs, warmups)
    return result


def selectors_sample(report) -> list[dict]:
    from reports import selectors

    return [
        {key: row[key] for key in ("metric", "clocks", "met", "breached", "pending", "attainment")}
        for row in selectors.attainment(report)
    ]


CAPTURE_SKIP = ("django_session", "axes_", "accounts_apitoken")


def capture(paths: list[str]) -> dict:
    """Every query each path runs for the manager (test client, second request), its status and
    size; the session and authentication bookkeeping left out."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username="manager"))
    result = {}
    for path in paths:
        client.get(path)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path)
        queries = [query["sql"] for query in captured.captured_queries]
        result[path] = {
            "status": response.status_code,
            "size": len(response.content),
            "queries": [query for query in queries if not any(skip in query for skip in CAPTURE_SKIP)],
            "all_queries": len(queries),
        }
    return result


def child(phase: str, args: argparse.Namespace) -> None:
    django_setup()
    if phase == "setup":
        result = setup()
    elif phase == "capture":
        result = capture(PATHS)
    elif phase == "rollup":
        result = measure_rollup(args.runs, args.warmups)
    else:
        result = measure(args.runs, args.warmups, args.match)
    print(json.dumps(result, default=str))


# --- the roll-up (issue 21): build, refresh, and every filter the form allows ------------------

GOAL_DEFAULT, GOAL_ANY = 0.300, 1.0  # seconds: the default page, any filter


def rollup_filters(report) -> dict:
    """The default filter and the heaviest ones the form allows."""
    import dataclasses

    from django.db.models import Count

    from tickets.models import Ticket

    biggest_org = Ticket.objects.values("organisation_id").annotate(n=Count("pk")).order_by("-n")[0]
    biggest_project = Ticket.objects.values("project_id").annotate(n=Count("pk")).order_by("-n")[0]
    end = report.end
    return {
        "default (12 months)": report,
        "three years": dataclasses.replace(report, start=end - datetime.timedelta(days=3 * 366)),
        "mid-month to mid-month": dataclasses.replace(
            report,
            start=report.start.replace(day=15),
            end=end - datetime.timedelta(days=end.day - 1) + datetime.timedelta(days=13),
        ),
        f"organisation ({biggest_org['n']:,} tickets)": dataclasses.replace(
            report, organisation_id=biggest_org["organisation_id"]
        ),
        f"project ({biggest_project['n']:,} tickets)": dataclasses.replace(
            report, project_id=biggest_project["project_id"]
        ),
        "priority urgent": dataclasses.replace(report, priority="urgent"),
    }


# a minute of the desk's work, set-based (as the deadline pass): clocks of the last days stopped
# and breached, tickets reassigned
ACTIVITY = """
WITH stopping AS (
    SELECT c.id FROM tickets_slaclock c JOIN tickets_ticket t ON t.id = c.ticket_id
    WHERE c.stopped_at IS NULL AND c.paused_at IS NULL AND t.received_at > now() - interval '5 days' LIMIT %(stop)s
)
UPDATE tickets_slaclock c SET stopped_at = now(), working_seconds = 3600 FROM stopping s WHERE s.id = c.id;
UPDATE tickets_slaclock SET breached_at = due_at
WHERE id IN (SELECT id FROM tickets_slaclock WHERE stopped_at IS NULL AND breached_at IS NULL AND due_at < now()
             LIMIT %(breach)s);
UPDATE tickets_ticket SET assignee_id = %(engineer)s
WHERE id IN (SELECT id FROM tickets_ticket WHERE received_at > now() - interval '2 days' LIMIT %(reassign)s);
"""


def measure_rollup(runs: int, warmups: int) -> dict:
    """The roll-up's build (when it holds nothing yet), then a minute of changes and their
    refresh (rolled back), then each filter by each grouping: the roll-up's one statement
    against the live SQL of the same answer (attainment_live, per metric and per group)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from accounts.models import User
    from reports import rollup, selectors
    from reports.models import SLAFact, SLAFactChange

    result: dict = {}
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM reports_slafactchange")
        pending = cursor.fetchone()[0]
    if not SLAFact.objects.exists() or pending or os.environ.get("BENCH_REBUILD"):
        started = time.perf_counter()
        days = rollup.rollup_rebuild()
        result["build"] = {"seconds": time.perf_counter() - started, "days": days, "changes": pending}
    with connection.cursor() as cursor:
        cursor.execute("SELECT grain, count(*) FROM reports_slafact GROUP BY grain ORDER BY grain")
        result["facts"] = dict(cursor.fetchall())
        cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('reports_slafact'))")
        result["size"] = cursor.fetchone()[0]
    report = manager_filter()
    now = timezone.now()
    engineer = User.objects.get(username="bench-eng-1").pk
    refresh = []
    for _run in range(max(1, runs // 3)):
        with transaction.atomic():
            with connection.cursor() as cursor:
                started = time.perf_counter()
                cursor.execute(ACTIVITY, {"stop": 300, "breach": 100, "reassign": 50, "engineer": engineer})
                writes = time.perf_counter() - started
            changes = SLAFactChange.objects.count()
            dirty = taking_turns(
                {"default, changed days live": lambda: selectors.attainment_sets(report, "month", now=now)}, 3, 1
            )
            started = time.perf_counter()
            days = rollup.rollup_refresh()
            refresh.append(
                {
                    "writes": writes,
                    "changes": changes,
                    "days": days,
                    "seconds": time.perf_counter() - started,
                    "dirty_page": dirty["default, changed days live"],
                }
            )
            transaction.set_rollback(True)
    result["refresh"] = refresh
    rows = []
    for label, cut in rollup_filters(report).items():
        for group in [None, *selectors.GROUPS]:
            live_too = (label.startswith("default") or group == "month") and os.environ.get("BENCH_LIVE", "1") == "1"
            variants = {"rollup": lambda cut=cut, group=group: selectors.attainment_sets(cut, group, now=now)}
            if live_too:
                variants["live"] = lambda cut=cut, group=group: (
                    selectors.attainment_live(cut, now=now),
                    selectors.attainment_live(cut, group, now=now) if group else [],
                )
            times = taking_turns(variants, runs if not live_too else max(2, runs // 3), 1 if live_too else warmups)
            overall, grouped = selectors.attainment_sets(cut, group, now=now)
            row = {"filter": label, "group": group or "(tiles only)", "rows": len(overall) + len(grouped), **times}
            if live_too:
                live = selectors.attainment_live(cut, now=now)
                live += selectors.attainment_live(cut, group, now=now) if group else []
                row["check"] = compare_rollup(overall + grouped, live)
            rows.append(row)
            print(f"  {label} by {group}: {ms(times['rollup']):.1f} ms", file=sys.stderr, flush=True)
    result["rows"] = rows
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + _rollup_sql(report))
        result["plan"] = [line for (line,) in cursor.fetchall()]
    return result


EXACT = ("group", "metric", "clocks", "met", "breached", "pending", "attainment")


def compare_rollup(rolled: list[dict], live: list[dict]) -> dict:
    """The roll-up's rows against the live SQL's: the same counts and attainment, the largest
    difference of a mean (seconds) and of a 90th percentile (relative to the live one)."""
    same = [{key: row[key] for key in EXACT} for row in rolled] == [{key: row[key] for key in EXACT} for row in live]
    means, p90s = [0.0], [0.0]
    for mine, theirs in zip(rolled, live, strict=False):
        for name in ("mean_working_seconds", "mean_wall_seconds"):
            if mine[name] is not None and theirs[name] is not None:
                means.append(abs(mine[name] - theirs[name]))
        for name in ("p90_working_seconds", "p90_wall_seconds"):
            if mine[name] is not None and theirs[name]:
                p90s.append(abs(mine[name] - theirs[name]) / theirs[name])
    return {"same": same, "mean": max(means), "p90": max(p90s)}


def _rollup_sql(report) -> str:
    """The default page's attainment statement with its parameters in (for EXPLAIN)."""
    from django.db import connection
    from django.utils import timezone

    from reports import rollup_read

    params = {**rollup_read._params(report, rollup_read._grain(report, "month")), "now": timezone.now()}
    with connection.cursor() as cursor:
        return cursor.mogrify(rollup_read.attainment_sql(report, "month"), params).decode()


def report_rollup(result: dict) -> None:
    build = result.get("build")
    if build:
        print(
            f"\n(i) the roll-up built from the tickets (rebuild_sla_rollup) in {build['seconds']:.1f} s: "
            f"{build['days']} days ({build['changes']:,} change rows folded in)"
        )
    print(f"facts per grain: {result['facts']}; reports_slafact {result['size']}")
    for row in result["refresh"]:
        print(
            f"(j) a minute of changes (300 clocks stopped, 100 breached, 50 tickets reassigned; set-based UPDATEs "
            f"{row['writes'] * 1000:.0f} ms with the triggers): {row['changes']:,} change rows; the page's attainment "
            f"query meanwhile {ms(row['dirty_page']):.1f} ms (median); the refresh of {row['days']} days "
            f"{row['seconds'] * 1000:.0f} ms"
        )
    print(
        "\n(k) attainment from the roll-up (one statement: the tiles and the groups) against the live SQL of the "
        "same answer (two statements), per filter and grouping:"
    )
    print(
        "\n| filter | group by | rows | roll-up median ms | p95 ms | goal (ratio) | live median ms | live / roll-up "
        "| same counts; largest mean diff s; p90 diff |"
    )
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for row in result["rows"]:
        goal = GOAL_DEFAULT if row["filter"].startswith("default") and row["group"] == "month" else GOAL_ANY
        live = f"{ms(row['live']):.0f} | {ms(row['live']) / ms(row['rollup']):.0f}x" if row.get("live") else "| "
        check = row.get("check")
        live += (
            f" | {'yes' if check['same'] else 'NO'}; {check['mean']:.0f}; {check['p90'] * 100:.1f} %" if check else " |"
        )
        print(
            f"| {row['filter']} | {row['group']} | {row['rows']} | {ms(row['rollup']):.1f} | {p95(row['rollup']):.1f} "
            f"| {goal * 1000:.0f} ({ms(row['rollup']) / (goal * 1000):.2f}) | {live} |"
        )
    print(f"\n(l) plan of the default page's attainment statement: {plan_summary(result['plan'])}")
    for line in result["plan"]:
        if "Planning" in line or "Execution" in line:
            print("   " + line.strip())


# --- the run ----------------------------------------------------------------------------------


def in_django(bench: Bench, phase: str, *options: str) -> dict:
    process = subprocess.run(
        [PYTHON, str(Path(__file__).resolve()), "--child", phase, *options],
        cwd=ROOT,
        env=bench.env,
        stdout=subprocess.PIPE,
        text=True,
    )
    if process.returncode:
        raise SystemExit(f"{phase} failed")
    return json.loads(process.stdout.strip().splitlines()[-1])


def ms(times: list[float]) -> float:
    return statistics.median(times) * 1000


def p95(times: list[float]) -> float:
    return percentile(times, 0.95) * 1000


def plan_summary(plan: list[str]) -> str:
    nodes = [line.strip().removeprefix("->  ").split("  (")[0] for line in plan if "Scan" in line or "Join" in line]
    execution = next(line.split(":")[1].strip() for line in plan if "Execution Time" in line)
    jit = next((line.split("Total")[1].strip() for line in plan if "Timing:" in line and "Total" in line), None)
    return f"{'; '.join(dict.fromkeys(nodes))}. Execution {execution}" + (f", of which JIT {jit}" if jit else "")


def print_census(census: dict, sample: dict) -> None:
    settings = census["settings"]
    print(
        f"\n{census['tickets']:,} tickets ({census['open']:,} open, {census['rated']:,} rated) over "
        f"{census['projects']} projects of {census['organisations']} organisations, {census['assignees']} assignees, "
        f"received {census['received'][0][:10]} to {census['received'][1][:10]}; {census['clocks']:,} SLA clocks "
        f"({census['stopped']:,} stopped, {census['stopped_late']:,} of them late; {census['breached_at']:,} with "
        f"breached_at; {census['paused']:,} paused; {census['onsite']:,} on-site arrival); "
        + ", ".join(f"{table.split('_', 1)[1]} {count:,}" for table, count in census["counts"].items())
    )
    print(
        f"tickets_slaclock {census['sizes']['tickets_slaclock']}, tickets_ticket {census['sizes']['tickets_ticket']}; "
        f"PostgreSQL {settings['server_version']}: shared_buffers {settings['shared_buffers']}, work_mem "
        f"{settings['work_mem']}, jit {settings['jit']}, max_parallel_workers_per_gather "
        f"{settings['max_parallel_workers_per_gather']}"
    )
    print(f"the filter: {sample['filter'][0]} to {sample['filter'][1]}; attainment overall:")
    for row in sample["overall"]:
        print(
            f"  {row['metric']:<15} clocks {row['clocks']:>9,}  met {row['met']:>9,}  breached {row['breached']:>8,}"
            f"  pending {row['pending']:>6,}  attainment {row['attainment']} %"
        )


def report_selectors(result: dict, runs: int) -> None:
    print(f"\n(a)-(c) the dashboard's selectors for the manager, {runs} runs each, selector and bare SQL taking turns:")
    print("\n| selector | rows | queries | selector median ms | p95 ms | bare SQL median ms | p95 ms | ratio |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    total = {"selector": 0.0, "sql": 0.0}
    for row in result["rows"]:
        total["selector"] += ms(row["selector"])
        total["sql"] += ms(row["sql"])
        print(
            f"| {row['label']} | {row['rows']} | {len(row['queries'])} | {ms(row['selector']):.1f} "
            f"| {p95(row['selector']):.1f} | {ms(row['sql']):.1f} | {p95(row['sql']):.1f} "
            f"| {ms(row['selector']) / ms(row['sql']):.2f}x |"
        )
    print(
        f"| **all of them** | | | **{total['selector']:.0f}** | | **{total['sql']:.0f}** | "
        f"| **{total['selector'] / total['sql']:.2f}x** |"
    )
    for label, plan in result["plans"].items():
        print(f"\n(e) plan of {label} (EXPLAIN (ANALYZE, BUFFERS)): {plan_summary(plan)}")
        for line in plan:
            print("   " + line)
    if result["summaries"]:
        print("\nplans of the queries over 50 ms (EXPLAIN (ANALYZE, BUFFERS), once each):")
        for label, start, summary in result["summaries"]:
            print(f"- {label}: `{start}…`: {summary}")
    if result.get("settings"):
        print(f"\n(f) the overall attainment query's bare SQL under session settings, taking turns, {runs} runs:")
        print("\n| setting | median ms | p95 ms |")
        print("| --- | ---: | ---: |")
        for name, times in result["settings"].items():
            print(f"| {name} | {ms(times):.1f} | {p95(times):.1f} |")
    sets = result.get("sets")
    if sets:
        print(
            "\n(g) a proposal: the page's two attainment queries (per metric, per month and metric) as one "
            f"GROUP BY GROUPING SETS; same per-metric rows: {'yes' if sets['same'] else 'NO'}"
        )
        for name in ("two queries", "one query"):
            print(f"  {name:<12} median {ms(sets[name]):8.1f} ms   p95 {p95(sets[name]):8.1f} ms")
    if result.get("before_after"):
        print(f"\n(h) before and after the changes of this benchmark, bare SQL, taking turns, {runs} runs:")
        print("\n| query | variant | median ms | p95 ms |")
        print("| --- | --- | ---: | ---: |")
        for query, variants in result["before_after"].items():
            for name, times in variants.items():
                print(f"| {query} | {name} | {ms(times):.1f} | {p95(times):.1f} |")
    example = next((row for row in result["rows"] if row["label"] == "attainment by month"), None)
    if example:
        print(f"\nthe attainment query by month:\n   {example['queries'][0]}")


def pages(bench: Bench, runs: int, warmups: int) -> None:
    """(d): the page and the API through gunicorn against the sum of their bare SQL, the
    requests and the replays taking turns."""
    captured = in_django(bench, "capture")
    connection = psycopg2.connect(bench.database_url)
    connection.autocommit = True
    cursor = connection.cursor()
    cursor.execute("SET TIME ZONE 'UTC'")
    server = bench.start_gunicorn(workers=2)
    try:
        page = requests.Session()
        page.get(bench.base + "/accounts/login/")
        page.post(
            bench.base + "/accounts/login/",
            data={"username": "manager", "password": PASSWORD, "csrfmiddlewaretoken": page.cookies["csrftoken"]},
            headers={"Referer": bench.base + "/accounts/login/"},
        )
        api = requests.Session()
        token = api.post(bench.base + "/api/v1/auth/token/", json={"username": "manager", "password": PASSWORD})
        api.headers["Authorization"] = f"Token {token.json()['token']}"
        variants = {}
        for path in PATHS:
            session = api if path.startswith("/api/") else page
            url = bench.base + path
            variants[f"request {path}"] = lambda session=session, url=url: session.get(
                url, timeout=120
            ).raise_for_status()
            variants[f"sql {path}"] = replayer(cursor, captured[path]["queries"])
        times = taking_turns(variants, runs, warmups)
    finally:
        stop(server)
        connection.close()
    print(
        f"\n(d) end to end through gunicorn (2 workers), one client, {runs} requests each after {warmups} warm-ups, "
        "taking turns with the replay of their SQL:"
    )
    print("\n| request | status | bytes | queries | median ms | p95 ms | bare SQL median ms | p95 ms | request / SQL |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for path in PATHS:
        request, sql, seen = times[f"request {path}"], times[f"sql {path}"], captured[path]
        note = " (placeholder view)" if seen["size"] < 200 else ""
        print(
            f"| `GET {path}`{note} | {seen['status']} | {seen['size']:,} | {len(seen['queries'])} | {ms(request):.1f} "
            f"| {p95(request):.1f} | {ms(sql):.1f} | {p95(sql):.1f} | {ms(request) / ms(sql):.2f}x |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=10, help="timed runs of each selector, SQL and request")
    parser.add_argument("--warmups", type=int, default=2)
    parser.add_argument(
        "--only", choices=["selectors", "pages", "rollup"], help="the selectors (all but (d)), or (d), or the roll-up"
    )
    parser.add_argument("--match", help="only the selectors whose label contains this")
    parser.add_argument("--child", choices=["setup", "measure", "capture", "rollup"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args)
        return
    started = time.monotonic()
    bench = bench_for(args.tickets)
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}, database {bench.db_name}")
    bench.prepare(extra_projects=200)
    ids = in_django(bench, "setup")
    fresh = int(bench.psql("SELECT count(*) FROM tickets_ticket WHERE reference LIKE 'BD-%'", bench.db_name)) == 0
    build(bench, args.tickets, ids)
    if fresh:
        bench.psql("VACUUM ANALYZE", bench.db_name)
    else:
        bench.psql("ANALYZE", bench.db_name)
    options = ["--runs", str(args.runs), "--warmups", str(args.warmups)]
    if args.only in (None, "rollup"):  # first: it builds the roll-up the selectors and pages read
        report_rollup(in_django(bench, "rollup", *options))
    if args.only in (None, "selectors"):
        result = in_django(bench, "measure", *options, *(["--match", args.match] if args.match else []))
        print_census(result["census"], result["sample"])
        report_selectors(result, args.runs)
    if args.only in (None, "pages"):
        pages(bench, args.runs, args.warmups)
    print(f"\n(the whole run took {time.monotonic() - started:.0f} s; load average now {os.getloadavg()[0]:.2f})")


if __name__ == "__main__":
    main()
