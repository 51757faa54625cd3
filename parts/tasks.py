"""Thin tasks: each loads nothing itself and calls one service."""

from celery import shared_task


@shared_task(name="parts.tasks.release_closed_reservations")
def release_closed_reservations() -> int:
    """The beat sweep: what closed tickets and incidents still hold goes back to stock."""
    from parts.services import reservations_release_closed

    return reservations_release_closed()
