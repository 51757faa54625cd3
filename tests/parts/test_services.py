"""Stock movements, reservations, low-stock alerts and returns, through the services."""

import datetime

import pytest
import time_machine
from django.db import IntegrityError, transaction

from core.errors import NotAllowed, ServiceDeskError
from notifications.models import Notification
from parts import selectors, services
from parts.models import Movement, Reservation, Stock
from tests.parts.conftest import close

pytestmark = pytest.mark.django_db


def _stock(part, location) -> Stock:
    return Stock.objects.get(part=part, location=location)


def test_receiving_and_transferring_move_stock_between_locations(stocked, engineer):
    # given 10 in the warehouse and 2 in the van
    # when 3 go from the warehouse to the van
    services.movement_record(
        actor=engineer,
        kind="transfer",
        part=stocked.part,
        quantity=3,
        from_location=stocked.warehouse,
        to_location=stocked.van,
    )
    # then
    assert _stock(stocked.part, stocked.warehouse).on_hand == 7
    assert _stock(stocked.part, stocked.van).on_hand == 5
    assert Movement.objects.filter(kind="transfer").get().quantity == 3


def test_no_movement_takes_stock_below_zero_and_a_refused_one_changes_nothing(stocked, engineer):
    with pytest.raises(ServiceDeskError) as refused:
        services.movement_record(
            actor=engineer, kind="write_off", part=stocked.part, quantity=3, from_location=stocked.van, note="Broken"
        )
    assert refused.value.field == "quantity"
    assert "Only 2 of PSU-500 available at Van 1" in refused.value.message
    assert _stock(stocked.part, stocked.van).on_hand == 2
    assert not Movement.objects.filter(kind="write_off").exists()


def test_the_database_refuses_negative_stock_whatever_the_path(stocked):
    with pytest.raises(IntegrityError), transaction.atomic():
        Stock.objects.filter(location=stocked.van).update(on_hand=-1)


def test_reserved_pieces_are_not_available_to_others(stocked, engineer, ticket_a):
    services.movement_record(
        actor=engineer, kind="reserve", part=stocked.part, quantity=2, from_location=stocked.van, ticket=ticket_a
    )
    row = _stock(stocked.part, stocked.van)
    assert (row.on_hand, row.reserved, row.available) == (2, 2, 0)
    with pytest.raises(ServiceDeskError):
        services.movement_record(
            actor=engineer,
            kind="transfer",
            part=stocked.part,
            quantity=1,
            from_location=stocked.van,
            to_location=stocked.warehouse,
        )


def test_issuing_uses_the_tickets_reservation_first(stocked, engineer, ticket_a, asset_a):
    services.movement_record(
        actor=engineer, kind="reserve", part=stocked.part, quantity=1, from_location=stocked.van, ticket=ticket_a
    )
    # issuing 2: the one reserved, and one more that was free
    issued = services.movement_record(
        actor=engineer,
        kind="issue",
        part=stocked.part,
        quantity=2,
        from_location=stocked.van,
        ticket=ticket_a,
        asset=asset_a,
        serial_numbers="PSU-A1, PSU-A2",
    )
    row = _stock(stocked.part, stocked.van)
    assert (row.on_hand, row.reserved) == (0, 0)
    reservation = Reservation.objects.get()
    assert reservation.remaining == 0 and reservation.closed_at is not None
    assert issued.reservation == reservation


def test_reserving_and_issuing_need_open_work(stocked, engineer, ticket_a):
    with pytest.raises(ServiceDeskError) as refused:
        services.movement_record(
            actor=engineer, kind="reserve", part=stocked.part, quantity=1, from_location=stocked.van
        )
    assert refused.value.field == "ticket"
    close(ticket_a, engineer)
    with pytest.raises(ServiceDeskError, match="not open"):
        services.movement_record(
            actor=engineer, kind="issue", part=stocked.part, quantity=1, from_location=stocked.van, ticket=ticket_a
        )


def test_only_what_was_issued_comes_back_from_a_ticket(stocked, engineer, ticket_a):
    services.movement_record(
        actor=engineer, kind="issue", part=stocked.part, quantity=2, from_location=stocked.warehouse, ticket=ticket_a
    )
    services.movement_record(
        actor=engineer, kind="return", part=stocked.part, quantity=1, to_location=stocked.van, ticket=ticket_a
    )
    with pytest.raises(ServiceDeskError, match="Only 1 of PSU-500 were issued"):
        services.movement_record(
            actor=engineer, kind="return", part=stocked.part, quantity=2, to_location=stocked.van, ticket=ticket_a
        )
    assert _stock(stocked.part, stocked.van).on_hand == 3


def test_customers_move_no_stock(stocked, customer_a):
    with pytest.raises(NotAllowed):
        services.movement_record(
            actor=customer_a, kind="receive", part=stocked.part, quantity=1, to_location=stocked.van
        )


