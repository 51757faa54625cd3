"""The permission matrix's rows for macros (canned replies, issue 23).

Macros are the staff's: anonymous visitors are sent to log in (pages) or get 401 (API),
customers get 403 everywhere. A desk-wide macro is changed by managers and admins (an engineer:
403); a personal macro is its owner's alone (anyone else: 404, they do not see it).
"""

from typing import Any

from tests.security.matrix_rows import Row, signed_in
from tickets.services import macros

CUSTOMERS_403 = {"customer_a": 403, "customer_b": 403}
STAFF_PAGE = signed_in(200, 302, **CUSTOMERS_403)
STAFF_API = signed_in(200, 401, **CUSTOMERS_403)
MANAGERS_PAGE = signed_in(200, 302, engineer=403, **CUSTOMERS_403)
OWNER_PAGE = signed_in(404, 302, engineer=200, **CUSTOMERS_403)


def _pick(world: dict[str, Any]) -> dict[str, Any]:
    return {"macro": world["macro_desk"].pk}


ROWS: list[Row] = [
    # --- pages -----------------------------------------------------------------------------
    Row("tickets:macro_list", "get", STAFF_PAGE),
    Row("tickets:macro_list", "get", STAFF_PAGE, query=lambda world: {"q": "Zephyr"}),
    Row("tickets:macro_create", "get", STAFF_PAGE),
    Row("tickets:macro_create", "post", STAFF_PAGE, data={}),
    Row("tickets:macro_edit", "get", MANAGERS_PAGE, args=["macro_desk"]),
    Row("tickets:macro_edit", "get", OWNER_PAGE, args=["macro_mine"]),
    Row("tickets:macro_edit", "post", MANAGERS_PAGE, args=["macro_desk"], data={}),
    Row("tickets:macro_delete", "get", MANAGERS_PAGE, args=["macro_desk"]),
    Row("tickets:macro_delete", "post", signed_in(404, 302, engineer=302, **CUSTOMERS_403), args=["macro_mine"]),
    Row("tickets:macro_preview", "get", STAFF_PAGE, args=["ticket_a"], query=_pick),
    Row("tickets:apply_macro", "post", signed_in(302, 302, **CUSTOMERS_403), args=["ticket_a"], data=_pick),
    # --- API -------------------------------------------------------------------------------
    Row("macro-list", "get", STAFF_API, api=True),
    Row("macro-list", "get", STAFF_API, api=True, query=lambda world: {"q": "logs"}),
    Row("macro-list", "post", signed_in(400, 401, **CUSTOMERS_403), data={}, api=True),
    Row(
        "macro-list",
        "post",
        signed_in(201, 401, engineer=403, **CUSTOMERS_403),
        data={"name": "Desk-wide", "body_en": "Hello {{ customer.name }}", "scope": "desk"},
        api=True,
    ),
    Row("macro-detail", "get", STAFF_API, args=["macro_desk"], api=True),
    Row("macro-detail", "get", signed_in(404, 401, engineer=200, **CUSTOMERS_403), args=["macro_mine"], api=True),
    Row(
        "macro-detail",
        "patch",
        signed_in(200, 401, engineer=403, **CUSTOMERS_403),
        args=["macro_desk"],
        data={"is_active": True},
        api=True,
    ),
    Row(
        "macro-detail",
        "put",
        signed_in(400, 401, engineer=403, **CUSTOMERS_403),
        args=["macro_desk"],
        data={},
        api=True,
    ),
    Row(
        "macro-detail",
        "delete",
        signed_in(404, 401, engineer=403, manager=204, **CUSTOMERS_403),
        args=["macro_desk"],
        api=True,
    ),
    Row(
        "macro-preview",
        "get",
        STAFF_API,
        args=["macro_desk"],
        api=True,
        query=lambda world: {"ticket": world["ticket_a"].pk},
    ),
    Row("ticket-apply-macro", "post", STAFF_API, args=["ticket_a"], data=_pick, api=True),
]


def world(base: dict[str, Any]) -> dict[str, Any]:
    """A desk-wide macro (a public reply, no other action, so it may be applied again and again)
    and a personal macro of the engineer."""
    users = base["users"]
    desk = macros.macro_save(
        actor=users["manager"],
        name="Ask for logs",
        body_en="Dear {{ customer.name }}, please send the logs of {{ ticket.reference }}.",
        body_zh_hans="{{ customer.name }}您好，请发送 {{ ticket.reference }} 的日志。",
        scope="desk",
    )
    mine = macros.macro_save(actor=users["engineer"], name="My sign-off", body_en="Regards", scope="personal")
    return {"macro_desk": desk, "macro_mine": mine}
