"""``manage.py check --deploy``: a warning while the desk files email whose senders it cannot
verify (no ``MAIL_AUTHSERV_ID``, and an active mailbox without an authserv-id of its own)."""

import contextlib

from django.conf import settings
from django.core.checks import CheckMessage, Warning
from django.db import DatabaseError


def unverified_senders(app_configs=None, **kwargs) -> list[CheckMessage]:
    if settings.MAIL_AUTHSERV_ID:
        return []
    from mail.models import Mailbox

    names = [f"{settings.MAIL_IMAP_USER}@{settings.MAIL_IMAP_HOST}"] if settings.MAIL_IMAP_HOST else []
    with contextlib.suppress(DatabaseError):  # no tables yet (before migrate): the settings alone decide
        names += list(
            Mailbox.objects.filter(is_active=True, authserv_id="", from_settings=False).values_list("name", flat=True)
        )
    if not names:
        return []
    return [
        Warning(
            "Email senders are not verified: MAIL_AUTHSERV_ID is not set and these mailboxes are read without an "
            f"authserv-id: {', '.join(sorted(set(names)))}.",
            hint="Set MAIL_AUTHSERV_ID (or the mailbox's authserv-id) to the name your receiving mail server writes "
            "in its Authentication-Results headers. Until then anyone can write a customer's address in From: and "
            "be filed as that customer (docs/security.md).",
            id="mail.W001",
        )
    ]
