"""Every URL and API endpoint x every role, with the expected answer written down.

Roles: anonymous, a customer of organisation A, a customer of organisation B, engineer,
manager, admin. The objects addressed belong to organisation A. Besides the status code, any
page or API answer that customer B receives must not contain a trace of organisation A.

A new URL fails ``test_every_url_is_in_the_matrix`` until it has its row here.
"""

import datetime
from typing import Any
from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import CalendarLink, User
from accounts.services import api_token_create
from emergency import rotas, services
from maintenance import services as maintenance_services
from maintenance.models import ChecklistTemplate
from notifications.models import Notification
from tests.accounts.factories import CustomerFactory, UserFactory, feed_key
from tests.customers.factories import InstalledProductFactory, OrganisationFactory, ProjectFactory
from tests.emergency.conftest import create_emergency_defaults
from tests.security import (
    matrix_assets,
    matrix_hotline,
    matrix_identity,
    matrix_imports,
    matrix_incidents,
    matrix_links,
    matrix_live,
    matrix_loops,
    matrix_macros,
    matrix_oidc,
    matrix_parts,
    matrix_privacy,
    matrix_queue_views,
    matrix_security,
    matrix_sla,
    matrix_time,
    matrix_two_factor,
)
from tests.security.matrix_rows import ROLES, Row, everyone, signed_in
from tickets.calendars import calendar_save
from tickets.policies import escalation_policy_save, policy_save
from tickets.services import ticket_create

# Strings that exist only in organisation A's data: customer B must never receive them.
MARKERS_OF_A = [
    "Zephyr-Org-A",
    "zephyr-prj-a",
    "Zephyr project A",
    "Zephyr-Product-A",
    "zephyr-cust-a",
    "Zephyr fault A",
    "zephyr-log-a",
    "Zephyr incident A",
    "Zephyr time A",
    "Zephyr risk A",
    "Zephyr findings A",
    "Zephyr training A",
    "Zephyr session A",
    "Zephyr article A",
]


def calendar_link_of(user, project) -> CalendarLink:
    """``user``'s link to the feed of ``project``'s visits."""
    from maintenance import visit_feeds

    visit_feeds.project_feed_urls(viewer=user, projects=[project])
    return CalendarLink.objects.get(user=user, feed=visit_feeds.FEED_PROJECT, object_id=project.pk)


def review_request(world) -> dict[str, Any]:
    """Write organisation A's review of March 2026 (the page's form and the API)."""
    return {"organisation": world["org_a"].pk, "period": "month", "day": "2026-03-15"}


