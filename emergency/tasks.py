"""Emergency tasks run on their own queue ("emergency"), so a backlog elsewhere never delays them."""

from celery import shared_task


@shared_task(name="emergency.tasks.deadlines")
def deadlines() -> int:
    """Every minute from beat: mark the response and recovery targets that passed unmet."""
    from emergency.services import incident_deadlines

    return incident_deadlines()
