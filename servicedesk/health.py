"""What /healthz reports: the database, the broker and the last worker heartbeat."""

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


def heartbeat_record() -> None:
    cache.set(HEARTBEAT_KEY, timezone.now().isoformat(), timeout=None)


def heartbeat_last() -> str | None:
    try:
        return cache.get(HEARTBEAT_KEY)
    except Exception:
        logger.exception("health: cache unavailable")
        return None


def worker_state(last: str | None) -> str:
    """ "ok" when the last heartbeat is at most three periods of beat's heartbeat task old,
    "late" when older (the worker or beat is down), "none" when there never was one."""
    if not last:
        return "none"
    period = settings.CELERY_BEAT_SCHEDULE["heartbeat"]["schedule"]
    age = timezone.now() - datetime.datetime.fromisoformat(last)
    return "ok" if age <= datetime.timedelta(seconds=3 * period) else "late"
