"""The email intake's API (/api/v1/inbound-emails/): staff read every email with what became of
it, filtered by status and searched; they file a waiting one as a ticket, add it to a ticket or
dismiss it, through the services, a refusal being a 400 that saves nothing. Customers get 403.
And the tickets API's CC list: in the output, on create, and its action."""

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mail.models import InboundMessage
from mail.services import message_ingest
from tests.customers.factories import ProjectFactory
from tests.mail.conftest import ALICE, reply
from tickets import services as tickets
from tickets.models import Comment, Ticket, TicketEvent

pytestmark = pytest.mark.django_db

Status = InboundMessage.Status
EMAILS = "/api/v1/inbound-emails/"
TICKETS = "/api/v1/tickets/"
STRANGER = "wang@unknown.example"


def assert_bad(response, *fields: str) -> dict:
    """A 400 in the one error format, naming exactly these fields."""
    assert response.status_code == 400, response.content
    body = response.json()
    assert set(body) == {"detail", "errors"}
    assert body["detail"]
    assert set(body["errors"]) == set(fields), body
    return body


def ingest(raw: bytes) -> InboundMessage:
    record, new = message_ingest(raw=raw)
    assert new
    return record


@pytest.fixture
def waiting(desk) -> InboundMessage:
    """An email from someone the desk does not know: it waits for triage."""
    record = ingest(
        reply(
            to=None,
            sender=f"Wang Wei <{STRANGER}>",
            subject="Pump 3 alarm",
            body="It alarms.",
            cc="ops@unknown.example",
        )
    )
    assert record.status == Status.TRIAGE
    return record


@pytest.fixture
def ticket_a(desk) -> Ticket:
    return tickets.ticket_create(
        actor=desk.alice, project=desk.project, title="Gateway restarts", description="Hourly."
    )


# --- reading -----------------------------------------------------------------------------


def test_staff_read_an_email_with_what_became_of_it(api, desk, engineer):
    # given alice's email (her organisation's only project: a ticket) read from the mailbox
    record, _new = message_ingest(
        raw=reply(
            to=None, subject="Printer offline", body="The label printer is offline.", cc="boss@customer-a.example"
        ),
        mailbox=desk.mailbox,
    )
    assert record.status == Status.TICKET
    # when staff ask for it
    body = api.as_user(engineer).get(f"{EMAILS}{record.pk}/").json()
    # then everything about it, the ticket it opened and a link to the original
    assert body == {
        "id": record.pk,
        "message_id": record.message_id,
        "mailbox": "Support",
        "received_at": body["received_at"],
        "sent_at": body["sent_at"],
        "sender": ALICE,
        "sender_name": "",
        "recipients": ["support@desk.example", "boss@customer-a.example"],
        "subject": "Printer offline",
        "in_reply_to": "",
        "references": "",
        "body": record.body,
        "attachment_names": [],
        "size": record.size,
        "sender_verified": False,
        "status": "ticket",
        "reason": "",
        "ticket": record.ticket_id,
        "ticket_reference": record.ticket.reference,
        "contact": desk.alice.pk,
        "contact_name": "Alice Wang",
        "handled_by": None,
        "handled_by_name": None,
        "handled_at": None,
        "original_url": f"{settings.SITE_URL.rstrip('/')}/mail/{record.pk}/original.eml",
    }
    assert body["received_at"] and body["sent_at"]
    assert "The label printer is offline." in body["body"]


def test_the_reason_is_given_in_the_readers_language(api, waiting, engineer):
    client = api.as_user(engineer)
    url = f"{EMAILS}{waiting.pk}/"
    assert client.get(url).json()["reason"] == "The sender is not a known contact."
    assert client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").json()["reason"] == "发件人不是已知联系人。"


def test_the_list_is_for_staff_only(api, waiting, customer_a, customer_b, manager):
    assert api.get(EMAILS).status_code == 401
    assert api.get(f"{EMAILS}{waiting.pk}/").status_code == 401
    for customer in (customer_a, customer_b):
        assert api.as_user(customer).get(EMAILS).status_code == 403
        assert api.as_user(customer).get(f"{EMAILS}{waiting.pk}/").status_code == 403
    body = api.as_user(manager).get(EMAILS).json()
    assert [row["id"] for row in body["results"]] == [waiting.pk]
    assert body["results"][0]["status"] == "triage"
    assert body["results"][0]["reason"]
    assert body["results"][0]["mailbox"] is None  # read from bytes, not a mailbox


