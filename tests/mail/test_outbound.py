"""What the desk mails about a ticket: the reference in the subject, a Message-ID replies can be
matched on, the email's thread, RFC 3834 headers, Reply-To, and the CC list."""

import pytest
from django.core import mail

from core.errors import NotAllowed, ServiceDeskError
from mail import services
from mail.models import CcRequest, InboundMessage
from notifications.models import Delivery
from tests.accounts.factories import CustomerFactory
from tests.mail.conftest import ALICE, authenticated, corpus, reply
from tickets import services as tickets
from tickets.models import TicketEvent


def _by_email(desk, capture):
    with capture(execute=True):
        record, _created = services.message_ingest(raw=authenticated(corpus("plain-utf8.eml")), mailbox=desk.mailbox)
    return record.ticket


@pytest.fixture
def carol(desk):
    """A contact of alice's organisation, named in the Cc of plain-utf8.eml (as is dave of a partner)."""
    return CustomerFactory(username="carol", email="carol@customer-a.example", organisation=desk.org)


def _answer(desk, ticket, capture, body="Please free some disk space."):
    mail.outbox.clear()
    with capture(execute=True):
        return tickets.comment_add(ticket_id=ticket.pk, actor=desk.engineer, body=body)


def test_the_notice_carries_the_reference_its_message_id_and_the_thread(desk, django_capture_on_commit_callbacks):
    ticket = _by_email(desk, django_capture_on_commit_callbacks)
    [notice] = mail.outbox
    delivery = Delivery.objects.get(key=f"ticket:{ticket.pk}:created:user:{desk.alice.pk}")
    assert f"[{ticket.reference}]" in notice.subject and notice.to == [ALICE]
    headers = notice.extra_headers
    assert headers["Message-ID"] == delivery.message_id and delivery.ticket_id == ticket.pk
    assert headers["In-Reply-To"] == headers["References"] == ticket.email_thread
    assert (headers["Auto-Submitted"], headers["X-Auto-Response-Suppress"]) == ("auto-generated", "All")
    assert "Reply-To" not in headers


def test_an_engineers_reply_goes_to_the_reporter_and_each_cc_address(
    desk, carol, verifying, settings, django_capture_on_commit_callbacks
):
    settings.LANGUAGE_CODE = "zh-hans"
    desk.alice.language = "en"
    desk.alice.save()
    ticket = _by_email(desk, django_capture_on_commit_callbacks)
    # carol, a contact, is copied at once; dave of a partner once staff approve him
    [waiting] = CcRequest.objects.filter(ticket=ticket, status="pending")
    assert waiting.address == "dave@partner.example"
    services.cc_request_decide(request_id=waiting.pk, actor=desk.engineer, approve=True)
    comment = _answer(desk, ticket, django_capture_on_commit_callbacks)
    deliveries = {d.key: d for d in Delivery.objects.filter(key__startswith=f"ticket:{ticket.pk}:comment:")}
    prefix = f"ticket:{ticket.pk}:comment:{comment.pk}"
    assert set(deliveries) == {
        f"{prefix}:user:{desk.alice.pk}",
        f"{prefix}:address:carol@customer-a.example",
        f"{prefix}:address:dave@partner.example",
    }
    sent = {m.to[0]: m for m in mail.outbox}
    assert set(sent) == {ALICE, "carol@customer-a.example", "dave@partner.example"} and len(mail.outbox) == 3
    for delivery in deliveries.values():
        message = sent[delivery.address]
        assert message.extra_headers["Message-ID"] == delivery.message_id
        # a person's words: out-of-office robots may answer, and the answer threads back
        assert message.extra_headers["Auto-Submitted"] == "no"
        assert "X-Auto-Response-Suppress" not in message.extra_headers
        assert message.extra_headers["In-Reply-To"] == ticket.email_thread
        assert "Please free some disk space." in message.body
    assert sent[ALICE].subject.startswith(f"[{ticket.reference}] New reply")  # alice's language
    assert sent["dave@partner.example"].subject.startswith(f"[{ticket.reference}] 新回复")  # the desk's


