"""Loops that close, in a real browser: a manager marks an improvement action of a reviewed
incident done on the incident page and the dashboard's open actions drop by one; a customer
signs a completed inspection report off in the portal and the page then shows the sign-off."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from emergency import services as emergency_services
from emergency.models import Incident
from maintenance import services as maintenance_services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _reviewed_incident(project, engineer) -> Incident:
    now = timezone.now()
    return Incident.objects.create(
        reference="INC-2026-0901",
        organisation_id=project.organisation_id,
        project=project,
        title="Historian outage",
        symptoms="The historian stopped writing",
        reporter_name="Caller",
        reported_at=now - datetime.timedelta(days=3),
        reported_by=engineer,
        status=Incident.Status.REVIEWED,
        status_changed_at=now - datetime.timedelta(days=1),
        root_cause="A full disk",
        summary="Back after an hour",
    )


def test_a_manager_marks_an_action_done_and_the_dashboard_count_drops(
    page, log_in, project_a, engineer, manager, password
):
    incident = _reviewed_incident(project_a, engineer)
    today = timezone.localdate()
    for description, days in (("Add disk alarms", 5), ("Rotate the historian logs", -2)):
        emergency_services.review_action_create(
            incident_id=incident.pk,
            actor=manager,
            description=description,
            owner=engineer,
            due_date=today + datetime.timedelta(days=days),
        )

    log_in("mgr", password)
    page.goto("/reports/")
    tile = page.locator("#tile-review_actions")
    expect(tile).to_contain_text("Open improvement actions")
    expect(tile.locator(".fs-3")).to_have_text("2")
    expect(page.locator("#review_actions")).to_contain_text("Rotate the historian logs")

    page.goto(f"/emergency/incidents/{incident.pk}/")
    card = page.locator("#review-actions")
    overdue = card.locator(".review-action", has_text="Rotate the historian logs")
    expect(overdue).to_contain_text("Overdue")
    overdue.get_by_role("button", name="Mark done").click()
    page.wait_for_url(re.compile(rf"/emergency/incidents/{incident.pk}/"))
    expect(card.locator(".review-action", has_text="Rotate the historian logs")).to_have_attribute("data-done", "true")
    expect(page.locator("#timeline")).to_contain_text("Rotate the historian logs")

    page.goto("/reports/")
    expect(page.locator("#tile-review_actions .fs-3")).to_have_text("1")
    expect(page.locator("#review_actions")).not_to_contain_text("Rotate the historian logs")


def test_a_customer_signs_an_inspection_report_off(page, log_in, project_a, customer_a, engineer, manager, password):
    inspection = maintenance_services.health_check_create(
        actor=manager,
        project=project_a,
        engineer=engineer,
        due_date=timezone.localdate(),
        title="Records cluster health check",
    )
    maintenance_services.inspection_record(inspection_id=inspection.pk, actor=engineer, findings="All nodes healthy")
    maintenance_services.inspection_complete(inspection_id=inspection.pk, actor=engineer)

    log_in("cust-a", password)
    page.goto(f"/maintenance/inspections/{inspection.pk}/")
    form = page.locator("#sign-off-form")
    expect(form).to_be_visible()
    form.get_by_label("Signed off by").fill("Li Wei")
    form.get_by_label("Remarks").fill("Received and reviewed with IT")
    form.get_by_role("button", name="Sign off").click()
    page.wait_for_url(re.compile(rf"/maintenance/inspections/{inspection.pk}/$"))
    expect(page.locator("#sign-off-form")).to_have_count(0)
    expect(page.locator("#signed-off-name")).to_have_text("Li Wei")
    expect(page.locator("#sign-off")).to_contain_text("Received and reviewed with IT")
    inspection.refresh_from_db()
    assert inspection.signed_off_name == "Li Wei" and inspection.signed_off_by == customer_a
