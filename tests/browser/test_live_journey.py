"""The live desk in a real browser: engineer A works the queue by keyboard and sees a new ticket
arrive without a reload; on a ticket, a colleague's reply appears within seconds (and on the
customer's page too, in another browser context), and A's reply written before it is held
with a warning until A sends it anyway; `?` lists the shortcuts, Escape closes the list."""

import re

import pytest
from playwright.sync_api import expect

from tests.accounts.factories import UserFactory
from tickets import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LIVE = 15_000  # a poll every 5 s, with room


def test_the_queue_and_the_ticket_go_live(
    page, log_in, browser, live_server, customer_a, engineer, project_a, password
):
    colleague = UserFactory(username="eng2", role="engineer")
    first = services.ticket_create(
        actor=customer_a, project=project_a, title="Gateway restarts", description="It restarts every hour."
    )
    second = services.ticket_create(
        actor=customer_a, project=project_a, title="Printer offline", description="The label printer is offline."
    )

    # engineer A opens the queue; a ticket filed meanwhile appears in it, marked new
    log_in("eng", password)
    page.get_by_role("link", name="Ticket queue").click()
    table = page.locator("#tickets")
    expect(table).to_contain_text(first.reference)
    expect(page.get_by_role("button", name="Keyboard shortcuts (?)")).to_be_visible()
    third = services.ticket_create(
        actor=customer_a, project=project_a, title="Historian down", description="No trends since 10:00."
    )
    new_row = table.locator("tbody tr", has_text=third.reference)
    expect(new_row).to_be_visible(timeout=LIVE)
    expect(new_row).to_contain_text("New")
    expect(page.locator("#live-announcer")).to_have_text("1 ticket changed", timeout=LIVE)

    # j/k move through the rows with a visible focus; x selects; Enter opens
    rows = table.locator("tbody tr")
    page.keyboard.press("j")
    expect(rows.nth(0)).to_have_class(re.compile("live-current"))
    page.keyboard.press("j")
    page.keyboard.press("k")
    expect(rows.nth(0)).to_have_class(re.compile("live-current"))
    page.keyboard.press("x")
    expect(rows.nth(0).locator("input[type=checkbox]")).to_be_checked()
    page.keyboard.press("x")
    page.keyboard.press("j")
    second_reference = rows.nth(1).get_by_role("link").first.inner_text()
    page.keyboard.press("Enter")
    expect(page.locator(".breadcrumb-item.active")).to_have_text(second_reference)

    # ? lists the shortcuts; Escape closes the list
    expect(page.get_by_role("button", name="Keyboard shortcuts (?)")).to_be_visible()  # the script is ready
    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Assign the ticket to me")
    expect(page.locator("#shortcuts-close")).to_be_focused()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    # k and j: the previous and the next ticket of the queue A came from
    page.keyboard.press("k")
    expect(page.locator(".breadcrumb-item.active")).not_to_have_text(second_reference)
    page.keyboard.press("j")
    expect(page.locator(".breadcrumb-item.active")).to_have_text(second_reference)
    ticket = next(t for t in (first, second, third) if t.reference == second_reference)

    # nothing changed yet: no notice to reload
    expect(page.locator("#live-reload")).to_be_hidden()

    # the customer watches the same ticket in another browser
    portal = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    customer = portal.new_page()
    customer.goto("/accounts/login/")
    customer.fill("input[name=username]", "cust-a")
    customer.fill("input[name=password]", password)
    customer.get_by_role("button", name="Log in").click()
    customer.wait_for_url(re.compile(r"/$"))
    customer.goto(f"/tickets/{ticket.pk}/")

    # r: A starts a reply; meanwhile a colleague writes a note and a reply
    page.keyboard.press("r")
    message = page.get_by_label("Message")
    expect(message).to_be_focused()
    message.fill("Please restart the gateway and tell us.")
    services.comment_add(ticket_id=ticket.pk, actor=colleague, body="Checked the logs: a disk.", public=False)
    services.comment_add(ticket_id=ticket.pk, actor=colleague, body="We restarted it remotely.")
    timeline = page.locator("#timeline")
    expect(timeline).to_contain_text("We restarted it remotely.", timeout=LIVE)
    expect(timeline).to_contain_text("Checked the logs: a disk.")
    expect(page.locator("#live-announcer")).to_contain_text(f"New reply from {colleague}", timeout=LIVE)
    # the customer sees the reply without a reload, never the note
    expect(customer.locator("#timeline")).to_contain_text("We restarted it remotely.", timeout=LIVE)
    expect(customer.locator("#timeline")).not_to_contain_text("Checked the logs")
    portal.close()

    # A sends: held, with the colleague's entries, until A sends anyway
    page.get_by_role("button", name="Send", exact=True).click()
    warning = page.locator("#reply-stale")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("This ticket changed while you were writing")
    expect(warning).to_contain_text("We restarted it remotely.")
    assert not ticket.comments.filter(body__startswith="Please restart").exists()
    page.get_by_role("button", name="Send anyway").click()
    expect(page.get_by_text("Your message was added.")).to_be_visible()
    expect(page.locator("#timeline")).to_contain_text("Please restart the gateway and tell us.")

    # a: assign to me
    page.keyboard.press("a")
    expect(page.get_by_text("The ticket was assigned.")).to_be_visible()
    expect(page.locator("#assignee")).to_contain_text(str(engineer))