MATRIX = [
    # --- pages ---------------------------------------------------------------------------
    Row("home", "get", signed_in(200, 302)),
    Row("healthz", "get", everyone(200)),
    Row("accounts:login", "get", everyone(302, anonymous=200)),
    Row("accounts:logout", "post", everyone(302)),
    Row("accounts:password_change", "get", signed_in(200, 302)),
    Row("accounts:password_change_done", "get", signed_in(200, 302)),
    Row("accounts:password_reset", "get", everyone(200)),
    Row("accounts:password_reset_done", "get", everyone(200)),
    Row("accounts:password_reset_confirm", "get", everyone(200), args=["uid", "token"]),
    Row("accounts:password_reset_complete", "get", everyone(200)),
    Row("accounts:preferences", "get", signed_in(200, 302)),
    # customer A's own token and calendar link: anyone else's attempt is a 404
    Row("accounts:api_token_revoke", "post", signed_in(404, 302, customer_a=302), args=["api_token_a"]),
    Row("accounts:calendar_link_revoke", "post", signed_in(404, 302, customer_a=302), args=["calendar_link_a"]),
    Row("customers:organisation_list", "get", signed_in(200, 302, customer_a=302, customer_b=302)),
    Row("customers:organisation_detail", "get", signed_in(200, 302, customer_b=404), args=["org_a"]),
    Row("customers:project_list", "get", signed_in(200, 302)),
    Row("customers:project_detail", "get", signed_in(200, 302, customer_b=404), args=["project_a"]),
    Row("set_language", "post", everyone(302), data={"language": "en"}),
    Row("admin:index", "get", everyone(302, admin=200)),
    Row("api-docs", "get", signed_in(200, 302)),
    # --- API -----------------------------------------------------------------------------
    Row("api-schema", "get", signed_in(200, 401), api=True),
    Row("api-token", "post", everyone(400), data={}, api=True),
    Row("api-me", "get", signed_in(200, 401), api=True),
    Row("api-logout", "post", signed_in(204, 401), api=True),
    Row("my-token-list", "get", signed_in(200, 401), api=True),
    Row("my-token-detail", "delete", signed_in(404, 401, customer_a=204), args=["api_token_a"], api=True),
    Row("organisation-list", "get", signed_in(200, 401), api=True),
    Row("organisation-list", "post", signed_in(403, 401, manager=400, admin=400), data={}, api=True),
    Row("organisation-detail", "get", signed_in(200, 401, customer_b=404), args=["org_a"], api=True),
    Row(
        "organisation-detail",
        "patch",
        signed_in(403, 401, customer_b=404, manager=200, admin=200),
        args=["org_a"],
        data={"phone": "+86 1"},
        api=True,
    ),
    Row(
        "organisation-detail",
        "put",
        signed_in(403, 401, customer_b=404, manager=400, admin=400),
        args=["org_a"],
        data={},
        api=True,
    ),
    Row("organisation-detail", "delete", signed_in(405, 401), args=["org_a"], api=True),
    Row("project-list", "get", signed_in(200, 401), api=True),
    Row("project-list", "post", signed_in(403, 401, manager=400, admin=400), data={}, api=True),
    Row("project-detail", "get", signed_in(200, 401, customer_b=404), args=["project_a"], api=True),
    Row(
        "project-detail",
        "patch",
        signed_in(403, 401, customer_b=404, manager=200, admin=200),
        args=["project_a"],
        data={"description": "x"},
        api=True,
    ),
    Row(
        "project-detail",
        "put",
        signed_in(403, 401, customer_b=404, manager=400, admin=400),
        args=["project_a"],
        data={},
        api=True,
    ),
    Row("project-detail", "delete", signed_in(405, 401), args=["project_a"], api=True),
    # --- tickets: pages ------------------------------------------------------------------
    Row("tickets:list", "get", signed_in(200, 302)),
    Row("tickets:create", "get", signed_in(200, 302)),
    Row("tickets:detail", "get", signed_in(200, 302, customer_b=404), args=["ticket_a"]),
    Row("tickets:reply", "post", signed_in(302, 302, customer_b=404), args=["ticket_a"], data={"body": "Hello"}),
    # the CC list: staff, or a contact of the ticket's organisation
    Row("tickets:cc", "post", signed_in(302, 302, customer_b=404), args=["ticket_a"], data={"cc": "ops@example.com"}),
    STAFF_ACTION := Row(
        "tickets:status",
        "post",
        signed_in(302, 302, customer_a=403, customer_b=404),
        args=["ticket_a"],
        data={"status": "acknowledged"},
    ),
    Row("tickets:priority", "post", STAFF_ACTION.expected, args=["ticket_a"], data={"priority": "high"}),
    Row("tickets:assign", "post", STAFF_ACTION.expected, args=["ticket_a"], data={"assignee": ""}),
    Row(
        "tickets:dispatch",
        "post",
        STAFF_ACTION.expected,
        args=["ticket_a"],
        data=lambda world: {"engineer": world["users"]["engineer"].pk},
    ),
    Row("tickets:arrive", "post", STAFF_ACTION.expected, args=["ticket_a"], data={}),
    Row("tickets:leave_site", "post", STAFF_ACTION.expected, args=["ticket_a"], data={"work_done": "Replaced a disk"}),
    Row(
        "tickets:rate",
        "post",
        signed_in(403, 302, customer_a=302, customer_b=404),
        args=["ticket_a"],
        data={"rating": 5, "comment": ""},
    ),
    Row("tickets:bulk_assign", "post", signed_in(302, 302, customer_a=403, customer_b=403), data={}),
    Row("tickets:attachment", "get", signed_in(200, 302, customer_b=404), args=["ticket_a", "attachment_a"]),
    Row("tickets:acknowledge", "post", STAFF_ACTION.expected, args=["ticket_a"], data={}),
    Row("tickets:acknowledge_link", "get", everyone(400), args=["token"]),
    # --- notifications: pages (customer A's notification: A's ticket was received) -----------
    Row("notifications:list", "get", signed_in(200, 302)),
    Row("notifications:bell", "get", signed_in(200, 302)),
    Row("notifications:open", "get", signed_in(404, 302, customer_a=302), args=["notification_a"]),
    Row("notifications:read_all", "post", signed_in(302, 302), data={}),
    Row("notifications:preferences", "get", signed_in(200, 302)),
    # --- tickets: API --------------------------------------------------------------------
    Row("ticket-list", "get", signed_in(200, 401), api=True),
    Row("ticket-list", "post", signed_in(400, 401), data={}, api=True),
    Row("ticket-detail", "get", signed_in(200, 401, customer_b=404), args=["ticket_a"], api=True),
    Row(
        "ticket-detail",
        "patch",
        signed_in(200, 401, customer_a=403, customer_b=404),
        args=["ticket_a"],
        data={"priority": "high"},
        api=True,
    ),
    Row("ticket-detail", "put", signed_in(405, 401), args=["ticket_a"], data={}, api=True),
    Row("ticket-detail", "delete", signed_in(405, 401), args=["ticket_a"], api=True),
    Row("ticket-comments", "get", signed_in(200, 401, customer_b=404), args=["ticket_a"], api=True),
    Row(
        "ticket-comments",
        "post",
        signed_in(201, 401, customer_b=404),
        args=["ticket_a"],
        data={"body": "Hello", "public": True},
        api=True,
    ),
    Row(
        "ticket-cc",
        "post",
        signed_in(200, 401, customer_b=404),
        args=["ticket_a"],
        data={"cc": ["ops@example.com"]},
        api=True,
    ),
    Row(
        "ticket-cc",
        "post",
        signed_in(400, 401, customer_b=404),
        args=["ticket_a"],
        data={"cc": ["not an address"]},
        api=True,
    ),
    Row(
        "ticket-assign",
        "post",
        signed_in(200, 401, customer_a=403, customer_b=404),
        args=["ticket_a"],
        data={"assignee": None},
        api=True,
    ),
    Row(
        "ticket-dispatch",
        "post",
        signed_in(400, 401, customer_a=403, customer_b=404, engineer=201),
        args=["ticket_a"],
        data=lambda world: {"engineer": world["users"]["engineer"].pk},
        api=True,
    ),
    Row(
        "ticket-arrive",
        "post",
        signed_in(400, 401, customer_a=403, customer_b=404),
        args=["ticket_a"],
        data={},
        api=True,
    ),
    Row(
        "ticket-acknowledge",
        "post",
        signed_in(400, 401, customer_a=403, customer_b=404),
        args=["ticket_a"],
        data={},
        api=True,
    ),
    Row("notification-list", "get", signed_in(200, 401), api=True),
    Row("notification-detail", "get", signed_in(404, 401, customer_a=200), args=["notification_a"], api=True),
    Row("notification-read", "post", signed_in(404, 401, customer_a=200), args=["notification_a"], api=True),
    Row("notification-read-all", "post", signed_in(200, 401), data={}, api=True),
    Row("api-notification-preferences", "get", signed_in(200, 401), api=True),
    Row("api-notification-preferences", "patch", signed_in(200, 401), data={"email": False}, api=True),
    Row("calendar-list", "get", signed_in(200, 401, customer_a=403, customer_b=403), api=True),
    Row("calendar-list", "post", signed_in(403, 401, admin=400), data={}, api=True),
    Row("calendar-detail", "get", signed_in(200, 401, customer_a=403, customer_b=403), args=["calendar"], api=True),
    Row("calendar-detail", "patch", signed_in(403, 401, admin=200), args=["calendar"], data={}, api=True),
    Row("calendar-detail", "put", signed_in(403, 401, admin=400), args=["calendar"], data={}, api=True),
    Row("calendar-detail", "delete", signed_in(403, 401, admin=405), args=["calendar"], api=True),
    Row("sla-policy-list", "get", signed_in(200, 401, customer_a=403, customer_b=403), api=True),
    Row("sla-policy-list", "post", signed_in(403, 401, admin=400), data={}, api=True),
    Row("sla-policy-detail", "get", signed_in(200, 401, customer_a=403, customer_b=403), args=["policy"], api=True),
    Row("sla-policy-detail", "patch", signed_in(403, 401, admin=200), args=["policy"], data={}, api=True),
    Row("sla-policy-detail", "put", signed_in(403, 401, admin=400), args=["policy"], data={}, api=True),
    Row("sla-policy-detail", "delete", signed_in(403, 401, admin=405), args=["policy"], api=True),
    Row("escalation-policy-list", "get", signed_in(200, 401, customer_a=403, customer_b=403), api=True),
    Row("escalation-policy-list", "post", signed_in(403, 401, admin=400), data={}, api=True),
    CONFIG_READ := Row(
        "escalation-policy-detail",
        "get",
        signed_in(200, 401, customer_a=403, customer_b=403),
        args=["escalation_policy"],
        api=True,
    ),
    Row("escalation-policy-detail", "patch", signed_in(403, 401, admin=200), args=CONFIG_READ.args, data={}, api=True),
    Row("escalation-policy-detail", "put", signed_in(403, 401, admin=400), args=CONFIG_READ.args, data={}, api=True),
    Row("escalation-policy-detail", "delete", signed_in(403, 401, admin=405), args=CONFIG_READ.args, api=True),
    # --- emergency: pages (incident A is on site: an engineer is on the way) -----------------
    Row("emergency:board", "get", signed_in(200, 302)),
    Row("emergency:report", "get", signed_in(200, 302)),
    Row(
        "emergency:report",
        "post",
        signed_in(302, 302, customer_b=200),  # customer B: the form again, project A is no choice
        data=lambda world: {
            "project": world["project_a"].pk,
            "title": "Gateway down",
            "symptoms": "No gateway answers",
            "reporter_name": "Bob Zhou",
        },
    ),
    Row("emergency:detail", "get", signed_in(200, 302, customer_b=404), args=["incident_a"]),
    Row("emergency:timeline", "get", signed_in(200, 302, customer_b=404), args=["incident_a"]),
    # staff move it on (the manager and admin see the step refused: a message, no change)
    Row(
        "emergency:step",
        "post",
        STAFF_ACTION.expected,
        args=["incident_a"],
        data={"to": "recovered", "recovered-to": "recovered"},
    ),
    Row("emergency:log", "post", STAFF_ACTION.expected, args=["incident_a"], data={"kind": "note", "text": "Called"}),
    Row(
        "emergency:regrade",
        "post",
        signed_in(302, 302, customer_a=403, customer_b=404, engineer=403),  # grading: managers or the groups
        args=["incident_a"],
        data={"grade": "urgent", "grade_reason": "Spreading"},
    ),
    Row("emergency:arrive", "post", STAFF_ACTION.expected, args=["incident_a"], data={"work_done": "New disk"}),
    Row(
        "emergency:check_resource",
        "post",
        STAFF_ACTION.expected,
        args=["incident_a", "resource_a"],
        data={"checked": "true"},
    ),
    Row("emergency:pdf", "get", signed_in(200, 302, customer_a=403, customer_b=404), args=["incident_a"]),
    Row("emergency:groups", "get", signed_in(200, 302, customer_a=403, customer_b=403)),
    Row("emergency:rotas", "get", signed_in(200, 302, customer_a=403, customer_b=403)),
    Row(
        "emergency:rota_override",
        "post",
        signed_in(302, 302, customer_a=403, customer_b=403, engineer=403),
        args=["rota"],
        data=lambda world: {
            "user": world["users"]["engineer"].pk,
            "starts_at": "2026-12-01T09:00",
            "ends_at": "2026-12-02T09:00",
            "reason": "Leave",
        },
    ),
    # the calendar feed: the signed token stands in for a login; a bad one is not found
    Row("emergency:calendar_feed", "get", everyone(200), args=["feed_token"]),
    Row("emergency:calendar_feed", "get", everyone(404), args=["bad_feed_token"]),
    Row("emergency:risks", "get", signed_in(200, 302)),
    Row("emergency:risk_sheet", "get", signed_in(200, 302, customer_b=404), args=["project_a"]),
    Row("emergency:risk_create", "get", signed_in(200, 302, customer_a=403, customer_b=403)),
    RISK_FORM := Row(
        "emergency:risk_create",
        "post",
        signed_in(302, 302, customer_a=403, customer_b=403),
        data=lambda world: {
            "project": world["project_a"].pk,
            "category": "network",
            "title": "Core switch",
            "likelihood": 3,
            "impact": 4,
            "status": "open",
        },
    ),
    # staff only: every customer gets 403 before the risk is looked up
    Row("emergency:risk_edit", "get", signed_in(200, 302, customer_a=403, customer_b=403), args=["risk_a"]),
    Row("emergency:risk_edit", "post", RISK_FORM.expected, args=["risk_a"], data=RISK_FORM.data),
    # --- maintenance: pages ---------------------------------------------------------------
    Row("maintenance:overview", "get", signed_in(200, 302)),
    Row("maintenance:warranties", "get", signed_in(200, 302)),
    Row("maintenance:warranty_detail", "get", signed_in(200, 302, customer_b=404), args=["warranty_a"]),
    # managers only: every other role gets 403 before anything is looked up
    MANAGER_PAGE := Row("maintenance:warranty_create", "get", signed_in(403, 302, manager=200, admin=200)),
    MANAGER_FORM := Row(
        "maintenance:warranty_create",
        "post",
        signed_in(403, 302, manager=302, admin=302),
        data=lambda world: {"project": world["project_a"].pk, "terms": world["terms"].pk, "start_date": "2026-01-01"},
    ),
    Row("maintenance:warranty_edit", "get", MANAGER_PAGE.expected, args=["warranty_a"]),
    Row("maintenance:warranty_edit", "post", MANAGER_FORM.expected, args=["warranty_a"], data=MANAGER_FORM.data),
    Row("maintenance:contracts", "get", signed_in(200, 302)),
    Row("maintenance:contract_create", "get", MANAGER_PAGE.expected),
    # the manager adds the contract; the admin then sends the same number (the form again)
    Row(
        "maintenance:contract_create",
        "post",
        signed_in(403, 302, manager=302, admin=200),
        data=lambda world: {
            "project": world["project_a"].pk,
            "number": "SC-NEW",
            "start_date": "2029-01-01",
            "end_date": "2029-12-31",
        },
    ),
    Row("maintenance:contract_edit", "get", MANAGER_PAGE.expected, args=["contract_a"]),
    Row(
        "maintenance:contract_edit",
        "post",
        MANAGER_FORM.expected,
        args=["contract_a"],
        data=lambda world: {
            "project": world["project_a"].pk,
            "number": "SC-A",
            "start_date": "2027-07-01",
            "end_date": "2028-12-31",
        },
    ),
    Row("maintenance:coverage_decide", "post", STAFF_ACTION.expected, args=["ticket_a"], data={"cause": "misuse"}),
    Row(
        "maintenance:billable_add",
        "post",
        STAFF_ACTION.expected,
        args=["ticket_a"],
        data={"kind": "labour", "description": "Rewiring", "quantity": "2"},
    ),
    # the engineer removes it; it is gone for the manager and the admin
    Row(
        "maintenance:billable_remove",
        "post",
        signed_in(404, 302, customer_a=403, customer_b=404, engineer=302),
        args=["ticket_a", "billable_item_a"],
        data={},
    ),
    STAFF_PAGE := Row("maintenance:schedules", "get", signed_in(200, 302, customer_a=403, customer_b=403)),
    Row("maintenance:schedule_create", "get", MANAGER_PAGE.expected),
    SCHEDULE_FORM := Row(
        "maintenance:schedule_create",
        "post",
        MANAGER_FORM.expected,
        data=lambda world: {
            "project": world["project_a"].pk,
            "name": "Half-yearly",
            "rule": "FREQ=MONTHLY;INTERVAL=6",
            "first_date": "2027-01-10",
            "engineer": world["users"]["engineer"].pk,
            "checklist": world["schedule_a"].checklist_id,
            "lead_days": 30,
        },
    ),
    Row("maintenance:schedule_edit", "get", MANAGER_PAGE.expected, args=["schedule_a"]),
    Row("maintenance:schedule_edit", "post", MANAGER_FORM.expected, args=["schedule_a"], data=SCHEDULE_FORM.data),
    Row("maintenance:inspections", "get", signed_in(200, 302)),
    Row("maintenance:health_check_create", "get", STAFF_PAGE.expected),
    Row(
        "maintenance:health_check_create",
        "post",
        signed_in(302, 302, customer_a=403, customer_b=403),
        data=lambda world: {
            "project": world["project_a"].pk,
            "kind": "health_check",
            "title": "Health check",
            "due_date": "2027-01-10",
            "engineer": world["users"]["engineer"].pk,
        },
    ),
    Row("maintenance:inspection_detail", "get", signed_in(200, 302, customer_b=404), args=["inspection_a"]),
    Row("maintenance:inspection_record", "post", STAFF_ACTION.expected, args=["inspection_a"], data={"findings": "ok"}),
    # the engineer completes it; for the manager and the admin it is closed already (a message)
    Row("maintenance:inspection_complete", "post", STAFF_ACTION.expected, args=["inspection_a"], data={}),
    Row(
        "maintenance:inspection_cancel",
        "post",
        signed_in(302, 302, customer_a=403, customer_b=404, engineer=403),
        args=["inspection_a"],
        data={"reason": "Site closed"},
    ),
    # no image: the form again (400) for staff
    Row(
        "maintenance:photo_add",
        "post",
        signed_in(400, 302, customer_a=403, customer_b=404),
        args=["inspection_a"],
        data={},
    ),
    Row("maintenance:photo", "get", signed_in(200, 302, customer_b=404), args=["completed_a", "photo_a"]),
    Row("maintenance:inspection_pdf", "get", signed_in(200, 302, customer_b=404), args=["completed_a"]),
    # the signed token stands in for a login (a feed without organisation A's visits); a bad one is not found
    Row("maintenance:calendar_feed", "get", everyone(200), args=["maintenance_feed_token"]),
    Row("maintenance:calendar_feed", "get", everyone(404), args=["bad_feed_token"]),
    Row("maintenance:return_visits", "get", STAFF_PAGE.expected),
    Row("maintenance:return_visit_create", "get", STAFF_PAGE.expected),
    Row(
        "maintenance:return_visit_create",
        "post",
        signed_in(302, 302, customer_a=403, customer_b=403),
        data=lambda world: {
            "project": world["project_a"].pk,
            "scheduled_for": "2027-01-10",
            "staff": world["users"]["engineer"].pk,
        },
    ),
    Row("maintenance:return_visit_done", "get", STAFF_PAGE.expected, args=["return_visit_a"]),
    # the engineer records it; for the manager and the admin it is no longer planned (a message)
    Row(
        "maintenance:return_visit_done",
        "post",
        signed_in(302, 302, customer_a=403, customer_b=403),
        args=["return_visit_a"],
        data={"notes": "Happy", "satisfaction": 5},
    ),
    Row("maintenance:releases", "get", signed_in(200, 302)),
    Row("maintenance:release_detail", "get", signed_in(200, 302, customer_b=404), args=["release_a"]),
    Row(
        "maintenance:release_publish",
        "post",
        signed_in(302, 302, customer_a=403, customer_b=404, engineer=403),
        args=["release_a"],
        data={},
    ),
    Row(
        "maintenance:notice_update",
        "post",
        STAFF_ACTION.expected,
        args=["notice_a"],
        data={"status": "planned", "planned_for": "2027-01-10"},
    ),
    # no login: a forged link answers 400 with the reason, for everyone
    Row("maintenance:survey", "get", everyone(400), args=["token"]),
    Row("maintenance:survey", "post", everyone(400), args=["token"], data={"score": 5}),
    # --- training: pages (organisation A's plan; session A: online, next week, trained by the
    # engineer, customer A enrolled; the open session: nobody enrolled; the held session: ended
    # yesterday, trained by someone else, customer A present; see training_world) ------------
    Row("training:home", "get", signed_in(200, 302)),
    Row("training:home", "get", signed_in(200, 302), data={"when": "past"}),
    Row("training:plans", "get", signed_in(200, 302)),
    Row("training:plan_detail", "get", signed_in(200, 302, customer_b=404), args=["training_plan_a"]),
    # staff only: every customer gets 403 before anything is looked up
    Row("training:plan_create", "get", STAFF_PAGE.expected),
    TRAINING_STAFF_FORM := Row(
        "training:plan_create",
        "post",
        signed_in(302, 302, customer_a=403, customer_b=403),
        data=lambda world: {
            "project": world["project_a"].pk,
            "title": "Administrator training",
            "audience": "",
            "notes": "",
            "topics-TOTAL_FORMS": "1",
            "topics-INITIAL_FORMS": "0",
            "topics-0-kind": "operation",
            "topics-0-title": "Daily operation",
            "topics-0-hours": "2",
        },
    ),
    Row("training:plan_edit", "get", STAFF_PAGE.expected, args=["training_plan_a"]),
    Row(
        "training:plan_edit",
        "post",
        TRAINING_STAFF_FORM.expected,
        args=["training_plan_a"],
        data={
            "title": "Operator training",
            "audience": "Operators",
            "notes": "",
            "is_active": "on",
            "topics-TOTAL_FORMS": "1",
            "topics-INITIAL_FORMS": "0",
            "topics-0-kind": "custom",
            "topics-0-title": "Pumping stations",
            "topics-0-hours": "1",
        },
    ),
    Row("training:project_records", "get", signed_in(200, 302, customer_b=404), args=["project_a"]),
    Row("training:session_create", "get", STAFF_PAGE.expected),
    Row(
        "training:session_create",
        "get",
        STAFF_PAGE.expected,
        query=lambda world: {"plan": world["training_plan_a"].pk},
    ),
    Row(
        "training:session_create",
        "post",
        TRAINING_STAFF_FORM.expected,
        query=lambda world: {"plan": world["training_plan_a"].pk},
        data=lambda world: session_form(world, title="Evening session"),
    ),
    Row("training:session_detail", "get", signed_in(200, 302, customer_b=404), args=["session_a"]),
    Row("training:session_edit", "get", STAFF_PAGE.expected, args=["session_a"]),
    Row(
        "training:session_edit",
        "post",
        TRAINING_STAFF_FORM.expected,
        args=["session_a"],
        data=lambda world: session_form(world, title="Zephyr session A: online"),
    ),
    # the engineer cancels it; for the manager and the admin it is cancelled already (the page
    # again, with the refusal)
    Row(
        "training:session_cancel",
        "post",
        signed_in(400, 302, customer_a=403, customer_b=404, engineer=302),
        args=["session_a"],
        data={"reason": "Trainer ill"},
    ),
    # a customer enrols themself; staff must name the contact (the page again without one)
    Row(
        "training:enrol",
        "post",
        signed_in(400, 302, customer_a=302, customer_b=404),
        args=["open_session_a"],
        data={},
    ),
    # the engineer enrols customer A's colleague; for the manager and the admin the colleague is
    # no longer a choice (enrolled already); customer A enrols themself, whatever is posted
    Row(
        "training:enrol",
        "post",
        signed_in(400, 302, customer_a=302, customer_b=404, engineer=302),
        args=["open_session_a"],
        data=lambda world: {"contact": world["colleague_a"].pk},
    ),
    # the trainer (the engineer), managers and admins take attendance
    Row(
        "training:attendance",
        "get",
        signed_in(200, 302, customer_a=403, customer_b=404),
        args=["session_a"],
    ),
    Row(
        "training:attendance",
        "get",
        signed_in(200, 302, customer_a=403, customer_b=404, engineer=403),
        args=["held_session_a"],
    ),
    Row(
        "training:attendance",
        "post",
        signed_in(302, 302, customer_a=403, customer_b=404, engineer=403),
        args=["held_session_a"],
        data=lambda world: {f"mark-{world['held_enrolment_a'].pk}": "absent"},
    ),
    # the participant's own invitation; staff get the event; not enrolled: nothing to send
    Row("training:invitation", "get", signed_in(200, 302, customer_b=404), args=["session_a"]),
    Row("training:invitation", "get", signed_in(200, 302, customer_a=404, customer_b=404), args=["open_session_a"]),
    Row(
        "training:material_add",
        "post",
        signed_in(302, 302, customer_a=403, customer_b=404),
        args=["session_a"],
        data={"title": "Slides", "url": "https://files.example.com/slides.pdf"},
    ),
    Row("training:material", "get", signed_in(200, 302, customer_b=404), args=["session_a", "material_a"]),
    # the engineer removes it; it is gone for the manager and the admin
    Row(
        "training:material_remove",
        "post",
        signed_in(404, 302, customer_a=403, engineer=302),
        args=["session_a", "material_a"],
        data={},
    ),
    # customer A cancels their own; for staff it is cancelled already (a message)
    Row(
        "training:enrolment_cancel",
        "post",
        signed_in(302, 302, customer_b=404),
        args=["enrolment_a"],
        data={},
    ),
    # the participant only, after the session, having been there
    Row("training:feedback", "get", signed_in(403, 302, customer_a=200, customer_b=404), args=["held_enrolment_a"]),
    Row(
        "training:feedback",
        "post",
        signed_in(403, 302, customer_a=302, customer_b=404),
        args=["held_enrolment_a"],
        data={"rating": "5", "trainer_rating": "4", "comments": "Useful"},
    ),
    Row("training:feedback", "get", signed_in(403, 302, customer_a=404, customer_b=404), args=["enrolment_a"]),
    Row("training:certificate", "get", signed_in(200, 302, customer_b=404), args=["held_enrolment_a"]),
    Row("training:certificate", "get", signed_in(404, 302), args=["enrolment_a"]),  # not held yet
    # --- knowledge base: pages (anyone reads what is meant for them; 404 otherwise) ---------------
    Row("training:kb", "get", everyone(200)),
    Row("training:kb", "get", everyone(200), data={"q": "Zephyr article printer"}),
    Row("training:article_detail", "get", everyone(200), args=["public_article"]),
    Row(
        "training:article_detail",
        "get",
        everyone(200, anonymous=404, customer_b=404),
        args=["customers_article_a"],
    ),
    STAFF_ARTICLE := Row(
        "training:article_detail",
        "get",
        everyone(200, anonymous=404, customer_a=404, customer_b=404),
        args=["staff_article"],
    ),
    Row("training:article_detail", "get", STAFF_ARTICLE.expected, args=["draft_article"]),
    Row("training:article_create", "get", STAFF_PAGE.expected),
    Row(
        "training:article_create",
        "post",
        TRAINING_STAFF_FORM.expected,
        data=lambda world: article_form(title="Label printer skips labels"),
    ),
    Row("training:article_edit", "get", STAFF_PAGE.expected, args=["public_article"]),
    Row(
        "training:article_edit",
        "post",
        TRAINING_STAFF_FORM.expected,
        args=["public_article"],
        data=lambda world: article_form(title="Printer paper jam"),
    ),
    Row("training:article_history", "get", STAFF_PAGE.expected, args=["public_article"]),
    Row(
        "training:article_solved",
        "post",
        everyone(302),
        args=["public_article"],
        data={"query": "paper jam", "source": "article"},
    ),
    Row(
        "training:article_solved",
        "post",
        everyone(302, anonymous=404, customer_b=404),
        args=["customers_article_a"],
        data={"source": "ticket_form"},
    ),
    # a draft: staff read it, but nothing unpublished "solved" anything (a message)
    Row(
        "training:article_solved",
        "post",
        everyone(302, anonymous=404, customer_a=404, customer_b=404),
        args=["draft_article"],
        data={},
    ),
    # an htmx fragment: not signed in is 403 (htmx leaves the box as it is), not a login page
    Row("training:suggest", "get", signed_in(200, 403), data={"title": "Zephyr article printer"}),
    # staff turn a resolved ticket into a draft; an open one is refused (a message)
    Row(
        "training:article_from_ticket",
        "post",
        STAFF_ACTION.expected,
        args=["resolved_ticket_a"],
        data={},
    ),
    Row("training:article_from_ticket", "post", STAFF_ACTION.expected, args=["ticket_a"], data={}),
    # --- emergency: API ------------------------------------------------------------------
    Row("incident-list", "get", signed_in(200, 401), api=True),
    Row(
        "incident-list",
        "post",
        signed_in(201, 401, customer_b=400),  # customer B: project A does not exist
        data=lambda world: {
            "project": world["project_a"].pk,
            "title": "Gateway down",
            "symptoms": "No gateway answers",
            "reporter_name": "Bob Zhou",
        },
        api=True,
    ),
    Row("incident-detail", "get", signed_in(200, 401, customer_b=404), args=["incident_a"], api=True),
    Row("incident-detail", "patch", signed_in(405, 401), args=["incident_a"], data={"title": "x"}, api=True),
    Row("incident-detail", "put", signed_in(405, 401), args=["incident_a"], data={}, api=True),
    Row("incident-detail", "delete", signed_in(405, 401), args=["incident_a"], api=True),
    # the engineer moves it on; the manager and admin then ask for a step out of order
    Row(
        "incident-transition",
        "post",
        signed_in(400, 401, customer_a=403, customer_b=404, engineer=200),
        args=["incident_a"],
        data={"to": "recovered"},
        api=True,
    ),
    Row("incident-timeline", "get", signed_in(200, 401, customer_b=404), args=["incident_a"], api=True),
    Row(
        "incident-log",
        "post",
        signed_in(201, 401, customer_a=403, customer_b=404),
        args=["incident_a"],
        data={"kind": "note", "text": "Called the customer"},
        api=True,
    ),
    Row(
        "incident-grade",
        "post",
        signed_in(200, 401, customer_a=403, customer_b=404, engineer=403),  # grading: managers or the groups
        args=["incident_a"],
        data={"grade": "urgent", "grade_reason": "Spreading"},
        api=True,
    ),
    Row(
        "incident-assign",
        "post",
        signed_in(200, 401, customer_a=403, customer_b=404),
        args=["incident_a"],
        data=lambda world: {"people": [world["users"]["engineer"].pk]},
        api=True,
    ),
    Row(
        "incident-check",
        "post",
        signed_in(200, 401, customer_a=403, customer_b=404),
        args=["incident_a", "resource_a"],
        data={"checked": True},
        api=True,
    ),
    # the engineer arrives; nobody else is on the way afterwards
    Row(
        "incident-arrive",
        "post",
        signed_in(400, 401, customer_a=403, customer_b=404, engineer=200),
        args=["incident_a"],
        data={"work_done": "New disk"},
        api=True,
    ),
    STAFF_READ := Row("grading-rule-list", "get", signed_in(200, 401, customer_a=403, customer_b=403), api=True),
    Row("grading-rule-list", "post", signed_in(405, 401, customer_a=403, customer_b=403), data={}, api=True),
    Row("response-plan-list", "get", STAFF_READ.expected, api=True),
    Row("response-plan-list", "post", signed_in(405, 401, customer_a=403, customer_b=403), data={}, api=True),
    Row("response-plan-detail", "get", STAFF_READ.expected, args=["plan"], api=True),
    Row(
        "response-plan-detail",
        "patch",
        signed_in(405, 401, customer_a=403, customer_b=403),
        args=["plan"],
        data={"name": "x"},
        api=True,
    ),
    Row("risk-list", "get", signed_in(200, 401), api=True),
    Row(
        "risk-list",
        "post",
        signed_in(201, 401, customer_a=403, customer_b=403),
        data=lambda world: {
            "project": world["project_a"].pk,
            "category": "network",
            "title": "Core switch",
            "likelihood": 3,
            "impact": 4,
        },
        api=True,
    ),
    Row("risk-detail", "get", signed_in(200, 401, customer_b=404), args=["risk_a"], api=True),
    Row(
        "risk-detail",
        "patch",
        signed_in(200, 401, customer_a=403, customer_b=404),
        args=["risk_a"],
        data={"likelihood": 4},
        api=True,
    ),
    Row("risk-detail", "put", signed_in(400, 401, customer_a=403, customer_b=404), args=["risk_a"], data={}, api=True),
    Row("risk-detail", "delete", signed_in(405, 401), args=["risk_a"], api=True),  # nothing is deleted
    Row("rota-list", "get", STAFF_READ.expected, api=True),
    # the manager creates it; the admin then sends the same name again
    Row(
        "rota-list",
        "post",
        signed_in(403, 401, manager=201, admin=400),
        data=lambda world: {
            "name": "Night rota",
            "timezone": "Asia/Shanghai",
            "handover": "09:00",
            "shift_days": 7,
            "starts_on": "2026-01-05",
            "members": [world["users"]["engineer"].pk],
        },
        api=True,
    ),
    Row("rota-detail", "get", STAFF_READ.expected, args=["rota"], api=True),
    Row(
        "rota-detail",
        "patch",
        signed_in(403, 401, manager=200, admin=200),
        args=["rota"],
        data={"description": "Nights"},
        api=True,
    ),
    Row("rota-detail", "put", signed_in(403, 401, manager=400, admin=400), args=["rota"], data={}, api=True),
    Row("rota-detail", "delete", signed_in(403, 401, manager=405, admin=405), args=["rota"], api=True),
    Row("rota-shifts", "get", STAFF_READ.expected, args=["rota"], api=True),
    Row(
        "rota-overrides",
        "post",
        signed_in(403, 401, manager=201, admin=201),
        args=["rota"],
        data=lambda world: {
            "user": world["users"]["engineer"].pk,
            "starts_at": "2026-12-01T09:00:00+08:00",
            "ends_at": "2026-12-02T09:00:00+08:00",
        },
        api=True,
    ),
    Row("api-on-duty", "get", STAFF_READ.expected, api=True),
    # --- maintenance: API (organisation A's rows: see maintenance_world) ---------------------
    Row("warranty-terms-list", "get", STAFF_READ.expected, api=True),
    Row("warranty-terms-list", "post", signed_in(403, 401, admin=400), data={}, api=True),
    Row("warranty-terms-detail", "get", STAFF_READ.expected, args=["terms"], api=True),
    Row("warranty-terms-detail", "patch", signed_in(403, 401, admin=200), args=["terms"], data={}, api=True),
    Row("warranty-terms-detail", "put", signed_in(403, 401, admin=400), args=["terms"], data={}, api=True),
    Row("warranty-terms-detail", "delete", signed_in(403, 401, admin=405), args=["terms"], api=True),
    MANAGERS_CREATE := Row("warranty-list", "post", signed_in(403, 401, manager=400, admin=400), data={}, api=True),
    Row("warranty-list", "get", signed_in(200, 401), api=True),
    SCOPED_READ := Row("warranty-detail", "get", signed_in(200, 401, customer_b=404), args=["warranty_a"], api=True),
    MANAGERS_CHANGE := Row(
        "warranty-detail",
        "patch",
        signed_in(403, 401, customer_b=404, manager=200, admin=200),
        args=["warranty_a"],
        data={"notes": "Checked"},
        api=True,
    ),
    MANAGERS_REPLACE := Row(
        "warranty-detail",
        "put",
        signed_in(403, 401, customer_b=404, manager=400, admin=400),
        args=["warranty_a"],
        data={},
        api=True,
    ),
    Row("warranty-detail", "delete", signed_in(405, 401), args=["warranty_a"], api=True),
    Row("warranty-coverage", "get", SCOPED_READ.expected, args=["warranty_a"], api=True),
    Row("contract-list", "get", signed_in(200, 401), api=True),
    Row("contract-list", "post", MANAGERS_CREATE.expected, data={}, api=True),
    Row("contract-detail", "get", SCOPED_READ.expected, args=["contract_a"], api=True),
    Row("contract-detail", "patch", MANAGERS_CHANGE.expected, args=["contract_a"], data={"notes": "x"}, api=True),
    Row("contract-detail", "put", MANAGERS_REPLACE.expected, args=["contract_a"], data={}, api=True),
    Row("contract-detail", "delete", signed_in(405, 401), args=["contract_a"], api=True),
    Row("api-ticket-coverage", "get", SCOPED_READ.expected, args=["ticket_a"], api=True),
    STAFF_DO := Row(
        "api-ticket-coverage",
        "post",
        signed_in(200, 401, customer_a=403, customer_b=404),
        args=["ticket_a"],
        data={"cause": "installation"},
        api=True,
    ),
    Row("billable-item-list", "get", SCOPED_READ.expected, args=["ticket_a"], api=True),
    Row(
        "billable-item-list",
        "post",
        signed_in(201, 401, customer_a=403, customer_b=404),
        args=["ticket_a"],
        data={"kind": "part", "description": "PSU", "quantity": 1},
        api=True,
    ),
    # the engineer removes it; it is gone for the manager and the admin
    Row(
        "billable-item-detail",
        "delete",
        signed_in(404, 401, customer_a=403, engineer=204),
        args=["ticket_a", "billable_item_a"],
        api=True,
    ),
    Row("inspection-schedule-list", "get", signed_in(200, 401), api=True),
    Row("inspection-schedule-list", "post", MANAGERS_CREATE.expected, data={}, api=True),
    Row("inspection-schedule-detail", "get", SCOPED_READ.expected, args=["schedule_a"], api=True),
    Row(
        "inspection-schedule-detail",
        "patch",
        MANAGERS_CHANGE.expected,
        args=["schedule_a"],
        data={"lead_days": 20},
        api=True,
    ),
    Row("inspection-schedule-detail", "put", MANAGERS_REPLACE.expected, args=["schedule_a"], data={}, api=True),
    Row("inspection-schedule-detail", "delete", signed_in(405, 401), args=["schedule_a"], api=True),
    Row("inspection-list", "get", signed_in(200, 401), api=True),
    Row("inspection-list", "post", signed_in(400, 401, customer_a=403, customer_b=403), data={}, api=True),
    Row("inspection-detail", "get", SCOPED_READ.expected, args=["inspection_a"], api=True),
    Row("inspection-record", "post", STAFF_DO.expected, args=["inspection_a"], data={"findings": "Fine"}, api=True),
    # the engineer completes it; it can no longer change for the manager and the admin
    Row(
        "inspection-complete",
        "post",
        signed_in(400, 401, customer_a=403, customer_b=404, engineer=200),
        args=["inspection_a"],
        data={},
        api=True,
    ),
    # managers cancel: the manager does; the admin then finds it cancelled
    Row(
        "inspection-cancel",
        "post",
        signed_in(403, 401, customer_b=404, manager=200, admin=400),
        args=["inspection_a"],
        data={"reason": "Site closed"},
        api=True,
    ),
    Row("return-visit-list", "get", signed_in(200, 401), api=True),
    Row("return-visit-list", "post", signed_in(400, 401, customer_a=403, customer_b=403), data={}, api=True),
    Row("return-visit-detail", "get", SCOPED_READ.expected, args=["return_visit_a"], api=True),
    Row(
        "return-visit-detail",
        "patch",
        STAFF_DO.expected,
        args=["return_visit_a"],
        data={"contact_name": "Alice Wu"},
        api=True,
    ),
    Row(
        "return-visit-detail",
        "put",
        signed_in(400, 401, customer_a=403, customer_b=404),
        args=["return_visit_a"],
        data={},
        api=True,
    ),
    Row("return-visit-detail", "delete", signed_in(405, 401), args=["return_visit_a"], api=True),
    # the engineer records it done; it is no longer planned for the manager and the admin
    Row(
        "return-visit-done",
        "post",
        signed_in(400, 401, customer_a=403, customer_b=404, engineer=200),
        args=["return_visit_a"],
        data={"notes": "Happy with the service", "satisfaction": 5},
        api=True,
    ),
    Row("product-list", "get", STAFF_READ.expected, api=True),
    Row("product-list", "post", signed_in(403, 401, manager=400, admin=400), data={}, api=True),
    Row("product-detail", "get", STAFF_READ.expected, args=["product"], api=True),
    Row(
        "product-detail",
        "patch",
        signed_in(403, 401, manager=200, admin=200),
        args=["product"],
        data={"description": "Gateways"},
        api=True,
    ),
    Row("product-detail", "put", signed_in(403, 401, manager=400, admin=400), args=["product"], data={}, api=True),
    Row("product-detail", "delete", signed_in(403, 401, manager=405, admin=405), args=["product"], api=True),
    Row("release-list", "get", signed_in(200, 401), api=True),
    Row("release-list", "post", MANAGERS_CREATE.expected, data={}, api=True),
    Row("release-detail", "get", SCOPED_READ.expected, args=["release_a"], api=True),
    Row(
        "release-publish",
        "post",
        signed_in(403, 401, customer_b=404, manager=200, admin=200),
        args=["release_a"],
        data={},
        api=True,
    ),
    Row("upgrade-notice-list", "get", signed_in(200, 401), api=True),
    Row("upgrade-notice-detail", "get", SCOPED_READ.expected, args=["notice_a"], api=True),
    Row(
        "upgrade-notice-track",
        "post",
        STAFF_DO.expected,
        args=["notice_a"],
        data={"status": "planned", "planned_for": "2026-12-01"},
        api=True,
    ),
    # --- training: API (organisation A's rows: see training_world) --------------------------
    Row("training-plan-list", "get", signed_in(200, 401), api=True),
    STAFF_CREATE := Row(
        "training-plan-list", "post", signed_in(400, 401, customer_a=403, customer_b=403), data={}, api=True
    ),
    Row("training-plan-detail", "get", SCOPED_READ.expected, args=["training_plan_a"], api=True),
    STAFF_CHANGE := Row(
        "training-plan-detail",
        "patch",
        signed_in(200, 401, customer_a=403, customer_b=404),
        args=["training_plan_a"],
        data={"notes": "Bring a laptop"},
        api=True,
    ),
    STAFF_REPLACE := Row(
        "training-plan-detail",
        "put",
        signed_in(400, 401, customer_a=403, customer_b=404),
        args=["training_plan_a"],
        data={},
        api=True,
    ),
    Row("training-plan-detail", "delete", signed_in(405, 401), args=["training_plan_a"], api=True),
    Row("training-session-list", "get", signed_in(200, 401), api=True),
    Row("training-session-list", "post", STAFF_CREATE.expected, data={}, api=True),
    Row("training-session-detail", "get", SCOPED_READ.expected, args=["session_a"], api=True),
    Row(
        "training-session-detail",
        "patch",
        STAFF_CHANGE.expected,
        args=["session_a"],
        data={"description": "Bring a headset"},
        api=True,
    ),
    Row("training-session-detail", "put", STAFF_REPLACE.expected, args=["session_a"], data={}, api=True),
    Row("training-session-detail", "delete", signed_in(405, 401), args=["session_a"], api=True),
    # a customer enrols themself; staff name the contact (400 without one)
    Row(
        "training-session-enrol",
        "post",
        signed_in(400, 401, customer_a=201, customer_b=404),
        args=["open_session_a"],
        data={},
        api=True,
    ),
    # the engineer enrols the colleague; then the colleague is enrolled already; a customer may
    # not enrol somebody else
    Row(
        "training-session-enrol",
        "post",
        signed_in(400, 401, customer_a=403, customer_b=404, engineer=201),
        args=["open_session_a"],
        data=lambda world: {"contact": world["colleague_a"].pk},
        api=True,
    ),
    # the engineer cancels it; then it is cancelled already
    Row(
        "training-session-cancel",
        "post",
        signed_in(400, 401, customer_a=403, customer_b=404, engineer=200),
        args=["session_a"],
        data={"reason": "Trainer ill"},
        api=True,
    ),
    Row(
        "training-session-attendance",
        "post",
        signed_in(200, 401, customer_a=403, customer_b=404, engineer=403),
        args=["held_session_a"],
        data=lambda world: {"marks": [{"enrolment": world["held_enrolment_a"].pk, "attendance": "absent"}]},
        api=True,
    ),
    Row("training-session-enrolments", "get", SCOPED_READ.expected, args=["session_a"], api=True),
    Row("enrolment-list", "get", signed_in(200, 401), api=True),
    Row("enrolment-detail", "get", SCOPED_READ.expected, args=["enrolment_a"], api=True),
    # customer A cancels their own; for staff it is cancelled already
    Row(
        "enrolment-cancel",
        "post",
        signed_in(400, 401, customer_a=200, customer_b=404),
        args=["enrolment_a"],
        data={},
        api=True,
    ),
    Row(
        "enrolment-feedback",
        "post",
        signed_in(403, 401, customer_a=201, customer_b=404),
        args=["held_enrolment_a"],
        data={"rating": 5},
        api=True,
    ),
    Row("article-list", "get", signed_in(200, 401), api=True),
    Row("article-list", "get", signed_in(200, 401), data={"q": "Zephyr article printer"}, api=True),
    Row("article-list", "post", STAFF_CREATE.expected, data={}, api=True),
    Row("article-detail", "get", signed_in(200, 401), args=["public_article"], api=True),
    Row("article-detail", "get", SCOPED_READ.expected, args=["customers_article_a"], api=True),
    Row(
        "article-detail",
        "get",
        signed_in(200, 401, customer_a=404, customer_b=404),
        args=["staff_article"],
        api=True,
    ),
    Row(
        "article-detail",
        "patch",
        signed_in(200, 401, customer_a=403, customer_b=403),
        args=["public_article"],
        data={"body": "Open the cover, remove the roll, thread it again."},
        api=True,
    ),
    Row(
        "article-detail",
        "put",
        signed_in(400, 401, customer_a=403, customer_b=403),
        args=["public_article"],
        data={},
        api=True,
    ),
    Row("article-detail", "delete", signed_in(405, 401), args=["public_article"], api=True),
    Row(
        "article-history",
        "get",
        signed_in(200, 401, customer_a=403, customer_b=403),
        args=["public_article"],
        api=True,
    ),
    Row(
        "article-solved",
        "post",
        signed_in(201, 401),
        args=["public_article"],
        data={"query": "paper jam"},
        api=True,
    ),
    Row(
        "article-solved",
        "post",
        signed_in(201, 401, customer_b=404),
        args=["customers_article_a"],
        data={},
        api=True,
    ),
    Row(
        "article-from-ticket",
        "post",
        signed_in(201, 401, customer_a=403, customer_b=403),
        data=lambda world: {"ticket": world["resolved_ticket_a"].pk},
        api=True,
    ),
    Row("article-category-list", "get", signed_in(200, 401), api=True),
    # --- reports: the dashboard, quality reviews, the service archive (docs/reports.md) -------
    # the dashboard and its exports: everyone signed in, a customer for its own organisation
    # (another's project is not a choice: a form error on the page, 400 for an export)
    Row("reports:dashboard", "get", signed_in(200, 302)),
    Row("reports:dashboard", "get", signed_in(200, 302), query=lambda world: {"project": world["project_a"].pk}),
    Row("reports:export", "get", signed_in(200, 302), args=["report_table", "csv"]),
    Row("reports:export", "get", signed_in(200, 302), args=["breaches_table", "xlsx"]),
    Row(
        "reports:export",
        "get",
        signed_in(200, 302, customer_b=400),
        args=["report_table", "csv"],
        query=lambda world: {"project": world["project_a"].pk},
    ),
    # quality reviews: staff read, managers and admins write, customers neither
    STAFF_READ := Row("reports:reviews", "get", signed_in(200, 302, customer_a=403, customer_b=403)),
    Row(
        "reports:reviews",
        "post",
        signed_in(403, 302, manager=302, admin=302),
        data=lambda world: {**review_request(world), "language": "en"},
    ),
    Row("reports:review-file", "get", STAFF_READ.expected, args=["review_a"]),
    # the archive: staff any organisation's, a customer its own (another's is not found)
    ARCHIVE_READ := Row("reports:archive-organisation", "get", signed_in(200, 302, customer_b=404), args=["org_a"]),
    Row("reports:archive-organisation-export", "get", ARCHIVE_READ.expected, args=["org_a", "csv"]),
    Row("reports:archive-organisation-export", "get", ARCHIVE_READ.expected, args=["org_a", "pdf"]),
    Row("reports:archive-project", "get", ARCHIVE_READ.expected, args=["project_a"]),
    Row("reports:archive-project-export", "get", ARCHIVE_READ.expected, args=["project_a", "csv"]),
    Row("reports:archive-project-export", "get", ARCHIVE_READ.expected, args=["project_a", "pdf"]),
    Row("api-report-sla", "get", signed_in(200, 401), api=True),
    Row("api-report-sla", "get", signed_in(200, 401), query=lambda world: {"group_by": "engineer"}, api=True),
    Row(
        "api-report-sla",
        "get",
        signed_in(200, 401, customer_b=400),
        query=lambda world: {"project": world["project_a"].pk},
        api=True,
    ),
    Row("api-report-dashboard", "get", signed_in(200, 401), api=True),
    Row(
        "api-archive",
        "get",
        signed_in(200, 401, customer_b=404),
        query=lambda world: {"organisation": world["org_a"].pk},
        api=True,
    ),
    Row(
        "api-archive",
        "get",
        signed_in(200, 401, customer_b=404),
        query=lambda world: {"project": world["project_a"].pk},
        api=True,
    ),
    REVIEW_API_READ := Row("quality-review-list", "get", signed_in(200, 401, customer_a=403, customer_b=403), api=True),
    Row(
        "quality-review-list",
        "post",
        signed_in(403, 401, manager=201, admin=201),
        data=lambda world: review_request(world),
        api=True,
    ),
    Row("quality-review-detail", "get", REVIEW_API_READ.expected, args=["review_a"], api=True),
    Row(
        "quality-review-detail",
        "patch",
        signed_in(403, 401, manager=405, admin=405),
        args=["review_a"],
        data={"language": "en"},
        api=True,
    ),
    Row("quality-review-detail", "delete", signed_in(403, 401, manager=405, admin=405), args=["review_a"], api=True),
    # --- the email intake (docs/email.md): staff only; inbound A waits for triage -----------
    MAIL_READ := Row("mail:list", "get", signed_in(200, 302, customer_a=403, customer_b=403)),
    Row("mail:list", "get", MAIL_READ.expected, query=lambda world: {"status": "all", "q": "Zephyr"}),
    Row("mail:detail", "get", MAIL_READ.expected, args=["inbound_a"]),
    Row("mail:original", "get", MAIL_READ.expected, args=["inbound_a"]),
    # the engineer files it (to the ticket); for the manager and the admin it is handled
    # already (back to the email, with a message)
    MAIL_ACTION := Row(
        "mail:open-ticket",
        "post",
        signed_in(302, 302, customer_a=403, customer_b=403),
        args=["inbound_a"],
        data=lambda world: {
            "project": world["project_a"].pk,
            "reporter": world["users"]["customer_a"].pk,
            "priority": "normal",
        },
    ),
    Row(
        "mail:add-to-ticket",
        "post",
        MAIL_ACTION.expected,
        args=["inbound_a"],
        data=lambda world: {"ticket": world["ticket_a"].reference},
    ),
    Row("mail:dismiss", "post", MAIL_ACTION.expected, args=["inbound_a"], data={}),
    Row("mail:retry", "post", MAIL_ACTION.expected, args=["inbound_q_a"], data={}),
    # a CC address an email asked for, waiting for staff (approved by the first, decided already for the next)
    Row("mail:cc-decide", "post", MAIL_ACTION.expected, args=["cc_request_a"], data={"decision": "approve"}),
    MAIL_API_READ := Row("inbound-email-list", "get", signed_in(200, 401, customer_a=403, customer_b=403), api=True),
    Row("inbound-email-list", "get", MAIL_API_READ.expected, query=lambda world: {"status": "triage"}, api=True),
    Row("inbound-email-list", "post", signed_in(405, 401, customer_a=403, customer_b=403), data={}, api=True),
    Row("inbound-email-detail", "get", MAIL_API_READ.expected, args=["inbound_a"], api=True),
    Row(
        "inbound-email-detail",
        "patch",
        signed_in(405, 401, customer_a=403, customer_b=403),
        args=["inbound_a"],
        data={"status": "dismissed"},
        api=True,
    ),
    Row(
        "inbound-email-detail",
        "delete",
        signed_in(405, 401, customer_a=403, customer_b=403),
        args=["inbound_a"],
        api=True,
    ),
    # the engineer files it; for the manager and the admin it is handled already (400)
    MAIL_API_ACTION := Row(
        "inbound-email-open-ticket",
        "post",
        signed_in(400, 401, customer_a=403, customer_b=403, engineer=200),
        args=["inbound_a"],
        data=lambda world: {"project": world["project_a"].pk, "reporter": world["users"]["customer_a"].pk},
        api=True,
    ),
    Row(
        "inbound-email-add-to-ticket",
        "post",
        MAIL_API_ACTION.expected,
        args=["inbound_a"],
        data=lambda world: {"ticket": world["ticket_a"].pk},
        api=True,
    ),
    Row("inbound-email-dismiss", "post", MAIL_API_ACTION.expected, args=["inbound_a"], data={}, api=True),
    Row("inbound-email-retry", "post", MAIL_API_ACTION.expected, args=["inbound_q_a"], data={}, api=True),
]

