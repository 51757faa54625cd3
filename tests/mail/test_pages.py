"""The email intake's pages: the list (staff only, by status, searched, paged in a flat number
of queries), one email (escaped text, headers, the original to download), the triage actions
(open a ticket, add to a ticket, dismiss) through their services; and the ticket page's CC list."""

import re
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mail.models import InboundMessage
from mail.services import message_ingest
from tests.accounts.factories import CustomerFactory
from tickets import services as tickets
from tickets.models import Comment, Ticket, TicketEvent

pytestmark = pytest.mark.django_db

Status = InboundMessage.Status


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def raw_email(
    *,
    sender: str = "Wang Wei <wang@unknown.example>",
    subject: str = "Pump 3 alarm",
    body: str = "The pump alarms every hour.",
    attachments: tuple[tuple[str, bytes], ...] = (),
    **headers: str,
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "support@desk.example"
    message["Cc"] = "boss@unknown.example"
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="unknown.example")
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    for name, data in attachments:
        message.add_attachment(data, maintype="application", subtype="octet-stream", filename=name)
    return message.as_bytes()


def ingest(**kwargs) -> InboundMessage:
    record, new = message_ingest(raw=raw_email(**kwargs))
    assert new
    return record


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def listed(response) -> list[int]:
    assert response.status_code == 200
    return [record.pk for record in response.context["page"]]


@pytest.fixture
def waiting(db) -> InboundMessage:
    record = ingest(attachments=(("log.txt", b"error at 10:00\n"),))
    assert record.status == Status.TRIAGE
    return record


@pytest.fixture
def ticket_a(customer_a, project_a) -> Ticket:
    return tickets.ticket_create(
        actor=customer_a, project=project_a, title="Gateway restarts", description="It restarts every hour."
    )


# --- who may see the pages ----------------------------------------------------------------


def _pages(record):
    return [
        reverse("mail:list"),
        reverse("mail:list") + "?status=all&q=pump",
        reverse("mail:detail", args=[record.pk]),
        reverse("mail:original", args=[record.pk]),
    ]


@pytest.mark.parametrize("role", ["engineer", "manager", "admin_user"])
def test_staff_see_every_page(client, request, role, waiting):
    client.force_login(request.getfixturevalue(role))
    for url in _pages(waiting):
        assert client.get(url).status_code == 200, url


def test_customers_are_refused_and_visitors_sent_to_log_in(client, customer_a, waiting):
    posts = [
        reverse("mail:open-ticket", args=[waiting.pk]),
        reverse("mail:add-to-ticket", args=[waiting.pk]),
        reverse("mail:dismiss", args=[waiting.pk]),
    ]
    for url in [*_pages(waiting), *posts]:
        response = client.get(url) if url not in posts else client.post(url)
        assert response.status_code == 302 and response.url.startswith(reverse("accounts:login")), url
    client.force_login(customer_a)
    for url in _pages(waiting):
        assert client.get(url).status_code == 403, url
    for url in posts:
        assert client.post(url).status_code == 403, url
    waiting.refresh_from_db()
    assert waiting.status == Status.TRIAGE


def test_an_unknown_email_is_404(client, engineer):
    client.force_login(engineer)
    assert client.get(reverse("mail:detail", args=[999999])).status_code == 404


# --- the list -----------------------------------------------------------------------------


def test_the_list_shows_what_waits_first_and_filters_by_status(client, engineer, customer_a, project_a):
    stranger = ingest(sender="Li Lei <li@unknown.example>", subject="Who do I ask?")
    robot = ingest(sender="robot@unknown.example", subject="Out of office", Auto_Submitted="auto-replied")
    customer_a.email = "alice@org-a.example"
    customer_a.save()
    filed = ingest(sender="Alice <alice@org-a.example>", subject="Screen is black")
    assert (stranger.status, robot.status, filed.status) == (Status.TRIAGE, Status.IGNORED, Status.TICKET)
    client.force_login(engineer)

    response = client.get(reverse("mail:list"))
    assert listed(response) == [stranger.pk]
    assert response.context["show"] == Status.TRIAGE
    row = re.search(r"<tbody>(.*?)</tbody>", response.text, re.S).group(1)
    assert "Li Lei" in row and "li@unknown.example" in row and "Who do I ask?" in row
    assert "Waiting for triage" in row and "The sender is not a known contact." in row

    assert listed(client.get(reverse("mail:list"), {"status": "ignored"})) == [robot.pk]
    filed_page = client.get(reverse("mail:list"), {"status": "ticket"})
    assert listed(filed_page) == [filed.pk]
    assert filed.ticket.reference in filed_page.text
    assert f'href="{reverse("tickets:detail", args=[filed.ticket_id])}"' in filed_page.text
    assert listed(client.get(reverse("mail:list"), {"status": "all"})) == [filed.pk, robot.pk, stranger.pk]
    # an unknown status shows them all
    assert listed(client.get(reverse("mail:list"), {"status": "nonsense"})) == [filed.pk, robot.pk, stranger.pk]
    assert listed(client.get(reverse("mail:list"), {"status": "dismissed"})) == []


