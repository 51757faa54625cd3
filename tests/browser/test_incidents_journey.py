"""The emergency clock from the first call, in a real browser: a customer reports an emergency
in the portal and sees the response countdown at once; an incident nobody answered is breached
on the board, its escalation alert on the incident page, and the leadership group's member
acknowledges it there; a dispatched engineer's arrival target shows on the incident page."""

import datetime
import re

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from emergency import services
from emergency.models import ResponsePlan
from tests.emergency.conftest import create_emergency_defaults
from tests.tickets.conftest import groups  # noqa: F401  (shared fixture)
from tickets.policies import escalation_policy_save

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_response_clock_runs_from_the_report_and_an_unanswered_incident_is_acknowledged(
    page,
    log_in,
    live_server,
    groups,  # noqa: F811
    project_a,
    customer_a,
    password,
):
    create_emergency_defaults()
    policy = escalation_policy_save(
        name="Emergency response", steps=[{"action": "notify_group", "group": "leadership", "delay_minutes": 0}]
    )
    ResponsePlan.objects.filter(grade="critical").update(escalation_policy=policy)

    # the customer reports an emergency in the portal: the countdown runs at once, ungraded
    log_in("cust-a", password)
    page.get_by_label("Main navigation").get_by_role("link", name="Emergencies").click()
    page.locator("#report-emergency").click()
    form = page.locator("#incident-form")
    form.locator("[name=project]").select_option(str(project_a.pk))
    form.locator("[name=title]").fill("Zephyr telemetry lost")
    form.locator("[name=symptoms]").fill("No readings from the pumping station.")
    form.get_by_role("button", name="Save and alert the groups").click()
    page.wait_for_url(re.compile(r"/emergency/incidents/\d+/$"))
    expect(page.locator("#incident-status")).to_have_text("Reported")
    expect(page.locator("#response-target")).to_contain_text("left")
    expect(page.locator("#escalation-alert")).to_have_count(0)

    # an emergency phoned in 40 minutes ago that nobody answered (30 minutes: the strictest plan)
    with time_machine.travel(timezone.now() - datetime.timedelta(minutes=40), tick=False):
        unanswered = services.incident_create(
            actor=groups.liaison,
            project=project_a,
            title="Historian unreachable",
            symptoms="Trend screens are empty",
            reporter_name="Alice Wu",
        )
    services.incident_deadlines()  # the minute task: breached, the leadership told, the chain started

    page.context.clear_cookies()
    log_in("leader", password)
    page.get_by_label("Main navigation").get_by_role("link", name="Incident board").click()
    row = page.locator("#incident-board tr", has_text=unanswered.reference)
    expect(row).to_contain_text("Breached")
    expect(row.locator(".escalating")).to_have_text("Escalating")
    row.get_by_role("link", name=unanswered.reference).click()
    expect(page.locator("#response-target")).to_contain_text("Breached")
    expect(page.locator("#escalation-alert")).to_be_visible()
    expect(page.locator("#timeline")).to_contain_text("Escalated")
    page.locator("#acknowledge-button").click()
    expect(page.get_by_text("You acknowledged the escalation")).to_be_visible()
    expect(page.locator("#escalation-alert")).to_have_count(0)
    expect(page.locator("#escalation-acknowledged")).to_contain_text("acknowledged the escalation")

    # handled and an engineer dispatched: the arrival target (the urgent plan's) shows
    ResponsePlan.objects.filter(grade="urgent").update(onsite_minutes=240)
    for to, data in [
        ("assessed", {"grade": "urgent"}),
        ("plan_activated", {}),
        ("remote_handling", {}),
        ("onsite", {"engineer": groups.eng2}),
    ]:
        services.incident_transition(incident_id=unanswered.pk, actor=groups.tech, to=to, **data)
    page.reload()
    expect(page.locator("#dispatches .arrival-target")).to_contain_text("left")
