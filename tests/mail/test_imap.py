"""The poller against a real IMAP server (a private Dovecot, tests/mail/dovecot.py): deliver,
poll, see the ticket, poll again, nothing doubles; a crash between filing and marking read, a
broken or huge message in the batch, TLS, STARTTLS and plain, a refused login, the batch
limit, the settings' mailbox, ``fetch_mail`` and the beat task."""

import datetime
import io
import re
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from mail import imap as protocol
from mail.models import InboundMessage, Mailbox
from mail.services import mailbox_poll, mailboxes_poll
from mail.tasks import poll_mailboxes
from tests.mail.dovecot import dovecot_server, imap_fixture  # noqa: F401  (fixtures: the server, ``imap``)
from tests.tickets.helpers import ROUND_THE_CLOCK
from tickets.calendars import calendar_save
from tickets.models import SLAClock, Ticket
from tickets.policies import policy_save

pytestmark = pytest.mark.django_db
Status = InboundMessage.Status


def compose(sender: str, subject: str, body: str = "The pump at station 3 stopped.", **headers: str) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "support@desk.example"
    message["Subject"] = subject
    message["Date"] = format_datetime(timezone.now())
    message["Message-ID"] = headers.pop("message_id", None) or make_msgid(domain="customer.example")
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message.as_bytes()


@pytest.fixture
def policy(db):
    always = calendar_save(name="24x7", timezone_name="Asia/Shanghai", hours=ROUND_THE_CLOCK)
    return policy_save(
        name="Standard",
        is_default=True,
        targets=[
            {"priority": "normal", "metric": "first_response", "minutes": 240, "calendar": always},
            {"priority": "normal", "metric": "resolution", "minutes": 960, "calendar": always},
        ],
    )


@pytest.fixture
def contact(customer_a, project_a, policy, mail_settings):
    """A contact of organisation A, whose only project is project A, under an SLA policy."""
    return customer_a


def counts() -> tuple[int, int]:
    return InboundMessage.objects.count(), Ticket.objects.count()


@pytest.mark.parametrize("security", [Mailbox.Security.TLS, Mailbox.Security.STARTTLS, Mailbox.Security.PLAIN])
def test_deliver_poll_see_the_ticket_poll_again_nothing_doubles(imap, contact, project_a, security):
    mailbox = imap.mailbox(security)
    raw = compose(contact.email, "Pump stopped", message_id="<first@customer.example>")
    uid = imap.deliver(raw)

    result = mailbox_poll(mailbox=mailbox)

    assert (result.read, result.new, result.error) == (1, 1, "")
    record = InboundMessage.objects.get()
    assert (record.message_id, record.status, record.mailbox, record.uid) == (
        "<first@customer.example>",
        Status.TICKET,
        mailbox,
        uid,
    )
    ticket = record.ticket
    assert (ticket.organisation, ticket.project, ticket.reporter, ticket.channel) == (
        contact.organisation,
        project_a,
        contact,
        Ticket.Channel.EMAIL,
    )
    assert ticket.title == "Pump stopped" and "station 3" in ticket.description
    clocks = {c.metric: c for c in SLAClock.objects.filter(ticket=ticket)}
    assert set(clocks) == {"first_response", "resolution"}
    assert all(c.is_running for c in clocks.values())
    assert clocks["first_response"].due_at == ticket.received_at + datetime.timedelta(minutes=240)
    assert imap.messages() == [(b"Message-ID: <first@customer.example>", {b"\\Seen"})]
    mailbox.refresh_from_db()
    assert mailbox.last_error == "" and mailbox.last_polled_at is not None

    again = mailbox_poll(mailbox=mailbox)

    assert (again.read, again.new, again.error) == (0, 0, "")
    assert counts() == (1, 1) and SLAClock.objects.count() == 2


def test_tls_is_verified_against_the_ca_file(imap, contact, settings):
    mailbox = imap.mailbox(Mailbox.Security.TLS)
    imap.deliver(compose(contact.email, "Pump stopped"))
    settings.MAIL_IMAP_CA_FILE = ""  # the system's CAs do not know the test server's certificate

    result = mailbox_poll(mailbox=mailbox)

    assert "CERTIFICATE_VERIFY_FAILED" in result.error
    mailbox.refresh_from_db()
    assert "CERTIFICATE_VERIFY_FAILED" in mailbox.last_error
    assert counts() == (0, 0) and imap.unseen() == 1


