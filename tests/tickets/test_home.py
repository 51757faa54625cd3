import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from tickets import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def tickets(sla_setup, customer_a, customer_b, project_a, project_b, engineer):
    mine = services.ticket_create(actor=customer_a, project=project_a, title="Gateway A down", description="x")
    services.ticket_assign(ticket_id=mine.pk, actor=engineer, assignee=engineer)
    other = services.ticket_create(actor=customer_b, project=project_b, title="Storage B slow", description="x")
    return mine, other


def test_a_customer_starts_with_its_organisations_open_tickets(client, customer_b, tickets):
    client.force_login(customer_b)
    page = client.get(reverse("home"))
    assert "Storage B slow" in page.text
    assert "Gateway A down" not in page.text


def test_staff_start_with_the_queue_numbers_and_their_own_tickets(
    client, engineer, tickets, django_assert_max_num_queries
):
    client.force_login(engineer)
    with django_assert_max_num_queries(14):
        page = client.get(reverse("home"))
    counts = page.context["counts"]
    assert (counts["open"], counts["mine"], counts["unassigned"]) == (2, 1, 1)
    assert counts["breached"] == 0
    assert [ticket.title for ticket in page.context["tickets"]] == ["Gateway A down"]


def test_a_breached_ticket_is_counted(client, engineer, tickets):
    client.force_login(engineer)
    later = timezone.now() + datetime.timedelta(days=5)  # within the session, past every target
    with time_machine.travel(later):
        counts = client.get(reverse("home")).context["counts"]
    assert counts["breached"] == 2
