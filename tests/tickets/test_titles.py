"""Issue 20: a ticket's title is one line. Line and paragraph separators are refused in the API
(400 on ``title``) and in the page form; a title already stored with them (or an email's
subject) is folded to one line on the page and in every email subject (``core.text``). The
same for an incident's title, which goes into the incident's email subjects.

On the code before the fix the API and the form took "Printer\\r\\nBcc: x@evil" as a title,
and the email subject built from it carried the line break (Django refuses to send such a
header: the delivery failed, and a looser mailer would have sent an extra header)."""

from types import SimpleNamespace

import pytest
from django.core import mail
from django.urls import reverse

from core.text import has_line_break, one_line, validate_one_line
from emergency.api.incidents import IncidentCreateInput
from emergency.forms import IncidentForm
from emergency.models import Incident
from emergency.services import incident_create
from notifications.models import Delivery
from tests.emergency.conftest import create_emergency_defaults
from tickets import services
from tickets.forms import TicketForm
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

TICKETS = "/api/v1/tickets/"
INCIDENTS = "/api/v1/incidents/"
BREAKS = ["\r\n", "\n", "\r", "\u2028", "\u2029", "\x85", "\v", "\f"]


def payload(project, **extra) -> dict:
    return {
        "project": project.pk,
        "title": "Gateway restarts",
        "description": "The gateway restarts every hour.",
        "priority": "normal",
        **extra,
    }


# --- the helper ---------------------------------------------------------------------------------


@pytest.mark.parametrize("separator", BREAKS)
def test_every_separator_is_a_line_break(separator):
    title = f"Printer {separator}  Bcc: x@example.com"
    assert has_line_break(title)
    assert one_line(title) == "Printer Bcc: x@example.com"
    assert "\n" not in one_line(title) and len(one_line(title).splitlines()) == 1
    with pytest.raises(Exception, match="one line"):
        validate_one_line(title)


def test_a_title_on_one_line_is_unchanged():
    assert one_line("  Drucker  läuft   nicht  ") == "  Drucker  läuft   nicht  "
    assert one_line("打印机\t不工作") == "打印机\t不工作"
    assert one_line(None) == ""
    validate_one_line("Printer down")


# --- refused where it is entered ------------------------------------------------------------------


@pytest.mark.parametrize("separator", BREAKS)
def test_the_api_refuses_a_title_with_a_line_break(api, customer_a, project_a, sla_setup, separator):
    response = api.as_user(customer_a).post(
        TICKETS, payload(project_a, title=f"Printer{separator}Bcc: x@example.com"), format="json"
    )
    assert response.status_code == 400, response.content
    assert list(response.json()["errors"]) == ["title"]
    assert "one line" in response.json()["errors"]["title"][0]
    assert not Ticket.objects.exists()


def test_the_api_takes_a_title_on_one_line(api, engineer, project_a, sla_setup):
    response = api.as_user(engineer).post(TICKETS, payload(project_a, title="Printer down"), format="json")
    assert response.status_code == 201 and response.json()["title"] == "Printer down"


def test_the_page_form_refuses_a_title_with_a_line_break(client, customer_a, project_a, sla_setup):
    client.force_login(customer_a)
    response = client.post(
        reverse("tickets:create"),
        {
            "project": project_a.pk,
            "title": "Printer\r\nBcc: x@example.com",
            "priority": "normal",
            "category": "fault",
            "description": "Jammed",
        },
    )
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["title"]
    assert "one line" in response.context["form"].errors["title"][0]
    assert not Ticket.objects.exists()
    form = TicketForm(data={"title": "Printer\u2028down"}, user=customer_a)
    assert not form.is_valid() and "title" in form.errors


# --- folded where it is shown or mailed -----------------------------------------------------------


@pytest.fixture
def broken_ticket(customer_a, project_a, sla_setup) -> Ticket:
    """A ticket whose title was stored with line breaks before the rule."""
    ticket = services.ticket_create(actor=customer_a, project=project_a, title="Printer", description="Jammed")
    Ticket.objects.filter(pk=ticket.pk).update(title="Printer\r\nBcc: x@example.com\u2028down")
    ticket.refresh_from_db()
    return ticket


def test_the_page_shows_a_stored_title_on_one_line(client, customer_a, broken_ticket):
    client.force_login(customer_a)
    page = client.get(reverse("tickets:detail", args=[broken_ticket.pk])).text
    assert '<h1 class="h3 mb-1" id="ticket-title">Printer Bcc: x@example.com down</h1>' in page
    listing = client.get(reverse("tickets:list")).text
    assert "<td>Printer Bcc: x@example.com down</td>" in listing


def test_the_email_subject_of_a_stored_title_is_one_line(
    customer_a, engineer, broken_ticket, django_capture_on_commit_callbacks
):
    # when an engineer answers a ticket whose stored title has line breaks
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_add(ticket_id=broken_ticket.pk, actor=engineer, body="Please restart it.")

    # then the reply is mailed, its subject on one line
    delivery = Delivery.objects.filter(channel=Delivery.Channel.EMAIL, key__contains=":comment:").get()
    assert delivery.status == Delivery.Status.SENT, delivery.last_error
    assert delivery.subject == f"[{broken_ticket.reference}] New reply: Printer Bcc: x@example.com down"
    [message] = [m for m in mail.outbox if "New reply" in m.subject]
    assert not has_line_break(message.subject) and message.to == [customer_a.email]
    assert "Bcc" not in message.message().keys()  # noqa: SIM118


def test_the_service_folds_a_title_that_came_by_email(customer_a, project_a, sla_setup):
    """The email intake passes a subject (an encoded word may carry a line break): filed on one line."""
    ticket = services.ticket_create(
        actor=customer_a, project=project_a, title="Printer\nstill\u2029down", description="x", via_email=True
    )
    assert ticket.title == "Printer still down"


# --- an incident's title ----------------------------------------------------------------------------


def test_an_incident_title_with_a_line_break_is_refused(api, customer_a, project_a, sla_setup):
    create_emergency_defaults()
    response = api.as_user(customer_a).post(
        INCIDENTS,
        {"project": project_a.pk, "title": "Fire\r\nBcc: x@example.com", "symptoms": "Smoke"},
        format="json",
    )
    assert response.status_code == 400, response.content
    assert list(response.json()["errors"]) == ["title"]
    assert not Incident.objects.exists()
    data = IncidentCreateInput(
        data={"project": project_a.pk, "title": "Fire\u2028x"}, context={"request": SimpleNamespace(user=customer_a)}
    )
    assert not data.is_valid() and "title" in data.errors
    form = IncidentForm(data={"project": project_a.pk, "title": "Fire\nx", "symptoms": "Smoke"}, user=customer_a)
    assert not form.is_valid() and "title" in form.errors


def test_an_incident_promoted_from_a_stored_title_is_one_line(customer_a, broken_ticket):
    create_emergency_defaults()
    incident = incident_create(actor=customer_a, project=broken_ticket.project, ticket=broken_ticket)
    assert incident.title == "Printer Bcc: x@example.com down"
