import datetime

from celery import shared_task


@shared_task(name="tickets.tasks.deadline", bind=True)
def deadline(self, clock_id: int) -> None:
    """The per-clock path: do what the clock says is due now (a clock whose ticket a sweep
    found locked; tasks queued before sweeps existed)."""
    from tickets import deadlines

    if not deadlines.clock_check(clock_id=clock_id) and not self.request.is_eager:
        deadlines.requeue_if_early(clock_id)


@shared_task(name="tickets.tasks.sweep", bind=True)
def sweep(self, moment: str | None = None, spread: bool = False, retry: bool = False) -> None:
    """A moment has come (``moment``; None: whatever is late): every clock due by now, set-based.
    With ``spread``, a burst is shared with the other worker processes: more sweeps are queued
    first, and each takes other tickets (``SKIP LOCKED``)."""
    from django.utils import timezone

    from tickets import deadlines

    now = timezone.now()
    if moment and not self.request.is_eager:
        at = datetime.datetime.fromisoformat(moment)
        if now < at:  # ran a moment early (clocks of two machines): again at the moment
            self.apply_async(kwargs={"moment": moment, "spread": spread}, eta=at)
            return
    if spread and not self.request.is_eager and deadlines.due_count(now) > deadlines.BATCH:
        for _ in range(deadlines.SPREAD_OVER - 1):
            self.apply_async(kwargs={"moment": None, "spread": False})
    deadlines.sweep(now, retry=retry)


@shared_task(name="tickets.tasks.watchdog")
def watchdog() -> None:
    from tickets import deadlines

    deadlines.watchdog()


@shared_task(name="tickets.tasks.renew_holidays")
def renew_holidays() -> None:
    """In December, the coming year's public holidays for each calendar with a country."""
    from tickets import defaults

    defaults.holidays_renew()
