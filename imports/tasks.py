"""The import of a previewed job, on a worker: a long file does not hold a web request."""

from celery import shared_task


@shared_task(name="imports.tasks.import_job_run", soft_time_limit=24 * 60, time_limit=25 * 60)
def import_job_run(job_id: int) -> str | None:
    """Idempotent: a duplicate delivery finds the job no longer queued and returns."""
    from imports.services import import_job_run as run

    job = run(job_id=job_id)
    return job.status if job is not None else None
