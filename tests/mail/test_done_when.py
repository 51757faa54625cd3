"""Issue #10's "done when", against a real IMAP server (tests/mail/dovecot.py): an email from
alice's address becomes a ticket in her organisation with its SLA clocks; the engineer's reply
reaches her by mail; her emailed answer lands on the same ticket; an auto-reply does nothing."""

from email.message import EmailMessage
from email.utils import format_datetime

import pytest
from django.core import mail

from mail.models import InboundMessage
from mail.services import mailbox_poll
from notifications.models import Delivery
from tests.mail.conftest import ALICE, DESK, reply
from tests.mail.dovecot import dovecot_server, imap_fixture  # noqa: F401  (fixtures: the server, ``imap``)
from tests.tickets.helpers import sh
from tickets import services as tickets
from tickets.models import Attachment, Comment, SLAClock, Ticket

pytestmark = pytest.mark.django_db
Status = InboundMessage.Status


def new_email() -> bytes:
    message = EmailMessage()
    message["From"] = f"Alice Wang <{ALICE}>"
    message["To"] = DESK
    message["Subject"] = "Water meter readings stopped"
    message["Date"] = format_datetime(sh(2026, 3, 3, 10, 0))
    message["Message-ID"] = "<first.alice@customer-a.example>"
    message.set_content("Since this morning no readings arrive from district 4.\n\nAlice")
    return message.as_bytes()


def poll(mailbox, capture):
    """One poll, its transactions committed (deliveries go out after the commit)."""
    with capture(execute=True):
        result = mailbox_poll(mailbox=mailbox)
    assert result.error == ""
    return result


def test_alice_writes_the_engineer_answers_she_answers_back_her_robot_does_nothing(
    imap, alice, project_a, sla_setup, engineer, mail_settings, django_capture_on_commit_callbacks, time_machine
):
    capture = django_capture_on_commit_callbacks
    mail_settings.MAIL_REPLY_TO = DESK
    mailbox = imap.mailbox(address=DESK)
    time_machine.move_to(sh(2026, 3, 3, 10, 0), tick=False)  # a Tuesday morning in Shanghai

    # alice's new email becomes a ticket in her organisation, its SLA clocks running
    imap.deliver(new_email())
    assert (poll(mailbox, capture).new, imap.unseen()) == (1, 0)
    ticket = Ticket.objects.get()
    assert (ticket.organisation, ticket.project, ticket.reporter, ticket.channel) == (
        alice.organisation,
        project_a,
        alice,
        Ticket.Channel.EMAIL,
    )
    assert ticket.title == "Water meter readings stopped" and "district 4" in ticket.description
    assert ticket.email_thread == "<first.alice@customer-a.example>"
    clocks = {c.metric: c for c in SLAClock.objects.filter(ticket=ticket)}
    assert {metric: (c.is_running, c.due_at) for metric, c in clocks.items()} == {
        # 240 and 960 working minutes on the business calendar (09-12, 13-18)
        "first_response": (True, sh(2026, 3, 3, 15, 0)),
        "resolution": (True, sh(2026, 3, 5, 10, 0)),
    }

    # the engineer's public reply reaches her by mail, in her email's thread
    time_machine.move_to(sh(2026, 3, 3, 10, 30), tick=False)
    sent_before = len(mail.outbox)
    with capture(execute=True):
        answer = tickets.comment_add(
            ticket_id=ticket.pk, actor=engineer, body="We restarted the gateway; are readings back?", public=True
        )
    to_alice = [m for m in mail.outbox[sent_before:] if m.to == [ALICE]]
    assert len(to_alice) == 1
    outgoing = to_alice[0]
    delivery = Delivery.objects.get(channel="email", key=f"ticket:{ticket.pk}:comment:{answer.pk}:user:{alice.pk}")
    assert delivery.address == ALICE and ticket.reference in outgoing.subject
    assert "We restarted the gateway" in outgoing.body
    assert outgoing.extra_headers["Message-ID"] == delivery.message_id != ""
    assert outgoing.extra_headers["In-Reply-To"] == "<first.alice@customer-a.example>"
    assert outgoing.extra_headers["Reply-To"] == DESK
    assert SLAClock.objects.get(ticket=ticket, metric="first_response").stopped_at == sh(2026, 3, 3, 10, 30)

    # her answer (Gmail style: the quoted history below) lands on the same ticket, trimmed
    time_machine.move_to(sh(2026, 3, 3, 11, 0), tick=False)
    her_reply = reply(
        to=delivery.message_id,
        references=f"{ticket.email_thread} {delivery.message_id}",
        subject=f"Re: {outgoing.subject}",
        body="Yes, readings are back since 10:40. Thank you!",
    )
    imap.deliver(her_reply)
    assert poll(mailbox, capture).new == 1
    record = InboundMessage.objects.get(sender=ALICE, status=Status.REPLY)
    assert record.ticket == ticket and record.contact == alice
    comment = Comment.objects.get(ticket=ticket, author=alice)
    assert comment.public and comment.body == "Yes, readings are back since 10:40. Thank you!"
    original = Attachment.objects.get(comment=comment)
    assert original.name == "original-message.eml" and original.file.read() == her_reply
    assert Ticket.objects.count() == 1

    # her out-of-office robot answers the engineer's email too: nothing happens
    time_machine.move_to(sh(2026, 3, 3, 11, 30), tick=False)
    counts = (Comment.objects.count(), Ticket.objects.count(), Delivery.objects.count(), len(mail.outbox))
    imap.deliver(
        reply(
            to=delivery.message_id,
            subject=f"Automatic reply: {outgoing.subject}",
            body="I am out of the office until Monday.",
            headers={"Auto-Submitted": "auto-replied"},
        )
    )
    assert poll(mailbox, capture).new == 1
    robot = InboundMessage.objects.get(subject__startswith="Automatic reply")
    assert robot.status == Status.IGNORED and "Auto-Submitted: auto-replied" in robot.reason
    assert robot.ticket is None
    assert (Comment.objects.count(), Ticket.objects.count(), Delivery.objects.count(), len(mail.outbox)) == counts

    # polled again: nothing doubles
    assert poll(mailbox, capture).read == 0
    assert InboundMessage.objects.count() == 3 and imap.unseen() == 0
