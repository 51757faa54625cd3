"""The heart of the product in a real browser: a customer files a fault with an attachment,
an engineer finds it at the top of the queue and replies, and the customer sees the reply and
the stopped first-response clock."""

import re

import pytest
from playwright.sync_api import expect

from tickets.calendars import calendar_save
from tickets.policies import policy_save

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ALWAYS = [{"weekday": d, "start_minute": 0, "end_minute": 1440} for d in range(7)]


@pytest.fixture
def round_the_clock_policy(db):
    calendar = calendar_save(name="24x7", timezone_name="Asia/Shanghai", hours=ALWAYS)
    return policy_save(
        name="Standard",
        is_default=True,
        targets=[
            {"priority": p, "metric": m, "minutes": minutes, "calendar": calendar}
            for p in ("normal", "urgent")
            for m, minutes in (("first_response", 240 if p == "normal" else 60), ("resolution", 2400))
        ],
    )


def test_a_fault_goes_from_the_portal_to_the_queue_and_back(
    page, log_in, browser, live_server, round_the_clock_policy, customer_a, engineer, project_a, password, tmp_path
):
    log_file = tmp_path / "gateway.log"
    log_file.write_text("10:02 gateway restarted\n10:05 gateway restarted\n")

    # the customer files a fault with an attachment
    log_in("cust-a", password)
    page.get_by_role("link", name="Tickets", exact=True).click()
    page.get_by_role("link", name="Report a fault").click()
    page.get_by_label("Title").fill("Gateway keeps restarting")
    page.get_by_label("Priority").select_option("urgent")
    page.get_by_label("Symptoms").fill("The gateway restarts every three minutes; operators lose the plant view.")
    page.get_by_label("Scope of impact").fill("All six operator workstations.")
    page.locator("input[type=file]").set_input_files(str(log_file))
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_text(re.compile(r"Ticket SD-\d{4}-\d{6} was filed"))).to_be_visible()
    reference = page.locator(".breadcrumb-item.active").inner_text()
    expect(page.locator("#attachments")).to_contain_text("gateway.log")
    expect(page.locator("#clocks")).to_contain_text("First response: due in")
    page.get_by_role("link", name="Tickets", exact=True).first.click()
    expect(page.locator("#tickets")).to_contain_text(reference)

    # the engineer finds it at the top of the queue and replies
    staff = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    engineer_page = staff.new_page()
    engineer_page.goto("/accounts/login/")
    engineer_page.fill("input[name=username]", "eng")
    engineer_page.fill("input[name=password]", password)
    engineer_page.get_by_role("button", name="Log in").click()
    engineer_page.get_by_role("link", name="Ticket queue").click()
    first_row = engineer_page.locator("#tickets tbody tr").first
    expect(first_row).to_contain_text(reference)
    expect(first_row.locator(".sla-clock").first).to_contain_text(
        re.compile(r"due in \d\d:\d\d:\d\d")
    )  # live countdown
    first_row.get_by_role("link", name=reference).click()
    engineer_page.get_by_label("Message").fill("We are restarting the service remotely; please check in 10 minutes.")
    engineer_page.get_by_role("button", name="Send").click()
    expect(engineer_page.get_by_text("Your message was added.")).to_be_visible()
    staff.close()

    # the customer sees the reply and the stopped clock
    page.reload()
    page.get_by_role("link", name=reference).click()
    expect(page.locator("#timeline")).to_contain_text("We are restarting the service remotely")
    expect(page.locator("#clocks")).to_contain_text("First response: met")
