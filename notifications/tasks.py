from celery import shared_task


@shared_task(name="notifications.tasks.deliver")
def deliver(delivery_id: int) -> None:
    """Send one delivery; a failure is recorded on it and the sweeper retries it with backoff."""
    from notifications.services import delivery_send

    delivery_send(delivery_id=delivery_id)


@shared_task(name="notifications.tasks.sweep")
def sweep() -> None:
    """Every minute: queue what is due again (a lost task, a retry, the end of quiet hours).
    Each goes in its own task, so one slow webhook never holds up the others."""
    from notifications.services import deliveries_due, delivery_enqueue

    for delivery_id in deliveries_due():
        delivery_enqueue(delivery_id)


@shared_task(name="notifications.tasks.deliver_batch")
def deliver_batch(delivery_ids: list[int]) -> None:
    """Send several deliveries (a burst fanned out in batches, not a task each)."""
    from notifications.services import deliveries_send

    deliveries_send(delivery_ids=delivery_ids)
