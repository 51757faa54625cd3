"""Saved queue views, in a real browser: an engineer filters the queue with the dropdowns,
removes a chip, saves the view shared with the team; a team mate finds it with its count on the
queue and in the navigation's menu."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import TeamMembership
from tests.accounts.factories import TeamFactory, UserFactory
from tests.tickets.conftest import sla_setup  # noqa: F401  (shared fixture)
from tickets import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def queue(customer_a, project_a, engineer, sla_setup):  # noqa: F811
    team = TeamFactory(name="First-line support")
    mate = UserFactory(username="mate", first_name="Li", last_name="Na")
    for user in (engineer, mate):
        TeamMembership.objects.create(team=team, user=user)
    for title, priority in (("Plant down", "urgent"), ("Disk nearly full", "high"), ("Slow report", "normal")):
        services.ticket_create(actor=customer_a, project=project_a, title=title, description="-", priority=priority)
    return team


def test_an_engineer_saves_a_filtered_view_for_the_team(browser, live_server, page, log_in, queue, password):
    log_in("eng", password)
    page.goto("/tickets/")
    rows = page.locator("#tickets tbody tr")
    expect(rows).to_have_count(3)

    # the priority dropdown: tick urgent and high, filter
    page.locator("#filter-priority summary").click()
    page.get_by_label("Urgent", exact=True).check()
    page.get_by_label("High", exact=True).check()
    page.get_by_role("button", name="Filter", exact=True).click()
    expect(rows).to_have_count(2)
    chips = page.locator("#queue-chips .queue-chip")
    expect(chips).to_have_count(2)

    # a chip removes its one value
    page.get_by_role("link", name=re.compile(r"^Priority: High")).click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Plant down")
    expect(chips).to_have_count(1)

    # save it, shared with the team
    page.locator("#save-view summary").click()
    page.get_by_label("Name of the view").fill("Urgent now")
    page.get_by_label("Share with team").select_option(label="First-line support")
    page.get_by_role("button", name="Save the view").click()
    expect(page.locator("#queue-view-name")).to_have_text("Urgent now")
    expect(rows).to_have_count(1)
    tab = page.locator("#queue-views").get_by_role("link", name=re.compile("^Urgent now"))
    expect(tab.locator(".queue-view-count")).to_have_text("1")

    # the team mate: the view with its count, on the queue and in the navigation's menu
    mate = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900}, locale="en-GB")
    other = mate.new_page()
    other.goto("/accounts/login/")
    other.fill("input[name=username]", "mate")
    other.fill("input[name=password]", password)
    other.get_by_role("button", name="Log in").click()
    other.wait_for_url(re.compile(r"/$"))
    other.get_by_role("button", name="Queue views").click()
    item = other.locator("#queue-nav-menu").get_by_role("link", name=re.compile("^Urgent now"))
    expect(item).to_contain_text("1")
    item.click()
    expect(other.locator("#queue-view-name")).to_have_text("Urgent now")
    expect(other.locator("#tickets tbody tr")).to_have_count(1)
    expect(other.get_by_role("link", name="Edit the view")).to_have_count(0)  # the owner's to change
    mate.close()
