"""The permission matrix's rows for SLA measures: first response, updates, cycles (issue 22)."""

from typing import Any

from tests.security.matrix_rows import Row, signed_in

ROWS: list[Row] = [
    # the page's "Log a call" form: staff; a customer of the ticket's organisation may not (403)
    Row(
        "tickets:log_call",
        "post",
        signed_in(302, 302, customer_a=403, customer_b=404),
        args=["ticket_a"],
        data={"summary": "Called the customer back."},
    ),
    Row(
        "ticket-log-call",
        "post",
        signed_in(201, 401, customer_a=403, customer_b=404),
        args=["ticket_a"],
        data={"summary": "Called the customer back."},
        api=True,
    ),
    # the cycles: scoped as the ticket
    Row("ticket-sla-history", "get", signed_in(200, 401, customer_b=404), args=["ticket_a"], api=True),
]


def world(base: dict[str, Any]) -> dict[str, Any]:
    """Objects of organisation A these rows address, added to the matrix's world ``base``."""
    return {}
