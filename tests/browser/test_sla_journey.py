"""SLA measures in a real browser: an engineer logs a call (the first response is met and the
update target's badge appears), resolves the ticket, reopens it and sees cycle 2 with the first
cycle kept in the SLA history."""

import pytest
from playwright.sync_api import expect

from tickets import services
from tickets.calendars import calendar_save
from tickets.policies import policy_save

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ALWAYS = [{"weekday": d, "start_minute": 0, "end_minute": 1440} for d in range(7)]


@pytest.fixture
def policy_with_updates(db):
    calendar = calendar_save(name="24x7", timezone_name="Asia/Shanghai", hours=ALWAYS)
    return policy_save(
        name="Standard",
        is_default=True,
        targets=[
            {"priority": "normal", "metric": metric, "minutes": minutes, "calendar": calendar}
            for metric, minutes in (("first_response", 240), ("update", 120), ("resolution", 2400))
        ],
    )


def test_an_engineer_logs_a_call_then_reopens_a_resolved_ticket_into_cycle_2(
    page, log_in, policy_with_updates, customer_a, engineer, project_a, password
):
    ticket = services.ticket_create(
        actor=customer_a, project=project_a, title="Zephyr pump panel dark", description="The panel is dark."
    )
    log_in("eng", password)
    page.goto(f"/tickets/{ticket.pk}/")
    expect(page.locator("#sla-cycle")).to_have_text("Cycle 1")
    expect(page.locator("#clocks")).not_to_contain_text("Update")

    # a logged call meets the first response; the update target starts counting down
    page.locator("#log-call summary").click()
    page.get_by_label("What was said").fill("Called the customer: power supply replaced this afternoon.")
    page.get_by_role("button", name="Log the call").click()
    expect(page.get_by_text("The call was logged.")).to_be_visible()
    expect(page.locator("#clocks")).to_contain_text("First response: met")
    expect(page.locator('#clocks .sla-clock[data-metric="update"]')).to_contain_text("Update: due in")
    expect(page.locator("#timeline")).to_contain_text("logged call")

    # resolved, then reopened: a new cycle with the first one kept
    page.locator("#status-form button[value=resolved], form button[name=status][value=resolved]").first.click()
    expect(page.locator('#clocks .sla-clock[data-metric="resolution"]')).to_contain_text("Resolution: met")
    page.get_by_role("button", name="Reopen").click()
    expect(page.locator("#sla-cycle")).to_have_text("Cycle 2")
    history = page.locator("#sla-history")
    expect(history.locator('tr[data-cycle="1"][data-metric="resolution"]')).to_contain_text("met")
    expect(history.locator('tr[data-cycle="2"][data-metric="resolution"]')).to_contain_text("running")
    expect(page.locator('#clocks .sla-clock[data-metric="update"]')).to_contain_text("Update: due in")
