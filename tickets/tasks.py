from celery import shared_task


@shared_task(name="tickets.tasks.deadline", bind=True)
def deadline(self, clock_id: int) -> None:
    """A clock's moment has come (or may have): do what the clock says is due now."""
    from tickets import deadlines

    if not deadlines.clock_check(clock_id=clock_id) and not self.request.is_eager:
        deadlines.requeue_if_early(clock_id)


@shared_task(name="tickets.tasks.watchdog")
def watchdog() -> None:
    from tickets import deadlines

    deadlines.watchdog()


@shared_task(name="tickets.tasks.renew_holidays")
def renew_holidays() -> None:
    """In December, the coming year's public holidays for each calendar with a country."""
    from tickets import defaults

    defaults.holidays_renew()
