"""The Celery wiring: every task routed, and a real worker honouring ETAs on each broker we
support (the embedded filesystem broker always; Redis when REDIS_URL is set, as in CI)."""

import fnmatch
import os
import signal
import subprocess
import sys
import time

import pytest
from celery import Celery
from django.conf import settings
from django.core.cache.backends.filebased import FileBasedCache
from django.core.cache.backends.redis import RedisCache

from servicedesk.celery import app
from servicedesk.health import HEARTBEAT_KEY


def test_every_task_has_a_route():
    app.loader.import_default_modules()
    ours = [name for name in app.tasks if not name.startswith("celery.")]
    assert ours, "no task registered"
    unrouted = [
        name for name in ours if not any(fnmatch.fnmatch(name, pattern) for pattern in settings.CELERY_TASK_ROUTES)
    ]
    assert unrouted == []


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
    """A real worker process on the given broker; yields (sender app, cache it writes to)."""
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "CELERY_BROKER_URL", "DATABASE_URL"}}
    env.update(DEBUG="true", VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="servicedesk.settings")
    if request.param == "redis":
        url = os.environ["REDIS_URL"].rsplit("/", 1)[0] + "/14"  # a database of its own
        env["REDIS_URL"] = url
        sender = Celery(broker=url)
        cache = RedisCache(url, {})
        cache.delete(HEARTBEAT_KEY)
    else:
        broker = tmp_path / "broker"
        for folder in ("queue", "control"):
            (broker / folder).mkdir(parents=True)
        sender = Celery(
            broker="filesystem://",
            broker_transport_options={
                "data_folder_in": str(broker / "queue"),
                "data_folder_out": str(broker / "queue"),
                "control_folder": str(broker / "control"),
            },
        )
        cache = FileBasedCache(str(tmp_path / "cache"), {})
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "servicedesk",
            "worker",
            "-Q",
            "default,emergency",
            "-c",
            "1",
            "--without-mingle",
            "--without-gossip",
            "-n",
            f"test-{request.param}@%h",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        yield sender, cache, process
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def _wait_for(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.slow
def test_a_real_worker_runs_an_eta_task_at_its_eta_not_before(worker):
    sender, cache, process = worker
    sent = time.monotonic()
    sender.send_task("servicedesk.tasks.heartbeat", countdown=4, queue="default")
    assert not _wait_for(lambda: cache.get(HEARTBEAT_KEY) is not None, timeout=2.5), "ran before its ETA"
    ran = _wait_for(lambda: cache.get(HEARTBEAT_KEY) is not None, timeout=40)
    if not ran:
        os.killpg(process.pid, signal.SIGTERM)
        pytest.fail("the worker never ran the task:\n" + process.communicate(timeout=20)[0][-3000:])
    assert time.monotonic() - sent >= 4
