"""The permission matrix's rows for OpenID Connect sign-in (issue 24, docs/openid-connect.md).

The matrix runs with the test settings, where OpenID Connect is off: the sign-in and callback
endpoints answer 404 to everyone, and the logout endpoint (which ends the desk's session like
accounts:logout) sends everyone to the login page. With a provider configured, every role is
sent to the provider and back: tests/identity/test_oidc.py (test_every_role_is_sent_to_the_provider)
checks those rows against the real provider's settings.
"""

from typing import Any

from tests.security.matrix_rows import Row, everyone

ROWS: list[Row] = [
    Row("oidc_authentication_init", "get", everyone(404)),
    Row("oidc_authentication_init", "get", everyone(404), query=lambda world: {"next": "/tickets/"}),
    Row("oidc_authentication_callback", "get", everyone(404), query=lambda world: {"code": "x", "state": "y"}),
    Row("oidc_logout", "post", everyone(302), data={}),
    Row("oidc_logout", "get", everyone(405)),
]


def world(base: dict[str, Any]) -> dict[str, Any]:
    return {}
