"""The intake through its one way in, ``message_ingest(raw=...)`` (what the poller and
``fetch_mail --file`` call): tickets, replies, routing, triage, robots, duplicates, quarantine."""

import datetime
from types import SimpleNamespace

import pytest
import time_machine
from django.core import mail

from accounts.models import User
from core.errors import NotAllowed, ServiceDeskError
from customers.models import Project
from mail import services
from mail.models import CcRequest, InboundMessage, Mailbox, RoutingRule
from mail.parsing import parse
from notifications.models import Delivery, Notification
from tests.accounts.factories import CustomerFactory
from tests.customers.factories import ProjectFactory
from tests.mail.conftest import ALICE, DESK, authenticated, corpus, reply, with_headers
from tickets import services as tickets
from tickets.models import Attachment, Comment, SLAClock, Ticket, TicketEvent

Status = InboundMessage.Status


def ingest(raw: bytes, mailbox: Mailbox | None = None) -> InboundMessage:
    record, created = services.message_ingest(raw=raw, mailbox=mailbox)
    assert created
    return record


@pytest.fixture
def opened(desk):
    """A ticket alice opened by email, an engineer's public reply to it (mailed to her), and
    the Message-ID of that email."""
    record = ingest(authenticated(corpus("plain-utf8.eml")), desk.mailbox)
    ticket = record.ticket
    answer = tickets.comment_add(ticket_id=ticket.pk, actor=desk.engineer, body="Please free some disk space.")
    delivery = Delivery.objects.get(key=f"ticket:{ticket.pk}:comment:{answer.pk}:user:{desk.alice.pk}")
    assert delivery.message_id.startswith("<sd.") and delivery.ticket_id == ticket.pk
    return SimpleNamespace(**vars(desk), ticket=ticket, record=record, message_id=delivery.message_id)


def _snapshot(ticket: Ticket) -> tuple:
    ticket.refresh_from_db()
    return (
        ticket.status,
        ticket.updated_at,
        ticket.cc,
        list(ticket.comments.values_list("pk", flat=True)),
        list(ticket.events.values_list("pk", flat=True)),
        list(ticket.attachments.values_list("pk", flat=True)),
    )


# --- new messages -------------------------------------------------------------------------


def test_a_contacts_new_email_opens_a_ticket_in_their_organisation(desk, django_capture_on_commit_callbacks):
    raw = corpus("plain-utf8.eml")
    with django_capture_on_commit_callbacks(execute=True):
        record = ingest(raw, desk.mailbox)
    ticket = record.ticket
    assert (record.status, record.contact, record.mailbox) == (Status.TICKET, desk.alice, desk.mailbox)
    assert (ticket.organisation, ticket.project, ticket.channel) == (desk.org, desk.project, Ticket.Channel.EMAIL)
    assert (ticket.reporter, ticket.created_by) == (desk.alice, desk.alice)
    assert ticket.title == "数据库服务器无法启动"
    assert "日志显示磁盘空间不足。\n请尽快处理。" in ticket.description
    assert ticket.email_thread == "<20261130091201.1a2b3c@mail.customer-a.example>" == record.message_id
    # without MAIL_AUTHSERV_ID the sender is not verified: filed, marked so, and its Cc copies nobody
    assert (record.sender_verified, ticket.sender_verified) == (False, False)
    assert ticket.cc == [] and not CcRequest.objects.exists()
    clocks = SLAClock.objects.filter(ticket=ticket)
    assert sorted(clocks.values_list("metric", flat=True)) == ["first_response", "resolution"]
    assert {c.started_at for c in clocks} == {ticket.received_at}
    [original] = ticket.attachments.all()
    assert original.name == "original-message.eml" and original.file.read() == raw
    with record.raw.open("rb") as stored:
        assert stored.read() == raw
    assert (record.subject, record.sender, record.sender_name) == ("数据库服务器无法启动", ALICE, "王爱丽")
    # alice is told her report was received, in the email's thread
    [notice] = mail.outbox
    assert notice.to == [ALICE] and ticket.reference in notice.subject
    assert notice.extra_headers["In-Reply-To"] == ticket.email_thread