def test_reply_to_is_the_support_address(desk, settings, django_capture_on_commit_callbacks):
    settings.MAIL_REPLY_TO = "support@desk.example"
    ticket = _by_email(desk, django_capture_on_commit_callbacks)
    _answer(desk, ticket, django_capture_on_commit_callbacks)
    assert {m.extra_headers["Reply-To"] for m in mail.outbox} == {"support@desk.example"}


def test_an_address_equal_to_the_reporters_is_mailed_once(desk, django_capture_on_commit_callbacks):
    ticket = _by_email(desk, django_capture_on_commit_callbacks)
    tickets.ticket_set_cc(ticket_id=ticket.pk, actor=desk.engineer, cc=[ALICE.upper(), "carol@customer-a.example"])
    _answer(desk, ticket, django_capture_on_commit_callbacks)
    assert sorted(m.to[0] for m in mail.outbox) == [ALICE, "carol@customer-a.example"]


def test_a_ticket_that_did_not_come_by_email_starts_no_thread(desk, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = tickets.ticket_create(actor=desk.alice, project=desk.project, title="Portal", description="x")
    assert ticket.channel == "portal" and ticket.email_thread == ""
    [notice] = mail.outbox
    assert "In-Reply-To" not in notice.extra_headers and notice.extra_headers["Message-ID"].startswith("<sd.")


def test_answering_the_engineers_email_answers_the_ticket(desk, django_capture_on_commit_callbacks):
    ticket = _by_email(desk, django_capture_on_commit_callbacks)
    _answer(desk, ticket, django_capture_on_commit_callbacks)
    [to_alice] = [m for m in mail.outbox if m.to == [ALICE]]
    raw = reply(to=to_alice.extra_headers["Message-ID"], subject=f"Re: {to_alice.subject}", body="Done, thanks.")
    record, _created = services.message_ingest(raw=raw, mailbox=desk.mailbox)
    assert (record.status, record.ticket) == (InboundMessage.Status.REPLY, ticket)
    assert ticket.comments.last().body == "Done, thanks."


def test_ticket_set_cc_validates_and_records_the_change(desk, carol, verifying, customer_b):
    ticket = services.message_ingest(raw=authenticated(corpus("plain-utf8.eml")), mailbox=desk.mailbox)[0].ticket
    with pytest.raises(ServiceDeskError) as bad:
        tickets.ticket_set_cc(
            ticket_id=ticket.pk, actor=desk.engineer, cc=["carol@customer-a.example", "not an address"]
        )
    assert bad.value.field == "cc"
    with pytest.raises(ServiceDeskError) as too_many:
        tickets.ticket_set_cc(ticket_id=ticket.pk, actor=desk.engineer, cc=[f"p{i}@x.example" for i in range(21)])
    assert too_many.value.field == "cc"
    with pytest.raises(NotAllowed):
        tickets.ticket_set_cc(ticket_id=ticket.pk, actor=customer_b, cc=["b@customer-b.example"])
    ticket.refresh_from_db()
    old = ticket.cc
    assert old == ["carol@customer-a.example"]  # dave, of a partner, waits for staff
    tickets.ticket_set_cc(
        ticket_id=ticket.pk, actor=desk.alice, cc=[" Erin@Customer-A.example ", "erin@customer-a.example"]
    )
    ticket.refresh_from_db()
    assert ticket.cc == ["erin@customer-a.example"]
    event = TicketEvent.objects.get(ticket=ticket, kind="cc")
    assert (event.actor, event.data) == (desk.alice, {"old": old, "new": ["erin@customer-a.example"]})
    tickets.ticket_set_cc(ticket_id=ticket.pk, actor=desk.engineer, cc=["erin@customer-a.example"])  # no change
    assert TicketEvent.objects.filter(ticket=ticket, kind="cc").count() == 1
    tickets.ticket_set_cc(ticket_id=ticket.pk, actor=desk.engineer, cc=[f"p{i}@x.example" for i in range(20)])
    ticket.refresh_from_db()
    assert len(ticket.cc) == 20
