"""Limits of one message (parts, files, their total size, the header), nothing left on disk by a
filing that fails halfway, and the poll's soft time limit, which never quarantines the message
being filed: it stays unread and is filed at the next poll."""

from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import pytest
from celery.exceptions import SoftTimeLimitExceeded

from mail import services
from mail.models import InboundMessage
from mail.services import mailbox_poll
from tests.mail.conftest import ALICE, DESK
from tests.mail.dovecot import dovecot_server, imap_fixture  # noqa: F401  (fixtures: the server, ``imap``)
from tickets import services as tickets
from tickets.models import Attachment, Ticket

Status = InboundMessage.Status


def message(files: int = 0, size: int = 100, **headers: str) -> bytes:
    """From alice, with ``files`` text attachments of ``size`` bytes each."""
    email = EmailMessage()
    email["From"], email["To"], email["Subject"] = ALICE, DESK, "Pump 3"
    email["Message-ID"] = make_msgid(domain="customer-a.example")
    for name, value in headers.items():
        email[name.replace("_", "-")] = value
    email.set_content("The pump at station 3 stopped.")
    for number in range(files):
        email.add_attachment(b"x" * size, maintype="text", subtype="plain", filename=f"log{number}.txt")
    return email.as_bytes()


def files_on_disk(settings) -> list[str]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.mark.parametrize(
    ("limit", "value", "raw", "said"),
    [
        ("MAIL_MAX_PARTS", 4, lambda: message(files=3), "5 parts, more than the limit of 4"),
        ("MAIL_MAX_ATTACHMENTS", 2, lambda: message(files=3), "3 files, more than the limit of 2"),
        ("MAIL_MAX_ATTACHMENTS_BYTES", 1000, lambda: message(files=2, size=600), "Its files add up to"),
        ("MAIL_MAX_HEADER_BYTES", 1000, lambda: message(X_Filler="y" * 2000), "Its header is"),
    ],
)
def test_a_message_over_a_limit_is_quarantined_and_leaves_no_file(desk, settings, limit, value, raw, said):
    setattr(settings, limit, value)
    record, created = services.message_ingest(raw=raw(), mailbox=desk.mailbox)
    assert created and record.status == Status.QUARANTINED and said in record.reason
    assert not Ticket.objects.exists() and not Attachment.objects.exists()
    # on disk: the quarantined original only (for admins; filed again once the limit is raised)
    assert files_on_disk(settings) == [record.raw.name]
    # within the limits it is filed
    setattr(settings, limit, 10**7)
    record = services.inbound_retry(inbound_id=record.pk, actor=desk.engineer)
    assert record.status == Status.TICKET


def test_within_the_limits_a_message_is_filed(desk, settings):
    settings.MAIL_MAX_ATTACHMENTS = 3
    record, _created = services.message_ingest(raw=message(files=3), mailbox=desk.mailbox)
    assert record.status == Status.TICKET
    assert record.ticket.attachments.count() == 4  # three logs and the original


def test_a_filing_that_fails_halfway_removes_the_files_it_wrote(desk, settings, monkeypatch):
    real = tickets.ticket_create

    def create_then_fail(**kwargs):
        real(**kwargs)  # the attachments are on disk now
        raise RuntimeError("the notice broke")

    monkeypatch.setattr(tickets, "ticket_create", create_then_fail)
    record, created = services.message_ingest(raw=message(files=2), mailbox=desk.mailbox)
    assert created and record.status == Status.QUARANTINED and "the notice broke" in record.reason
    assert not Ticket.objects.exists() and not Attachment.objects.exists()
    # neither the attachments nor the first copy of the original stayed behind
    assert files_on_disk(settings) == [record.raw.name]


def test_the_soft_time_limit_while_filing_writes_nothing_and_quarantines_nothing(desk, settings, monkeypatch):
    real = tickets.ticket_create

    def create_then_time_up(**kwargs):
        real(**kwargs)
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(tickets, "ticket_create", create_then_time_up)
    with pytest.raises(SoftTimeLimitExceeded):
        services.message_ingest(raw=message(files=1), mailbox=desk.mailbox)
    assert not InboundMessage.objects.exists() and not Ticket.objects.exists()
    assert files_on_disk(settings) == []


def test_the_soft_time_limit_stops_the_poll_and_the_message_is_filed_at_the_next(imap, desk, monkeypatch):
    mailbox = imap.mailbox()
    imap.deliver(message(files=1))
    real = tickets.ticket_create
    calls = []

    def time_up_once(**kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise SoftTimeLimitExceeded()
        return real(**kwargs)

    monkeypatch.setattr(tickets, "ticket_create", time_up_once)

    result = mailbox_poll(mailbox=mailbox)

    assert (result.stopped, result.error, result.read) == (True, "", 0)
    assert not InboundMessage.objects.exists() and imap.unseen() == 1
    mailbox.refresh_from_db()
    assert mailbox.last_error == ""

    again = mailbox_poll(mailbox=mailbox)

    assert (again.stopped, again.read, again.new) == (False, 1, 1)
    assert InboundMessage.objects.get().status == Status.TICKET and imap.unseen() == 0