def test_attachments_are_stored_and_a_refused_file_is_named(desk):
    record = ingest(corpus("attachments-chinese-names.eml"), desk.mailbox)
    ticket = record.ticket
    names = list(Attachment.objects.filter(ticket=ticket).values_list("name", flat=True))
    assert names == ["故障报告.pdf", "截图.png", "系统日志.log", "original-message.eml"]
    assert Attachment.objects.get(ticket=ticket, name="故障报告.pdf").content_type == "application/pdf"
    assert "安装程序.exe" in ticket.description and "安装程序.exe" not in names
    assert record.attachment_names == ["故障报告.pdf", "截图.png", "系统日志.log", "安装程序.exe"]


def test_an_inline_image_is_kept_on_the_ticket(desk):
    ticket = ingest(corpus("related-inline.eml"), desk.mailbox).ticket
    assert list(ticket.attachments.values_list("name", flat=True)) == ["ii_lp3k9x0a0.png", "original-message.eml"]


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("gb2312-gbk-chars.eml", "监控平台告警：朱镕反映"),
        ("gb18030-4byte.eml", "𠮷野家门店收银系统"),
        ("raw-utf8-subject.eml", "打印机无法连接"),
        ("html-only.eml", "门禁系统故障"),
    ],
)
def test_chinese_mail_becomes_a_readable_ticket(desk, name, title):
    ticket = ingest(corpus(name), desk.mailbox).ticket
    assert ticket.title == title
    assert ticket.description == parse(corpus(name)).text.strip()
    assert "\ufffd" not in ticket.description and "<" not in ticket.description


def test_a_message_without_message_id_is_recorded_once_under_its_synthetic_id(desk):
    raw = corpus("no-message-id.eml")
    record = ingest(raw, desk.mailbox)
    assert record.status == Status.TICKET and record.message_id.endswith("@no-message-id.invalid>")
    assert record.ticket.email_thread == ""  # nothing can answer an id that was never sent
    again, created = services.message_ingest(raw=raw, mailbox=desk.mailbox)
    assert (again, created) == (record, False) and Ticket.objects.count() == 1


# --- routing ------------------------------------------------------------------------------


@pytest.fixture
def routing(desk, project_b):
    """Organisation A with two projects (so no "only project"), and rules."""
    second = ProjectFactory(organisation=desk.org, name="Project A2", code="prj-a2")
    other_box = Mailbox.objects.create(name="Other", address="other@desk.example", host="x", username="o")
    RoutingRule.objects.create(name="another org's", position=0, field="subject", contains="数据库", project=project_b)
    RoutingRule.objects.create(
        name="other mailbox", position=1, mailbox=other_box, field="subject", contains="数据库", project=desk.project
    )
    RoutingRule.objects.create(
        name="servers", position=2, field="subject", contains="服务器", project=second, priority="urgent"
    )
    RoutingRule.objects.create(
        name="partner", position=3, field="recipient", contains="@PARTNER.", project=desk.project
    )
    RoutingRule.objects.create(
        name="off", position=4, field="sender", contains="alice", project=second, is_active=False
    )
    return SimpleNamespace(**vars(desk), second=second, project_b=project_b)


def test_the_first_matching_rule_of_the_contacts_organisation_chooses_the_project(routing):
    # rules 0 (another organisation's project) and 1 (another mailbox) match the subject but never apply
    ticket = ingest(corpus("plain-utf8.eml"), routing.mailbox).ticket
    assert (ticket.project, ticket.priority) == (routing.second, "urgent")
    ticket = ingest(reply(to=None, subject="Printer", cc="dave@partner.example"), routing.mailbox).ticket
    assert (ticket.project, ticket.priority) == (routing.project, "normal")