# each capability of issue 22 keeps its rows and its part of the world in its own module
CAPABILITIES = [
    matrix_assets,
    matrix_hotline,
    matrix_identity,
    matrix_imports,
    matrix_incidents,
    matrix_links,
    matrix_live,
    matrix_loops,
    matrix_macros,
    matrix_oidc,
    matrix_parts,
    matrix_privacy,
    matrix_queue_views,
    matrix_security,
    matrix_sla,
    matrix_time,
    matrix_two_factor,
]
MATRIX += [row for capability in CAPABILITIES for row in capability.ROWS]

# URL names that are not ours to test row by row: Django's admin beyond its index (covered by
# Django's own is_staff check, and asserted for every role through admin:index), and
# javascript-catalog style helpers.
NOT_IN_MATRIX_PREFIXES = ("admin:",)


def _named_patterns(resolver: URLResolver = None, namespace: str = "") -> set[str]:
    names = set()
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= _named_patterns(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(f"{namespace}{pattern.name}")
    return names


def test_every_url_is_in_the_matrix():
    covered = {row.name for row in MATRIX}
    missing = {
        name for name in _named_patterns() if name not in covered and not name.startswith(NOT_IN_MATRIX_PREFIXES)
    }
    assert missing == set(), "add these URLs to the permission matrix"


@pytest.fixture(scope="module")
def _shared_world(django_db_setup, django_db_blocker):
    """The world is built once for the whole matrix, inside a transaction rolled back at the end.

    Each row runs in its own savepoint within it (the ``db`` fixture), so what a row writes is
    undone before the next; building the world per row cost about two seconds a row."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            world = _base_world()
            for capability in CAPABILITIES:
                world.update(capability.world(world))
            yield world
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def world(_shared_world, db):
    return _shared_world


def _base_world() -> dict[str, Any]:
    org_a = OrganisationFactory(name="Zephyr-Org-A", code="zephyr-org-a")
    org_b = OrganisationFactory(name="Org B", code="org-b")
    project_a = ProjectFactory(organisation=org_a, name="Zephyr project A", code="zephyr-prj-a")
    InstalledProductFactory(project=project_a, name="Zephyr-Product-A")
    ProjectFactory(organisation=org_b, name="Project B", code="prj-b")
    users = {
        "customer_a": CustomerFactory(username="zephyr-cust-a", organisation=org_a),
        "customer_b": CustomerFactory(username="cust-b", organisation=org_b),
        "engineer": UserFactory(username="eng", role=User.Role.ENGINEER),
        "manager": UserFactory(username="mgr", role=User.Role.MANAGER),
        "admin": UserFactory(username="adm", role=User.Role.ADMIN, is_staff=True, is_superuser=True),
    }
    calendar = calendar_save(
        name="Hours", timezone_name="Asia/Shanghai", hours=[{"weekday": 0, "start_minute": 540, "end_minute": 1080}]
    )
    policy = policy_save(
        name="Policy",
        is_default=True,
        targets=[{"priority": "normal", "metric": "first_response", "minutes": 240, "calendar": calendar}],
    )
    ticket_a = ticket_create(
        actor=users["customer_a"],
        project=project_a,
        title="Zephyr fault A",
        description="Zephyr fault A: the gateway restarts",
        attachments=[SimpleUploadedFile("zephyr-log-a.txt", b"Zephyr-Org-A gateway log\n", content_type="text/plain")],
    )
    notification_a = Notification.objects.get(recipient=users["customer_a"])
    # incident A, reported by customer A, graded, its plan active, an engineer on the way
    create_emergency_defaults()
    incident_a = services.incident_create(
        actor=users["customer_a"],
        project=project_a,
        title="Zephyr incident A",
        symptoms="Zephyr incident A: the historian is down",
    )
    for to, data in [
        ("assessed", {"grade": "important"}),
        ("plan_activated", {}),
        ("remote_handling", {}),
        ("onsite", {"engineer": users["engineer"]}),
    ]:
        incident_a = services.incident_transition(incident_id=incident_a.pk, actor=users["manager"], to=to, **data)
    rota = rotas.rota_save(
        name="Liaison rota",
        timezone="Asia/Shanghai",
        handover=datetime.time(9),
        shift_days=7,
        starts_on=datetime.date(2026, 1, 5),
        members=[users["engineer"], users["manager"]],
    )
    return {
        "org_a": org_a,
        "project_a": project_a,
        "users": users,
        "uid": "MQ",
        "token": "bad-token",
        "ticket_a": ticket_a,
        "attachment_a": ticket_a.attachments.get(),
        "calendar": calendar,
        "policy": policy,
        "notification_a": notification_a,
        "escalation_policy": escalation_policy_save(
            name="Matrix", steps=[{"action": "notify_managers", "delay_minutes": 0}]
        ),
        "incident_a": incident_a,
        "resource_a": incident_a.resources.first(),
        "plan": incident_a.plan,
        "risk_a": services.risk_save(
            actor=users["engineer"],
            project=project_a,
            category="hardware",
            title="Zephyr risk A",
            likelihood=3,
            impact=4,
        ),
        "rota": rota,
        "feed_token": feed_key(rotas.rota_feed_urls(viewer=users["engineer"], rotas=[rota])[rota.pk]),
        "bad_feed_token": "rota:1:bad-signature",
        "api_token_a": api_token_create(user=users["customer_a"], name="Zephyr-free client")[0],
        "calendar_link_a": calendar_link_of(users["customer_a"], project_a),
        **maintenance_world(project_a, users, ticket_a),
        **maintenance_pages_world(project_a, users),
        **training_world(org_a, project_a, users),
        **reports_world(org_a, users),
        **mail_world(),
    }


def maintenance_world(project_a, users, ticket_a) -> dict[str, Any]:
    """Organisation A's maintenance rows: warranty terms and a warranty, a service contract, a
    quarterly schedule, an open health check with its findings written, a planned return
    visit, billable work on ticket A, and a release of the product project A runs, published."""
    engineer, manager = users["engineer"], users["manager"]
    terms = maintenance_services.terms_save(name="Standard 2 years", duration_months=24)
    checklist = ChecklistTemplate.objects.create(name="Quarterly inspection")
    inspection = maintenance_services.health_check_create(
        actor=manager, project=project_a, engineer=engineer, due_date=datetime.date(2026, 12, 1), title="Health check"
    )
    maintenance_services.inspection_record(inspection_id=inspection.pk, actor=engineer, findings="All fine so far")
    product = maintenance_services.product_save(name="Zephyr-Product-A")
    release = maintenance_services.release_save(product=product, version="2.0", released_on=datetime.date(2026, 1, 1))
    maintenance_services.release_publish(release_id=release.pk, actor=manager)
    return {
        "terms": terms,
        "warranty_a": maintenance_services.warranty_save(project=project_a, terms=terms),
        "contract_a": maintenance_services.contract_save(
            project=project_a,
            number="SC-A",
            start_date=datetime.date(2027, 7, 1),
            end_date=datetime.date(2028, 6, 30),
        ),
        "schedule_a": maintenance_services.schedule_save(
            project=project_a,
            name="Quarterly inspection",
            rule="FREQ=MONTHLY;INTERVAL=3",
            first_date=datetime.date(2026, 1, 15),
            engineer=engineer,
            checklist=checklist,
        ),
        "inspection_a": inspection,
        "return_visit_a": maintenance_services.return_visit_save(
            actor=engineer, project=project_a, scheduled_for=datetime.date(2026, 12, 1), staff=engineer
        ),
        "billable_item_a": maintenance_services.billable_item_add(
            ticket_id=ticket_a.pk, actor=engineer, kind="labour", description="Repair", quantity=1
        ),
        "product": product,
        "release_a": release,
        "notice_a": release.notices.get(),
    }


def maintenance_pages_world(project_a, users) -> dict[str, Any]:
    """For the pages besides: a completed visit of project A with its photo (the report and the
    photo are served), and a calendar feed link that holds none of organisation A's visits."""
    import io

    from PIL import Image

    from maintenance import visit_feeds

    engineer = users["engineer"]
    completed = maintenance_services.health_check_create(
        actor=engineer, project=project_a, engineer=engineer, due_date=datetime.date(2026, 1, 5), title="Done"
    )
    maintenance_services.inspection_record(inspection_id=completed.pk, actor=engineer, findings="Zephyr findings A")
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "PNG")
    photo = maintenance_services.photo_add(
        inspection_id=completed.pk,
        actor=engineer,
        image=SimpleUploadedFile("rack.png", buffer.getvalue(), content_type="image/png"),
    )
    maintenance_services.inspection_complete(inspection_id=completed.pk, actor=engineer)
    return {
        "completed_a": completed,
        "photo_a": photo,
        "maintenance_feed_token": feed_key(
            visit_feeds.engineer_feed_urls(viewer=users["admin"], engineers=[users["admin"]])[users["admin"].pk]
        ),
    }


