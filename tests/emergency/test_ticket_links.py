"""Tickets linked to an incident (emergency.services.links): the timeline line and the ticket's
history line, the refusals, the incident page, the ticket page's panel, the queue's bulk
action, the API and customer scoping."""

import pytest
from django.urls import reverse

from core.errors import NotAllowed, ServiceDeskError
from emergency import presenters, services
from emergency.models import IncidentEntry, IncidentTicketLink
from emergency.services.links import incident_ticket_link, incident_ticket_unlink, incident_tickets_link
from tests.tickets.helpers import sh, travel
from tickets import services as ticket_services
from tickets.models import Ticket, TicketEvent
from tickets.presenters import event_line

pytestmark = pytest.mark.django_db

MONDAY = sh(2026, 3, 2, 10, 0)


def file(actor, project, title) -> Ticket:
    with travel(MONDAY):
        return ticket_services.ticket_create(actor=actor, project=project, title=title, description="Down.")


@pytest.fixture
def outage(sla_setup, groups, customer_a, project_a, customer_b, project_b):
    with travel(MONDAY):
        incident = services.incident_create(
            actor=groups.liaison,
            project=project_a,
            title="Zephyr network outage",
            symptoms="Nothing answers",
            reporter_name="Ward sister",
        )
    tickets = [file(customer_a, project_a, f"Zephyr ward {n} offline") for n in range(3)]
    elsewhere = file(customer_b, project_b, "B's gateway offline")
    return incident, tickets, elsewhere


def test_linking_writes_the_timeline_and_the_ticket_history(outage, engineer, customer_a):
    incident, (first, *_rest), _elsewhere = outage
    link = incident_ticket_link(actor=engineer, incident=incident, ticket=first)
    entry = IncidentEntry.objects.filter(incident=incident, data__ticket_link="linked").get()
    assert entry.public is False and entry.data["reference"] == first.reference
    assert presenters.describe(entry.kind, entry.data) == f"ticket {first.reference} linked"
    line = TicketEvent.objects.get(ticket=first, kind="linked")
    assert line.public is False and event_line(line) == f"Linked: {incident.reference}"
    with pytest.raises(ServiceDeskError, match="already linked"):
        incident_ticket_link(actor=engineer, incident=incident, ticket=first)
    with pytest.raises(NotAllowed):
        incident_ticket_link(actor=customer_a, incident=incident, ticket=first)
    incident_ticket_unlink(actor=engineer, link=link)
    assert not IncidentTicketLink.objects.exists()
    assert IncidentEntry.objects.filter(incident=incident, data__ticket_link="unlinked").exists()
    assert TicketEvent.objects.filter(ticket=first, kind="unlinked").exists()


def test_bulk_link_lists_done_and_refused(outage, engineer):
    incident, tickets, elsewhere = outage
    incident_ticket_link(actor=engineer, incident=incident, ticket=tickets[0])
    done, refused = incident_tickets_link(actor=engineer, incident=incident, tickets=[*tickets, elsewhere])
    assert [ticket.pk for ticket in done] == [tickets[1].pk, tickets[2].pk, elsewhere.pk]
    assert [ticket.pk for ticket, _reason in refused] == [tickets[0].pk]
    assert IncidentTicketLink.objects.filter(incident=incident).count() == 4


def test_the_queue_links_the_selected_tickets(outage, engineer, client):
    incident, tickets, _elsewhere = outage
    client.force_login(engineer)
    form = {"tickets": [ticket.pk for ticket in tickets], "next": "/tickets/"}
    missing = client.post(reverse("emergency:bulk_link"), {**form, "incident_reference": "INC-1"}, follow=True)
    assert "Type the reference of an incident" in missing.text
    answer = client.post(
        reverse("emergency:bulk_link"), {**form, "incident_reference": incident.reference.lower()}, follow=True
    )
    references = ", ".join(sorted(ticket.reference for ticket in tickets))
    assert f"Linked to {incident.reference}: {references}." in answer.text
    assert IncidentTicketLink.objects.filter(incident=incident).count() == 3


