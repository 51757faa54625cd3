"""Mail senders are not taken on their word (issue 20): with ``MAIL_AUTHSERV_ID`` a known address
is filed as that person only when the desk's receiving server vouched for it; without it, a
contact's mail is filed but marked "sender not verified", and no unverified mail writes as
staff, adds CC addresses, or closes, resolves or reopens a ticket. CC addresses outside the
organisation wait for staff."""

import io

import pytest
from django.core import checks
from django.core.management import call_command
from django.urls import reverse
from rest_framework.test import APIClient

from mail import services
from mail.models import CcRequest, InboundMessage, Mailbox
from tests.accounts.factories import CustomerFactory
from tests.mail.conftest import ALICE, AUTHSERV, authenticated, reply
from tickets import services as tickets
from tickets.models import Comment, SLAClock, Ticket

Status = InboundMessage.Status
ATTACKER = "attacker@evil.example"


def ingest(raw: bytes, mailbox: Mailbox | None = None) -> InboundMessage:
    record, created = services.message_ingest(raw=raw, mailbox=mailbox)
    assert created
    return record


@pytest.fixture
def carol(desk):
    return CustomerFactory(username="carol", email="carol@customer-a.example", organisation=desk.org)


@pytest.fixture
def ticket(desk):
    """A ticket of alice's, filed in the portal, an engineer assigned."""
    ticket = tickets.ticket_create(actor=desk.alice, project=desk.project, title="Pump 3", description="It stopped.")
    tickets.ticket_assign(ticket_id=ticket.pk, actor=desk.engineer, assignee=desk.engineer)
    return ticket


def _state(ticket: Ticket) -> tuple:
    ticket.refresh_from_db()
    return ticket.status, ticket.cc, list(ticket.comments.values_list("pk", flat=True))


# --- with MAIL_AUTHSERV_ID ----------------------------------------------------------------


def test_a_forged_contact_with_a_cc_attacker_opens_nothing_and_copies_nobody(desk, verifying):
    # the forger writes alice's address, copies himself and adds his own "pass" header; the
    # desk's server found nothing that vouches for customer-a.example
    raw = authenticated(
        authenticated(reply(to=None, subject="Invoice", cc=ATTACKER), "dmarc=pass", server="mx.evil.example"),
        "dmarc=fail header.from=customer-a.example; spf=pass smtp.mailfrom=evil.example",
    )
    record = ingest(raw, desk.mailbox)
    assert (record.status, record.ticket, record.contact, record.sender_verified) == (Status.TRIAGE, None, None, False)
    assert "not verified" in record.reason and AUTHSERV in record.reason
    assert not Ticket.objects.exists() and not CcRequest.objects.exists()


@pytest.mark.parametrize(
    "results",
    [
        "dkim=pass header.d=evil.example",  # a valid signature of another domain
        "spf=pass smtp.mailfrom=evil.example",
    ],
)
def test_a_pass_for_another_domain_is_not_a_verified_contact(desk, verifying, results):
    record = ingest(authenticated(reply(to=None, subject="Invoice"), results), desk.mailbox)
    assert (record.status, record.ticket, record.sender_verified) == (Status.TRIAGE, None, False)
    assert not Ticket.objects.exists()


def test_results_of_another_authserv_id_are_ignored(desk, verifying):
    raw = authenticated(
        reply(to=None, subject="Invoice"), "dmarc=pass header.from=customer-a.example", "mx.other.example"
    )
    record = ingest(raw, desk.mailbox)
    assert (record.status, record.sender_verified) == (Status.TRIAGE, False)
    assert not Ticket.objects.exists()


def test_a_mailbox_names_its_own_authserv_id(desk, settings):
    settings.MAIL_AUTHSERV_ID = ""
    desk.mailbox.authserv_id = "mx2.desk.example"
    desk.mailbox.save()
    # the settings' server is not this mailbox's
    record = ingest(authenticated(reply(to=None, subject="One")), desk.mailbox)
    assert (record.status, record.sender_verified) == (Status.TRIAGE, False)
    record = ingest(authenticated(reply(to=None, subject="Two"), server="mx2.desk.example"), desk.mailbox)
    assert (record.status, record.sender_verified) == (Status.TICKET, True)


def test_a_verified_email_is_filed_as_today_and_its_cc_waits_for_staff(desk, verifying, carol):
    raw = authenticated(
        reply(to=None, subject="Pump 3", cc=f"carol@customer-a.example, {ATTACKER}"),
        "dkim=pass header.d=mail.customer-a.example",
    )
    record = ingest(raw, desk.mailbox)
    ticket = record.ticket
    assert (record.status, record.contact, record.sender_verified) == (Status.TICKET, desk.alice, True)
    assert (ticket.reporter, ticket.sender_verified, ticket.channel) == (desk.alice, True, Ticket.Channel.EMAIL)
    # carol is a contact of the organisation: copied at once; the other address waits
    assert ticket.cc == ["carol@customer-a.example"]
    [waiting] = CcRequest.objects.all()
    assert (waiting.ticket, waiting.address, waiting.status, waiting.inbound) == (ticket, ATTACKER, "pending", record)