def training_world(org_a, project_a, users) -> dict[str, Any]:
    """Organisation A's training rows: a plan; session A (online, next week, trained by the
    engineer) with customer A enrolled and a handout; an open session nobody is enrolled in; a
    session held yesterday by another trainer, customer A marked present (no feedback yet); a
    colleague of customer A; articles of each visibility, and a draft; a resolved ticket."""
    from tickets.services import ticket_update
    from training import services as training_services
    from training.models import Article, Enrolment, TrainingSession

    engineer = users["engineer"]
    trainer = UserFactory(username="trainer", role=User.Role.ENGINEER)
    plan = training_services.plan_save(
        actor=engineer,
        project=project_a,
        title="Zephyr training A",
        topics=[{"kind": "operation", "title": "Daily operation", "hours": 2}],
    )
    next_week = timezone.now().replace(microsecond=0) + datetime.timedelta(days=7)

    def session(title: str, starts: datetime.datetime, **fields: Any) -> TrainingSession:
        fields.setdefault("format", TrainingSession.Format.ONLINE)
        fields.setdefault("meeting_link", "https://meet.example.com/zephyr")
        return training_services.session_save(
            actor=engineer,
            plan=plan,
            title=title,
            starts_at=starts,
            ends_at=starts + datetime.timedelta(hours=2),
            capacity=5,
            **{"trainer": engineer, **fields},
        )

    session_a = session("Zephyr session A: online", next_week)
    open_session = session("Zephyr session A: open", next_week + datetime.timedelta(days=1))
    held = session(
        "Zephyr session A: held",
        next_week - datetime.timedelta(days=8),
        format=TrainingSession.Format.CENTRALISED,
        meeting_link="",
        location="Training centre",
        trainer=trainer,
    )
    customer_a = users["customer_a"]
    enrolment = training_services.enrol(session_id=session_a.pk, contact=customer_a, actor=customer_a)
    # enrolment closes when a session starts: the seat in a past session is written directly
    held_enrolment = Enrolment.objects.create(
        session=held, contact=customer_a, queued_at=held.starts_at, enrolled_by=engineer
    )
    training_services.attendance_take(session_id=held.pk, actor=trainer, marks={held_enrolment.pk: "present"})
    material = training_services.material_add(
        session_id=session_a.pk,
        actor=engineer,
        title="Handout",
        file=SimpleUploadedFile("handout.pdf", b"%PDF-1.4 Zephyr-Org-A handout", content_type="application/pdf"),
    )

    def article(title: str, **fields: Any) -> Article:
        fields.setdefault("status", Article.Status.PUBLISHED)
        return training_services.article_save(
            actor=engineer, title=title, body=f"{title}: open the cover.", language="en", **fields
        )

    resolved = ticket_create(
        actor=customer_a, project=project_a, title="Labels shifted", description="Every second label is skipped"
    )
    ticket_update(ticket_id=resolved.pk, actor=engineer, status="resolved")
    return {
        "training_plan_a": plan,
        "session_a": session_a,
        "open_session_a": open_session,
        "held_session_a": held,
        "enrolment_a": enrolment,
        "held_enrolment_a": held_enrolment,
        "material_a": material,
        "colleague_a": CustomerFactory(username="colleague-a", organisation=org_a),
        "public_article": article("Printer paper jam", visibility=Article.Visibility.PUBLIC),
        "customers_article_a": article(
            "Zephyr article A: printer labels", visibility=Article.Visibility.CUSTOMERS, projects=[project_a]
        ),
        "staff_article": article("Controller password reset", visibility=Article.Visibility.STAFF),
        "draft_article": article(
            "Printer driver crash", visibility=Article.Visibility.PUBLIC, status=Article.Status.DRAFT
        ),
        "resolved_ticket_a": resolved,
    }


