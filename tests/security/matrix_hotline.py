"""The permission matrix's rows for the hotline and support contacts (issue 22)."""

import datetime
from typing import Any

from customers import services as customer_services
from emergency import rotas
from tests.security.matrix_rows import Row, signed_in

ROWS: list[Row] = [
    # what a signed-in user may call: customer B sees neither A's number nor A's rota
    Row("api-support-contacts", "get", signed_in(200, 401), api=True),
    Row(
        "api-support-contacts",
        "get",
        signed_in(200, 401, customer_b=404),
        api=True,
        query=lambda world: {"project": world["project_a"].pk},
    ),
]


def world(base: dict[str, Any]) -> dict[str, Any]:
    """Organisation A's own hotline (its label holds A's marker) and a rota covering project A
    only, with someone on duty now."""
    users = base["users"]
    hotline = customer_services.hotline_number_save(
        actor=users["admin"], organisation=base["org_a"], label="Zephyr-Org-A line", number="010-1", hours="24 x 7"
    )
    rota = rotas.rota_save(
        name="Zephyr rota of A",
        timezone="Asia/Shanghai",
        handover=datetime.time(9),
        shift_days=7,
        starts_on=datetime.date(2026, 1, 5),
        members=[users["manager"]],
        projects=[base["project_a"]],
    )
    return {"hotline_a": hotline, "rota_a": rota}
