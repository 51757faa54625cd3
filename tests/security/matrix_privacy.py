"""The permission matrix's rows for personal data (issue 24): a person's own ZIP (every
signed-in user; anonymous visitors to the login page or 401), and another user's export and
erasure (admins only; everyone else 403, whatever the id).

The only contact of organisation C reported its open ticket: erasing them is refused (the
confirm page again with the reason; the API's 400). A departed contact of organisation B
with no tickets is erased (the page's redirect; the API's report).
"""

from typing import Any

from tests.security.matrix_rows import Row, signed_in

ADMIN_PAGE = signed_in(403, 302, admin=200)
ADMIN_API = signed_in(403, 401, admin=200)


def world(base: dict[str, Any]) -> dict[str, Any]:
    """A departed contact of organisation B without tickets; the only contact of organisation C,
    the reporter of its open ticket."""
    from tests.accounts.factories import CustomerFactory
    from tests.customers.factories import OrganisationFactory, ProjectFactory
    from tickets.services import ticket_create

    departed = CustomerFactory(username="departed-b", organisation=base["users"]["customer_b"].organisation)
    project_c = ProjectFactory(organisation=OrganisationFactory(name="Org C", code="org-c"), code="prj-c")
    only = CustomerFactory(username="only-c", organisation=project_c.organisation)
    ticket_create(actor=only, project=project_c, title="Open in C", description="Still open.")
    return {"privacy_contact": base["users"]["customer_a"], "privacy_departed": departed, "privacy_only": only}


ROWS: list[Row] = [
    # --- pages -------------------------------------------------------------------------------
    Row("privacy:my_data", "get", signed_in(200, 302)),
    Row("privacy:user_export", "get", ADMIN_PAGE, args=["privacy_contact"]),
    Row("privacy:user_erase", "get", ADMIN_PAGE, args=["privacy_contact"]),
    # refused: the reason on the confirm page
    Row("privacy:user_erase", "post", ADMIN_PAGE, args=["privacy_only"], data={"confirm": "on"}),
    # not confirmed: the form again
    Row("privacy:user_erase", "post", ADMIN_PAGE, args=["privacy_departed"], data={}),
    Row(
        "privacy:user_erase", "post", signed_in(403, 302, admin=302), args=["privacy_departed"], data={"confirm": "on"}
    ),
    # --- API ---------------------------------------------------------------------------------
    Row("api-my-personal-data", "get", signed_in(200, 401), api=True),
    Row("api-users", "get", ADMIN_API, api=True),
    Row("api-user-personal-data", "get", ADMIN_API, args=["privacy_contact"], api=True),
    Row(
        "api-user-erase",
        "post",
        signed_in(403, 401, admin=400),
        args=["privacy_only"],
        data={"confirm_username": "only-c"},
        api=True,
    ),
    Row(
        "api-user-erase",
        "post",
        signed_in(403, 401, admin=400),
        args=["privacy_departed"],
        data={"confirm_username": "someone-else"},
        api=True,
    ),
    Row(
        "api-user-erase",
        "post",
        ADMIN_API,
        args=["privacy_departed"],
        data={"confirm_username": "departed-b"},
        api=True,
    ),
]