def test_filter_by_status_and_search_sender_and_subject(api, desk, waiting, engineer):
    opened = ingest(reply(to=None, subject="Scanner jams", body="It jams."))
    assert opened.status == Status.TICKET
    client = api.as_user(engineer)

    def ids(**params) -> list[int]:
        response = client.get(EMAILS, params)
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert ids() == [opened.pk, waiting.pk]  # newest first
    assert ids(status="triage") == [waiting.pk]
    assert ids(status="ticket") == [opened.pk]
    assert ids(status="dismissed") == []
    assert ids(q="unknown.example") == [waiting.pk]  # the sender's address
    assert ids(q="wang") == [waiting.pk]  # the sender's name
    assert ids(q="scanner JAMS") == [opened.pk]  # every word of the subject, any case
    assert ids(q="scanner pump") == []
    assert_bad(client.get(EMAILS, {"status": "waiting"}), "status")
    assert_bad(client.get(EMAILS, {"status": ""}), "status")


def test_the_list_costs_the_same_queries_for_more_rows(api, desk, engineer):
    client = api.as_user(engineer)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(EMAILS).status_code == 200
        return len(queries)

    ingest(reply(to=None, subject="First"))
    ingest(reply(to=None, sender=STRANGER, subject="Second"))
    few = count()
    for n in range(5):
        ingest(reply(to=None, subject=f"More {n}"))
        ingest(reply(to=None, sender=f"x{n}@unknown.example", subject=f"Stranger {n}"))
    assert count() == few
    assert few <= 4  # the token, the count, the page (its ticket, mailbox and people joined)


# --- open a ticket -----------------------------------------------------------------------


def test_open_a_ticket_from_a_waiting_email(api, desk, waiting, engineer):
    # when an engineer files the stranger's email for alice
    response = api.as_user(engineer).post(
        f"{EMAILS}{waiting.pk}/open-ticket/",
        {"project": desk.project.pk, "reporter": desk.alice.pk, "priority": "high"},
        format="json",
    )
    # then a ticket of alice's, received when the email arrived, by email, copied as it was
    assert response.status_code == 200, response.content
    body = response.json()
    ticket = Ticket.objects.get()
    assert (body["status"], body["ticket"], body["ticket_reference"]) == ("ticket", ticket.pk, ticket.reference)
    assert (body["contact"], body["handled_by"]) == (desk.alice.pk, engineer.pk)
    assert body["handled_at"]
    assert (ticket.reporter, ticket.project, ticket.priority) == (desk.alice, desk.project, "high")
    assert ticket.channel == Ticket.Channel.EMAIL
    assert ticket.received_at == waiting.received_at
    # the stranger's email is not verified (MAIL_AUTHSERV_ID is not set): its Cc copies nobody
    assert ticket.cc == [] and ticket.sender_verified is False
    assert ticket.email_thread == waiting.message_id


def test_open_a_ticket_priority_defaults_to_normal(api, desk, waiting, engineer):
    response = api.as_user(engineer).post(
        f"{EMAILS}{waiting.pk}/open-ticket/", {"project": desk.project.pk, "reporter": desk.alice.pk}, format="json"
    )
    assert response.status_code == 200, response.content
    assert Ticket.objects.get().priority == "normal"


def test_open_a_ticket_refusals_save_nothing(api, desk, waiting, engineer, customer_a, customer_b, project_b):
    client = api.as_user(engineer)
    url = f"{EMAILS}{waiting.pk}/open-ticket/"
    # a reporter of another organisation; another organisation's project; staff as the reporter
    assert_bad(client.post(url, {"project": desk.project.pk, "reporter": customer_b.pk}, format="json"), "reporter")
    assert_bad(client.post(url, {"project": project_b.pk, "reporter": desk.alice.pk}, format="json"), "reporter")
    assert_bad(client.post(url, {"project": desk.project.pk, "reporter": engineer.pk}, format="json"), "reporter")
    # bad input
    assert_bad(client.post(url, {"project": str(desk.project.pk), "reporter": desk.alice.pk}, format="json"), "project")
    assert_bad(client.post(url, {"project": desk.project.pk}, format="json"), "reporter")
    assert_bad(
        client.post(url, {"project": desk.project.pk, "reporter": desk.alice.pk, "priority": "asap"}, format="json"),
        "priority",
    )
    assert_bad(client.post(url, {"project": 2**40, "reporter": desk.alice.pk}, format="json"), "project")
    # customers may not
    for customer in (customer_a, customer_b):
        response = api.as_user(customer).post(
            url, {"project": desk.project.pk, "reporter": desk.alice.pk}, format="json"
        )
        assert response.status_code == 403
    assert api.as_user(engineer).post(f"{EMAILS}999999/open-ticket/", {}, format="json").status_code == 404
    assert not Ticket.objects.exists()
    waiting.refresh_from_db()
    assert (waiting.status, waiting.ticket, waiting.handled_by) == (Status.TRIAGE, None, None)


