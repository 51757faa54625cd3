"""Talking to the IMAP server: connect (TLS, STARTTLS or plain), list the unread messages with
their sizes, fetch one without marking it read (``BODY.PEEK``), and mark it read once the desk
has it. Marking comes after the message is stored; a crash in between reads it again next time,
and the unique Message-ID keeps it from counting twice.

The server's name is resolved when connecting and the address checked against the outbound
rules (``core.outbound.checked_address``: no loopback, private, link-local or multicast address
unless listed in ``OUTBOUND_ALLOWED_HOSTS``); the connection goes to that checked address,
while TLS (SNI and the certificate) still verifies the name."""

import contextlib
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from imapclient import IMAPClient, imap4, tls

from core.outbound import checked_address
from mail.models import Mailbox

TIMEOUT_SECONDS = 30


def _ssl_context() -> ssl.SSLContext:
    return ssl.create_default_context(cafile=settings.MAIL_IMAP_CA_FILE or None)


class _PinnedTLS(tls.IMAP4_TLS):
    """IMAPS to the checked address; the certificate is verified for the host name."""

    def __init__(self, host: str, port: int, ssl_context: ssl.SSLContext | None, timeout: float | None, address: str):
        self._address = address
        super().__init__(host, port, ssl_context, timeout)

    def _create_socket(self, timeout: float | None = None) -> socket.socket:
        sock = socket.create_connection(
            (self._address, self.port), timeout=self._timeout if timeout is None else timeout
        )
        return tls.wrap_socket(sock, self.ssl_context, self.host)


class _PinnedPlain(imap4.IMAP4WithTimeout):
    """A plain connection (upgraded by STARTTLS, verified for the host name) to the checked address."""

    def __init__(self, host: str, port: int, timeout: float | None, address: str):
        self._address = address
        super().__init__(host, port, timeout)

    def _create_socket(self, timeout: float | None = None) -> socket.socket:
        return socket.create_connection((self._address, self.port), timeout if timeout is not None else self._timeout)


class PinnedIMAPClient(IMAPClient):
    """An ``IMAPClient`` that connects to ``address`` (already checked) rather than resolving
    ``host`` a second time: a name that changes its address between the check and the
    connection (DNS rebinding) cannot lead elsewhere."""

    def __init__(self, host: str, *, address: str, **kwargs) -> None:
        self._address = address
        super().__init__(host, **kwargs)

    def _create_IMAP4(self):
        connect_timeout = getattr(self._timeout, "connect", None)
        if self.ssl:
            return _PinnedTLS(self.host, self.port, self.ssl_context, connect_timeout, self._address)
        return _PinnedPlain(self.host, self.port, connect_timeout, self._address)


@contextmanager
def connect(mailbox: Mailbox) -> Iterator[IMAPClient]:
    """Log in and select the folder. ``core.outbound.OutboundRefused`` when the server's
    address may not be called (the poll records it as the mailbox's error)."""
    use_tls = mailbox.security == Mailbox.Security.TLS
    address = checked_address(mailbox.host, mailbox.port)
    client = PinnedIMAPClient(
        mailbox.host,
        address=address,
        port=mailbox.port,
        ssl=use_tls,
        ssl_context=_ssl_context() if use_tls else None,
        timeout=TIMEOUT_SECONDS,
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