def test_a_write_off_says_why(stocked, engineer):
    with pytest.raises(ServiceDeskError) as refused:
        services.movement_record(
            actor=engineer, kind="write_off", part=stocked.part, quantity=1, from_location=stocked.warehouse
        )
    assert refused.value.field == "note"


def test_the_sweep_releases_what_closed_tickets_still_hold(stocked, engineer, ticket_a):
    services.movement_record(
        actor=engineer, kind="reserve", part=stocked.part, quantity=3, from_location=stocked.warehouse, ticket=ticket_a
    )
    services.movement_record(
        actor=engineer, kind="issue", part=stocked.part, quantity=1, from_location=stocked.warehouse, ticket=ticket_a
    )
    # still open: nothing released
    assert services.reservations_release_closed() == 0
    close(ticket_a, engineer)
    # when the sweep runs (twice: a second run finds nothing)
    assert services.reservations_release_closed() == 1
    assert services.reservations_release_closed() == 0
    # then the 2 unused pieces are free again
    row = _stock(stocked.part, stocked.warehouse)
    assert (row.on_hand, row.reserved) == (9, 0)
    release = Movement.objects.get(kind="release")
    assert (release.quantity, release.actor, release.ticket) == (2, None, ticket_a)


def test_the_managers_hear_of_low_stock_once_until_it_rises_again(stocked, engineer, manager):
    services.stock_set_low_level(part=stocked.part, location=stocked.warehouse, low_level=8, actor=manager)

    def take(quantity):
        services.movement_record(
            actor=engineer,
            kind="transfer",
            part=stocked.part,
            quantity=quantity,
            from_location=stocked.warehouse,
            to_location=stocked.van,
        )

    with time_machine.travel(datetime.datetime(2026, 5, 4, 2, 0, tzinfo=datetime.UTC)):
        take(1)  # 9 left: above the level
        assert not Notification.objects.filter(recipient=manager).exists()
        take(1)  # 8: at the level, told
        take(1)  # 7: still low, not told again
        told = Notification.objects.filter(recipient=manager)
        assert told.count() == 1
        assert "Low stock: PSU-500 Power supply 500 W at Central warehouse (8 left)" in told.get().title
        assert list(selectors.stock_list(low=True)) == [_stock(stocked.part, stocked.warehouse)]
        services.movement_record(
            actor=engineer, kind="receive", part=stocked.part, quantity=5, to_location=stocked.warehouse
        )
        assert _stock(stocked.part, stocked.warehouse).low_reported_at is None
        take(4)  # 8 again: a new episode, told again
        assert Notification.objects.filter(recipient=manager).count() == 2


def test_a_return_moves_through_its_states_with_its_history(part, engineer, ticket_a, asset_a):
    rma = services.rma_open(actor=engineer, part=part, serial_number="PSU-OLD-7", ticket=ticket_a, fault="Dead")
    assert rma.asset == asset_a  # the ticket's asset
    assert rma.reference.startswith("RMA-") and rma.state == "awaiting_return"
    with pytest.raises(ServiceDeskError, match="cannot become Repaired"):
        services.rma_transition(rma_id=rma.pk, actor=engineer, to="repaired")
    services.rma_transition(rma_id=rma.pk, actor=engineer, to="received", supplier_reference="SUP-42")
    rma = services.rma_transition(rma_id=rma.pk, actor=engineer, to="replaced", note="New unit sent")
    assert (rma.state, rma.supplier_reference) == ("replaced", "SUP-42")
    assert [(e.from_state, e.to_state) for e in selectors.rma_events(rma_id=rma.pk)] == [
        ("", "awaiting_return"),
        ("awaiting_return", "received"),
        ("received", "replaced"),
    ]
    with pytest.raises(ServiceDeskError, match="finished"):
        services.rma_transition(rma_id=rma.pk, actor=engineer, to="scrapped")


def test_the_asset_history_names_the_parts_replaced(stocked, engineer, ticket_a, asset_a):
    services.movement_record(
        actor=engineer,
        kind="issue",
        part=stocked.part,
        quantity=1,
        from_location=stocked.van,
        ticket=ticket_a,
        asset=asset_a,
    )
    services.rma_open(actor=engineer, part=stocked.part, serial_number="PSU-OLD-7", asset=asset_a)
    found = selectors.replacements_for_asset(asset_id=asset_a.pk)
    assert [m.kind for m in found["movements"]] == ["issue"]
    assert [r.serial_number for r in found["rmas"]] == ["PSU-OLD-7"]


def test_a_part_number_is_unique_whatever_its_case(part):
    with pytest.raises(ServiceDeskError) as refused:
        services.part_save(part_number="psu-500", name="Other")
    assert refused.value.field == "part_number"


def test_a_van_belongs_to_staff(customer_a):
    with pytest.raises(ServiceDeskError, match="belongs to an engineer"):
        services.location_save(name="Van X", kind="van")
    with pytest.raises(ServiceDeskError, match="member of staff"):
        services.location_save(name="Van X", kind="van", engineer=customer_a)