def test_the_list_searches_sender_and_subject(client, engineer):
    pump = ingest(sender="Wang Wei <wang@water.example>", subject="Pump 3 alarm")
    valve = ingest(sender="Zhang San <zhang@gas.example>", subject="Valve stuck")
    client.force_login(engineer)
    url = reverse("mail:list")
    assert listed(client.get(url, {"q": "PUMP"})) == [pump.pk]
    assert listed(client.get(url, {"q": "gas.example"})) == [valve.pk]
    assert listed(client.get(url, {"q": "zhang"})) == [valve.pk]
    assert listed(client.get(url, {"q": "wang alarm"})) == [pump.pk]
    assert listed(client.get(url, {"q": "wang valve"})) == []
    # the status tabs keep the search
    assert 'href="?status=all&amp;q=valve"' in client.get(url, {"q": "valve"}).text


def test_the_list_pages_and_its_queries_do_not_grow_with_the_rows(client, engineer, customer_a, project_a):
    customer_a.email = "alice@org-a.example"
    customer_a.save()
    client.force_login(engineer)

    def queries_for(count: int) -> int:
        for n in range(count - InboundMessage.objects.count()):
            ingest(sender="Alice <alice@org-a.example>", subject=f"Fault {n}")
        client.get(reverse("mail:list"))  # what every page keeps for a minute (the liaison on duty) is kept
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("mail:list"), {"status": "all"})
        assert len(listed(response)) == count
        return len(captured)

    five, twenty_five = queries_for(5), queries_for(25)
    assert five == twenty_five
    assert five <= 12


def test_the_list_is_paged(client, engineer):
    for n in range(52):
        InboundMessage.objects.create(
            message_id=f"<m{n}@x>", received_at="2026-03-01T08:00:00Z", sender="a@x.example", status=Status.TRIAGE
        )
    client.force_login(engineer)
    first = client.get(reverse("mail:list"), {"q": "x.example"})
    assert len(listed(first)) == 50
    assert "?q=x.example&amp;page=2" in first.text
    assert len(listed(client.get(reverse("mail:list"), {"q": "x.example", "page": 2}))) == 2


# --- one email ----------------------------------------------------------------------------


def test_the_email_shows_its_headers_text_and_files(client, engineer, waiting, settings):
    client.force_login(engineer)
    response = client.get(reverse("mail:detail", args=[waiting.pk]))
    text = response.text
    assert "Wang Wei &lt;wang@unknown.example&gt;" in text
    assert "support@desk.example, boss@unknown.example" in text
    assert "Pump 3 alarm" in text
    assert waiting.message_id.replace("<", "&lt;").replace(">", "&gt;") in text
    assert "The pump alarms every hour." in text
    assert "log.txt" in text
    assert "The sender is not a known contact." in text
    assert reverse("mail:original", args=[waiting.pk]) in text
    # waiting: the three actions
    for form_id in ("open-ticket-form", "add-to-ticket-form", "dismiss-form"):
        assert f'id="{form_id}"' in text


def test_the_senders_text_is_escaped_never_rendered(client, engineer):
    record = ingest(
        subject='<img src=x onerror="alert(1)">',
        body='Hello <script>alert("x")</script> <a href="javascript:alert(2)">click</a>',
    )
    client.force_login(engineer)
    for url in (reverse("mail:detail", args=[record.pk]), reverse("mail:list")):
        text = client.get(url).text
        assert "<script>alert" not in text
        assert "<img src=x" not in text
        assert '<a href="javascript' not in text
    detail = client.get(reverse("mail:detail", args=[record.pk])).text
    assert "Hello &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in detail


def test_an_html_only_email_shows_as_text(client, engineer):
    message = EmailMessage()
    message["From"] = "x@unknown.example"
    message["Subject"] = "HTML"
    message["Message-ID"] = make_msgid()
    message.set_content("<p>Pump <b>down</b></p><script>alert(1)</script>", subtype="html")
    record, _new = message_ingest(raw=message.as_bytes())
    client.force_login(engineer)
    text = client.get(reverse("mail:detail", args=[record.pk])).text
    body = re.search(r'id="mail-body">(.*?)</pre>', text, re.S).group(1)
    assert "Pump" in body and "down" in body
    assert "<b>" not in body and "<script>" not in body