def test_the_servers_delivered_to_routes_but_is_never_copied(routing, verifying):
    # the address the server delivered to (a plus address, the mailbox's own login) chooses by
    # a rule; it is nobody to copy on the ticket's replies
    RoutingRule.objects.create(name="eastbay", position=0, field="recipient", contains="+a2@", project=routing.second)
    delivered = {"Delivered-To": "desk+a2@mx.example"}
    raw = authenticated(reply(to=None, subject="Printer", cc="boss@customer-a.example", headers=delivered))
    ticket = ingest(raw, routing.mailbox).ticket
    assert ticket.project == routing.second
    # boss is not a contact: he waits for staff, and the Delivered-To address is not even asked for
    assert ticket.cc == []
    assert list(CcRequest.objects.filter(ticket=ticket).values_list("address", flat=True)) == [
        "boss@customer-a.example"
    ]


def test_without_a_rule_the_mailbox_default_then_triage(routing):
    routing.mailbox.default_project = routing.second
    routing.mailbox.save()
    assert ingest(reply(to=None, subject="Printer"), routing.mailbox).ticket.project == routing.second
    # a default of another organisation is not theirs
    routing.mailbox.default_project = routing.project_b
    routing.mailbox.save()
    record = ingest(reply(to=None, subject="Scanner"), routing.mailbox)
    assert (record.status, record.ticket, record.contact) == (Status.TRIAGE, None, routing.alice)
    assert "project" in record.reason


def test_an_organisations_only_active_project_is_chosen(routing):
    Project.objects.filter(pk=routing.second.pk).update(is_active=False)
    assert ingest(reply(to=None, subject="Printer"), routing.mailbox).ticket.project == routing.project


# --- who sent it --------------------------------------------------------------------------


def test_an_unknown_sender_waits_for_triage_and_no_customer_is_created(desk):
    users = User.objects.count()
    record = ingest(corpus("big5-base64.eml"), desk.mailbox)
    assert (record.status, record.ticket, record.contact) == (Status.TRIAGE, None, None)
    assert record.reason and record.subject == "伺服器無法連線" and "台北機房" in record.body
    assert User.objects.count() == users and not User.objects.filter(email__iexact="ming@customer-a.example")
    assert Ticket.objects.count() == 0


def test_two_accounts_with_one_address_wait_for_triage(desk, org_b):
    CustomerFactory(username="alice-b", email=ALICE.upper(), organisation=org_b)
    record = ingest(corpus("plain-utf8.eml"), desk.mailbox)
    assert (record.status, record.ticket) == (Status.TRIAGE, None) and "accounts" in record.reason
    assert Ticket.objects.count() == 0


def test_a_staff_members_new_email_waits_for_triage(desk):
    record = ingest(reply(to=None, sender=desk.engineer.email, subject="Customer called"), desk.mailbox)
    assert (record.status, record.ticket) == (Status.TRIAGE, None) and Ticket.objects.count() == 0


@pytest.mark.parametrize("sender", [DESK, "SERVICE-DESK@localhost", "other@desk.example"])
def test_mail_from_the_desks_own_addresses_is_ignored(desk, settings, sender):
    settings.MAIL_REPLY_TO = "other@desk.example"
    record = ingest(reply(to=None, sender=sender, subject="Loop?"), desk.mailbox)
    assert record.status == Status.IGNORED and Ticket.objects.count() == 0


# --- replies ------------------------------------------------------------------------------


def test_a_reply_to_the_desks_email_is_the_contacts_public_reply(opened, django_assert_max_num_queries):
    tickets.ticket_update(ticket_id=opened.ticket.pk, actor=opened.engineer, status="waiting_on_customer")
    raw = with_headers(
        corpus("gmail-reply.eml"),
        In_Reply_To=opened.message_id,
        References=opened.message_id,
        Subject="Re: We received your report",  # no ticket reference: the header alone threads it
    )
    with django_assert_max_num_queries(30):
        record = ingest(raw, opened.mailbox)
    assert (record.status, record.ticket, record.contact) == (Status.REPLY, opened.ticket, opened.alice)
    comment = opened.ticket.comments.last()
    assert (comment.author, comment.public) == (opened.alice, True)
    text = "Thanks, the disk is cleaned up and the server starts again.\nPlease keep the ticket open until tomorrow."
    assert comment.body == text == record.body
    event = TicketEvent.objects.get(ticket=opened.ticket, kind="reply", data__comment=comment.pk)
    assert event.data["channel"] == "email" and event.actor == opened.alice
    assert list(comment.attachments.values_list("name", flat=True)) == ["original-message.eml"]
    opened.ticket.refresh_from_db()
    assert opened.ticket.status == "in_progress"  # the customer answered


