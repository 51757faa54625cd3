"""The audit log and sessions for ``seed_demo``: sign-ins of demo users from the office
network and from a customer's site, a failed sign-in of a mistyped name, a role change by the
administrator, dated relative to the seeding; and a signed-in tablet session of the
administrator and of Alice, so the sessions pages and the API have rows to show and end.

The tablet sessions are real rows of the session store whose key was never handed to any
browser; they hold no password hash, so even that key would sign nobody in. Ending one (the
page, the API, the fuzz test) deletes it; the next seeding makes a new one.

Idempotent: the audit lines are written once (found by their ``demo`` mark); a tablet session
is made again only when the user has none live.
"""

import datetime
from importlib import import_module

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, SESSION_KEY
from django.utils import timezone

from accounts.models import AuditEvent, User, UserSession
from accounts.selectors_security import live_sessions
from accounts.services import audit

OFFICE = "10.20.1.15"
SITE = "203.0.113.24"
FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
CHROME = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"
)
SAFARI = (
    "Mozilla/5.0 (iPad; CPU OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/604.1"
)

# hours ago, kind, username, address, agent, method, detail
LINES = [
    (24 * 30, AuditEvent.Kind.ROLE_CHANGED, "leader", OFFICE, FIREFOX, "", {"from": "engineer", "to": "manager"}),
    (72, AuditEvent.Kind.SIGN_IN, "manager", OFFICE, FIREFOX, "password", {}),
    (49, AuditEvent.Kind.SIGN_IN_FAILED, "alice.wu", SITE, CHROME, "password", {}),
    (48, AuditEvent.Kind.SIGN_IN, "alice", SITE, CHROME, "password", {}),
    (26, AuditEvent.Kind.SIGN_IN, "engineer", "10.20.1.31", SAFARI, "password", {}),
    (3, AuditEvent.Kind.SIGN_IN, "admin", OFFICE, FIREFOX, "password", {}),
]
TABLETS = [("admin", OFFICE), ("alice", SITE)]


def _lines(admin: User) -> int:
    if AuditEvent.objects.filter(detail__demo=True).exists():
        return 0
    now = timezone.now()
    for hours, kind, username, address, agent, method, detail in LINES:
        user = User.objects.filter(username=username).first()
        actor = admin if kind == AuditEvent.Kind.ROLE_CHANGED else None
        event = audit.record(kind, user=user, username=username, actor=actor, method=method, demo=True, **detail)
        AuditEvent.objects.filter(pk=event.pk).update(
            at=now - datetime.timedelta(hours=hours), address=address, user_agent=agent
        )
    return len(LINES)


def _tablet(user: User, address: str) -> int:
    if live_sessions(user=user).filter(user_agent=SAFARI).exists():
        return 0
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store.create()
    now = timezone.now()
    UserSession.objects.create(
        user=user,
        session_key=store.session_key,
        created_at=now - datetime.timedelta(days=2),
        last_seen_at=now - datetime.timedelta(hours=5),
        address=address,
        user_agent=SAFARI,
        method=UserSession.Method.PASSWORD,
    )
    return 1


def seed_audit(admin: User) -> int:
    created = _lines(admin)
    for username, address in TABLETS:
        user = User.objects.filter(username=username).first()
        if user is not None:
            created += _tablet(user, address)
    return created
