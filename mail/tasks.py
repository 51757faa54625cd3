"""Beat polls the mailboxes every ``MAIL_POLL_SECONDS`` (60)."""

from celery import shared_task


@shared_task(soft_time_limit=540, time_limit=600)
def poll_mailboxes() -> dict[str, int]:
    from mail.services import mailboxes_poll

    return {name: result.new for name, result in mailboxes_poll().items()}
