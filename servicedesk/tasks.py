"""Tasks of the roof: the worker heartbeat that /healthz reports."""

from celery import shared_task


@shared_task(name="servicedesk.tasks.heartbeat")
def heartbeat() -> None:
    from servicedesk.health import heartbeat_record

    heartbeat_record()
