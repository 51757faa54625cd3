"""Emergency tasks run on their own queue ("emergency"), so a backlog elsewhere never delays them."""

from celery import shared_task


@shared_task(name="emergency.tasks.deadlines")
def deadlines() -> int:
    """Every minute from beat: mark the response, recovery and on-site arrival targets that
    passed unmet, and take the escalation steps due (safe to run twice)."""
    from emergency.services import incident_deadlines

    return incident_deadlines()


@shared_task(name="emergency.tasks.review_actions")
def review_actions() -> int:
    """Every 5 minutes from beat: remind the owners of improvement actions coming due, and tell
    the managers of those overdue, each once (safe to run twice). How many in all."""
    from emergency.services import review_actions_sweep

    return sum(review_actions_sweep().values())