def test_a_reply_is_threaded_by_references_to_the_tickets_first_email(opened):
    raw = reply(
        to="<unknown@elsewhere.example>", references=f"{opened.ticket.email_thread} <unknown@elsewhere.example>"
    )
    record = ingest(raw, opened.mailbox)
    assert (record.status, record.ticket) == (Status.REPLY, opened.ticket)
    assert opened.ticket.comments.last().body == "Thank you, that fixed it."


def test_a_reply_is_threaded_by_the_reference_in_its_subject(opened):
    raw = reply(to=None, subject=f"回复：[{opened.ticket.reference}] 数据库服务器无法启动", body="还是不行。")
    record = ingest(raw, opened.mailbox)
    assert (record.status, record.ticket) == (Status.REPLY, opened.ticket)
    assert opened.ticket.comments.last().body == "还是不行。"


@pytest.mark.parametrize("has_project", [True, False])
@pytest.mark.parametrize("by", ["header", "subject"])
def test_a_contact_of_another_organisation_is_never_added_to_the_ticket(opened, org_b, by, has_project):
    bob = CustomerFactory(username="bob", email="bob@customer-b.example", organisation=org_b)
    if has_project:
        ProjectFactory(organisation=org_b, name="Project B", code="prj-b")
    before = _snapshot(opened.ticket)
    subject = f"Re: [{opened.ticket.reference}] 数据库服务器无法启动"
    raw = (
        reply(to=opened.message_id, sender=bob.email, subject=subject)
        if by == "header"
        else reply(to=None, sender=bob.email, subject=subject)
    )
    record = ingest(raw, opened.mailbox)
    assert _snapshot(opened.ticket) == before
    assert record.contact == bob
    if has_project:
        assert record.status == Status.TICKET and record.ticket.organisation == org_b
        assert record.ticket.reporter == bob
    else:
        assert (record.status, record.ticket) == (Status.TRIAGE, None)


def test_a_reply_to_a_closed_ticket_opens_a_follow_up(opened):
    for status in ("resolved", "closed"):
        tickets.ticket_update(ticket_id=opened.ticket.pk, actor=opened.engineer, status=status)
    before = _snapshot(opened.ticket)
    record = ingest(reply(to=opened.message_id, subject="Re: it is broken again"), opened.mailbox)
    assert record.status == Status.TICKET and record.ticket != opened.ticket
    assert (record.ticket.project, record.ticket.reporter) == (opened.project, opened.alice)
    assert opened.ticket.reference in record.reason
    assert _snapshot(opened.ticket) == before


def test_a_staff_email_reply_is_an_internal_note(opened, verifying, django_capture_on_commit_callbacks):
    # verified by the desk's receiving server: an engineer's email is written as theirs
    mail.outbox.clear()
    deliveries = Delivery.objects.count()
    raw = authenticated(reply(to=opened.message_id, sender=opened.engineer.email, body="Call them."), "dmarc=pass")
    with django_capture_on_commit_callbacks(execute=True):
        record = ingest(raw, opened.mailbox)
    note = opened.ticket.comments.last()
    assert (record.status, record.ticket, record.contact) == (Status.REPLY, opened.ticket, None)
    assert (note.author, note.public) == (opened.engineer, False)
    assert note.body.startswith(f"Email from {opened.engineer.email}:") and note.body.endswith("Call them.")
    assert TicketEvent.objects.get(ticket=opened.ticket, kind="note").data["channel"] == "email"
    assert mail.outbox == [] and Delivery.objects.count() == deliveries  # the customer is not mailed a note


def test_an_unknown_sender_in_a_thread_waits_for_triage_with_the_ticket_suggested(opened):
    before = _snapshot(opened.ticket)
    record = ingest(reply(to=opened.message_id, sender="stranger@elsewhere.example"), opened.mailbox)
    assert (record.status, record.ticket, record.contact) == (Status.TRIAGE, opened.ticket, None)
    assert _snapshot(opened.ticket) == before


