from celery import shared_task


@shared_task
def generate_quality_reviews() -> int:
    """Beat: the reviews of the month and quarter that ended, once per organisation."""
    from reports.services import reviews_generate_due

    return reviews_generate_due()
