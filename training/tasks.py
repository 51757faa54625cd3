"""Training sweeps from beat. Idempotent: an enrolment records when it was reminded, so a task
that runs twice (or on two workers) reminds each participant once."""

from celery import shared_task


@shared_task(name="training.tasks.send_reminders")
def send_reminders() -> int:
    from training.services import reminders_send

    return reminders_send()