def test_a_crash_between_filing_and_marking_read_files_nothing_twice(imap, contact, monkeypatch):
    mailbox = imap.mailbox()
    imap.deliver(compose(contact.email, "Pump stopped", message_id="<crash@customer.example>"))
    calls = []
    original = protocol.mark_read

    def crash_once(client, uid):
        calls.append(uid)
        if len(calls) == 1:
            raise ConnectionResetError("connection lost")
        original(client, uid)

    monkeypatch.setattr(protocol, "mark_read", crash_once)

    first = mailbox_poll(mailbox=mailbox)

    assert first.error == "ConnectionResetError: connection lost"
    mailbox.refresh_from_db()
    assert mailbox.last_error == "ConnectionResetError: connection lost"
    assert counts() == (1, 1)  # filed before the crash
    assert imap.unseen() == 1  # fetched with BODY.PEEK: still unread on the server

    second = mailbox_poll(mailbox=mailbox)

    assert (second.read, second.new, second.error) == (1, 0, "")  # read again, known by its Message-ID
    assert counts() == (1, 1)
    assert InboundMessage.objects.get().status == Status.TICKET
    assert imap.unseen() == 0
    mailbox.refresh_from_db()
    assert mailbox.last_error == ""
    assert mailbox_poll(mailbox=mailbox).read == 0


def test_a_broken_message_in_the_middle_is_quarantined_and_the_others_filed(imap, contact):
    mailbox = imap.mailbox()
    imap.deliver(compose(contact.email, "First fault", message_id="<one@customer.example>"))
    imap.deliver(b"Subject: no sender at all\r\nMessage-ID: <broken@customer.example>\r\n\r\nwho sent this?\r\n")
    imap.deliver(compose("stranger@elsewhere.example", "Who do I ask?", message_id="<two@elsewhere.example>"))
    imap.deliver(compose(contact.email, "Second fault", message_id="<three@customer.example>"))

    result = mailbox_poll(mailbox=mailbox)

    assert (result.read, result.new, result.error) == (4, 4, "")
    records = {r.message_id: r for r in InboundMessage.objects.all()}
    broken = records["<broken@customer.example>"]
    assert broken.status == Status.QUARANTINED and broken.reason == "The message has no sender address."
    assert broken.raw.read().startswith(b"Subject: no sender at all")
    assert records["<two@elsewhere.example>"].status == Status.TRIAGE  # an unknown sender waits, never dropped
    assert [records[f"<{n}@customer.example>"].ticket.title for n in ("one", "three")] == [
        "First fault",
        "Second fault",
    ]
    assert Ticket.objects.count() == 2
    assert imap.unseen() == 0


def test_a_message_over_the_size_limit_is_quarantined_from_its_header_alone(imap, contact, settings):
    settings.MAIL_MAX_BYTES = 4000
    mailbox = imap.mailbox()
    imap.deliver(compose(contact.email, "Logs attached", body="log line\n" * 1000, message_id="<big@customer.example>"))
    imap.deliver(compose(contact.email, "Small one", message_id="<small@customer.example>"))

    result = mailbox_poll(mailbox=mailbox)

    assert (result.read, result.new) == (2, 2)
    big = InboundMessage.objects.get(message_id="<big@customer.example>")
    assert big.status == Status.QUARANTINED and big.ticket is None
    assert re.fullmatch(r"The message is \d+\.\d\xa0KB, larger than the limit of 3\.9\xa0KB\.", big.reason)
    stored = big.raw.read()
    assert b"Subject: Logs attached" in stored and b"log line" not in stored  # only the header was fetched
    assert big.size > settings.MAIL_MAX_BYTES  # the size it has on the server, not of what was fetched
    assert InboundMessage.objects.get(message_id="<small@customer.example>").status == Status.TICKET
    assert imap.unseen() == 0


def test_a_refused_login_is_recorded_and_fetch_mail_fails(imap, contact):
    mailbox = imap.mailbox(Mailbox.Security.PLAIN, password="wrong")
    imap.deliver(compose(contact.email, "Pump stopped"))

    result = mailbox_poll(mailbox=mailbox)  # raises nothing

    assert "AUTHENTICATIONFAILED" in result.error
    mailbox.refresh_from_db()
    assert "AUTHENTICATIONFAILED" in mailbox.last_error and mailbox.last_polled_at is not None
    out = io.StringIO()
    with pytest.raises(CommandError, match="A mailbox could not be read"):
        call_command("fetch_mail", stdout=out)
    assert "Support (plain): 0 read, 0 new; LoginError" in out.getvalue()
    assert counts() == (0, 0) and imap.unseen() == 1


