"""The one Celery app. Configuration is read from Django settings (``CELERY_*``).

Database connections in the worker live as they do in the web processes: Django's
``close_old_connections()`` runs before and after every task, as it does around every request,
so a connection is kept for ``CONN_MAX_AGE`` seconds and dropped when it broke (an error left
it unusable; ``CONN_HEALTH_CHECKS`` tests it before its first use in each task, so a PostgreSQL
restart costs the next task a reconnect, not a failure). Celery's Django fixup would close every
connection around every task (a new PostgreSQL backend per task); ``CELERY_DB_REUSE_MAX`` in the
settings turns that into one forced recycle every so many tasks.

A worker that starts sweeps the deadlines at once (``worker_ready``): what fell due while no
worker ran is handled now, not at beat's next watchdog run.
"""

import logging
import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servicedesk.settings")

app = Celery("servicedesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

logger = logging.getLogger(__name__)


@signals.task_prerun.connect
@signals.task_postrun.connect
def close_old_connections(sender=None, **kwargs) -> None:
    """Drop the connections that broke or outlived ``CONN_MAX_AGE``; keep the others."""
    if getattr(getattr(sender, "request", None), "is_eager", False):
        return  # inside the caller's process and transaction
    from django.db import close_old_connections as close

    close()


@signals.worker_ready.connect
def sweep_deadlines_at_start(sender=None, **kwargs) -> None:
    """Queue the deadline sweep now: moments missed while no worker ran are late already."""
    try:
        app.send_task("tickets.tasks.sweep", kwargs={"spread": True})
    except Exception:  # the broker is down: beat's watchdog queues it when it is back
        logger.warning("deadline sweep not queued at start", exc_info=True)