def test_the_incident_page_and_the_ticket_page_show_the_links(outage, engineer, customer_a, customer_b, client):
    incident, tickets, elsewhere = outage
    incident_tickets_link(actor=engineer, incident=incident, tickets=[*tickets, elsewhere])
    client.force_login(engineer)
    page = client.get(reverse("emergency:detail", args=[incident.pk]))
    assert 'id="linked-tickets"' in page.text
    assert all(ticket.reference in page.text for ticket in [*tickets, elsewhere])
    assert f"ticket {tickets[0].reference} linked" in page.text  # the timeline's line
    ticket_page = client.get(reverse("tickets:detail", args=[tickets[0].pk]))
    assert 'id="ticket-incidents"' in ticket_page.text and incident.reference in ticket_page.text
    # a customer of A sees its own tickets under the incident, not B's
    client.force_login(customer_a)
    page = client.get(reverse("emergency:detail", args=[incident.pk]))
    assert tickets[0].reference in page.text and elsewhere.reference not in page.text
    assert "Remove" not in page.text.split('id="linked-tickets"')[1].split("</table>")[0]
    # B's customer: A's incident is not found, and its ticket's panel shows nothing of it
    client.force_login(customer_b)
    assert client.get(reverse("emergency:detail", args=[incident.pk])).status_code == 404
    ticket_page = client.get(reverse("tickets:detail", args=[elsewhere.pk]))
    assert incident.reference not in ticket_page.text and "Zephyr" not in ticket_page.text


def test_remove_from_the_pages(outage, engineer, customer_a, client):
    incident, (first, second, _third), _elsewhere = outage
    incident_tickets_link(actor=engineer, incident=incident, tickets=[first, second])
    link = IncidentTicketLink.objects.get(ticket=first)
    client.force_login(customer_a)
    assert client.post(reverse("emergency:ticket_link_remove", args=[incident.pk, link.pk])).status_code == 403
    client.force_login(engineer)
    answer = client.post(reverse("emergency:ticket_link_remove", args=[incident.pk, link.pk]), follow=True)
    assert f"{first.reference} is no longer linked." in answer.text
    answer = client.post(
        reverse("emergency:ticket_link", args=[first.pk]), {"incident_reference": incident.reference}, follow=True
    )
    assert f"Linked to {incident.reference}." in answer.text


def test_api(outage, engineer, customer_a, customer_b, api):
    incident, (first, *_rest), elsewhere = outage
    client = api.as_user(engineer)
    url = f"/api/v1/tickets/{first.pk}/links/"
    answer = client.post(url, {"incident": incident.pk}, format="json")
    assert answer.status_code == 201, answer.json()
    row = answer.json()["incidents"][0]
    assert (row["incident"], row["reference"]) == (incident.pk, incident.reference)
    assert client.post(url, {"incident": incident.pk}, format="json").status_code == 400
    assert client.post(url, {"incident": 99999999}, format="json").status_code == 400
    assert client.post(url, {"incident": incident.pk, "ticket": elsewhere.pk}, format="json").status_code == 400
    # customers read their own ticket's incidents, write nothing
    assert api.as_user(customer_a).get(url).json()["incidents"][0]["reference"] == incident.reference
    assert api.as_user(customer_a).delete(f"{url}incidents/{row['id']}/").status_code == 403
    assert api.as_user(customer_b).get(url).status_code == 404
    # B's ticket linked to A's incident: B's customer does not see the incident
    client.post(f"/api/v1/tickets/{elsewhere.pk}/links/", {"incident": incident.pk}, format="json")
    assert api.as_user(customer_b).get(f"/api/v1/tickets/{elsewhere.pk}/links/").json()["incidents"] == []
    client = api.as_user(engineer)
    assert client.delete(f"{url}incidents/{row['id']}/").status_code == 204
    assert client.get(url).json()["incidents"] == []


def test_the_incident_page_reads_its_linked_tickets_in_a_fixed_number_of_queries(outage, engineer, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    incident, tickets, elsewhere = outage
    incident_ticket_link(actor=engineer, incident=incident, ticket=tickets[0])
    client.force_login(engineer)
    url = reverse("emergency:detail", args=[incident.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    incident_tickets_link(actor=engineer, incident=incident, tickets=[*tickets[1:], elsewhere])
    with CaptureQueriesContext(connection) as four:
        client.get(url)
    assert len(four) == len(one)