def test_an_email_is_filed_once(api, desk, waiting, engineer, manager):
    data = {"project": desk.project.pk, "reporter": desk.alice.pk}
    assert api.as_user(engineer).post(f"{EMAILS}{waiting.pk}/open-ticket/", data, format="json").status_code == 200
    client = api.as_user(manager)
    assert_bad(client.post(f"{EMAILS}{waiting.pk}/open-ticket/", data, format="json"))
    assert_bad(client.post(f"{EMAILS}{waiting.pk}/add-to-ticket/", {"ticket": Ticket.objects.get().pk}, format="json"))
    assert_bad(client.post(f"{EMAILS}{waiting.pk}/dismiss/", format="json"))
    assert Ticket.objects.count() == 1
    assert not Comment.objects.exists()
    waiting.refresh_from_db()
    assert (waiting.status, waiting.handled_by) == (Status.TICKET, engineer)


# --- add to a ticket ---------------------------------------------------------------------


def test_add_a_contacts_waiting_email_to_a_ticket_as_their_reply(api, desk, ticket_a, engineer):
    # given alice's organisation with two projects: her new email waits for triage
    ProjectFactory(organisation=desk.org)
    record = ingest(reply(to=None, subject="Also the scanner", body="The scanner is slow too."))
    assert record.status == Status.TRIAGE
    # when an engineer adds it to her ticket
    response = api.as_user(engineer).post(f"{EMAILS}{record.pk}/add-to-ticket/", {"ticket": ticket_a.pk}, format="json")
    # then it is her public reply there
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["ticket"], body["ticket_reference"]) == ("reply", ticket_a.pk, ticket_a.reference)
    assert body["contact"] == desk.alice.pk
    comment = ticket_a.comments.get()
    assert (comment.author, comment.public) == (desk.alice, True)
    assert comment.body.startswith("The scanner is slow too.")


