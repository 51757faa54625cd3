"""Talking to the IMAP server: connect (TLS, STARTTLS or plain), list the unread messages with
their sizes, fetch one without marking it read (``BODY.PEEK``), and mark it read once the desk
has it. Marking comes after the message is stored; a crash in between reads it again next time,
and the unique Message-ID keeps it from counting twice."""

import contextlib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from imapclient import IMAPClient

from mail.models import Mailbox

TIMEOUT_SECONDS = 30


def _ssl_context() -> ssl.SSLContext:
    return ssl.create_default_context(cafile=settings.MAIL_IMAP_CA_FILE or None)


@contextmanager
def connect(mailbox: Mailbox) -> Iterator[IMAPClient]:
    tls = mailbox.security == Mailbox.Security.TLS
    client = IMAPClient(
        mailbox.host, port=mailbox.port, ssl=tls, ssl_context=_ssl_context() if tls else None, timeout=TIMEOUT_SECONDS
    )
    try:
        if mailbox.security == Mailbox.Security.STARTTLS:
            client.starttls(_ssl_context())
        client.login(mailbox.username, mailbox.password)
        client.select_folder(mailbox.folder)
        yield client
    finally:
        with contextlib.suppress(Exception):  # the connection may be gone already; nothing is lost
            client.logout()


def unseen(client: IMAPClient, limit: int) -> list[tuple[int, int]]:
    """(uid, size) of the unread messages, oldest first, at most ``limit``."""
    uids = sorted(client.search(["UNSEEN"]))[:limit]
    if not uids:
        return []
    sizes = client.fetch(uids, ["RFC822.SIZE"])
    return [(uid, int(sizes[uid][b"RFC822.SIZE"])) for uid in uids if uid in sizes]


def fetch(client: IMAPClient, uid: int, headers_only: bool = False) -> bytes:
    item = b"BODY[HEADER]" if headers_only else b"BODY[]"
    answer = client.fetch([uid], ["BODY.PEEK[HEADER]" if headers_only else "BODY.PEEK[]"])
    return bytes(answer[uid][item])


def mark_read(client: IMAPClient, uid: int) -> None:
    client.add_flags([uid], [b"\\Seen"])
