"""The parts pages (staff) and the parts panel on the ticket page."""

import pytest
from django.urls import reverse

from parts import services
from parts.models import Movement, Reservation, Rma

pytestmark = pytest.mark.django_db


def test_the_catalogue_shows_stock_per_location(client, stocked, engineer, manager, django_assert_max_num_queries):
    services.stock_set_low_level(part=stocked.part, location=stocked.van, low_level=2, actor=manager)
    client.force_login(engineer)
    with django_assert_max_num_queries(20):
        page = client.get(reverse("parts:catalogue"))
    assert page.status_code == 200
    assert "PSU-500" in page.text and "Central warehouse" in page.text and "Van 1" in page.text
    low = client.get(reverse("parts:catalogue"), {"low": "1"})
    assert list(low.context["page"]) == [stocked.part]


def test_customers_get_no_parts_pages(client, customer_a, stocked):
    client.force_login(customer_a)
    assert client.get(reverse("parts:catalogue")).status_code == 403
    assert client.get(reverse("parts:part_detail", args=[stocked.part.pk])).status_code == 403


def test_the_part_page_lists_its_movements(client, stocked, engineer):
    client.force_login(engineer)
    page = client.get(reverse("parts:part_detail", args=[stocked.part.pk]))
    assert page.status_code == 200
    assert len(page.context["page"]) == 2


def test_an_engineer_reserves_and_issues_from_the_ticket(client, stocked, engineer, ticket_a):
    client.force_login(engineer)
    url = reverse("parts:movement_create") + f"?ticket={ticket_a.pk}"
    form = client.get(url)
    assert form.context["form"].initial["ticket"] == ticket_a.reference
    body = {
        "kind": "reserve",
        "part": stocked.part.pk,
        "quantity": 1,
        "from_location": stocked.van.pk,
        "ticket": ticket_a.reference,
    }
    done = client.post(url, body)
    assert done.status_code == 302 and done.url == reverse("tickets:detail", args=[ticket_a.pk])
    assert Reservation.objects.get().remaining == 1
    done = client.post(url, {**body, "kind": "issue", "serial_numbers": "PSU-NEW-1"})
    assert done.status_code == 302
    assert Movement.objects.filter(kind="issue", ticket=ticket_a).count() == 1
    # too many: the refusal is on the form
    refused = client.post(url, {**body, "quantity": 5})
    assert refused.status_code == 200
    assert "Only 1 of PSU-500 available at Van 1" in refused.text


def test_the_form_says_when_a_reference_does_not_exist(client, stocked, engineer):
    client.force_login(engineer)
    answer = client.post(
        reverse("parts:movement_create"),
        {"kind": "reserve", "part": stocked.part.pk, "quantity": 1, "from_location": stocked.van.pk, "ticket": "SD-1"},
    )
    assert answer.context["form"].errors["ticket"] == ["No such reference: SD-1."]


def test_the_ticket_panel_shows_staff_reservations_and_customers_the_parts_used(
    client, stocked, engineer, customer_a, ticket_a
):
    services.movement_record(
        actor=engineer, kind="reserve", part=stocked.part, quantity=1, from_location=stocked.warehouse, ticket=ticket_a
    )
    client.force_login(customer_a)
    page = client.get(reverse("tickets:detail", args=[ticket_a.pk]))
    assert 'id="parts"' not in page.text  # nothing used yet
    services.movement_record(
        actor=engineer, kind="issue", part=stocked.part, quantity=1, from_location=stocked.van, ticket=ticket_a
    )
    page = client.get(reverse("tickets:detail", args=[ticket_a.pk]))
    assert 'id="parts"' in page.text and "Power supply 500 W" in page.text
    assert "Central warehouse" not in page.text  # the reservation is staff's
    client.force_login(engineer)
    page = client.get(reverse("tickets:detail", args=[ticket_a.pk]))
    assert 'id="parts-reserved"' in page.text and "Central warehouse" in page.text


def test_a_reservation_is_released_from_the_ticket(client, stocked, engineer, ticket_a):
    movement = services.movement_record(
        actor=engineer, kind="reserve", part=stocked.part, quantity=2, from_location=stocked.van, ticket=ticket_a
    )
    client.force_login(engineer)
    answer = client.post(reverse("parts:reservation_release", args=[movement.reservation_id]))
    assert answer.url == reverse("tickets:detail", args=[ticket_a.pk])
    assert Reservation.objects.get().remaining == 0


def test_a_return_is_opened_and_moved_on_in_the_pages(client, part, engineer, ticket_a):
    client.force_login(engineer)
    opened = client.post(
        reverse("parts:rma_create") + f"?ticket={ticket_a.pk}",
        {"part": part.pk, "serial_number": "PSU-OLD-7", "ticket": ticket_a.reference, "fault": "Dead"},
    )
    rma = Rma.objects.get()
    assert opened.url == reverse("parts:rma_detail", args=[rma.pk])
    detail = client.get(opened.url)
    assert "PSU-OLD-7" in detail.text and "Awaiting return" in detail.text
    moved = client.post(reverse("parts:rma_transition", args=[rma.pk]), {"to": "received", "supplier_reference": "S-1"})
    assert moved.status_code == 302
    rma.refresh_from_db()
    assert (rma.state, rma.supplier_reference) == ("received", "S-1")
    wrong = client.post(reverse("parts:rma_transition", args=[rma.pk]), {"to": "awaiting_return"})
    assert wrong.status_code == 200 and "to" in wrong.context["form"].errors
    listed = client.get(reverse("parts:rma_list"), {"open": "1"})
    assert list(listed.context["page"]) == [rma]
