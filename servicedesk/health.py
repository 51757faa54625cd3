"""What /healthz reports: the database, the broker and the last worker heartbeat of each queue.

Beat sends the heartbeat task to every queue (``WORKER_QUEUES``), so a queue no worker
consumes shows: a worker started without ``urgent`` would leave every deadline unenforced while
the other queues look healthy."""

import datetime
import logging

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

logger = logging.getLogger(__name__)

HEARTBEAT_KEY = "servicedesk:worker-heartbeat"


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        logger.exception("health: database unavailable")
        return False


def broker_ok() -> bool:
    from servicedesk.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=2)
            conn.default_channel.close()  # a channel opened: the broker answered
        return True
    except Exception:
        logger.exception("health: broker unavailable")
        return False


def heartbeat_record(queue: str = "default") -> None:
    cache.set(f"{HEARTBEAT_KEY}:{queue}", timezone.now().isoformat(), timeout=None)


def heartbeats() -> dict[str, str | None]:
    """The last heartbeat of each queue (ISO 8601), None for a queue that never had one."""
    try:
        found = cache.get_many([f"{HEARTBEAT_KEY}:{queue}" for queue in settings.WORKER_QUEUES])
    except Exception:
        logger.exception("health: cache unavailable")
        found = {}
    return {queue: found.get(f"{HEARTBEAT_KEY}:{queue}") for queue in settings.WORKER_QUEUES}


def worker_state(last: str | None) -> str:
    """ "ok" when the last heartbeat is at most three periods of beat's heartbeat task old,
    "late" when older (the worker or beat is down), "none" when there never was one."""
    if not last:
        return "none"
    age = timezone.now() - datetime.datetime.fromisoformat(last)
    return "ok" if age <= datetime.timedelta(seconds=3 * settings.HEARTBEAT_SECONDS) else "late"


def workers_state(last: dict[str, str | None]) -> str:
    """Every queue's state in one: "ok" when all are, "none" when no queue ever had a
    heartbeat, "late" otherwise (some queue has no worker, or beat stopped)."""
    states = {worker_state(moment) for moment in last.values()}
    if states == {"ok"}:
        return "ok"
    return "none" if states == {"none"} else "late"