def test_a_verified_engineer_writes_a_note_an_unverified_one_never(desk, verifying, ticket):
    before = _state(ticket)
    subject = f"Re: [{ticket.reference}] Pump 3"
    forged = reply(to=None, sender=desk.engineer.email, subject=subject, body="Closing: fixed.")
    record = ingest(forged, desk.mailbox)
    assert (record.status, record.ticket, record.contact) == (Status.TRIAGE, ticket, None)
    assert _state(ticket) == before


# --- without MAIL_AUTHSERV_ID -------------------------------------------------------------


def test_an_engineers_address_with_the_reference_is_never_an_internal_note(desk, ticket, settings):
    settings.MAIL_AUTHSERV_ID = ""
    before = _state(ticket)
    raw = reply(to=None, sender=desk.engineer.email, subject=f"Re: [{ticket.reference}] Pump 3", body="Ignore it.")
    record = ingest(raw, desk.mailbox)
    assert (record.status, record.ticket, record.contact, record.sender_verified) == (
        Status.TRIAGE,
        ticket,
        None,
        False,
    )
    assert "MAIL_AUTHSERV_ID" in record.reason
    assert _state(ticket) == before
    assert not Comment.objects.filter(author=desk.engineer).exists()


def test_a_contacts_email_is_filed_marked_not_verified_and_copies_nobody(desk, carol, settings):
    settings.MAIL_AUTHSERV_ID = ""
    record = ingest(reply(to=None, subject="Pump 3", cc=f"carol@customer-a.example, {ATTACKER}"), desk.mailbox)
    ticket = record.ticket
    assert (record.status, record.contact, record.sender_verified) == (Status.TICKET, desk.alice, False)
    assert (ticket.reporter, ticket.sender_verified) == (desk.alice, False)
    assert ticket.cc == [] and not CcRequest.objects.exists()


def test_an_unverified_reply_resumes_the_clock_but_never_closes_resolves_or_reopens(desk, ticket, settings):
    settings.MAIL_AUTHSERV_ID = ""
    tickets.ticket_update(ticket_id=ticket.pk, actor=desk.engineer, status="waiting_on_customer")
    subject = f"Re: [{ticket.reference}] Pump 3"
    raw = reply(to=None, subject=subject, body="Works again. Please close the ticket.", cc=ATTACKER)
    record = ingest(raw, desk.mailbox)
    ticket.refresh_from_db()
    # as a portal reply: the ticket goes back in progress and the resolution clock runs again
    assert (record.status, ticket.status) == (Status.REPLY, "in_progress")
    assert SLAClock.objects.get(ticket=ticket, metric="resolution").paused_at is None
    comment = ticket.comments.last()
    assert (comment.author, comment.public, comment.sender_verified) == (desk.alice, True, False)
    assert ticket.cc == [] and not CcRequest.objects.exists()
    # a resolved ticket stays resolved, whatever the email says
    tickets.ticket_update(ticket_id=ticket.pk, actor=desk.engineer, status="resolved")
    ingest(reply(to=None, subject=subject, body="Reopen! It is broken again. /reopen"), desk.mailbox)
    ticket.refresh_from_db()
    assert ticket.status == "resolved"


def test_an_unverified_email_opened_from_triage_copies_nobody(desk, settings, customer_b):
    settings.MAIL_AUTHSERV_ID = ""
    record = ingest(reply(to=None, sender="someone@partner.example", subject="Pump", cc=ATTACKER), desk.mailbox)
    assert record.status == Status.TRIAGE
    record = services.inbound_open_ticket(
        inbound_id=record.pk, actor=desk.engineer, project=desk.project, reporter=desk.alice
    )
    assert record.ticket.cc == [] and record.ticket.sender_verified is False
    assert not CcRequest.objects.exists()


# --- the ticket page, the API, the deploy check -------------------------------------------


def test_the_ticket_page_and_the_api_say_sender_not_verified(desk, client, settings):
    settings.MAIL_AUTHSERV_ID = ""
    ticket = ingest(reply(to=None, subject="Pump 3"), desk.mailbox).ticket
    ingest(reply(to=None, subject=f"Re: [{ticket.reference}]", body="More."), desk.mailbox)
    client.force_login(desk.alice)
    page = client.get(reverse("tickets:detail", args=[ticket.pk])).content.decode()
    assert 'id="ticket-sender-not-verified"' in page and page.count("sender-not-verified") >= 2
    api = APIClient()
    api.force_authenticate(desk.alice)
    answer = api.get(f"/api/v1/tickets/{ticket.pk}/").json()
    assert answer["sender_verified"] is False
    comments = api.get(f"/api/v1/tickets/{ticket.pk}/comments/").json()["results"]
    assert [c["sender_verified"] for c in comments] == [False]
    # a portal ticket is not from an email: null, no mark
    portal = tickets.ticket_create(actor=desk.alice, project=desk.project, title="Portal", description="x")
    assert api.get(f"/api/v1/tickets/{portal.pk}/").json()["sender_verified"] is None
    assert "sender-not-verified" not in client.get(reverse("tickets:detail", args=[portal.pk])).content.decode()


