"""Tasks of the roof: the worker heartbeat that /healthz reports."""

from celery import shared_task


@shared_task(name="servicedesk.tasks.heartbeat")
def heartbeat(queue: str = "default") -> None:
    """Sent by beat to each queue: the worker that takes it reports that queue as served."""
    from servicedesk.health import heartbeat_record

    heartbeat_record(queue)
