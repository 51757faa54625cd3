import logging
import smtplib

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(
    name="notifications.tasks.deliver",
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
)
def deliver(delivery_id: int) -> None:
    from notifications.services import delivery_send

    delivery_send(delivery_id=delivery_id)


@shared_task(name="notifications.tasks.sweep")
def sweep() -> None:
    """Every minute: send what a lost task (worker killed, broker flushed) left behind."""
    from notifications.services import deliveries_due, delivery_send

    for delivery_id in deliveries_due():
        try:
            delivery_send(delivery_id=delivery_id)
        except Exception:  # recorded on the row; the next one goes on
            logger.exception("sweep: delivery %s failed", delivery_id)
