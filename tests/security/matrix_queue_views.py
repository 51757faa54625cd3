"""The permission matrix's rows for saved queue views (issue 23).

Views are staff-only: customers get 403, anonymous visitors the login page (pages) or 401 (API).
Among staff, a personal view exists for its owner alone (another engineer, a manager or an admin
gets 404); a view shared with a team is seen by its members and changed by its owner or a
manager or admin of the team; others get 404.
"""

from typing import Any

from accounts.models import TeamMembership
from tests.accounts.factories import TeamFactory
from tests.security.matrix_rows import Row, signed_in
from tickets import services

CUSTOMERS_403 = {"customer_a": 403, "customer_b": 403}
STAFF_PAGE = signed_in(200, 302, **CUSTOMERS_403)
STAFF_API = signed_in(200, 401, **CUSTOMERS_403)
# the engineer's personal view: only the engineer finds it
OWNER_ONLY_PAGE = signed_in(200, 302, manager=404, admin=404, **CUSTOMERS_403)
OWNER_ONLY_API = signed_in(200, 401, manager=404, admin=404, **CUSTOMERS_403)

ROWS: list[Row] = [
    # --- pages -----------------------------------------------------------------------------
    Row("tickets:queue_nav", "get", STAFF_PAGE),
    Row(
        "tickets:queue_view_save",
        "post",
        signed_in(302, 302, **CUSTOMERS_403),
        data={"name": "Matrix view", "query": "priority=urgent&filtered=1"},
    ),
    Row("tickets:queue_view_edit", "get", OWNER_ONLY_PAGE, args=["queue_view_a"]),
    Row("tickets:queue_view_edit", "post", OWNER_ONLY_PAGE, args=["queue_view_a"], data={}),
    # shared with the team of the engineer and the manager: the admin is not in it
    Row("tickets:queue_view_edit", "get", signed_in(200, 302, admin=404, **CUSTOMERS_403), args=["queue_view_shared"]),
    Row(
        "tickets:queue_view_delete",
        "post",
        signed_in(302, 302, manager=404, admin=404, **CUSTOMERS_403),
        args=["queue_view_a"],
    ),
    # --- API -------------------------------------------------------------------------------
    Row("queue-view-list", "get", STAFF_API, api=True),
    Row("queue-view-list", "post", signed_in(201, 401, **CUSTOMERS_403), data={"name": "Matrix view"}, api=True),
    Row("queue-view-list", "post", signed_in(400, 401, **CUSTOMERS_403), data={"name": ""}, api=True),
    Row("queue-view-detail", "get", OWNER_ONLY_API, args=["queue_view_a"], api=True),
    Row(
        "queue-view-detail",
        "patch",
        signed_in(200, 401, admin=404, **CUSTOMERS_403),
        args=["queue_view_shared"],
        data={"position": 1},
        api=True,
    ),
    Row(
        "queue-view-detail",
        "put",
        signed_in(200, 401, manager=404, admin=404, **CUSTOMERS_403),
        args=["queue_view_a"],
        data={"name": "Zephyr queue view renamed"},
        api=True,
    ),
    Row(
        "queue-view-detail",
        "delete",
        signed_in(204, 401, manager=404, admin=404, **CUSTOMERS_403),
        args=["queue_view_a"],
        api=True,
    ),
    # the tickets of a view: a view the caller cannot see is a 400, as an unknown one
    Row(
        "ticket-list",
        "get",
        signed_in(200, 401, customer_a=400, customer_b=400, manager=400, admin=400),
        api=True,
        query=lambda world: {"queue_view": world["queue_view_a"].pk},
    ),
]


def world(base: dict[str, Any]) -> dict[str, Any]:
    """The engineer's personal view (its filters name organisation A) and a view the engineer
    shares with a team of the engineer and the manager."""
    users = base["users"]
    team = TeamFactory(name="Zephyr queue team")
    for role in ("engineer", "manager"):
        TeamMembership.objects.create(team=team, user=users[role])
    personal = services.queue_view_create(
        actor=users["engineer"], name="Zephyr queue view", filters={"organisations": [base["org_a"].pk]}
    )
    shared = services.queue_view_create(
        actor=users["engineer"], name="Zephyr shared view", team=team, filters={"priorities": ["urgent"]}
    )
    return {"queue_view_a": personal, "queue_view_shared": shared}
