"""What the email intake tests share: the corpus (tests/mail/corpus, raw RFC 5322 files), the
desk's mailbox (support@desk.example, also ``settings.MAIL_ADDRESS``), alice (a contact of
organisation A with a known address), and helpers to change a message's headers or write a
reply to a given Message-ID."""

import datetime
import email.utils
import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from mail.models import Mailbox
from tests.accounts.factories import CustomerFactory
from tests.tickets.conftest import sla_setup  # noqa: F401 (a fixture: tickets need an SLA policy for clocks)

CORPUS = Path(__file__).parent / "corpus"
DESK = "support@desk.example"
ALICE = "alice@customer-a.example"


def corpus(name: str) -> bytes:
    """A corpus file's bytes, as the poller would fetch them."""
    return (CORPUS / name).read_bytes()


def with_headers(raw: bytes, **headers: str | None) -> bytes:
    """``raw`` with headers replaced (``In_Reply_To="<x@y>"``), added, or removed (``None``).
    Works on the bytes, so the rest of the message is left exactly as it was."""
    newline = b"\r\n" if b"\r\n" in raw else b"\n"
    head, sep, body = raw.partition(newline + newline)
    lines = head.split(newline)
    for key, value in headers.items():
        name = key.replace("_", "-").encode()
        kept, skipping = [], False
        for line in lines:
            if line[:1] in (b" ", b"\t") and skipping:
                continue  # a folded continuation of the removed header
            skipping = line.lower().startswith(name.lower() + b":")
            if not skipping:
                kept.append(line)
        if value is not None:
            kept.insert(0, name + b": " + value.encode())
        lines = kept
    return newline.join(lines) + sep + body


def reply(
    *,
    to: str | None,
    sender: str = ALICE,
    subject: str = "Re: your email",
    body: str = "Thank you, that fixed it.",
    references: str | None = None,
    message_id: str | None = None,
    cc: str = "",
    headers: dict[str, str] | None = None,
) -> bytes:
    """A plain UTF-8 reply from ``sender`` to the message ``to`` (a Message-ID, or None for a
    new message), with a Gmail-style quote below the new text."""
    message_id = message_id or email.utils.make_msgid(domain="customer-a.example")
    lines = [
        f"From: {sender}",
        f"To: {DESK}",
        *([f"Cc: {cc}"] if cc else []),
        f"Subject: {subject}",
        f"Date: {email.utils.format_datetime(datetime.datetime.now(datetime.UTC))}",
        f"Message-ID: {message_id}",
        *([f"In-Reply-To: {to}", f"References: {references or to}"] if to else []),
        *[f"{name}: {value}" for name, value in (headers or {}).items()],
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: 8bit",
    ]
    text = f"{body}\n\nOn Mon, 30 Nov 2026 at 10:00, Service Desk <{DESK}> wrote:\n> Hello,\n> the earlier message.\n"
    return ("\r\n".join(lines) + "\r\n\r\n" + text.replace("\n", "\r\n")).encode()


AUTHSERV = "mx.desk.example"  # the receiving server of the tests' desk (MAIL_AUTHSERV_ID)


def authenticated(
    raw: bytes, results: str = "dmarc=pass header.from=customer-a.example", server: str = AUTHSERV
) -> bytes:
    """``raw`` as the receiving server ``server`` delivers it: its ``Authentication-Results``
    header (``results``) on top, above every header the sender wrote."""
    newline = b"\r\n" if b"\r\n" in raw else b"\n"
    return f"Authentication-Results: {server};{newline.decode()} {results}".encode() + newline + raw


def subject_of(raw: bytes) -> str:
    match = re.search(rb"^Subject: (.*)$", raw, re.MULTILINE)
    return match.group(1).decode().strip() if match else ""


# the private Dovecot (tests/mail/dovecot.py) listens on loopback, and the mailboxes of the tests
# name hosts under .example (never resolved): both allowed by the outbound rules (core/outbound.py)
TEST_OUTBOUND_HOSTS = ["127.0.0.1", "localhost", ".example"]


@pytest.fixture(autouse=True)
def outbound_allowed(settings):
    settings.OUTBOUND_ALLOWED_HOSTS = TEST_OUTBOUND_HOSTS
    return settings


@pytest.fixture
def mail_settings(settings, tmp_path):
    """The desk's support address, and stored files (raw emails, attachments) in a temporary folder."""
    settings.MAIL_ADDRESS = DESK
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings


@pytest.fixture
def verifying(settings):
    """The desk verifies senders: ``MAIL_AUTHSERV_ID`` names its receiving server."""
    settings.MAIL_AUTHSERV_ID = AUTHSERV
    return settings


@pytest.fixture
def mailbox(db, mail_settings):
    return Mailbox.objects.create(name="Support", address=DESK, host="127.0.0.1", port=143, username="support")


@pytest.fixture
def alice(org_a):
    return CustomerFactory(username="alice", email=ALICE, organisation=org_a, first_name="Alice", last_name="Wang")


@pytest.fixture
def desk(mailbox, alice, project_a, org_a, sla_setup, engineer):  # noqa: F811
    """Everything a message needs to become a ticket: the mailbox, alice, her organisation's
    only project, an SLA policy, and an engineer."""
    return SimpleNamespace(mailbox=mailbox, alice=alice, project=project_a, org=org_a, sla=sla_setup, engineer=engineer)
