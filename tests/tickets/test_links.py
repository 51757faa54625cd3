"""Links between tickets (tickets.services.links, tickets.selectors.ticket_links): the wording
from each side, the history lines, the refusals, customer scoping; the API and the pages."""

import pytest
from django.urls import reverse

from core.errors import NotAllowed, ServiceDeskError
from tests.tickets.helpers import sh, travel
from tickets import selectors, services
from tickets.models import Ticket, TicketEvent, TicketLink
from tickets.presenters import event_line
from tickets.services.links import ticket_link, ticket_unlink

pytestmark = pytest.mark.django_db

MONDAY = sh(2026, 3, 2, 10, 0)


def file(actor, project, title="Gateway restarts") -> Ticket:
    with travel(MONDAY):
        return services.ticket_create(actor=actor, project=project, title=title, description="It restarts.")


@pytest.fixture
def tickets(sla_setup, customer_a, project_a, customer_b, project_b):
    return (
        file(customer_a, project_a, "Zephyr gateway down"),
        file(customer_a, project_a, "Gateway down again"),
        file(customer_a, project_a, "Power cut"),
        file(customer_b, project_b, "Upstream fault at B"),
    )


def labels(ticket, user) -> list[tuple[str, str]]:
    return [(view.label, view.other.reference) for view in selectors.ticket_links(ticket=ticket, user=user)]


class TestLinks:
    def test_each_side_reads_the_link_in_its_words(self, tickets, engineer):
        first, duplicate, power, _other = tickets
        ticket_link(actor=engineer, ticket=duplicate, target=first, kind="duplicate_of")
        ticket_link(actor=engineer, ticket=first, target=power, kind="caused_by")
        ticket_link(actor=engineer, ticket=power, target=duplicate, kind="related_to")
        assert labels(duplicate, engineer) == [("Duplicate of", first.reference), ("Related to", power.reference)]
        assert labels(first, engineer) == [("Has duplicate", duplicate.reference), ("Caused by", power.reference)]
        assert labels(power, engineer) == [("Causes", first.reference), ("Related to", duplicate.reference)]

    def test_both_histories_get_an_internal_line(self, tickets, engineer, customer_a):
        first, duplicate, _power, _other = tickets
        link = ticket_link(actor=engineer, ticket=duplicate, target=first, kind="duplicate_of")
        source_line = TicketEvent.objects.get(ticket=duplicate, kind="linked")
        target_line = TicketEvent.objects.get(ticket=first, kind="linked")
        assert source_line.public is False and target_line.public is False
        assert event_line(source_line) == f"Linked: Duplicate of {first.reference}"
        assert event_line(target_line) == f"Linked: Has duplicate {duplicate.reference}"
        assert not [e for e in selectors.ticket_timeline(ticket=first, user=customer_a) if e.kind == "linked"]
        ticket_unlink(actor=engineer, link=link)
        assert not TicketLink.objects.exists()
        assert event_line(TicketEvent.objects.get(ticket=first, kind="unlinked")) == (
            f"Link removed: Has duplicate {duplicate.reference}"
        )

    def test_refusals(self, tickets, engineer, customer_a):
        first, duplicate, _power, _other = tickets
        with pytest.raises(ServiceDeskError, match="itself"):
            ticket_link(actor=engineer, ticket=first, target=first, kind="related_to")
        ticket_link(actor=engineer, ticket=duplicate, target=first, kind="duplicate_of")
        with pytest.raises(ServiceDeskError, match="already linked"):
            ticket_link(actor=engineer, ticket=duplicate, target=first, kind="related_to")
        with pytest.raises(ServiceDeskError, match="already linked"):  # the other way round too
            ticket_link(actor=engineer, ticket=first, target=duplicate, kind="caused_by")
        with pytest.raises(ServiceDeskError):
            ticket_link(actor=engineer, ticket=first, target=duplicate, kind="blocks")
        with pytest.raises(NotAllowed):
            ticket_link(actor=customer_a, ticket=first, target=duplicate, kind="related_to")
        assert TicketLink.objects.count() == 1

    def test_staff_link_across_organisations_customers_see_only_their_own(
        self, tickets, engineer, customer_a, customer_b
    ):
        first, duplicate, _power, other = tickets
        ticket_link(actor=engineer, ticket=first, target=other, kind="caused_by")
        ticket_link(actor=engineer, ticket=duplicate, target=first, kind="duplicate_of")
        assert labels(first, engineer) == [("Caused by", other.reference), ("Has duplicate", duplicate.reference)]
        assert labels(first, customer_a) == [("Has duplicate", duplicate.reference)]
        assert labels(other, customer_b) == []