# --- robots -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["auto-reply-oof.eml", "exchange-oof.eml", "bulk-newsletter.eml", "bounce-dsn.eml"])
def test_robots_are_ignored_and_nothing_answers_them(opened, name, django_capture_on_commit_callbacks):
    # the out-of-office replies answer the desk's real email, from alice's own address
    raw = with_headers(corpus(name), In_Reply_To=opened.message_id, References=opened.message_id)
    before = _snapshot(opened.ticket)
    counts = (Ticket.objects.count(), Delivery.objects.count(), Notification.objects.count())
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        record = ingest(raw, opened.mailbox)
    assert record.status == Status.IGNORED and record.reason
    assert record.ticket is None
    assert _snapshot(opened.ticket) == before
    assert (Ticket.objects.count(), Delivery.objects.count(), Notification.objects.count()) == counts
    assert mail.outbox == []


# --- once only ----------------------------------------------------------------------------


def test_the_same_message_twice_is_filed_once(opened, django_capture_on_commit_callbacks):
    raw = reply(to=opened.message_id, body="Once.")
    counts = lambda: (  # noqa: E731
        InboundMessage.objects.count(),
        Ticket.objects.count(),
        Comment.objects.count(),
        Delivery.objects.count(),
        Notification.objects.count(),
        Attachment.objects.count(),
    )
    with django_capture_on_commit_callbacks(execute=True):
        first, created = services.message_ingest(raw=raw, mailbox=opened.mailbox)
    assert created and first.status == Status.REPLY
    before, sent = counts(), len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(2):
            again, created = services.message_ingest(raw=raw, mailbox=opened.mailbox)
            assert (again, created) == (first, False)
        # the opening email again: no second ticket
        assert services.message_ingest(raw=corpus("plain-utf8.eml"), mailbox=opened.mailbox) == (opened.record, False)
    assert counts() == before and len(mail.outbox) == sent


# --- quarantine ---------------------------------------------------------------------------


def test_a_message_too_large_is_quarantined_with_its_raw_kept(desk, settings):
    settings.MAIL_MAX_BYTES = 500
    raw = corpus("plain-utf8.eml")
    assert len(raw) > 500
    record = ingest(raw, desk.mailbox)
    assert record.status == Status.QUARANTINED and "larger than the limit" in record.reason
    assert record.message_id == "<20261130091201.1a2b3c@mail.customer-a.example>"
    with record.raw.open("rb") as stored:
        assert stored.read() == raw
    assert Ticket.objects.count() == 0
    # the poller fetches only the header of a message it knows is too large, and says its size
    head = raw.split(b"\r\n\r\n")[0] + b"\r\n\r\n"
    record, created = services.message_ingest(raw=with_headers(head, Message_ID="<big@customer-a.example>"), size=10**9)
    assert created and record.status == Status.QUARANTINED
    assert (record.message_id, record.size) == ("<big@customer-a.example>", 10**9) and "953.7" in record.reason


@pytest.mark.parametrize("name", ["malformed-no-from.eml", "garbage.eml"])
def test_a_broken_message_is_quarantined_once(desk, name):
    raw = corpus(name)
    record = ingest(raw, desk.mailbox)
    assert record.status == Status.QUARANTINED and record.reason and record.ticket is None
    with record.raw.open("rb") as stored:
        assert stored.read() == raw
    assert services.message_ingest(raw=raw, mailbox=desk.mailbox) == (record, False)


