"""The permission matrix's rows for loops that close: review actions, return visits, inspection sign-off (issue 22)."""

import datetime
from typing import Any

from emergency import services as emergency_services
from maintenance import services as maintenance_services
from tests.security.matrix_rows import Row, signed_in

STAFF_PAGE = signed_in(200, 302, customer_a=403, customer_b=403)
MANAGER_PAGE = signed_in(403, 302, manager=200, admin=200)
MANAGER_FORM = signed_in(403, 302, manager=302, admin=302)
# an incident page's action: staff are sent back to the page, A's customer may not, B's does not see it
INCIDENT_ACTION = signed_in(302, 302, customer_a=403, customer_b=404)
STAFF_API = signed_in(403, 401)


def _action_form(prefix: str):
    def data(world: dict) -> dict:
        return {
            f"{prefix}-description": "Zephyr action A: replace the UPS batteries",
            f"{prefix}-owner": world["users"]["engineer"].pk,
            f"{prefix}-due_date": "2027-01-15",
        }

    return data


def _edit_form(world: dict) -> dict:
    return _action_form(f"action-{world['review_action_a'].pk}")(world)


SCHEDULE_FORM = {
    "name": "Zephyr quarterly call A",
    "rule": "FREQ=MONTHLY;INTERVAL=3",
    "first_date": "2027-01-10",
    "lead_days": 30,
    "remind_days": 2,
    "is_active": "on",
}


def _schedule_form(world: dict) -> dict:
    return {**SCHEDULE_FORM, "project": world["project_a"].pk, "staff": world["users"]["engineer"].pk}


ROWS: list[Row] = [
    # review actions on the incident page (staff): added, changed, done (the engineer marks it
    # done; for the manager and the admin it is done already: a message, the same redirect)
    Row(
        "emergency:review_action_add",
        "post",
        INCIDENT_ACTION,
        args=["reviewed_incident_a"],
        data=_action_form("new-action"),
    ),
    Row(
        "emergency:review_action_edit",
        "post",
        INCIDENT_ACTION,
        args=["reviewed_incident_a", "review_action_a"],
        data=_edit_form,
    ),
    Row(
        "emergency:review_action_done",
        "post",
        INCIDENT_ACTION,
        args=["reviewed_incident_a", "review_action_a"],
        data={},
    ),
    # the API: staff only (a customer, whichever, gets 403)
    Row("review-action-list", "get", signed_in(200, 401, customer_a=403, customer_b=403), api=True),
    Row(
        "review-action-list",
        "post",
        signed_in(201, 401, customer_a=403, customer_b=403),
        data=lambda world: {
            "incident": world["reviewed_incident_a"].pk,
            "description": "Zephyr action A: a spare controller",
            "owner": world["users"]["manager"].pk,
            "due_date": "2027-01-20",
        },
        api=True,
    ),
    Row(
        "review-action-detail",
        "get",
        signed_in(200, 401, customer_a=403, customer_b=403),
        args=["review_action_a"],
        api=True,
    ),
    Row(
        "review-action-detail",
        "patch",
        signed_in(200, 401, customer_a=403, customer_b=403),
        args=["review_action_a"],
        data={"due_date": "2027-02-01"},
        api=True,
    ),
    Row(
        "review-action-detail",
        "put",
        signed_in(405, 401, customer_a=403, customer_b=403),
        args=["review_action_a"],
        data={},
        api=True,
    ),
    Row(
        "review-action-detail",
        "delete",
        signed_in(405, 401, customer_a=403, customer_b=403),
        args=["review_action_a"],
        api=True,
    ),
    # the engineer marks it done (reopens the done one); for the manager and the admin it is so already
    Row(
        "review-action-done",
        "post",
        signed_in(400, 401, customer_a=403, customer_b=403, engineer=200),
        args=["review_action_a"],
        data={},
        api=True,
    ),
    Row(
        "review-action-reopen",
        "post",
        signed_in(400, 401, customer_a=403, customer_b=403, engineer=200),
        args=["done_review_action_a"],
        data={},
        api=True,
    ),
    # return-visit schedules: staff read the page, managers write; customers read theirs in the API
    Row("maintenance:return_schedules", "get", STAFF_PAGE),
    Row("maintenance:return_schedule_create", "get", MANAGER_PAGE),
    Row("maintenance:return_schedule_create", "post", MANAGER_FORM, data=_schedule_form),
    Row("maintenance:return_schedule_edit", "get", MANAGER_PAGE, args=["return_schedule_a"]),
    Row("maintenance:return_schedule_edit", "post", MANAGER_FORM, args=["return_schedule_a"], data=_schedule_form),
    Row("return-visit-schedule-list", "get", signed_in(200, 401), api=True),
    Row("return-visit-schedule-list", "post", signed_in(403, 401, manager=400, admin=400), data={}, api=True),
    Row(
        "return-visit-schedule-detail", "get", signed_in(200, 401, customer_b=404), args=["return_schedule_a"], api=True
    ),
    Row(
        "return-visit-schedule-detail",
        "patch",
        signed_in(403, 401, customer_b=404, manager=200, admin=200),
        args=["return_schedule_a"],
        data={"remind_days": 3},
        api=True,
    ),
    Row(
        "return-visit-schedule-detail",
        "put",
        signed_in(403, 401, customer_b=404, manager=400, admin=400),
        args=["return_schedule_a"],
        data={},
        api=True,
    ),
    Row("return-visit-schedule-detail", "delete", signed_in(405, 401), args=["return_schedule_a"], api=True),
    # the customer of the project signs the completed report off, once; B's does not see it;
    # staff may not sign for the customer
    Row(
        "maintenance:inspection_sign_off",
        "post",
        signed_in(403, 302, customer_a=302, customer_b=404),
        args=["signable_inspection_a"],
        data={"name": "Zephyr signer A", "remarks": "Received"},
    ),
    Row(
        "inspection-sign-off",
        "post",
        signed_in(403, 401, customer_a=200, customer_b=404),
        args=["signable_inspection_a"],
        data={"name": "Zephyr signer A", "remarks": "Received"},
        api=True,
    ),
]


