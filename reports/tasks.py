from celery import shared_task


@shared_task
def generate_quality_reviews() -> int:
    """Beat: the reviews of the month and quarter that ended, once per organisation."""
    from reports.services import reviews_generate_due

    return reviews_generate_due()


@shared_task
def refresh_sla_rollup() -> int:
    """Beat, every minute: fold the days whose clocks or tickets changed into the SLA roll-up
    (until then the dashboard reads those days from the tickets)."""
    from reports.rollup import rollup_refresh

    return rollup_refresh()