def test_the_original_downloads_as_an_attachment(client, engineer, waiting):
    client.force_login(engineer)
    response = client.get(reverse("mail:original", args=[waiting.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "message/rfc822"
    assert response["Content-Disposition"].startswith("attachment")
    assert f"message-{waiting.pk}.eml" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    content = b"".join(response.streaming_content)
    assert b"Subject: Pump 3 alarm" in content


def test_a_quarantined_email_without_a_file_has_no_download(client, engineer):
    record = InboundMessage.objects.create(
        message_id="<q@x>", received_at="2026-03-01T08:00:00Z", status=Status.QUARANTINED, reason="Broken."
    )
    client.force_login(engineer)
    assert client.get(reverse("mail:original", args=[record.pk])).status_code == 404
    page = client.get(reverse("mail:detail", args=[record.pk])).text
    assert "Broken." in page and 'id="dismiss-form"' in page and 'id="open-ticket-form"' not in page


# --- open a ticket ------------------------------------------------------------------------


def test_opening_a_ticket_files_it_for_the_contact(client, engineer, waiting, customer_a, project_a):
    client.force_login(engineer)
    response = client.post(
        reverse("mail:open-ticket", args=[waiting.pk]),
        {"project": project_a.pk, "reporter": customer_a.pk, "priority": "high"},
    )
    waiting.refresh_from_db()
    ticket = waiting.ticket
    assert response.status_code == 302 and response.url == reverse("tickets:detail", args=[ticket.pk])
    assert (waiting.status, waiting.contact, waiting.handled_by) == (Status.TICKET, customer_a, engineer)
    assert (ticket.project, ticket.reporter, ticket.priority) == (project_a, customer_a, "high")
    assert ticket.channel == Ticket.Channel.EMAIL and ticket.received_at == waiting.received_at
    page = client.get(response.url)
    assert f"Ticket {ticket.reference} was opened from the email." in messages_of(page)
    assert 'id="ticket-by-email"' in page.text and "by email" in page.text


def test_a_reporter_outside_the_projects_organisation_is_refused(
    client, engineer, waiting, customer_b, project_a, project_b
):
    client.force_login(engineer)
    response = client.post(
        reverse("mail:open-ticket", args=[waiting.pk]),
        {"project": project_a.pk, "reporter": customer_b.pk, "priority": "normal"},
    )
    assert response.status_code == 400
    assert response.context["open_form"].errors == {
        "reporter": ["The reporter is not a contact of the project's organisation."]
    }
    assert "The reporter is not a contact of the project&#x27;s organisation." in response.text
    waiting.refresh_from_db()
    assert waiting.status == Status.TRIAGE and waiting.ticket is None
    assert Ticket.objects.count() == 0


def test_a_missing_choice_is_a_form_error(client, engineer, waiting, project_a):
    client.force_login(engineer)
    response = client.post(reverse("mail:open-ticket", args=[waiting.pk]), {"project": project_a.pk})
    assert response.status_code == 400
    assert "reporter" in response.context["open_form"].errors
    assert Ticket.objects.count() == 0


def test_choosing_a_project_narrows_the_reporters(client, engineer, waiting, customer_a, customer_b, project_a):
    other_a = CustomerFactory(username="cust-a2", organisation=customer_a.organisation)
    client.force_login(engineer)
    everyone = client.get(reverse("mail:detail", args=[waiting.pk])).context["open_form"]
    assert {customer_a, customer_b, other_a} <= set(everyone.fields["reporter"].queryset)
    # what htmx asks when the project changes: the page with the reporters of its organisation
    narrowed = client.get(
        reverse("mail:detail", args=[waiting.pk]), {"project": project_a.pk, "reporter": customer_a.pk}
    )
    form = narrowed.context["open_form"]
    assert set(form.fields["reporter"].queryset) == {customer_a, other_a}
    assert form.initial["reporter"] == customer_a.pk
    assert 'id="div_id_reporter"' in narrowed.text
    assert f'hx-get="{reverse("mail:detail", args=[waiting.pk])}"' in narrowed.text


# --- add to a ticket ----------------------------------------------------------------------


def test_adding_to_a_ticket_by_its_reference(client, engineer, waiting, ticket_a):
    client.force_login(engineer)
    response = client.post(reverse("mail:add-to-ticket", args=[waiting.pk]), {"ticket": ticket_a.reference.lower()})
    assert response.status_code == 302 and response.url == reverse("tickets:detail", args=[ticket_a.pk])
    waiting.refresh_from_db()
    assert (waiting.status, waiting.ticket, waiting.handled_by) == (Status.REPLY, ticket_a, engineer)
    # the sender is nobody of the organisation: an internal note naming them
    note = Comment.objects.get(ticket=ticket_a)
    assert not note.public and "wang@unknown.example" in note.body
    page = client.get(response.url)
    assert f"The email was added to {ticket_a.reference}." in messages_of(page)
    assert "by-email" in page.text


def test_an_unknown_reference_is_a_form_error(client, engineer, waiting, ticket_a):
    client.force_login(engineer)
    response = client.post(reverse("mail:add-to-ticket", args=[waiting.pk]), {"ticket": "SD-2026-999999"})
    assert response.status_code == 400
    assert response.context["add_form"].errors == {"ticket": ["No ticket has this reference."]}
    waiting.refresh_from_db()
    assert waiting.status == Status.TRIAGE
    assert not Comment.objects.exists()


# --- handled twice, dismissed -------------------------------------------------------------


def test_an_email_is_handled_once(client, engineer, manager, waiting, customer_a, project_a, ticket_a):
    client.force_login(engineer)
    data = {"project": project_a.pk, "reporter": customer_a.pk, "priority": "normal"}
    client.post(reverse("mail:open-ticket", args=[waiting.pk]), data)
    assert Ticket.objects.count() == 2
    client.force_login(manager)
    for url, payload in [
        (reverse("mail:open-ticket", args=[waiting.pk]), data),
        (reverse("mail:add-to-ticket", args=[waiting.pk]), {"ticket": ticket_a.reference}),
        (reverse("mail:dismiss", args=[waiting.pk]), {}),
    ]:
        response = client.post(url, payload, follow=True)
        assert response.redirect_chain == [(reverse("mail:detail", args=[waiting.pk]), 302)], url
        assert messages_of(response)[-1] in {
            "This email has been handled already.",
            "Only a waiting or quarantined email can be dismissed.",
        }
        assert 'id="open-ticket-form"' not in response.text
    waiting.refresh_from_db()
    assert (waiting.status, waiting.handled_by) == (Status.TICKET, engineer)
    assert Ticket.objects.count() == 2 and not Comment.objects.filter(ticket=ticket_a).exists()


def test_dismissing_a_waiting_or_quarantined_email(client, engineer, waiting):
    quarantined = InboundMessage.objects.create(
        message_id="<q@x>", received_at="2026-03-01T08:00:00Z", status=Status.QUARANTINED, reason="Broken."
    )
    client.force_login(engineer)
    for record in (waiting, quarantined):
        response = client.post(reverse("mail:dismiss", args=[record.pk]), follow=True)
        assert response.redirect_chain == [(reverse("mail:list"), 302)]
        assert "The email was dismissed." in messages_of(response)
        record.refresh_from_db()
        assert (record.status, record.handled_by) == (Status.DISMISSED, engineer)
    assert listed(client.get(reverse("mail:list"), {"status": "dismissed"})) == [waiting.pk, quarantined.pk]


def test_filing_a_quarantined_email_again(client, engineer, waiting):
    raw = waiting.raw.open("rb").read()
    waiting.raw.close()
    quarantined = InboundMessage.objects.create(
        message_id="<q@x>", received_at=waiting.received_at, status=Status.QUARANTINED, reason="A bug."
    )
    quarantined.raw.save("q.eml", ContentFile(raw.replace(waiting.message_id.encode(), b"<q@x>")))
    client.force_login(engineer)
    page = client.get(reverse("mail:detail", args=[quarantined.pk]))
    assert 'id="retry-form"' in page.text
    assert 'id="retry-form"' not in client.get(reverse("mail:detail", args=[waiting.pk])).text
    response = client.post(reverse("mail:retry", args=[quarantined.pk]), follow=True)
    assert response.redirect_chain == [(reverse("mail:detail", args=[quarantined.pk]), 302)]
    assert "The email was filed again: Waiting for triage." in messages_of(response)
    quarantined.refresh_from_db()
    assert (quarantined.status, quarantined.sender, quarantined.handled_by) == (
        Status.TRIAGE,
        waiting.sender,
        engineer,
    )
    # only a quarantined one: the refusal comes back as a message
    response = client.post(reverse("mail:retry", args=[quarantined.pk]), follow=True)
    assert "Only a quarantined email can be filed again." in messages_of(response)


def test_the_actions_take_only_posts(client, engineer, waiting):
    client.force_login(engineer)
    for name in ("mail:open-ticket", "mail:add-to-ticket", "mail:dismiss", "mail:retry"):
        assert client.get(reverse(name, args=[waiting.pk])).status_code == 405


# --- the user menu ------------------------------------------------------------------------


def test_staff_find_email_in_the_user_menu_with_the_number_waiting(client, engineer, customer_a, waiting):
    ingest(subject="Another")
    client.force_login(engineer)
    context = client.get(reverse("home")).context
    assert {"label": "Email", "url": reverse("mail:list"), "badge": 2} in context["menu_items"]
    assert "Email" not in [item["label"] for item in context["nav_items"]]
    client.force_login(customer_a)
    page = client.get(reverse("home"))
    assert reverse("mail:list") not in page.text
    assert "triage-waiting" not in page.text


# --- the ticket's CC list -----------------------------------------------------------------


def test_staff_set_the_cc_list(client, engineer, ticket_a):
    client.force_login(engineer)
    response = client.post(
        reverse("tickets:cc", args=[ticket_a.pk]), {"cc": "Boss@Org-A.example, ops@org-a.example\nboss@org-a.example"}
    )
    assert response.status_code == 302 and response.url == reverse("tickets:detail", args=[ticket_a.pk])
    ticket_a.refresh_from_db()
    assert ticket_a.cc == ["boss@org-a.example", "ops@org-a.example"]
    event = TicketEvent.objects.get(ticket=ticket_a, kind=TicketEvent.Kind.CC)
    assert event.actor == engineer and event.data["new"] == ticket_a.cc
    page = client.get(response.url)
    assert "The CC list was saved." in messages_of(page)
    assert re.search(r'id="cc-list">.*boss@org-a\.example.*ops@org-a\.example', page.text, re.S)
    # emptied again
    client.post(reverse("tickets:cc", args=[ticket_a.pk]), {"cc": ""})
    ticket_a.refresh_from_db()
    assert ticket_a.cc == []


def test_a_contact_of_the_organisation_sets_the_cc_list(client, customer_a, ticket_a):
    client.force_login(customer_a)
    assert 'id="cc-form"' in client.get(reverse("tickets:detail", args=[ticket_a.pk])).text
    client.post(reverse("tickets:cc", args=[ticket_a.pk]), {"cc": "colleague@org-a.example"})
    ticket_a.refresh_from_db()
    assert ticket_a.cc == ["colleague@org-a.example"]


def test_a_customer_of_another_organisation_gets_404(client, customer_b, ticket_a):
    client.force_login(customer_b)
    assert client.post(reverse("tickets:cc", args=[ticket_a.pk]), {"cc": "x@org-b.example"}).status_code == 404
    ticket_a.refresh_from_db()
    assert ticket_a.cc == []


def test_a_bad_address_is_shown_and_nothing_saved(client, engineer, ticket_a):
    tickets.ticket_set_cc(ticket_id=ticket_a.pk, actor=engineer, cc=["first@org-a.example"])
    client.force_login(engineer)
    response = client.post(
        reverse("tickets:cc", args=[ticket_a.pk]), {"cc": "ok@org-a.example, not-an-address"}, follow=True
    )
    assert "not-an-address is not an email address." in messages_of(response)
    ticket_a.refresh_from_db()
    assert ticket_a.cc == ["first@org-a.example"]
    assert TicketEvent.objects.filter(ticket=ticket_a, kind=TicketEvent.Kind.CC).count() == 1


def test_a_reply_by_email_is_marked_on_the_ticket(client, engineer, customer_a, ticket_a):
    customer_a.email = "alice@org-a.example"
    customer_a.save()
    record = ingest(sender="Alice <alice@org-a.example>", subject=f"Re: {ticket_a.reference} Gateway restarts")
    assert (record.status, record.ticket) == (Status.REPLY, ticket_a)
    tickets.comment_add(ticket_id=ticket_a.pk, actor=engineer, body="We are on it.")
    client.force_login(engineer)
    text = client.get(reverse("tickets:detail", args=[ticket_a.pk])).text
    cards = re.findall(r'<div class="card mb-2 (?:reply|note)"[^>]*>(.*?)</div></div>', text, re.S)
    assert len(cards) == 2
    assert "by email" in cards[0] and "The pump alarms every hour." in cards[0]
    assert "by email" not in cards[1] and "We are on it." in cards[1]
    # the ticket itself came through the portal
    assert 'id="ticket-by-email"' not in text
