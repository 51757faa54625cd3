"""Time in a real browser: an engineer replies to a customer's ticket with 30 billable minutes,
records 45 more on their own from the sidebar and sees the totals; the manager opens the time
report from the dashboard, reads the totals and downloads the per-engineer table as CSV."""

import csv
import io
import re

import pytest
from playwright.sync_api import expect

from maintenance.models import BillableItem
from tickets.models import TimeEntry
from tickets.services import ticket_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_engineer_records_time_and_the_manager_reads_the_report(
    page, log_in, project_a, customer_a, engineer, manager, password
):
    ticket = ticket_create(actor=customer_a, project=project_a, title="Gateway dead", description="No power")

    log_in("eng", password)
    page.goto(f"/tickets/{ticket.pk}/")
    expect(page.locator("#time-entries")).to_contain_text("No time recorded yet.")

    # a reply with the time it took, billable
    page.fill("#id_body", "Replaced the power supply.")
    page.fill("#id_time_minutes", "30")
    page.check("#id_billable")
    page.locator("#reply-form").get_by_role("button", name="Send").click()
    page.wait_for_url(re.compile(rf"/tickets/{ticket.pk}/$"))
    expect(page.locator("#time-total")).to_have_text("30 min in all, 30 min billable")
    expect(page.locator("#timeline")).to_contain_text("Replaced the power supply.")

    # more time on its own, from the sidebar
    page.locator("#time-add summary").click()
    page.fill("#id_time-minutes", "45")
    page.fill("#id_time-note", "Tested the failover")
    page.locator("#time-form").get_by_role("button", name="Record").click()
    page.wait_for_url(re.compile(rf"/tickets/{ticket.pk}/$"))
    expect(page.locator("#time-total")).to_have_text("1 h 15 min in all, 30 min billable")
    expect(page.locator("#time-entry-list")).to_contain_text("Tested the failover")
    assert sorted(TimeEntry.objects.values_list("minutes", "billable")) == [(30, True), (45, False)]
    assert BillableItem.objects.get(ticket=ticket).kind == "labour"

    # the manager reads the time report and downloads it
    page.locator("#user-menu").click()
    page.get_by_role("button", name="Log out").click()
    log_in("mgr", password)
    page.goto("/reports/")
    page.locator("#time-report-link").click()
    page.wait_for_url(re.compile(r"/reports/time/"))
    expect(page.locator("#time-total")).to_have_text("1 h 15 min")
    expect(page.locator("#time-billable")).to_have_text("30 min")
    expect(page.locator("#time-ticket")).to_contain_text("Gateway dead")
    with page.expect_download() as download:
        page.locator("#time-engineer-csv").click()
    body = download.value.path().read_bytes().decode("utf-8-sig")
    header, *rows = list(csv.reader(io.StringIO(body)))
    assert header[:3] == ["Engineer", "Entries", "Minutes"]
    assert rows == [[str(engineer), "2", "75", "30", "45", "1.25", "0.50"]]