class TestApi:
    def test_get_post_delete(self, tickets, engineer, api):
        first, duplicate, _power, _other = tickets
        client = api.as_user(engineer)
        url = f"/api/v1/tickets/{duplicate.pk}/links/"
        answer = client.post(url, {"kind": "duplicate_of", "ticket": first.pk}, format="json")
        assert answer.status_code == 201, answer.json()
        row = answer.json()["tickets"][0]
        assert (row["label"], row["direction"], row["ticket"], row["reference"]) == (
            "Duplicate of",
            "source",
            first.pk,
            first.reference,
        )
        other_side = client.get(f"/api/v1/tickets/{first.pk}/links/").json()
        assert other_side["tickets"][0]["label"] == "Has duplicate" and other_side["incidents"] == []
        again = client.post(url, {"kind": "related_to", "ticket": first.pk}, format="json")
        assert again.status_code == 400 and "already linked" in again.json()["detail"]
        assert client.post(url, {"ticket": first.pk}, format="json").status_code == 400  # no kind
        assert client.post(url, {"kind": "related_to"}, format="json").status_code == 400  # nothing named
        assert client.post(url, {"kind": "related_to", "ticket": 99999999}, format="json").status_code == 400
        link_id = row["id"]
        assert client.delete(f"/api/v1/tickets/{first.pk}/links/{link_id}/").status_code == 204
        assert client.get(url).json()["tickets"] == []
        assert client.delete(f"{url}{link_id}/").status_code == 404

    def test_customers_read_their_own_and_write_nothing(self, tickets, engineer, customer_a, customer_b, api):
        first, duplicate, _power, other = tickets
        link = ticket_link(actor=engineer, ticket=duplicate, target=first, kind="duplicate_of")
        ticket_link(actor=engineer, ticket=other, target=first, kind="caused_by")
        client = api.as_user(customer_a)
        answer = client.get(f"/api/v1/tickets/{first.pk}/links/")
        assert answer.status_code == 200
        assert [row["reference"] for row in answer.json()["tickets"]] == [duplicate.reference]
        post = client.post(f"/api/v1/tickets/{first.pk}/links/", {"kind": "related_to", "ticket": duplicate.pk})
        assert post.status_code == 403
        assert client.delete(f"/api/v1/tickets/{first.pk}/links/{link.pk}/").status_code == 403
        other_customer = api.as_user(customer_b)
        assert other_customer.get(f"/api/v1/tickets/{first.pk}/links/").status_code == 404
        assert other_customer.delete(f"/api/v1/tickets/{first.pk}/links/{link.pk}/").status_code == 404
        assert TicketLink.objects.count() == 2

    def test_the_list_reads_a_bounded_number_of_queries(self, tickets, engineer, api, django_assert_max_num_queries):
        first, duplicate, power, other = tickets
        for target, kind in ((duplicate, "related_to"), (power, "caused_by"), (other, "related_to")):
            ticket_link(actor=engineer, ticket=first, target=target, kind=kind)
        client = api.as_user(engineer)
        with django_assert_max_num_queries(8):
            answer = client.get(f"/api/v1/tickets/{first.pk}/links/")
        assert len(answer.json()["tickets"]) == 3


class TestPages:
    def test_add_and_remove_on_the_ticket_page(self, tickets, engineer, client):
        first, duplicate, power, _other = tickets
        client.force_login(engineer)
        answer = client.post(
            reverse("tickets:link_add", args=[duplicate.pk]),
            {"kind": "duplicate_of", "reference": f" {first.reference.lower()} "},
            follow=True,
        )
        assert f"Linked to {first.reference}." in answer.text
        ticket_link(actor=engineer, ticket=power, target=duplicate, kind="caused_by")
        page = client.get(reverse("tickets:detail", args=[duplicate.pk]))
        assert 'id="link-list"' in page.text and "Duplicate of" in page.text and "Causes" in page.text
        missing = client.post(
            reverse("tickets:link_add", args=[duplicate.pk]), {"kind": "related_to", "reference": "SD-1"}, follow=True
        )
        assert "No ticket has the reference SD-1." in missing.text
        link = TicketLink.objects.get(source=duplicate)
        removed = client.post(reverse("tickets:link_remove", args=[first.pk, link.pk]), follow=True)
        assert "The link was removed." in removed.text
        assert TicketLink.objects.count() == 1

    def test_the_ticket_page_reads_the_links_in_a_fixed_number_of_queries(self, tickets, engineer, client):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        first, duplicate, power, other = tickets
        client.force_login(engineer)
        url = reverse("tickets:detail", args=[first.pk])
        ticket_link(actor=engineer, ticket=duplicate, target=first, kind="duplicate_of")
        client.get(url)  # caches warmed
        with CaptureQueriesContext(connection) as one:
            client.get(url)
        ticket_link(actor=engineer, ticket=first, target=power, kind="caused_by")
        ticket_link(actor=engineer, ticket=other, target=first, kind="related_to")
        with CaptureQueriesContext(connection) as three:
            page = client.get(url)
        assert page.text.count('class="d-flex align-items-center gap-1 mb-1 link-item"') == 3
        assert len(three) == len(one)

    def test_customers_see_the_links_without_forms(self, tickets, engineer, customer_a, client):
        first, duplicate, _power, other = tickets
        ticket_link(actor=engineer, ticket=duplicate, target=first, kind="duplicate_of")
        ticket_link(actor=engineer, ticket=other, target=first, kind="caused_by")
        client.force_login(customer_a)
        page = client.get(reverse("tickets:detail", args=[first.pk]))
        assert "Has duplicate" in page.text and duplicate.reference in page.text
        assert other.reference not in page.text and "Upstream fault at B" not in page.text
        assert 'id="link-form"' not in page.text
        link = TicketLink.objects.get(source=duplicate)
        assert client.post(reverse("tickets:link_remove", args=[first.pk, link.pk])).status_code == 403
        assert (
            client.post(reverse("tickets:link_add", args=[first.pk]), {"kind": "related_to", "reference": "x"})
        ).status_code == 403