def _deploy_warnings() -> list[str]:
    return [m.id for m in checks.run_checks(include_deployment_checks=True) if m.id.startswith("mail.")]


def test_the_deploy_check_warns_while_senders_are_not_verified(desk, settings):
    settings.MAIL_AUTHSERV_ID = ""
    assert _deploy_warnings() == ["mail.W001"]
    desk.mailbox.authserv_id = AUTHSERV
    desk.mailbox.save()
    assert _deploy_warnings() == []  # the only active mailbox names its server
    settings.MAIL_IMAP_HOST = "imap.desk.example"
    assert _deploy_warnings() == ["mail.W001"]  # the settings' mailbox does not
    settings.MAIL_AUTHSERV_ID = AUTHSERV
    assert _deploy_warnings() == []


def test_the_mailbox_admin_page_warns_while_senders_are_not_verified(desk, client, admin_user, settings):
    settings.MAIL_AUTHSERV_ID = ""
    client.force_login(admin_user)
    url = reverse("admin:mail_mailbox_change", args=[desk.mailbox.pk])
    assert "Senders of this mailbox are not verified" in client.get(url).content.decode()
    settings.MAIL_AUTHSERV_ID = AUTHSERV
    assert "Senders of this mailbox are not verified" not in client.get(url).content.decode()


# --- CC addresses waiting for staff -------------------------------------------------------


@pytest.fixture
def waiting(desk, verifying):
    raw = authenticated(reply(to=None, subject="Pump 3", cc=f"{ATTACKER}, partner@partner.example"))
    record = ingest(raw, desk.mailbox)
    assert record.ticket.cc == []
    return record.ticket


def test_staff_approve_or_refuse_a_waiting_address_on_the_ticket_page(waiting, desk, client):
    client.force_login(desk.engineer)
    page = client.get(reverse("tickets:detail", args=[waiting.pk])).content.decode()
    assert 'id="cc-requests"' in page and ATTACKER in page
    approve, refuse = CcRequest.objects.order_by("address")
    assert (approve.address, refuse.address) == (ATTACKER, "partner@partner.example")
    response = client.post(reverse("mail:cc-decide", args=[approve.pk]), {"decision": "approve"})
    assert response.status_code == 302
    client.post(reverse("mail:cc-decide", args=[refuse.pk]), {"decision": "refuse"})
    waiting.refresh_from_db()
    assert waiting.cc == [ATTACKER]
    approve.refresh_from_db()
    refuse.refresh_from_db()
    assert (approve.status, approve.decided_by, refuse.status) == ("approved", desk.engineer, "refused")
    # decided once
    client.post(reverse("mail:cc-decide", args=[refuse.pk]), {"decision": "approve"})
    waiting.refresh_from_db()
    assert waiting.cc == [ATTACKER]
    assert 'id="cc-requests"' not in client.get(reverse("tickets:detail", args=[waiting.pk])).content.decode()


def test_customers_never_see_nor_decide_waiting_addresses(waiting, desk, client):
    client.force_login(desk.alice)
    page = client.get(reverse("tickets:detail", args=[waiting.pk])).content.decode()
    assert 'id="cc-requests"' not in page and ATTACKER not in page
    cc_request = CcRequest.objects.get(address=ATTACKER)
    assert client.post(reverse("mail:cc-decide", args=[cc_request.pk]), {"decision": "approve"}).status_code == 403
    waiting.refresh_from_db()
    assert waiting.cc == [] and CcRequest.objects.get(pk=cc_request.pk).status == "pending"


def test_admins_decide_in_the_admin(waiting, client, admin_user):
    client.force_login(admin_user)
    pending = CcRequest.objects.order_by("address")
    url = reverse("admin:mail_ccrequest_changelist")
    assert client.get(url).status_code == 200
    client.post(url, {"action": "approve", "_selected_action": [pending[0].pk]})
    client.post(url, {"action": "refuse", "_selected_action": [pending[1].pk]})
    waiting.refresh_from_db()
    assert waiting.cc == [ATTACKER]
    assert sorted(CcRequest.objects.values_list("status", flat=True)) == ["approved", "refused"]


def test_a_ticket_of_a_verified_email_still_answers_its_reporter(desk, verifying):
    ticket = ingest(authenticated(reply(to=None, subject="Pump 3")), desk.mailbox).ticket
    assert ticket.reporter.email == ALICE


def test_fetch_mail_file_verifies_with_the_setting(desk, verifying, tmp_path):
    good, forged = tmp_path / "good.eml", tmp_path / "forged.eml"
    good.write_bytes(authenticated(reply(to=None, subject="Pump 3")))
    forged.write_bytes(authenticated(reply(to=None, subject="Pump 4"), server="mx.other.example"))
    out = io.StringIO()
    call_command("fetch_mail", "--file", str(good), str(forged), stdout=out)
    records = {r.subject: r for r in InboundMessage.objects.all()}
    assert (records["Pump 3"].status, records["Pump 3"].sender_verified) == (Status.TICKET, True)
    assert (records["Pump 4"].status, records["Pump 4"].sender_verified) == (Status.TRIAGE, False)
    assert "not verified" in out.getvalue()
