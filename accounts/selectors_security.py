"""Reads of the sessions and security pages: a user's live sessions, the audit log filtered,
the admins' user search, and a browser's user agent in plain words."""

import datetime
import re
from typing import Any

from django.contrib.sessions.models import Session
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AuditEvent, User, UserSession

RECENT_ACTIVITY = 20  # audit lines about a person shown on their security page


def live_sessions(*, user: User | None = None) -> QuerySet[UserSession]:
    """Sessions not ended whose row in the session store is still there and unexpired (a
    session that expired by itself, or was flushed, is left out: the list filters by the
    session table's ``expire_date``; nothing is cleaned up on read). Newest activity first."""
    store = Session.objects.filter(session_key=OuterRef("session_key"), expire_date__gt=timezone.now())
    sessions = UserSession.objects.filter(Exists(store), ended_at__isnull=True)
    if user is not None:
        sessions = sessions.filter(user=user)
    return sessions.order_by("-last_seen_at", "-pk")


def user_activity(*, user: User, limit: int = RECENT_ACTIVITY) -> list[AuditEvent]:
    """The last audit lines about ``user`` (sign-ins, failures, factor, role and token changes)."""
    return list(AuditEvent.objects.filter(user=user).select_related("actor").order_by("-at", "-pk")[:limit])


def audit_events(
    *,
    kind: str = "",
    user: User | int | None = None,
    username: str = "",
    address: str = "",
    since: datetime.datetime | None = None,
    until: datetime.datetime | None = None,
) -> QuerySet[AuditEvent]:
    """The audit log, newest first, filtered: ``username`` matches the typed name or the
    user's (part of it, any case); ``address`` exactly; ``since`` inclusive, ``until``
    exclusive."""
    events = AuditEvent.objects.select_related("user", "actor").order_by("-at", "-pk")
    if kind:
        events = events.filter(kind=kind)
    if user is not None:
        events = events.filter(user=user)
    if username:
        events = events.filter(Q(username__icontains=username) | Q(user__username__icontains=username))
    if address:
        events = events.filter(address=address)
    if since is not None:
        events = events.filter(at__gte=since)
    if until is not None:
        events = events.filter(at__lt=until)
    return events


def users_search(*, query: str = "", role: str = "") -> QuerySet[User]:
    """Users by part of their name, username or email, of one role if given; by username."""
    users = User.objects.select_related("organisation").order_by("username", "pk")
    for word in query.split():
        users = users.filter(
            Q(username__icontains=word)
            | Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(email__icontains=word)
        )
    if role:
        users = users.filter(role=role)
    return users


# --- a user agent in plain words ----------------------------------------------------------------
# Order matters: Edge and Opera say "Chrome", Chrome says "Safari", Android says "Linux".
_BROWSERS = [
    (r"Edg(e|A|iOS)?/", "Edge"),
    (r"OPR/|Opera", "Opera"),
    (r"Firefox/|FxiOS/", "Firefox"),
    (r"Chrome/|CriOS/", "Chrome"),
    (r"Safari/", "Safari"),
    (r"curl/", "curl"),
    (r"python-requests|python-urllib|aiohttp|httpx", "Python"),
]
_SYSTEMS = [
    (r"Windows", "Windows"),
    (r"iPhone|iPad|iOS", "iOS"),
    (r"Android", "Android"),
    (r"Mac OS X|Macintosh", "macOS"),
    (r"CrOS", "ChromeOS"),
    (r"Linux|X11", "Linux"),
]


def _first(patterns: list[tuple[str, str]], agent: str) -> str:
    return next((name for pattern, name in patterns if re.search(pattern, agent)), "")


def device_label(user_agent: str) -> str:
    """ "Firefox, Windows" from a User-Agent header; "Unknown browser" when it says nothing we
    know."""
    agent = user_agent or ""
    browser, system = _first(_BROWSERS, agent), _first(_SYSTEMS, agent)
    if browser and system:
        return f"{browser}, {system}"
    return browser or system or _("Unknown browser")


def session_rows(sessions: Any, *, current_key: str = "") -> list[dict[str, Any]]:
    """The sessions as the pages show them: the row, its device in words, whether it is the
    browser asking."""
    return [
        {"session": session, "device": device_label(session.user_agent), "current": session.session_key == current_key}
        for session in sessions
    ]