def test_an_error_while_filing_quarantines_the_message_and_the_next_one_is_filed(desk, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the routing broke")

    monkeypatch.setattr(services.ingest, "choose_project", broken)  # where the intake calls it
    raw = corpus("plain-utf8.eml")
    record = ingest(raw, desk.mailbox)
    assert record.status == Status.QUARANTINED and "RuntimeError: the routing broke" in record.reason
    with record.raw.open("rb") as stored:
        assert stored.read() == raw
    assert Ticket.objects.count() == 0
    monkeypatch.undo()
    assert ingest(corpus("gbk-qp.eml"), desk.mailbox).status == Status.TICKET


def test_a_quarantined_email_is_filed_again_once_the_cause_is_fixed(desk, monkeypatch, customer_a):
    def broken(*args, **kwargs):
        raise RuntimeError("the routing broke")

    monkeypatch.setattr(services.ingest, "choose_project", broken)  # where the intake calls it
    record = ingest(corpus("plain-utf8.eml"), desk.mailbox)
    assert record.status == Status.QUARANTINED and not record.sender
    # still broken: refused with the reason, and nothing changes
    with pytest.raises(ServiceDeskError, match="RuntimeError: the routing broke"):
        services.inbound_retry(inbound_id=record.pk, actor=desk.engineer)
    record.refresh_from_db()
    assert record.status == Status.QUARANTINED and Ticket.objects.count() == 0
    monkeypatch.undo()
    with pytest.raises(NotAllowed):
        services.inbound_retry(inbound_id=record.pk, actor=customer_a)
    record = services.inbound_retry(inbound_id=record.pk, actor=desk.engineer)
    # routed as if it had just arrived: alice's ticket, and the record read from the original
    assert (record.status, record.reason, record.handled_by) == (Status.TICKET, "", desk.engineer)
    assert record.ticket.reporter == desk.alice and record.ticket.channel == Ticket.Channel.EMAIL
    assert record.sender == ALICE and record.subject and record.body
    record.refresh_from_db()
    assert record.status == Status.TICKET and Ticket.objects.count() == 1
    with pytest.raises(ServiceDeskError, match="Only a quarantined email"):
        services.inbound_retry(inbound_id=record.pk, actor=desk.engineer)


def test_a_quarantined_email_that_cannot_be_filed_stays_quarantined(desk, settings):
    broken = ingest(corpus("malformed-no-from.eml"), desk.mailbox)
    with pytest.raises(ServiceDeskError, match="no sender"):
        services.inbound_retry(inbound_id=broken.pk, actor=desk.engineer)
    settings.MAIL_MAX_BYTES = 500
    large = ingest(corpus("plain-utf8.eml"), desk.mailbox)
    with pytest.raises(ServiceDeskError, match="larger than the limit"):
        services.inbound_retry(inbound_id=large.pk, actor=desk.engineer)
    head = corpus("gbk-qp.eml").split(b"\r\n\r\n")[0] + b"\r\n\r\n"
    headers_only, _created = services.message_ingest(raw=head, size=10**9)
    settings.MAIL_MAX_BYTES = 10**10
    with pytest.raises(ServiceDeskError, match="Only the header"):
        services.inbound_retry(inbound_id=headers_only.pk, actor=desk.engineer)
    # a larger limit lets the whole one through
    assert services.inbound_retry(inbound_id=large.pk, actor=desk.engineer).status == Status.TICKET
    for record in (broken, headers_only):
        record.refresh_from_db()
        assert record.status == Status.QUARANTINED and record.handled_by is None


def test_a_ticket_rule_refusing_the_message_leaves_it_for_triage(desk):
    Project.objects.filter(pk=desk.project.pk).update(is_active=False)
    desk.mailbox.default_project = desk.project
    desk.mailbox.save()
    record = ingest(corpus("plain-utf8.eml"), desk.mailbox)
    assert record.status == Status.TRIAGE and Ticket.objects.count() == 0


# --- triage -------------------------------------------------------------------------------


def test_inbound_open_ticket_counts_the_clocks_from_when_the_email_arrived(desk, customer_b):
    arrived = datetime.datetime(2026, 12, 1, 2, 0, tzinfo=datetime.UTC)  # Tuesday 10:00 in Shanghai
    with time_machine.travel(arrived, tick=False):
        record = ingest(corpus("big5-base64.eml"), desk.mailbox)
    ming = CustomerFactory(username="ming", email="ming@customer-a.example", organisation=desk.org)
    with time_machine.travel(arrived + datetime.timedelta(hours=3), tick=False):
        with pytest.raises(NotAllowed):
            services.inbound_open_ticket(inbound_id=record.pk, actor=ming, project=desk.project, reporter=ming)
        with pytest.raises(ServiceDeskError) as refused:
            services.inbound_open_ticket(
                inbound_id=record.pk, actor=desk.engineer, project=desk.project, reporter=customer_b
            )
        assert refused.value.field == "reporter"
        record = services.inbound_open_ticket(
            inbound_id=record.pk, actor=desk.engineer, project=desk.project, reporter=ming, priority="urgent"
        )
    ticket = record.ticket
    assert (record.status, record.contact, record.handled_by) == (Status.TICKET, ming, desk.engineer)
    assert record.handled_at == arrived + datetime.timedelta(hours=3)
    assert (ticket.reporter, ticket.created_by, ticket.channel, ticket.priority) == (
        ming,
        desk.engineer,
        "email",
        "urgent",
    )
    assert ticket.received_at == arrived and ticket.title == "伺服器無法連線"
    assert set(SLAClock.objects.filter(ticket=ticket).values_list("started_at", flat=True)) == {arrived}
    assert ticket.email_thread == "<big5.0001@customer-a.example>"
    assert "original-message.eml" in ticket.attachments.values_list("name", flat=True)
    with pytest.raises(ServiceDeskError):
        services.inbound_open_ticket(inbound_id=record.pk, actor=desk.engineer, project=desk.project, reporter=ming)
    assert Ticket.objects.count() == 1


def test_inbound_add_to_ticket_as_the_contacts_reply(opened, org_b):
    # alice's address is also an account of organisation B: the intake cannot tell who wrote
    CustomerFactory(username="alice-b", email=ALICE, organisation=org_b)
    record = ingest(reply(to=None, subject="About my ticket", body="It works now."), opened.mailbox)
    assert record.status == Status.TRIAGE
    with pytest.raises(NotAllowed):
        services.inbound_add_to_ticket(inbound_id=record.pk, actor=opened.alice, ticket=opened.ticket)
    record = services.inbound_add_to_ticket(inbound_id=record.pk, actor=opened.engineer, ticket=opened.ticket)
    comment = opened.ticket.comments.last()
    assert (comment.author, comment.public, comment.body) == (opened.alice, True, "It works now.")
    assert (record.status, record.ticket, record.contact, record.handled_by) == (
        Status.REPLY,
        opened.ticket,
        opened.alice,
        opened.engineer,
    )
    with pytest.raises(ServiceDeskError):
        services.inbound_add_to_ticket(inbound_id=record.pk, actor=opened.engineer, ticket=opened.ticket)
    assert opened.ticket.comments.count() == 2


def test_inbound_add_to_ticket_from_a_stranger_is_an_internal_note(opened):
    record = ingest(reply(to=opened.message_id, sender="stranger@elsewhere.example", body="FYI"), opened.mailbox)
    record = services.inbound_add_to_ticket(inbound_id=record.pk, actor=opened.engineer, ticket=record.ticket)
    note = opened.ticket.comments.last()
    assert (note.author, note.public) == (opened.engineer, False)
    assert note.body == "Email from stranger@elsewhere.example:\n\nFYI"
    assert (record.status, record.contact) == (Status.REPLY, None)


def test_inbound_dismiss(desk, customer_a):
    waiting = ingest(corpus("big5-base64.eml"), desk.mailbox)
    broken = ingest(corpus("garbage.eml"), desk.mailbox)
    ignored = ingest(corpus("bulk-newsletter.eml"), desk.mailbox)
    with pytest.raises(NotAllowed):
        services.inbound_dismiss(inbound_id=waiting.pk, actor=customer_a)
    for record in (waiting, broken):
        record = services.inbound_dismiss(inbound_id=record.pk, actor=desk.engineer)
        assert (record.status, record.handled_by) == (Status.DISMISSED, desk.engineer) and record.handled_at
        with pytest.raises(ServiceDeskError):
            services.inbound_dismiss(inbound_id=record.pk, actor=desk.engineer)
    with pytest.raises(ServiceDeskError):
        services.inbound_dismiss(inbound_id=ignored.pk, actor=desk.engineer)