def test_add_a_strangers_email_to_a_ticket_as_a_note(api, desk, waiting, ticket_a, engineer):
    response = api.as_user(engineer).post(
        f"{EMAILS}{waiting.pk}/add-to-ticket/", {"ticket": ticket_a.pk}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["contact"] is None
    comment = ticket_a.comments.get()
    assert (comment.author, comment.public) == (engineer, False)
    assert STRANGER in comment.body


def test_add_to_ticket_refusals(api, desk, waiting, ticket_a, engineer, customer_a):
    client = api.as_user(engineer)
    url = f"{EMAILS}{waiting.pk}/add-to-ticket/"
    assert_bad(client.post(url, {"ticket": 2**40}, format="json"), "ticket")
    assert_bad(client.post(url, {"ticket": ticket_a.reference}, format="json"), "ticket")
    assert_bad(client.post(url, {}, format="json"), "ticket")
    assert api.as_user(customer_a).post(url, {"ticket": ticket_a.pk}, format="json").status_code == 403
    assert not Comment.objects.exists()
    waiting.refresh_from_db()
    assert waiting.status == Status.TRIAGE


# --- dismiss -----------------------------------------------------------------------------


def test_dismiss_a_waiting_email_once(api, desk, waiting, engineer, customer_a):
    url = f"{EMAILS}{waiting.pk}/dismiss/"
    assert api.as_user(customer_a).post(url, format="json").status_code == 403
    response = api.as_user(engineer).post(url, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["handled_by"]) == ("dismissed", engineer.pk)
    assert_bad(api.as_user(engineer).post(url, format="json"))
    assert not Ticket.objects.exists()


def test_an_email_that_opened_a_ticket_is_not_dismissed(api, desk, engineer):
    record = ingest(reply(to=None, subject="Printer offline"))
    assert record.status == Status.TICKET
    assert_bad(api.as_user(engineer).post(f"{EMAILS}{record.pk}/dismiss/", format="json"))
    record.refresh_from_db()
    assert record.status == Status.TICKET


def test_retry_files_a_quarantined_email_again(api, desk, engineer, customer_a, monkeypatch):
    from mail import services

    def broken(*args, **kwargs):
        raise RuntimeError("the routing broke")

    monkeypatch.setattr(services.ingest, "choose_project", broken)  # where the intake calls it
    record = ingest(reply(to=None, subject="Printer offline"))
    assert record.status == Status.QUARANTINED
    url = f"{EMAILS}{record.pk}/retry/"
    assert assert_bad(api.as_user(engineer).post(url, format="json"))  # not mended yet: 400, nothing filed
    monkeypatch.undo()
    assert api.as_user(customer_a).post(url, format="json").status_code == 403
    response = api.as_user(engineer).post(url, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["reason"], body["handled_by"], body["sender"]) == ("ticket", "", engineer.pk, ALICE)
    assert Ticket.objects.get().pk == body["ticket"]
    assert_bad(api.as_user(engineer).post(url, format="json"))  # only a quarantined one


# --- the ticket's CC list ----------------------------------------------------------------


def test_create_a_ticket_with_a_cc_list(api, desk):
    response = api.as_user(desk.alice).post(
        TICKETS,
        {"project": desk.project.pk, "title": "Printer", "description": "Offline.", "cc": ["Boss@Customer-A.example"]},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["cc"] == ["boss@customer-a.example"]
    assert Ticket.objects.get().cc == ["boss@customer-a.example"]
    # and every ticket answers its list, empty by default
    other = tickets.ticket_create(actor=desk.alice, project=desk.project, title="Other", description="x")
    assert api.as_user(desk.alice).get(f"{TICKETS}{other.pk}/").json()["cc"] == []


def test_create_refuses_a_bad_cc_list(api, desk):
    client = api.as_user(desk.alice)
    ticket = {"project": desk.project.pk, "title": "Printer", "description": "Offline."}
    assert_bad(client.post(TICKETS, {**ticket, "cc": ["not an address"]}, format="json"), "cc")
    assert_bad(client.post(TICKETS, {**ticket, "cc": "boss@customer-a.example"}, format="json"), "cc")
    assert_bad(client.post(TICKETS, {**ticket, "cc": [42]}, format="json"), "cc")
    assert not Ticket.objects.exists()


def test_staff_and_the_organisations_contacts_set_the_cc_list(api, desk, ticket_a, engineer, customer_a):
    url = f"{TICKETS}{ticket_a.pk}/cc/"
    response = api.as_user(engineer).post(
        url, {"cc": ["Ops@Customer-A.example", "ops@customer-a.example"]}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["cc"] == ["ops@customer-a.example"]
    response = api.as_user(customer_a).post(
        url, {"cc": ["ops@customer-a.example", "it@customer-a.example"]}, format="json"
    )
    assert response.status_code == 200, response.content
    ticket_a.refresh_from_db()
    assert ticket_a.cc == ["ops@customer-a.example", "it@customer-a.example"]
    events = ticket_a.events.filter(kind=TicketEvent.Kind.CC).order_by("pk")
    assert [event.actor for event in events] == [engineer, customer_a]
    # an empty list copies nobody
    assert api.as_user(desk.alice).post(url, {"cc": []}, format="json").json()["cc"] == []


def test_the_cc_list_refusals(api, desk, ticket_a, engineer, customer_b):
    url = f"{TICKETS}{ticket_a.pk}/cc/"
    tickets.ticket_set_cc(ticket_id=ticket_a.pk, actor=engineer, cc=["ops@customer-a.example"])
    client = api.as_user(engineer)
    assert_bad(client.post(url, {"cc": ["ops@customer-a.example", "not an address"]}, format="json"), "cc")
    assert_bad(client.post(url, {"cc": [f"p{n}@customer-a.example" for n in range(21)]}, format="json"), "cc")
    assert_bad(client.post(url, {"cc": "ops@customer-a.example"}, format="json"), "cc")
    assert_bad(client.post(url, {}, format="json"), "cc")
    assert api.as_user(customer_b).post(url, {"cc": ["x@org-b.example"]}, format="json").status_code == 404
    api.credentials()
    assert api.post(url, {"cc": []}, format="json").status_code == 401
    ticket_a.refresh_from_db()
    assert ticket_a.cc == ["ops@customer-a.example"]
    # twenty is the most
    twenty = [f"p{n}@customer-a.example" for n in range(20)]
    assert api.as_user(engineer).post(url, {"cc": twenty}, format="json").json()["cc"] == twenty
