"""Real Celery workers for the integration tests: the environment a worker process gets, a
Celery app that sends to the same broker, and starting and stopping the process."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from celery import Celery
from django.conf import settings
from django.db import connection

DROPPED = {"REDIS_URL", "CELERY_BROKER_URL", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE", "DJANGO_SETTINGS_MODULE"}


def worker_env(var_dir: Path, *, redis_db: int | None, **extra: str) -> dict[str, str]:
    """Production settings on the embedded defaults in ``var_dir``; with ``redis_db``, the
    machine's Redis (``REDIS_URL``) in a database of the test's own."""
    env = {key: value for key, value in os.environ.items() if key not in DROPPED}
    env.update(DJANGO_SETTINGS_MODULE="servicedesk.settings", DEBUG="true", VAR_DIR=str(var_dir), **extra)
    if redis_db is not None:
        env["REDIS_URL"] = os.environ["REDIS_URL"].rsplit("/", 1)[0] + f"/{redis_db}"
    return env


def sender_for(env: dict[str, str]) -> Celery:
    """A Celery app that sends to the broker the worker of ``env`` reads (emptied first)."""
    if "REDIS_URL" in env:
        sender = Celery(broker=env["REDIS_URL"])
        sender.connection_for_write().default_channel.client.flushdb()
        return sender
    broker = Path(env["VAR_DIR"]) / "broker"
    for folder in ("queue", "control"):
        (broker / folder).mkdir(parents=True, exist_ok=True)
    return Celery(
        broker="filesystem://",
        broker_transport_options={
            "data_folder_in": str(broker / "queue"),
            "data_folder_out": str(broker / "queue"),
            "control_folder": str(broker / "control"),
        },
    )


def database_url() -> str:
    """The test database, as a worker process reaches it."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def start_beat(env: dict[str, str], log=subprocess.DEVNULL) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "servicedesk", "beat", "--loglevel=info"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT if log is not subprocess.DEVNULL else subprocess.DEVNULL,
        start_new_session=True,
    )


def start_worker(env: dict[str, str], *, concurrency: int = 1, log=subprocess.DEVNULL) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "servicedesk",
            "worker",
            "-Q",
            "urgent,emergency,default",
            "-c",
            str(concurrency),
            "--without-mingle",
            "--without-gossip",
            "-n",
            f"test-{time.monotonic_ns()}@%h",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT if log is not subprocess.DEVNULL else subprocess.DEVNULL,
        start_new_session=True,
    )


def stop_worker(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


def wait_for(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False
