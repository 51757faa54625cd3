"""The permission matrix's rows for sessions, tokens and the audit log (issue 24).

Everyone signed in sees and ends their own sessions and tokens (another person's: 404). The
pages and endpoints about other users, the user search and the audit log are the admins':
everyone else gets 403 before anything is looked up (a user id that does not exist: 403 for
them too, 404 for an admin); anonymous visitors are sent to log in (pages) or get 401 (API).
"""

from typing import Any

from tests.security.matrix_rows import Row, signed_in

ADMIN_PAGE = signed_in(403, 302, admin=200)
ADMIN_FORM = signed_in(403, 302, admin=302)
ADMIN_API = signed_in(403, 401, admin=200)

ROWS: list[Row] = [
    # --- pages -------------------------------------------------------------------------------
    Row("accounts:security", "get", signed_in(200, 302)),
    Row("accounts:session_end", "post", signed_in(404, 302, customer_a=302), args=["security_session_a"], data={}),
    Row("accounts:sessions_end_others", "post", signed_in(302, 302), data={}),
    Row("accounts:security_token_revoke", "post", signed_in(404, 302, customer_a=302), args=["api_token_a"], data={}),
    Row("accounts:user_list", "get", ADMIN_PAGE),
    Row("accounts:user_list", "get", ADMIN_PAGE, query=lambda world: {"q": "zephyr", "role": "customer"}),
    Row("accounts:user_security", "get", ADMIN_PAGE, args=["security_user_a"]),
    Row("accounts:user_security", "get", signed_in(403, 302, admin=404), args=["security_no_user"]),
    Row("accounts:user_session_end", "post", ADMIN_FORM, args=["security_user_a", "security_session_a"], data={}),
    Row("accounts:user_token_revoke", "post", ADMIN_FORM, args=["security_user_a", "api_token_a"], data={}),
    Row("accounts:user_sign_out_everywhere", "post", ADMIN_FORM, args=["security_user_a"], data={}),
    Row("accounts:audit", "get", ADMIN_PAGE),
    Row("accounts:audit", "get", ADMIN_PAGE, query=lambda world: {"kind": "sign_in", "username": "zephyr"}),
    Row("accounts:audit_export", "get", ADMIN_PAGE, args=["security_csv"]),
    Row("accounts:audit_export", "get", ADMIN_PAGE, args=["security_xlsx"], query=lambda world: {"kind": "sign_in"}),
    # --- API ---------------------------------------------------------------------------------
    Row("my-session-list", "get", signed_in(200, 401), api=True),
    Row("my-session-detail", "delete", signed_in(404, 401, customer_a=204), args=["security_session_a"], api=True),
    Row("user-session-list", "get", ADMIN_API, args=["security_user_a"], api=True),
    Row("user-session-list", "get", signed_in(403, 401, admin=404), args=["security_no_user"], api=True),
    Row(
        "user-session-detail",
        "delete",
        signed_in(403, 401, admin=204),
        args=["security_user_a", "security_session_a"],
        api=True,
    ),
    Row("user-session-end-all", "post", ADMIN_API, args=["security_user_a"], data={}, api=True),
    Row("user-token-list", "get", ADMIN_API, args=["security_user_a"], api=True),
    Row(
        "user-token-detail", "delete", signed_in(403, 401, admin=204), args=["security_user_a", "api_token_a"], api=True
    ),
    Row("audit-event-list", "get", ADMIN_API, api=True),
    Row("audit-event-list", "get", ADMIN_API, query=lambda world: {"kind": "sign_in_failed"}, api=True),
    Row("audit-event-detail", "get", ADMIN_API, args=["security_audit_a"], api=True),
]


def world(base: dict[str, Any]) -> dict[str, Any]:
    """Customer A signed in on a tablet (a real session row and its UserSession), and a failed
    sign-in of customer A's name in the audit log."""
    import datetime
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import SESSION_KEY
    from django.utils import timezone

    from accounts.models import AuditEvent, UserSession
    from accounts.services import audit

    customer_a = base["users"]["customer_a"]
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(customer_a.pk)
    store.create()
    session = UserSession.objects.create(
        user=customer_a,
        session_key=store.session_key,
        created_at=timezone.now() - datetime.timedelta(hours=2),
        address="203.0.113.9",
        user_agent="Mozilla/5.0 (iPad; CPU OS 18_1 like Mac OS X) Version/18.1 Safari/604.1",
    )
    line = audit.record(AuditEvent.Kind.SIGN_IN_FAILED, user=customer_a)
    return {
        "security_user_a": customer_a,
        "security_no_user": 999999,
        "security_session_a": session,
        "security_audit_a": line,
        "security_csv": "csv",
        "security_xlsx": "xlsx",
    }
