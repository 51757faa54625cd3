"""The permission matrix's rows for the live ticket page and queue (issue 23)."""

from typing import Any

from tests.security.matrix_rows import Row, signed_in
from tickets.services import ticket_create

ROWS: list[Row] = [
    # everything after the first entry of ticket A: customer B must not learn it exists
    Row(
        "tickets:changes",
        "get",
        signed_in(200, 302, customer_b=404),
        args=["ticket_a"],
        query=lambda world: {"since": 0},
    ),
    # every change since 2000: customer B gets the row of its own ticket, never one of A's
    Row(
        "tickets:queue_changes",
        "get",
        signed_in(200, 302),
        query=lambda world: {"since": "2000-01-01T00:00:00+00:00"},
    ),
    Row("tickets:queue_changes", "get", signed_in(400, 302), query=lambda world: {"since": "soon"}),
]


def world(base: dict[str, Any]) -> dict[str, Any]:
    """A ticket of organisation B (ticket A's history is the base world's): B's queue has a
    change of its own to show, beside A's that it must not."""
    customer_b = base["users"]["customer_b"]
    ticket_b = ticket_create(
        actor=customer_b,
        project=customer_b.organisation.projects.get(),
        title="Printer of B offline",
        description="The label printer of B is offline.",
    )
    return {"ticket_b": ticket_b}
