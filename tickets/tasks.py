from celery import shared_task


@shared_task(name="tickets.tasks.deadline")
def deadline(clock_id: int) -> None:
    """A clock's moment has come (or may have): do what the clock says is due now."""
    from tickets.deadlines import clock_check

    clock_check(clock_id=clock_id)


@shared_task(name="tickets.tasks.watchdog")
def watchdog() -> None:
    from tickets import deadlines

    deadlines.watchdog()