def reports_world(org_a, users) -> dict[str, Any]:
    """Organisation A's quality review of March 2026, written by the manager, and the names of
    the dashboard's tables and export formats the URLs take."""
    from reports.services import review_generate

    review = review_generate(
        organisation=org_a, period="month", day=datetime.date(2026, 3, 15), actor=users["manager"], language="en"
    )
    return {
        "review_a": review,
        "report_table": "attainment",
        "breaches_table": "breaches",
        "csv": "csv",
        "xlsx": "xlsx",
        "pdf": "pdf",
    }


def mail_world() -> dict[str, Any]:
    """An email from someone the desk does not know, about organisation A's project, waiting
    for triage (read through the intake's one way in)."""
    from django.core.files.base import ContentFile

    from mail.models import InboundMessage
    from mail.services import message_ingest

    raw = (
        b"From: Zephyr Visitor <visitor@zephyr-a.example.com>\r\n"
        b"To: support@desk.example.com\r\n"
        b"Subject: Zephyr fault A by email\r\n"
        b"Message-ID: <matrix-1@zephyr-a.example.com>\r\n"
        b"Date: Mon, 30 Nov 2026 09:00:00 +0800\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n"
        b"\r\n"
        b"Zephyr-Org-A: the gateway restarts every night.\r\n"
    )
    inbound, _new = message_ingest(raw=raw)
    assert inbound.status == "triage", inbound.reason
    # and one quarantined by a fault since mended: filing it again puts it in triage
    quarantined = InboundMessage.objects.create(
        message_id="<matrix-2@zephyr-a.example.com>", received_at=timezone.now(), status="quarantined", reason="A bug."
    )
    quarantined.raw.save("matrix-2.eml", ContentFile(raw.replace(b"matrix-1", b"matrix-2")))
    # a CC address on organisation A's ticket that waits for a staff decision
    from mail.models import CcRequest
    from tickets.models import Ticket

    ticket_a = Ticket.objects.filter(organisation__code="zephyr-org-a").order_by("pk").first()
    cc_request = CcRequest.objects.create(ticket=ticket_a, address="partner@zephyr-partner.example.com")
    return {"inbound_a": inbound, "inbound_q_a": quarantined, "cc_request_a": cc_request}


