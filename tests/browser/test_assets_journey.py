"""Assets in a real browser: a customer reports a fault naming the device by the serial number on
its label; the engineer opens the ticket, follows the asset link, and sees the fault in the
asset's service history (with the asset's location and warranty)."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from customers import services
from tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_customer_reports_a_fault_by_serial_and_the_engineer_opens_the_assets_history(
    page, log_in, project_a, customer_a, engineer, manager, password
):
    switch = services.asset_create(
        actor=manager,
        project=project_a,
        name="Core switch",
        version="2.0",
        serial_number="SW-0042",
        location="Building 1, rack 3",
        installed_on=datetime.date(2025, 5, 1),
    )
    services.asset_create(actor=manager, project=project_a, name="Spare disk", serial_number="DK-9")

    # the customer reports the fault, typing the serial number from the device's label
    log_in(customer_a.username, password)
    page.goto("/tickets/new/")
    page.select_option("select[name=project]", str(project_a.pk))
    page.fill("input[name=asset_serial]", "sw-0042")
    page.fill("input[name=title]", "Port 4 has no link")
    page.fill("textarea[name=description]", "Since 10:00 the uplink on port 4 is dark.")
    page.get_by_role("button", name="Submit").click()
    page.wait_for_url(re.compile(r"/tickets/\d+/$"))
    ticket = Ticket.objects.get()
    assert ticket.asset_id == switch.pk
    expect(page.locator("#ticket-asset")).to_contain_text("SW-0042")
    page.context.clear_cookies()

    # the engineer sees it, follows the asset link and finds the fault in the asset's history
    log_in(engineer.username, password)
    page.goto(f"/tickets/{ticket.pk}/")
    page.locator("#ticket-asset").click()
    page.wait_for_url(re.compile(rf"/maintenance/assets/{switch.pk}/$"))
    expect(page.locator("h1")).to_contain_text("Core switch")
    expect(page.locator("body")).to_contain_text("Building 1, rack 3")
    history = page.locator("#asset-history")
    expect(history.locator("tr.history-ticket")).to_have_count(1)
    expect(history).to_contain_text(ticket.reference)
    expect(history).to_contain_text("Port 4 has no link")

    # and the list finds the asset by its serial number
    page.goto("/maintenance/assets/")
    page.fill("#q", "SW-0042")
    page.locator("#asset-search button").click()
    expect(page.locator("#asset-list tbody tr")).to_have_count(1)
    expect(page.locator("#asset-list")).to_contain_text("Core switch")
