"""The permission matrix's rows for time entries and the time report (issue 23).

Time is the vendor's: anonymous visitors are sent to log in (pages) or get 401 (API); a customer
gets 404 for another organisation's ticket or incident (customer B never learns it exists) and
403 for their own; staff record, and an entry is changed or deleted by its author (the engineer
here) or a manager. The time report is staff only (customers 403).
"""

from typing import Any

from tests.security.matrix_rows import Row, signed_in

STAFF_PAGE = signed_in(200, 302, customer_a=403, customer_b=403)
STAFF_API = signed_in(200, 401, customer_a=403, customer_b=403)
ON_TICKET_PAGE = signed_in(302, 302, customer_a=403, customer_b=404)  # staff: back to the page

ROWS: list[Row] = [
    # --- pages -------------------------------------------------------------------------------
    Row("tickets:time_add", "post", ON_TICKET_PAGE, args=["ticket_a"], data={"time-minutes": "5"}),
    Row("tickets:time_add", "post", ON_TICKET_PAGE, args=["ticket_a"], data={"time-minutes": "0"}),
    # the engineer deletes it; the manager and the admin are told it is gone
    Row("tickets:time_delete", "post", ON_TICKET_PAGE, args=["ticket_a", "time_entry_a"], data={}),
    Row("emergency:time_add", "post", ON_TICKET_PAGE, args=["incident_a"], data={"time-minutes": "5"}),
    Row("emergency:time_delete", "post", ON_TICKET_PAGE, args=["incident_a", "incident_time_entry_a"], data={}),
    Row("reports:time", "get", STAFF_PAGE),
    Row("reports:time", "get", STAFF_PAGE, query=lambda world: {"organisation": world["org_a"].pk}),
    Row("reports:time-export", "get", STAFF_PAGE, args=["time_group_ticket", "csv"]),
    Row("reports:time-export", "get", STAFF_PAGE, args=["time_group_organisation", "xlsx"]),
    # --- API ---------------------------------------------------------------------------------
    Row(
        "ticket-time-entry-list",
        "get",
        signed_in(200, 401, customer_a=403, customer_b=404),
        args=["ticket_a"],
        api=True,
    ),
    Row(
        "ticket-time-entry-list",
        "post",
        signed_in(201, 401, customer_a=403, customer_b=404),
        args=["ticket_a"],
        data={"minutes": 15, "billable": True},
        api=True,
    ),
    Row(
        "ticket-time-entry-list",
        "post",
        signed_in(400, 401, customer_a=403, customer_b=404),
        args=["ticket_a"],
        data={"minutes": 1441},
        api=True,
    ),
    Row(
        "ticket-time-entry-detail",
        "patch",
        signed_in(200, 401, customer_a=403, customer_b=404),
        args=["ticket_a", "time_entry_a"],
        data={"minutes": 10},
        api=True,
    ),
    Row(
        "ticket-time-entry-detail",
        "delete",
        signed_in(404, 401, customer_a=403, engineer=204),
        args=["ticket_a", "time_entry_a"],
        api=True,
    ),
    Row(
        "incident-time-entry-list",
        "get",
        signed_in(200, 401, customer_a=403, customer_b=404),
        args=["incident_a"],
        api=True,
    ),
    Row(
        "incident-time-entry-list",
        "post",
        signed_in(201, 401, customer_a=403, customer_b=404),
        args=["incident_a"],
        data={"minutes": 15},
        api=True,
    ),
    Row(
        "incident-time-entry-detail",
        "patch",
        signed_in(200, 401, customer_a=403, customer_b=404),
        args=["incident_a", "incident_time_entry_a"],
        data={"note": "Zephyr time A, again"},
        api=True,
    ),
    Row(
        "incident-time-entry-detail",
        "delete",
        signed_in(404, 401, customer_a=403, engineer=204),
        args=["incident_a", "incident_time_entry_a"],
        api=True,
    ),
    Row("api-report-time", "get", STAFF_API, api=True),
    Row("api-report-time", "get", STAFF_API, query=lambda world: {"organisation": world["org_a"].pk}, api=True),
]


def world(base: dict[str, Any]) -> dict[str, Any]:
    """An entry by the engineer on ticket A (billable: project A is not covered, so it is billed)
    and one on incident A, both noted with A's marker."""
    from emergency import services as emergency_services
    from tickets import services

    engineer = base["users"]["engineer"]
    entry = services.time_entry_add(
        actor=engineer, ticket_id=base["ticket_a"].pk, minutes=30, billable=True, note="Zephyr time A"
    )
    incident_entry = emergency_services.incident_time_entry_add(
        actor=engineer, incident_id=base["incident_a"].pk, minutes=45, note="Zephyr time A"
    )
    return {
        "time_entry_a": entry,
        "incident_time_entry_a": incident_entry,
        "time_group_ticket": "ticket",
        "time_group_organisation": "organisation",
    }
