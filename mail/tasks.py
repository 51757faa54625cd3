"""Beat polls the mailboxes every ``MAIL_POLL_SECONDS`` (60)."""

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded


@shared_task(soft_time_limit=540, time_limit=600)
def poll_mailboxes() -> dict[str, int]:
    """The soft time limit stops the poll cleanly: what was not filed is read at the next one."""
    from mail.services import mailboxes_poll

    try:
        return {name: result.new for name, result in mailboxes_poll().items()}
    except SoftTimeLimitExceeded:  # between two mailboxes: nothing is half-done
        return {}
