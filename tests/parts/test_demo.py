"""The demo's spare parts (demo/parts.py): two locations, a reservation, an issue, a return."""

import pytest

from accounts.models import User
from demo.parts import seed_parts
from parts.models import Movement, Reservation, Rma, Stock
from tests.accounts.factories import UserFactory
from tests.customers.factories import InstalledProductFactory, ProjectFactory
from tickets.services import ticket_create

pytestmark = pytest.mark.django_db


def test_the_demo_parts_are_seeded_once(customer_a, org_a, org_b, customer_b):
    UserFactory(username="engineer", role=User.Role.ENGINEER)
    UserFactory(username="manager", role=User.Role.MANAGER)
    eastbay = ProjectFactory(organisation=org_a, code="ebw-scada")
    server = InstalledProductFactory(project=eastbay, name="SCADA Server", serial_number="SCS-4200-0001")
    northgate = ProjectFactory(organisation=org_b, code="ngh-records")
    ticket_create(actor=customer_a, project=eastbay, title="PSU alarm", description="One feed lost")
    ticket_create(actor=customer_b, project=northgate, title="Disk failed", description="Array degraded")

    assert seed_parts() > 0
    assert seed_parts() == 0
    assert Stock.objects.values("location").distinct().count() == 2
    assert Reservation.objects.filter(remaining=1, ticket__project=northgate).exists()
    assert Movement.objects.get(kind="issue").asset == server
    assert Rma.objects.get().state == "received"
