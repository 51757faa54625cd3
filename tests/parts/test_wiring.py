"""What the wings above parts do with it: maintenance bills parts issued to a ticket that is not
covered; activating a response plan reserves the parts it names and says what is missing."""

import datetime
from decimal import Decimal

import pytest

from emergency import services as emergency_services
from emergency.models import IncidentEntry, PlanResource, ResponsePlan
from maintenance import services as maintenance_services
from maintenance.models import BillableItem, WarrantyTerms
from parts import services
from parts.models import Reservation, Stock
from tests.emergency.conftest import create_emergency_defaults

pytestmark = pytest.mark.django_db


def _issue(stocked, engineer, ticket, quantity=1):
    return services.movement_record(
        actor=engineer,
        kind="issue",
        part=stocked.part,
        quantity=quantity,
        from_location=stocked.warehouse,
        ticket=ticket,
    )


def test_parts_issued_to_an_uncovered_ticket_are_billable(stocked, engineer, ticket_a):
    # project A has no warranty and no contract: the repair is billable
    _issue(stocked, engineer, ticket_a, quantity=2)
    item = BillableItem.objects.get(ticket=ticket_a)
    assert (item.kind, item.description, item.quantity, item.recorded_by) == (
        "part",
        "PSU-500 Power supply 500 W",
        Decimal("2"),
        engineer,
    )


def _covered_ticket(customer_a, project_a):
    """A ticket of project A under a ten-year warranty."""
    from tickets.services import ticket_create

    project_a.final_acceptance_date = datetime.date(2025, 1, 1)
    project_a.save()
    terms = WarrantyTerms.objects.create(name="Ten years", duration_months=120)
    maintenance_services.warranty_save(project=project_a, terms=terms)
    return ticket_create(actor=customer_a, project=project_a, title="Fan noise", description="Loud")


def test_parts_issued_to_a_covered_ticket_are_free(stocked, engineer, customer_a, project_a):
    ticket = _covered_ticket(customer_a, project_a)
    _issue(stocked, engineer, ticket)
    assert not BillableItem.objects.filter(ticket=ticket).exists()


def test_a_decided_coverage_rules_over_the_provisional_verdict(stocked, engineer, customer_a, project_a):
    # under warranty, but the engineer found misuse: the parts are billed
    ticket = _covered_ticket(customer_a, project_a)
    maintenance_services.coverage_decide(ticket_id=ticket.pk, actor=engineer, cause="misuse")
    _issue(stocked, engineer, ticket)
    assert BillableItem.objects.filter(ticket=ticket, kind="part").count() == 1


def _incident(customer_a, project_a, manager):
    create_emergency_defaults()
    incident = emergency_services.incident_create(
        actor=customer_a, project=project_a, title="Historian down", symptoms="No data"
    )
    return emergency_services.incident_transition(
        incident_id=incident.pk, actor=manager, to="assessed", grade="important"
    )


def test_activating_a_plan_reserves_its_parts_and_says_what_is_missing(stocked, customer_a, project_a, manager):
    incident = _incident(customer_a, project_a, manager)
    plan = ResponsePlan.objects.get(grade="important")
    PlanResource.objects.create(
        plan=plan, kind="spare_part", description="Power supplies", quantity=14, part=stocked.part, position=9
    )
    # when the plan is activated: 10 in the warehouse first, then the 2 in the van; 2 missing
    emergency_services.incident_transition(incident_id=incident.pk, actor=manager, to="plan_activated")
    held = {r.location.name: r.remaining for r in Reservation.objects.filter(incident=incident)}
    assert held == {"Central warehouse": 10, "Van 1": 2}
    assert Stock.objects.get(part=stocked.part, location=stocked.warehouse).reserved == 10
    note = IncidentEntry.objects.get(incident=incident, kind="note").text
    assert "Reserved PSU-500 × 10 at Central warehouse." in note
    assert "Reserved PSU-500 × 2 at Van 1." in note
    assert "Not in stock: PSU-500 × 2 of 14." in note


def test_a_plan_without_parts_writes_no_parts_line(customer_a, project_a, manager):
    incident = _incident(customer_a, project_a, manager)
    emergency_services.incident_transition(incident_id=incident.pk, actor=manager, to="plan_activated")
    assert not IncidentEntry.objects.filter(incident=incident, kind="note").exists()
    assert not Reservation.objects.exists()


def test_the_asset_history_shows_the_parts_replaced_and_staff_the_returns(
    stocked, engineer, customer_a, customer_b, ticket_a, asset_a
):
    from customers.asset_history import asset_history

    services.movement_record(
        actor=engineer,
        kind="issue",
        part=stocked.part,
        quantity=1,
        from_location=stocked.van,
        ticket=ticket_a,
        asset=asset_a,
        serial_numbers="PSU-NEW-1",
    )
    services.rma_open(actor=engineer, part=stocked.part, serial_number="PSU-OLD-7", asset=asset_a)

    def parts_lines(user):
        return [entry.title for entry in asset_history(asset=asset_a, user=user) if entry.kind == "part"]

    assert parts_lines(engineer) == ["Issue: Power supply 500 W × 1", "Return of Power supply 500 W (serial PSU-OLD-7)"]
    assert parts_lines(customer_a) == ["Issue: Power supply 500 W × 1"]
    assert parts_lines(customer_b) == []


def test_the_sweep_releases_what_a_closed_incident_still_holds(stocked, customer_a, project_a, manager):
    from emergency.models import Incident

    incident = _incident(customer_a, project_a, manager)
    PlanResource.objects.create(
        plan=ResponsePlan.objects.get(grade="important"),
        kind="spare_part",
        description="PSU",
        quantity=3,
        part=stocked.part,
    )
    emergency_services.incident_transition(incident_id=incident.pk, actor=manager, to="plan_activated")
    assert services.reservations_release_closed() == 0  # still running
    Incident.objects.filter(pk=incident.pk).update(status="closed")  # the steps to closure aside
    assert services.reservations_release_closed() == 1
    assert Stock.objects.get(part=stocked.part, location=stocked.warehouse).reserved == 0
