"""Spare parts in a real browser: an engineer opens a customer's ticket, reserves a power supply
from his van for it, issues it with the new unit's serial number, and opens a return (RMA) for
the faulty one taken out; the customer then sees the part used on the ticket, not the
reservation."""

import re

import pytest
from playwright.sync_api import expect

from parts import services
from parts.models import Rma, Stock
from tickets.services import ticket_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_engineer_reserves_issues_and_returns_a_part(page, log_in, project_a, customer_a, engineer, password):
    part = services.part_save(part_number="PSU-500", name="Power supply 500 W")
    van = services.location_save(name="Van 1", kind="van", engineer=engineer)
    services.movement_record(actor=engineer, kind="receive", part=part, quantity=2, to_location=van)
    ticket = ticket_create(actor=customer_a, project=project_a, title="Gateway dead", description="No power")

    log_in("eng", password)
    # the spare parts sit in the user menu; the van holds 2
    page.locator("#user-menu").click()
    page.get_by_role("link", name="Spare parts").click()
    expect(page.locator("#parts-list")).to_contain_text("PSU-500")

    # reserve one for the ticket, from its page
    page.goto(f"/tickets/{ticket.pk}/")
    page.locator("#parts-move").click()
    expect(page.locator("#id_ticket")).to_have_value(ticket.reference)
    page.select_option("#id_kind", "reserve")
    page.select_option("#id_part", str(part.pk))
    page.select_option("#id_from_location", str(van.pk))
    page.locator("#movement-form").get_by_role("button", name="Record").click()
    page.wait_for_url(re.compile(rf"/tickets/{ticket.pk}/$"))
    expect(page.locator("#parts-reserved")).to_contain_text("PSU-500 Power supply 500 W × 1 · Van 1")

    # issue it: the reservation is used
    page.locator("#parts-move").click()
    page.select_option("#id_kind", "issue")
    page.select_option("#id_part", str(part.pk))
    page.select_option("#id_from_location", str(van.pk))
    page.fill("#id_serial_numbers", "PSU-NEW-1")
    page.locator("#movement-form").get_by_role("button", name="Record").click()
    page.wait_for_url(re.compile(rf"/tickets/{ticket.pk}/$"))
    expect(page.locator("#parts-reserved")).to_contain_text("Nothing reserved.")
    expect(page.locator("#parts-used")).to_contain_text("Issue: PSU-500 Power supply 500 W × 1 (PSU-NEW-1)")
    row = Stock.objects.get(part=part, location=van)
    assert (row.on_hand, row.reserved) == (1, 0)

    # a return for the faulty unit taken out
    page.locator("#parts-rma").click()
    page.select_option("#id_part", str(part.pk))
    page.fill("#id_serial_number", "PSU-OLD-7")
    page.fill("#id_fault", "No output")
    page.locator("#rma-form").get_by_role("button", name="Open").click()
    page.wait_for_url(re.compile(r"/parts/rmas/\d+/$"))
    expect(page.locator("#rma-state")).to_have_text("Awaiting return")
    page.select_option("#id_to", "received")
    page.fill("#id_supplier_reference", "SUP-42")
    page.locator("#rma-transition").get_by_role("button", name="Save").click()
    expect(page.locator("#rma-state")).to_have_text("Received")
    expect(page.locator("#rma-supplier")).to_have_text("SUP-42")
    assert Rma.objects.get().ticket == ticket

    # the customer sees the part used, not the reservation
    page.locator("#user-menu").click()
    page.get_by_role("button", name="Log out").click()
    log_in("cust-a", password)
    page.goto(f"/tickets/{ticket.pk}/")
    expect(page.locator("#parts-used")).to_contain_text("PSU-500 Power supply 500 W × 1")
    expect(page.locator("#parts-reserved")).to_have_count(0)
