"""Merge and links in a real browser: an engineer selects three reports of one outage in the
queue, links them to the emergency incident, merges two of them into the first, then checks
the incident page, the survivor's page and a merged ticket's page; on the survivor's page he
links a related ticket. The customer then sees the survivor with the moved reply."""

import re

import pytest
from playwright.sync_api import expect

from emergency import services as emergency_services
from tickets.services import comment_add, ticket_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_engineer_links_three_tickets_to_an_incident_and_merges_two(
    page, log_in, project_a, customer_a, engineer, password
):
    tickets = [
        ticket_create(actor=customer_a, project=project_a, title=f"Ward {n} offline", description="No network")
        for n in (1, 2, 3)
    ]
    comment_add(ticket_id=tickets[2].pk, actor=customer_a, body="Ward 3 lost its network at 08:10")
    related = ticket_create(actor=customer_a, project=project_a, title="Switch fan noisy", description="Loud")
    incident = emergency_services.incident_create(
        actor=engineer,
        project=project_a,
        title="Hospital network outage",
        symptoms="Wards offline",
        reporter_name="Ward",
    )
    first, second, third = tickets

    log_in("eng", password)
    page.goto("/tickets/")
    for ticket in tickets:
        page.check(f"input[name=tickets][value='{ticket.pk}']")
    page.fill("#bulk-incident-reference", incident.reference)
    page.locator("#bulk-link-button").click()
    page.wait_for_url(re.compile(r"/tickets/"))
    expect(page.locator(".alert-success")).to_contain_text(f"Linked to {incident.reference}")

    # merge the second and third into the first
    for ticket in (second, third):
        page.check(f"input[name=tickets][value='{ticket.pk}']")
    page.fill("#bulk-merge-into", first.reference)
    page.check("#bulk-confirm-merge")
    page.locator("#bulk-merge-button").click()
    page.wait_for_url(re.compile(r"/tickets/"))
    expect(page.locator(".alert-success")).to_contain_text(f"Merged into {first.reference}")

    # the incident lists the three reports
    page.goto(f"/emergency/incidents/{incident.pk}/")
    for ticket in tickets:
        expect(page.locator("#linked-tickets")).to_contain_text(ticket.reference)

    # the survivor: the merged tickets, the incident, the moved reply; link a related ticket
    page.goto(f"/tickets/{first.pk}/")
    expect(page.locator("#merged-in")).to_contain_text(second.reference)
    expect(page.locator("#merged-in")).to_contain_text(third.reference)
    expect(page.locator("#ticket-incidents")).to_contain_text(incident.reference)
    expect(page.locator("#timeline")).to_contain_text("Ward 3 lost its network at 08:10")
    page.select_option("#link_kind", "related_to")
    page.fill("#link_reference", related.reference)
    page.locator("#link-form").get_by_role("button", name="Add the link").click()
    page.wait_for_url(re.compile(rf"/tickets/{first.pk}/$"))
    expect(page.locator("#link-list")).to_contain_text(f"Related to {related.reference}")

    # a merged ticket says where it continues
    page.goto(f"/tickets/{second.pk}/")
    expect(page.locator("#merged-into")).to_contain_text(first.reference)
    expect(page.locator("#ticket-status")).to_contain_text("Closed")

    # the customer reads the survivor with the moved reply, and the link, without the forms
    page.context.clear_cookies()
    log_in("cust-a", password)
    page.goto(f"/tickets/{first.pk}/")
    expect(page.locator("#timeline")).to_contain_text("Ward 3 lost its network at 08:10")
    expect(page.locator("#link-list")).to_contain_text(related.reference)
    expect(page.locator("#link-form")).to_have_count(0)
    expect(page.locator("#merge-form")).to_have_count(0)
