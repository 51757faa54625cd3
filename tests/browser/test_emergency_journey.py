"""An emergency from the phone call to the closed review, in a real browser: the liaison records
the call, the technical lead walks the incident through every step of the response process from
the incident page, the leadership follows the live timeline without reloading, a step skipped by
a tampered form is refused, the PDF report comes out, and the customer sees the public entries."""

import datetime
import re
import tempfile
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.emergency.conftest import create_emergency_defaults
from tests.tickets.conftest import groups  # noqa: F401  (shared fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
SHOTS = Path(tempfile.gettempdir())  # /tmp


def screenshots(page, name: str) -> None:
    """The page on a desktop and on a phone, into /tmp/emergency-<name>-<size>.png to look at."""
    page.screenshot(path=SHOTS / f"emergency-{name}-desktop.png", full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=SHOTS / f"emergency-{name}-phone.png", full_page=True)
    page.set_viewport_size(DESKTOP)


def take_step(page, step: str, label: str) -> None:
    """Submit the step's form and check the status badge shows the step."""
    page.locator(f"#step-{step}").get_by_role("button", name=label).click()
    expect(page.locator(".alert-danger")).to_have_count(0)
    expect(page.locator("#incident-status")).to_have_text(label)


def test_an_emergency_goes_from_the_phone_call_to_the_closed_review(
    page,
    log_in,
    browser,
    live_server,
    groups,  # noqa: F811
    project_a,
    customer_a,
    password,
):
    create_emergency_defaults()
    tech, eng2 = groups.tech, groups.eng2

    # the liaison records the phoned-in incident with everything the caller said
    log_in("liaison", password)
    page.get_by_label("Main navigation").get_by_role("link", name="Incident board").click()
    page.locator("#record-incident").click()
    form = page.locator("#incident-form")
    form.locator("[name=project]").select_option(str(project_a.pk))
    form.locator("[name=title]").fill("Historian server down")
    form.locator("[name=symptoms]").fill("Operators see no trend data since 09:10.")
    form.locator("[name=occurred_at]").fill(
        (timezone.localtime() - datetime.timedelta(minutes=20)).strftime("%Y-%m-%dT%H:%M")
    )
    form.locator("[name=location]").fill("Central control room")
    form.locator("[name=scope]").fill("All six operator stations of the plant.")
    form.locator("[name=measures_taken]").fill("The operators rebooted the historian once.")
    form.locator("[name=reporter_name]").fill("Alice Wu, Organisation A")
    form.locator("[name=reporter_phone]").fill("+86 138 0000 0001")
    form.get_by_role("button", name="Save and alert the groups").click()
    recorded = re.compile(r"Incident INC-\d{4}-\d{4} recorded; the emergency groups are told")
    expect(page.get_by_text(recorded)).to_be_visible()
    page.wait_for_url(re.compile(r"/emergency/incidents/\d+/$"))
    incident_url = page.url
    reference = page.locator(".breadcrumb-item.active").inner_text()
    expect(page.locator("#incident-status")).to_have_text("Reported")
    for text in ("Alice Wu, Organisation A", "+86 138 0000 0001", "Central control room", "rebooted the historian"):
        expect(page.get_by_text(text)).to_be_visible()

    # a step skipped by a tampered form is refused and nothing changes
    page.evaluate(
        """() => {
            const form = document.querySelector("#step-assessed");
            form.querySelector("[name=to]").value = "closed";
            const hidden = form.querySelector("[name='assessed-to']");
            hidden.name = "closed-to";
            hidden.value = "closed";
            form.requestSubmit();
        }"""
    )
    expect(page.locator(".alert-danger")).to_contain_text(
        "An incident at the step Reported cannot move to Closed; next comes Assessed and graded."
    )
    expect(page.locator("#incident-status")).to_have_text("Reported")

    # the technical lead opens it from the board
    page.context.clear_cookies()
    log_in("tech", password)
    page.get_by_label("Main navigation").get_by_role("link", name="Incident board").click()
    row = page.locator("#incident-board tbody tr", has_text=reference)
    expect(row).to_contain_text("Historian server down")
    expect(row).to_contain_text("Not graded yet")
    row.get_by_role("link", name=reference).click()
    page.wait_for_url(incident_url)

    # assessed: high, high, high gives critical by the matrix
    assess = page.locator("#step-assessed")
    for name in ("severity", "scope_level", "urgency"):
        assess.locator(f"[name='assessed-{name}']").select_option("high")
    assess.locator("[name='assessed-assessment']").fill("The disk array of the historian is lost.")
    take_step(page, "assessed", "Assessed and graded")
    expect(page.locator("#assessment")).to_contain_text("Critical")
    expect(page.locator("#assessment")).to_contain_text("High / High / High")

    # the critical plan is activated with the people assigned
    activate = page.locator("#step-plan_activated")
    activate.locator("[name='plan_activated-responders']").select_option([str(tech.pk), str(eng2.pk)])
    take_step(page, "plan_activated", "Plan activated")
    expect(page.locator("#assessment")).to_contain_text("Critical incident plan")
    expect(page.locator("#assessment")).to_contain_text(str(eng2))
    resources = page.locator("#resources li")
    expect(resources).to_have_count(4)
    resources.first.get_by_role("button").click()
    expect(resources.first.get_by_role("button")).to_have_text("✓")
    expect(resources.first).to_contain_text(str(tech))
    expect(resources.nth(1).get_by_role("button")).not_to_have_text("✓")

    # remote handling with a note the customer may see
    remote = page.locator("#step-remote_handling")
    remote.locator("[name='remote_handling-note']").fill("We are checking the RAID controller remotely.")
    remote.locator("[name='remote_handling-public']").check()
    take_step(page, "remote_handling", "Remote diagnosis and handling")

    # the leadership follows the incident page; tech's entry appears there without a reload
    leadership = browser.new_context(base_url=live_server.url, viewport=DESKTOP, locale="en-GB")
    leader_page = leadership.new_page()
    leader_page.goto("/accounts/login/")
    leader_page.fill("input[name=username]", "leader")
    leader_page.fill("input[name=password]", password)
    leader_page.get_by_role("button", name="Log in").click()
    leader_page.wait_for_url(re.compile(r"/$"))
    leader_page.goto(incident_url)
    expect(leader_page.locator("#timeline")).to_contain_text("checking the RAID controller")
    leader_page.evaluate("() => { window.notReloaded = true; }")

    log_form = page.locator("#log-form")
    log_form.locator("[name=kind]").select_option("action")
    log_form.locator("[name=text]").fill("Switched the plant to the standby historian.")
    log_form.get_by_role("button", name="Add to the timeline").click()
    expect(page.locator("#timeline")).to_contain_text("Switched the plant to the standby historian.")
    expect(leader_page.locator("#timeline")).to_contain_text(
        "Switched the plant to the standby historian.", timeout=8_000
    )
    assert leader_page.evaluate("() => window.notReloaded === true")
    leadership.close()

    # eng2 goes on site and arrives
    onsite = page.locator("#step-onsite")
    onsite.locator("[name='onsite-engineer']").select_option(str(eng2.pk))
    onsite.locator("[name='onsite-expected_arrival_at']").fill(
        (timezone.localtime() + datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    )
    take_step(page, "onsite", "On-site support")
    expect(page.locator("#dispatches")).to_contain_text(f"{eng2} · dispatched")
    page.locator("#arrive-form [name=work_done]").fill("Replaced two disks and rebuilt the array.")
    page.locator("#arrive-form").get_by_role("button", name="Record the arrival").click()
    expect(page.locator("#dispatches")).to_contain_text("arrived")
    expect(page.locator("#dispatches")).to_contain_text("Replaced two disks and rebuilt the array.")
    expect(page.locator("#arrive-form")).to_have_count(0)

    page.get_by_label("Main navigation").get_by_role("link", name="Incident board").click()
    expect(page.locator("#incident-board")).to_contain_text(reference)
    screenshots(page, "board")
    page.goto(incident_url)
    screenshots(page, "incident")

    # recovered, verified on the customer's word, reviewed and closed
    take_step(page, "recovered", "Recovered")
    expect(page.locator("#recovery-target")).to_contain_text("Met")
    page.locator("[name='verified-verification_note']").fill("Alice Wu confirmed on the phone: the trends are back.")
    take_step(page, "verified", "Verified")
    expect(page.locator("#review")).to_contain_text("Alice Wu confirmed on the phone: the trends are back.")
    review = page.locator("#step-reviewed")
    review.locator("[name='reviewed-root_cause']").fill("A faulty batch of disks.")
    review.locator("[name='reviewed-summary']").fill("The historian was back within three hours.")
    review.locator("[name='reviewed-action']").fill("Replace the remaining disks of the batch.")
    review.locator("[name='reviewed-action_owner']").select_option(str(eng2.pk))
    due = timezone.localdate() + datetime.timedelta(days=30)
    review.locator("[name='reviewed-action_due']").fill(due.isoformat())
    take_step(page, "reviewed", "Reviewed")
    expect(page.locator("#review")).to_contain_text("A faulty batch of disks.")
    action = page.locator("#review-actions .review-action")
    expect(action).to_contain_text("Replace the remaining disks of the batch.")
    expect(action).to_contain_text(str(eng2))
    take_step(page, "closed", "Closed")
    expect(page.locator("form[id^=step-]")).to_have_count(0)
    expect(page.locator("#log-form")).to_have_count(0)
    screenshots(page, "closed")

    # the report as a PDF
    pdf = page.request.get(page.locator("#pdf-link").get_attribute("href"))
    assert pdf.status == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")

    page.get_by_label("Main navigation").get_by_role("link", name="Incident board").click()
    expect(page.locator("#incident-board")).not_to_contain_text(reference)
    expect(page.get_by_text("Recently closed")).to_be_visible()

    # the customer sees the incident and its public entries only
    page.context.clear_cookies()
    log_in("cust-a", password)
    page.get_by_label("Main navigation").get_by_role("link", name="Emergencies").click()
    expect(page.locator("#incident-list")).to_contain_text(reference)
    page.locator("#incident-list").get_by_role("link", name=reference).click()
    expect(page.locator("#incident-status")).to_have_text("Closed")
    expect(page.locator("#timeline")).to_contain_text("We are checking the RAID controller remotely.")
    expect(page.locator("#timeline")).not_to_contain_text("standby historian")
    expect(page.locator("#pdf-link")).to_have_count(0)
    screenshots(page, "customer")
