"""The parts API: staff read and move stock; customers see the parts used on their tickets."""

import pytest
from django.urls import reverse

from parts import services
from parts.models import Stock

pytestmark = pytest.mark.django_db


def test_the_catalogue_lists_stock_per_location(api, stocked, engineer, django_assert_max_num_queries):
    services.part_save(part_number="FAN-80", name="Fan 80 mm")
    client = api.as_user(engineer)
    with django_assert_max_num_queries(8):
        answer = client.get(reverse("part-list"))
    assert answer.status_code == 200
    psu = next(row for row in answer.json()["results"] if row["part_number"] == "PSU-500")
    assert {(s["location_name"], s["available"]) for s in psu["stock"]} == {("Central warehouse", 10), ("Van 1", 2)}


def test_managers_add_parts_engineers_do_not(api, engineer, manager):
    body = {"part_number": "FAN-80", "name": "Fan 80 mm", "unit_price": 12.5}
    assert api.as_user(engineer).post(reverse("part-list"), body, format="json").status_code == 403
    answer = api.as_user(manager).post(reverse("part-list"), body, format="json")
    assert answer.status_code == 201
    assert answer.json()["unit_price"] == 12.5
    again = api.as_user(manager).post(reverse("part-list"), {**body, "part_number": "fan-80"}, format="json")
    assert again.status_code == 400
    assert again.json()["errors"] == {"part_number": ["Another part has this part number."]}


def test_stock_filters_by_part_location_and_low(api, stocked, engineer, manager, django_assert_max_num_queries):
    services.stock_set_low_level(part=stocked.part, location=stocked.van, low_level=2, actor=manager)
    client = api.as_user(engineer)
    with django_assert_max_num_queries(6):
        low = client.get(reverse("stock-list"), {"low": "true"}).json()["results"]
    assert [(row["location_name"], row["available"], row["low"]) for row in low] == [("Van 1", 2, True)]
    rows = client.get(reverse("stock-list"), {"location": stocked.warehouse.pk}).json()["results"]
    assert [row["on_hand"] for row in rows] == [10]
    assert client.get(reverse("stock-list"), {"low": "maybe"}).status_code == 400


def test_a_movement_is_posted_through_the_service(api, stocked, engineer, ticket_a):
    client = api.as_user(engineer)
    body = {
        "kind": "reserve",
        "part": stocked.part.pk,
        "quantity": 2,
        "from_location": stocked.van.pk,
        "ticket": ticket_a.pk,
    }
    answer = client.post(reverse("part-movement-list"), body, format="json")
    assert answer.status_code == 201, answer.json()
    assert answer.json()["ticket_reference"] == ticket_a.reference
    # the van has nothing left to give: a 400 naming the quantity, and nothing changes
    refused = client.post(reverse("part-movement-list"), {**body, "quantity": 1}, format="json")
    assert refused.status_code == 400
    assert "quantity" in refused.json()["errors"]
    assert Stock.objects.get(part=stocked.part, location=stocked.van).reserved == 2
    # the reservation released by id
    reservation = answer.json()["reservation"]
    released = client.post(
        reverse("part-movement-list"), {"kind": "release", "reservation": reservation, "quantity": 2}, format="json"
    )
    assert released.status_code == 201
    assert Stock.objects.get(part=stocked.part, location=stocked.van).reserved == 0


def test_movement_input_is_strict(api, stocked, engineer):
    answer = api.as_user(engineer).post(
        reverse("part-movement-list"),
        {"kind": "receive", "part": stocked.part.pk, "quantity": "3", "to_location": stocked.van.pk},
        format="json",
    )
    assert answer.status_code == 400
    assert "quantity" in answer.json()["errors"]


def test_movements_list_pins_its_queries(api, stocked, engineer, ticket_a, django_assert_max_num_queries):
    for _ in range(3):
        services.movement_record(
            actor=engineer,
            kind="issue",
            part=stocked.part,
            quantity=1,
            from_location=stocked.warehouse,
            ticket=ticket_a,
        )
    client = api.as_user(engineer)
    with django_assert_max_num_queries(5):
        answer = client.get(reverse("part-movement-list"), {"ticket": ticket_a.pk})
    assert [row["kind"] for row in answer.json()["results"]] == ["issue", "issue", "issue"]


def test_customers_see_the_parts_used_on_their_own_tickets_only(
    api, stocked, engineer, customer_a, customer_b, ticket_a
):
    services.movement_record(
        actor=engineer, kind="reserve", part=stocked.part, quantity=1, from_location=stocked.van, ticket=ticket_a
    )
    services.movement_record(
        actor=engineer,
        kind="issue",
        part=stocked.part,
        quantity=1,
        from_location=stocked.van,
        ticket=ticket_a,
        serial_numbers="PSU-NEW-1",
    )
    url = reverse("api-ticket-parts", args=[ticket_a.pk])
    mine = api.as_user(customer_a).get(url)
    assert mine.status_code == 200
    assert [(row["kind"], row["part_number"], row["serial_numbers"]) for row in mine.json()] == [
        ("issue", "PSU-500", "PSU-NEW-1")
    ]
    assert [row["kind"] for row in api.as_user(engineer).get(url).json()] == ["reserve", "issue"]
    assert api.as_user(customer_b).get(url).status_code == 404
    assert api.as_user(customer_a).get(reverse("part-movement-list")).status_code == 403
    assert api.as_user(customer_a).get(reverse("stock-list")).status_code == 403


def test_a_return_is_opened_and_moved_on(api, part, engineer, ticket_a):
    client = api.as_user(engineer)
    opened = client.post(
        reverse("rma-list"), {"part": part.pk, "serial_number": "PSU-OLD-7", "ticket": ticket_a.pk}, format="json"
    )
    assert opened.status_code == 201
    rma = opened.json()
    assert (rma["state"], rma["serial_number_of_asset"]) == ("awaiting_return", "GW-0001")
    url = reverse("rma-transition", args=[rma["id"]])
    assert client.post(url, {"to": "repaired"}, format="json").status_code == 400
    moved = client.post(url, {"to": "received", "supplier_reference": "SUP-42"}, format="json")
    assert moved.status_code == 200
    assert (moved.json()["state"], moved.json()["supplier_reference"]) == ("received", "SUP-42")
    assert [e["to_state"] for e in moved.json()["events"]] == ["awaiting_return", "received"]
    assert client.get(reverse("rma-list"), {"state": "received"}).json()["count"] == 1


def test_managers_set_the_low_stock_level(api, stocked, engineer, manager):
    row = Stock.objects.get(part=stocked.part, location=stocked.van)
    url = reverse("stock-detail", args=[row.pk])
    assert api.as_user(engineer).patch(url, {"low_level": 2}, format="json").status_code == 403
    answer = api.as_user(manager).patch(url, {"low_level": 2}, format="json")
    assert answer.status_code == 200
    assert (answer.json()["low_level"], answer.json()["low"]) == (2, True)
    assert api.as_user(manager).patch(url, {"low_level": -1}, format="json").status_code == 400
    cleared = api.as_user(manager).patch(url, {"low_level": None}, format="json")
    assert (cleared.json()["low_level"], cleared.json()["low"]) == (None, False)
