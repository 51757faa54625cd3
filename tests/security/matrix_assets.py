"""The permission matrix's rows for assets and serial numbers (issue 22): everyone signed in reads
within their organisation (customer B gets 404 for A's asset), staff write, nothing is deleted."""

import datetime
from typing import Any

from customers import services
from tests.security.matrix_rows import Row, signed_in

SCOPED = signed_in(200, 401, customer_b=404)

ROWS: list[Row] = [
    # --- pages ---
    Row("maintenance:assets", "get", signed_in(200, 302)),
    Row("maintenance:asset_detail", "get", signed_in(200, 302, customer_b=404), args=["asset_a"]),
    # --- API ---
    Row("asset-list", "get", signed_in(200, 401), api=True),
    Row("asset-list", "post", signed_in(403, 401, engineer=400, manager=400, admin=400), data={}, api=True),
    Row("asset-detail", "get", SCOPED, args=["asset_a"], api=True),
    Row(
        "asset-detail",
        "patch",
        signed_in(403, 401, customer_b=404, engineer=200, manager=200, admin=200),
        args=["asset_a"],
        data={"location": "Hall 2, rack 7"},
        api=True,
    ),
    Row(
        "asset-detail",
        "put",
        signed_in(403, 401, customer_b=404, engineer=400, manager=400, admin=400),
        args=["asset_a"],
        data={},
        api=True,
    ),
    Row("asset-detail", "delete", signed_in(405, 401), args=["asset_a"], api=True),
    Row("asset-history", "get", SCOPED, args=["asset_a"], api=True),
]


def world(base: dict[str, Any]) -> dict[str, Any]:
    """Organisation A's asset: its name carries the marker Zephyr-Product-A, and ticket A names it."""
    asset = services.asset_create(
        actor=base["users"]["admin"],
        project=base["project_a"],
        name="Zephyr-Product-A switch",
        version="2.0",
        serial_number="ZSN-A-0001",
        location="Zephyr-Org-A hall",
        installed_on=datetime.date(2025, 5, 1),
        accepted_on=datetime.date(2025, 6, 30),
    )
    return {"asset_a": asset}
