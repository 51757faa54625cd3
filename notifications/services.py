"""Email notifications: rendered in each recipient's language, sent after commit by a task
that retries on transient failures."""

from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation


def email_users(*, users: Iterable, subject: str, template: str, context: dict, headers: dict | None = None) -> None:
    """Queue one email per user with an address, each in that user's language.

    ``subject`` is a translatable format string (``gettext_noop``-style, translated here per
    recipient) filled with ``context``.
    """
    from notifications.tasks import send_email

    messages = []
    for user in {u.pk: u for u in users if u is not None and u.email and u.is_active}.values():
        with translation.override(user.language or settings.LANGUAGE_CODE):
            rendered_subject = translation.gettext(subject) % context
            body = render_to_string(template, {**context, "recipient": user})
        messages.append((user.email, rendered_subject, body))
    for address, rendered_subject, body in messages:
        transaction.on_commit(
            lambda a=address, s=rendered_subject, b=body: send_email.delay(
                to=[a], subject=s, body=b, headers=headers or {}
            )
        )
