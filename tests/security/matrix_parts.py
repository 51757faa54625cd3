"""The permission matrix's rows for spare parts, stock and returns (issue 22).

Parts, stock, movements and returns are the vendor's: anonymous visitors are sent to log in
(pages) or get 401 (API), customers get 403 (they may not see that such rows exist beyond their
own tickets); the catalogue is written by managers and admins. The parts of a ticket answer
whoever may see the ticket (customer B: 404).
"""

from typing import Any

from tests.security.matrix_rows import Row, signed_in

CUSTOMERS_403 = {"customer_a": 403, "customer_b": 403}
STAFF_PAGE = signed_in(200, 302, **CUSTOMERS_403)
STAFF_API = signed_in(200, 401, **CUSTOMERS_403)

ROWS: list[Row] = [
    # --- pages -----------------------------------------------------------------------------
    Row("parts:catalogue", "get", STAFF_PAGE),
    Row("parts:part_detail", "get", STAFF_PAGE, args=["part_a"]),
    Row("parts:movement_create", "get", STAFF_PAGE),
    Row("parts:movement_create", "post", STAFF_PAGE, data={}),
    Row("parts:reservation_release", "post", signed_in(302, 302, **CUSTOMERS_403), args=["reservation_a"]),
    Row("parts:rma_list", "get", STAFF_PAGE),
    Row("parts:rma_create", "get", STAFF_PAGE),
    Row("parts:rma_create", "post", STAFF_PAGE, data={}),
    Row("parts:rma_detail", "get", STAFF_PAGE, args=["rma_a"]),
    Row("parts:rma_transition", "post", STAFF_PAGE, args=["rma_a"], data={}),
    # --- API -------------------------------------------------------------------------------
    Row("part-list", "get", STAFF_API, api=True),
    Row("part-list", "post", signed_in(403, 401, manager=400, admin=400), data={}, api=True),
    Row("part-detail", "get", STAFF_API, args=["part_a"], api=True),
    Row(
        "part-detail",
        "patch",
        signed_in(403, 401, manager=200, admin=200),
        args=["part_a"],
        data={"description": "Spare"},
        api=True,
    ),
    Row("part-detail", "put", signed_in(403, 401, manager=400, admin=400), args=["part_a"], data={}, api=True),
    Row("part-detail", "delete", signed_in(403, 401, manager=405, admin=405), args=["part_a"], api=True),
    Row("stock-location-list", "get", STAFF_API, api=True),
    Row("stock-location-detail", "get", STAFF_API, args=["location_a"], api=True),
    Row("stock-list", "get", STAFF_API, api=True),
    Row("stock-list", "get", STAFF_API, api=True, query=lambda world: {"low": "true"}),
    Row("stock-detail", "get", STAFF_API, args=["stock_a"], api=True),
    Row(
        "stock-detail",
        "patch",
        signed_in(403, 401, manager=200, admin=200),
        args=["stock_a"],
        data={"low_level": 1},
        api=True,
    ),
    Row("part-movement-list", "get", STAFF_API, api=True),
    Row("part-movement-list", "post", signed_in(400, 401, **CUSTOMERS_403), data={}, api=True),
    Row("part-movement-detail", "get", STAFF_API, args=["movement_a"], api=True),
    Row("rma-list", "get", STAFF_API, api=True),
    Row("rma-list", "post", signed_in(400, 401, **CUSTOMERS_403), data={}, api=True),
    Row("rma-detail", "get", STAFF_API, args=["rma_a"], api=True),
    Row("rma-transition", "post", signed_in(400, 401, **CUSTOMERS_403), args=["rma_a"], data={}, api=True),
    Row("api-ticket-parts", "get", signed_in(200, 401, customer_b=404), args=["ticket_a"], api=True),
]


def world(base: dict[str, Any]) -> dict[str, Any]:
    """Objects of organisation A these rows address, added to the matrix's world ``base``: a
    part in a warehouse, reserved for and issued to ticket A, and a return from it."""
    from parts import services

    engineer, ticket_a = base["users"]["engineer"], base["ticket_a"]
    part = services.part_save(part_number="ZP-A-1", name="Zephyr part A")
    location = services.location_save(name="Matrix warehouse", kind="warehouse")
    received = services.movement_record(actor=engineer, kind="receive", part=part, quantity=5, to_location=location)
    reserved = services.movement_record(
        actor=engineer, kind="reserve", part=part, quantity=2, from_location=location, ticket=ticket_a
    )
    services.movement_record(
        actor=engineer, kind="issue", part=part, quantity=1, from_location=location, ticket=ticket_a
    )
    return {
        "part_a": part,
        "location_a": location,
        "stock_a": part.stock.get(location=location),
        "movement_a": received,
        "reservation_a": reserved.reservation,
        "rma_a": services.rma_open(actor=engineer, part=part, serial_number="ZP-A-OLD", ticket=ticket_a),
    }
