"""The Celery wiring: every task routed, and a real worker honouring ETAs on each broker we
support (the embedded filesystem broker always; Redis when REDIS_URL is set, as in CI)."""

import fnmatch
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache.backends.filebased import FileBasedCache
from django.core.cache.backends.redis import RedisCache

from servicedesk.celery import app
from servicedesk.health import HEARTBEAT_KEY
from tests.workers import sender_for, start_worker, stop_worker, wait_for, worker_env

DEFAULT_BEAT = f"{HEARTBEAT_KEY}:default"


def test_every_task_has_a_route():
    app.loader.import_default_modules()
    ours = [name for name in app.tasks if not name.startswith("celery.")]
    assert ours, "no task registered"
    unrouted = [
        name for name in ours if not any(fnmatch.fnmatch(name, pattern) for pattern in settings.CELERY_TASK_ROUTES)
    ]
    assert unrouted == []


def test_deadlines_and_urgent_deliveries_have_their_own_queue_and_every_queue_a_worker():
    from notifications.services import URGENT_QUEUE

    routes = settings.CELERY_TASK_ROUTES
    for task in ("tickets.tasks.sweep", "tickets.tasks.deadline", "tickets.tasks.watchdog"):
        assert routes[task] == {"queue": URGENT_QUEUE}
    assert routes["notifications.tasks.*"] == {"queue": "default"}  # urgent deliveries: per call
    queues = {route["queue"] for route in routes.values()}
    assert queues == {"default", URGENT_QUEUE, "emergency"} == set(settings.WORKER_QUEUES)
    # beat's heartbeat goes to every queue, so /healthz shows one no worker consumes
    beats = [
        entry for entry in settings.CELERY_BEAT_SCHEDULE.values() if entry["task"] == "servicedesk.tasks.heartbeat"
    ]
    assert {entry["options"]["queue"] for entry in beats} == queues
    assert all(entry["args"] == [entry["options"]["queue"]] for entry in beats)
    root = Path(settings.BASE_DIR)
    procfile = next(line for line in (root / "Procfile").read_text().splitlines() if line.startswith("worker:"))
    assert set(procfile.split("--queues=")[1].split()[0].split(",")) == queues
    compose = set()
    for line in (root / "docker-compose.yml").read_text().splitlines():
        if '"worker"' in line and "--queues=" in line:
            compose |= set(line.split("--queues=")[1].split('"')[0].split(","))
    assert compose == queues


def test_production_tasks_are_not_eager_and_are_acknowledged_late():
    # the production settings module (the unit tests themselves run email tasks eagerly)
    from servicedesk import settings as production

    assert not getattr(production, "CELERY_TASK_ALWAYS_EAGER", False)
    assert production.CELERY_TASK_ACKS_LATE and production.CELERY_TASK_REJECT_ON_WORKER_LOST
    assert production.CELERY_WORKER_PREFETCH_MULTIPLIER == 1
    assert production.CELERY_TASK_SERIALIZER == "json" and production.CELERY_ACCEPT_CONTENT == ["json"]


BROKERS = ["filesystem"] + (["redis"] if os.environ.get("REDIS_URL") else [])


@pytest.fixture(params=BROKERS)
def worker(request, tmp_path):
    """A real worker process on the given broker; yields (sender app, the cache it writes to, process)."""
    env = worker_env(tmp_path, redis_db=14 if request.param == "redis" else None)
    sender = sender_for(env)
    if request.param == "redis":
        cache = RedisCache(env["REDIS_URL"], {})
        cache.delete(DEFAULT_BEAT)
    else:
        cache = FileBasedCache(str(tmp_path / "cache"), {})
    process = start_worker(env, log=subprocess.PIPE)
    try:
        yield sender, cache, process
    finally:
        stop_worker(process)


@pytest.mark.slow
def test_a_real_worker_runs_an_eta_task_at_its_eta_not_before(worker):
    sender, cache, process = worker
    sent = time.monotonic()
    sender.send_task("servicedesk.tasks.heartbeat", countdown=4, queue="default")
    assert not wait_for(lambda: cache.get(DEFAULT_BEAT) is not None, timeout=2.5), "ran before its ETA"
    ran = wait_for(lambda: cache.get(DEFAULT_BEAT) is not None, timeout=40)
    if not ran:
        os.killpg(process.pid, signal.SIGTERM)
        pytest.fail("the worker never ran the task:\n" + process.communicate(timeout=20)[0][-3000:])
    assert time.monotonic() - sent >= 4
