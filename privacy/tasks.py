"""The daily retention run (beat: servicedesk/celery_schedule.py)."""

from celery import shared_task


@shared_task(name="privacy.tasks.retention_apply")
def retention_apply() -> dict:
    """Apply the retention settings; idempotent (a second delivery finds nothing more to remove)."""
    from privacy.services.retention import retention_apply as apply

    run = apply()
    return {"run": run.pk, "attachments": run.attachments_removed, "original_emails": run.original_emails_removed}