def world(base: dict[str, Any]) -> dict[str, Any]:
    """Organisation A's incident taken to its review with an open and a done improvement
    action, a return-visit schedule, and a completed inspection not signed off yet."""
    users = base["users"]
    manager, engineer = users["manager"], users["engineer"]
    incident = emergency_services.incident_create(
        actor=manager,
        project=base["project_a"],
        title="Zephyr incident A reviewed",
        symptoms="Zephyr incident A: the UPS failed",
        reporter_name="Zephyr caller A",
    )
    for to, data in [
        ("assessed", {"grade": "general"}),
        ("plan_activated", {}),
        ("remote_handling", {}),
        ("recovered", {}),
        ("verified", {"verification_note": "Confirmed by phone"}),
        ("reviewed", {"root_cause": "Old batteries", "summary": "Back in an hour"}),
    ]:
        incident = emergency_services.incident_transition(incident_id=incident.pk, actor=manager, to=to, **data)
    due = datetime.date(2027, 1, 10)
    action = emergency_services.review_action_create(
        incident_id=incident.pk, actor=manager, description="Zephyr action A: test", owner=engineer, due_date=due
    )
    done = emergency_services.review_action_create(
        incident_id=incident.pk, actor=manager, description="Zephyr action A: done", owner=engineer, due_date=due
    )
    emergency_services.review_action_done(action_id=done.pk, actor=manager)
    schedule = maintenance_services.return_visit_schedule_save(
        actor=manager,
        project=base["project_a"],
        name="Zephyr return visits A",
        rule="FREQ=MONTHLY;INTERVAL=6",
        first_date=datetime.date(2027, 1, 10),
        staff=engineer,
    )
    inspection = maintenance_services.health_check_create(
        actor=manager,
        project=base["project_a"],
        engineer=engineer,
        due_date=datetime.date(2026, 11, 1),
        title="Zephyr health check A",
    )
    maintenance_services.inspection_record(inspection_id=inspection.pk, actor=engineer, findings="All fine")
    maintenance_services.inspection_complete(inspection_id=inspection.pk, actor=engineer)
    return {
        "reviewed_incident_a": incident,
        "review_action_a": action,
        "done_review_action_a": done,
        "return_schedule_a": schedule,
        "signable_inspection_a": inspection,
    }
