import smtplib

from celery import shared_task


@shared_task(
    name="notifications.tasks.send_email",
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
)
def send_email(*, to: list[str], subject: str, body: str, headers: dict) -> None:
    from django.conf import settings
    from django.core.mail import EmailMessage

    EmailMessage(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=to, headers=headers).send()