def test_one_poll_reads_at_most_the_batch_oldest_first(imap, contact, settings):
    settings.MAIL_POLL_BATCH = 2
    mailbox = imap.mailbox()
    for n in range(3):
        imap.deliver(compose(contact.email, f"Fault {n}"))

    first = mailbox_poll(mailbox=mailbox)

    assert (first.read, first.new) == (2, 2)
    assert sorted(Ticket.objects.values_list("title", flat=True)) == ["Fault 0", "Fault 1"]
    assert imap.unseen() == 1
    second = mailbox_poll(mailbox=mailbox)
    assert (second.read, second.new) == (1, 1) and Ticket.objects.count() == 3
    assert mailbox_poll(mailbox=mailbox).read == 0


@pytest.fixture
def settings_mailbox(imap, settings):
    """The mailbox of the MAIL_IMAP_* settings, pointed at the test server."""
    settings.MAIL_IMAP_HOST = imap.host
    settings.MAIL_IMAP_PORT = imap.tls_port
    settings.MAIL_IMAP_SECURITY = "tls"
    settings.MAIL_IMAP_USER = imap.user
    settings.MAIL_IMAP_PASSWORD = imap.password
    settings.MAIL_IMAP_FOLDER = "INBOX"
    settings.MAIL_ADDRESS = "support@desk.example"
    return imap


def test_the_settings_mailbox_through_mailboxes_poll(settings_mailbox, contact):
    settings_mailbox.deliver(compose(contact.email, "Pump stopped"))

    results = mailboxes_poll()

    mailbox = Mailbox.objects.get()
    assert mailbox.from_settings and (mailbox.host, mailbox.port, mailbox.address) == (
        "127.0.0.1",
        settings_mailbox.tls_port,
        "support@desk.example",
    )
    assert {name: (r.read, r.new, r.error) for name, r in results.items()} == {mailbox.name: (1, 1, "")}
    assert InboundMessage.objects.get().mailbox == mailbox and Ticket.objects.count() == 1
    assert {n: (r.read, r.new) for n, r in mailboxes_poll().items()} == {mailbox.name: (0, 0)}
    assert Mailbox.objects.count() == 1


def test_fetch_mail_polls_once(settings_mailbox, contact):
    settings_mailbox.deliver(compose(contact.email, "Pump stopped"))
    out = io.StringIO()

    call_command("fetch_mail", stdout=out)

    assert out.getvalue() == "desk@127.0.0.1: 1 read, 1 new\n"
    call_command("fetch_mail", stdout=out)
    assert out.getvalue().endswith("desk@127.0.0.1: 0 read, 0 new\n")
    assert counts() == (1, 1)


def test_the_beat_task_polls_every_mailbox_and_twice_is_harmless(settings_mailbox, contact):
    settings_mailbox.empty("Hardware")
    other = settings_mailbox.mailbox(Mailbox.Security.STARTTLS, name="Hardware desk", folder="Hardware")
    settings_mailbox.deliver(compose(contact.email, "Pump stopped"))
    settings_mailbox.deliver(compose(contact.email, "Disk failed"), folder="Hardware")

    assert poll_mailboxes() == {"desk@127.0.0.1": 1, other.name: 1}

    assert poll_mailboxes() == {"desk@127.0.0.1": 0, other.name: 0}
    assert poll_mailboxes.delay().get() == {"desk@127.0.0.1": 0, other.name: 0}  # through Celery (eager)
    assert {(r.mailbox.name, r.ticket.title) for r in InboundMessage.objects.all()} == {
        ("desk@127.0.0.1", "Pump stopped"),
        (other.name, "Disk failed"),
    }
    assert Ticket.objects.count() == 2
    assert settings_mailbox.unseen() == settings_mailbox.unseen("Hardware") == 0


def test_fetch_mail_file_takes_the_same_path_and_a_second_run_says_already_read(imap, contact, tmp_path):
    path = tmp_path / "message.eml"
    path.write_bytes(compose(contact.email, "Pump stopped", message_id="<file@customer.example>"))
    out = io.StringIO()

    call_command("fetch_mail", "--file", str(path), stdout=out)

    ticket = Ticket.objects.get()
    assert out.getvalue() == f"{path}: Opened a ticket {ticket.reference}\n"
    call_command("fetch_mail", "--file", str(path), stdout=out)
    assert out.getvalue().endswith(f"{path}: already read {ticket.reference}\n")
    # the same message reaching the mailbox is known too: one code path, one record
    imap.deliver(path.read_bytes())
    result = mailbox_poll(mailbox=imap.mailbox())
    assert (result.read, result.new) == (1, 0)
    assert counts() == (1, 1) and imap.unseen() == 0
