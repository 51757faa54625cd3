"""What /healthz reports: the database, the broker and the last worker heartbeat."""

import logging

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
