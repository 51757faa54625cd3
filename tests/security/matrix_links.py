"""The permission matrix's rows for merging and linking tickets (issue 23).

Staff merge and link; customers read the links of their own organisation's tickets (403 on
a write to their own ticket, 404 on another organisation's). Organisation B's ticket is linked
by staff to A's ticket and to A's incident: customer B reads its ticket's links without a trace
of A. A removal row's first staff call removes the link, so the later ones find it gone."""

from typing import Any

from customers.models import Project
from emergency.services.links import incident_ticket_link
from tests.security.matrix_rows import Row, signed_in
from tickets.services import ticket_create
from tickets.services.links import ticket_link

# a write to one's own ticket is refused (403), another organisation's ticket is not found (404)
PAGE_WRITE = signed_in(302, 302, customer_a=403, customer_b=404)
STAFF_PAGE_POST = signed_in(302, 302, customer_a=403, customer_b=403)
REMOVED_ONCE_API = signed_in(404, 401, customer_a=403, engineer=204)

ROWS: list[Row] = [
    # --- pages -----------------------------------------------------------------------------
    Row("tickets:link_add", "post", PAGE_WRITE, args=["ticket_a"], data={}),
    Row("tickets:link_remove", "post", PAGE_WRITE, args=["ticket_a", "ticket_link_a"]),
    Row("tickets:merge", "post", PAGE_WRITE, args=["ticket_dup_a"], data={}),
    Row("tickets:bulk_merge", "post", STAFF_PAGE_POST, data={}),
    Row("emergency:bulk_link", "post", STAFF_PAGE_POST, data={}),
    Row("emergency:ticket_link", "post", PAGE_WRITE, args=["ticket_a"], data={}),
    Row(
        "emergency:ticket_link_remove",
        "post",
        signed_in(404, 302, customer_a=403, engineer=302),
        args=["incident_a", "incident_link_a"],
    ),
    # --- API -------------------------------------------------------------------------------
    Row(
        "api-ticket-merge",
        "post",
        signed_in(400, 401, customer_a=403, customer_b=404),
        args=["ticket_dup_a"],
        data={},
        api=True,
    ),
    Row("api-ticket-links", "get", signed_in(200, 401, customer_b=404), args=["ticket_a"], api=True),
    Row("api-ticket-links", "get", signed_in(200, 401, customer_a=404), args=["ticket_b"], api=True),
    Row(
        "api-ticket-links",
        "post",
        signed_in(400, 401, customer_a=403, customer_b=404),
        args=["ticket_a"],
        data={},
        api=True,
    ),
    Row(
        "api-ticket-link",
        "delete",
        {**REMOVED_ONCE_API, "customer_b": 404},
        args=["ticket_a", "ticket_link_a"],
        api=True,
    ),
    Row(
        "api-ticket-incident-link",
        "delete",
        {**REMOVED_ONCE_API, "customer_b": 404},
        args=["ticket_a", "incident_link_a"],
        api=True,
    ),
]


def world(base: dict[str, Any]) -> dict[str, Any]:
    """A second ticket of A (a duplicate of ticket A), a ticket of B linked by staff to ticket A
    and to incident A, and ticket A linked to incident A."""
    users = base["users"]
    engineer = users["engineer"]
    duplicate = ticket_create(
        actor=users["customer_a"], project=base["project_a"], title="Zephyr duplicate A", description="Zephyr again"
    )
    ticket_b = ticket_create(
        actor=users["customer_b"],
        project=Project.objects.get(code="prj-b"),
        title="Gateway of B",
        description="B's gateway restarts",
    )
    link = ticket_link(actor=engineer, ticket=duplicate, target=base["ticket_a"], kind="duplicate_of")
    ticket_link(actor=engineer, ticket=ticket_b, target=base["ticket_a"], kind="caused_by")
    incident_link = incident_ticket_link(actor=engineer, incident=base["incident_a"], ticket=base["ticket_a"])
    incident_ticket_link(actor=engineer, incident=base["incident_a"], ticket=ticket_b)
    return {"ticket_dup_a": duplicate, "ticket_b": ticket_b, "ticket_link_a": link, "incident_link_a": incident_link}