def session_form(world, *, title: str) -> dict[str, Any]:
    """What the session form posts: an online session a month from now."""
    starts = timezone.localtime() + datetime.timedelta(days=30)
    return {
        "title": title,
        "format": "online",
        "location": "",
        "meeting_link": "https://meet.example.com/evening",
        "trainer": world["users"]["engineer"].pk,
        "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (starts + datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "capacity": "10",
        "language": "en",
        "description": "",
    }


def article_form(*, title: str) -> dict[str, Any]:
    return {
        "title": title,
        "body": "Open the cover and thread the labels again.",
        "language": "en",
        "kind": "troubleshooting",
        "visibility": "public",
        "status": "published",
        "category": "",
        "tags": "printer",
        "applies_to": "",
        "translation_of": "",
    }


def _client(world, role: str, api: bool):
    client = APIClient() if api else APIClient(enforce_csrf_checks=False)
    user = world["users"].get(role)
    if user is not None:
        if api:
            client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_create(user=user, name='matrix')[1]}")
        else:
            client.force_login(user)
    return client


def _url(world, row: Row) -> str:
    args = [world[name].pk if hasattr(world[name], "pk") else world[name] for name in row.args]
    query = f"?{urlencode(row.query(world))}" if row.query else ""
    return reverse(row.name, args=args) + query


@pytest.mark.parametrize("row", MATRIX, ids=lambda row: f"{row.method.upper()} {row.name}")
def test_permission_matrix(world, row):
    answers = {}
    data = row.data(world) if callable(row.data) else row.data
    for role in ROLES:
        client = _client(world, role, row.api)
        response = getattr(client, row.method)(_url(world, row), data, format="json" if row.api else None)
        answers[role] = response.status_code
        if role == "customer_b" and response.status_code < 400:
            content = b"".join(response.streaming_content) if response.streaming else response.content
            body = content.decode(errors="replace")
            leaked = [marker for marker in MARKERS_OF_A if marker in body]
            assert leaked == [], f"{row.name} showed organisation A's data to customer B"
    assert answers == row.expected
