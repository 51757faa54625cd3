"""Parts fixtures: a warehouse, an engineer's van, a part stocked in the warehouse, a ticket of
project A on an asset."""

from types import SimpleNamespace

import pytest

from parts import services
from parts.models import StockLocation
from tests.customers.factories import InstalledProductFactory
from tickets.services import ticket_create


@pytest.fixture
def warehouse(db):
    return services.location_save(name="Central warehouse", kind=StockLocation.Kind.WAREHOUSE)


@pytest.fixture
def van(engineer):
    return services.location_save(name="Van 1", kind=StockLocation.Kind.VAN, engineer=engineer)


@pytest.fixture
def part(db):
    return services.part_save(part_number="PSU-500", name="Power supply 500 W", unit_price=120)


@pytest.fixture
def stocked(part, warehouse, van, engineer):
    """10 power supplies in the warehouse, 2 in the van."""
    services.movement_record(actor=engineer, kind="receive", part=part, quantity=10, to_location=warehouse)
    services.movement_record(actor=engineer, kind="receive", part=part, quantity=2, to_location=van)
    return SimpleNamespace(part=part, warehouse=warehouse, van=van)


@pytest.fixture
def asset_a(project_a):
    return InstalledProductFactory(project=project_a, name="Gateway", serial_number="GW-0001")


@pytest.fixture
def ticket_a(customer_a, project_a, asset_a):
    ticket = ticket_create(actor=customer_a, project=project_a, title="Gateway dead", description="No power")
    ticket.asset = asset_a
    ticket.save(update_fields=["asset"])
    return ticket


def close(ticket, actor) -> None:
    """Resolve and close the ticket."""
    from tickets.services import ticket_update

    for status in ("resolved", "closed"):
        ticket_update(ticket_id=ticket.pk, actor=actor, status=status)
    ticket.refresh_from_db()
