"""Signed-in browser sessions: started at sign-in, seen at most once a minute, ended by their
owner, an admin, signing out or deactivation. Ending one deletes it from the session store, so
that browser is signed out at its next request; each end is written to the audit log."""

import time
from importlib import import_module

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import AuditEvent, User, UserSession
from accounts.services import audit
from core.clients import client_address

SEEN_KEY = "_accounts_seen"  # in the session: when its row's last_seen_at was last written (epoch)
SEEN_EVERY = 60  # seconds: last_seen_at is written at most this often


def method_of(user: User) -> str:
    """How ``user`` signed in, from the backend ``login`` recorded: directory, OpenID Connect,
    else password."""
    return method_of_backend(getattr(user, "backend", "") or "")


def method_of_backend(backend: str) -> str:
    """The sign-in method of an authentication backend's dotted path."""
    if backend.startswith(("identity.ldap", "django_auth_ldap")):
        return UserSession.Method.DIRECTORY
    if backend.startswith(("identity.oidc", "mozilla_django_oidc")):
        return UserSession.Method.OIDC
    return UserSession.Method.PASSWORD


def _store(session_key: str):
    return import_module(settings.SESSION_ENGINE).SessionStore(session_key)


def current_request() -> HttpRequest | None:
    """The request being served (simple_history's middleware keeps it), or ``None`` outside
    one (a worker, a command)."""
    from simple_history.models import HistoricalRecords

    return getattr(HistoricalRecords.context, "request", None)


def request_actor() -> User | None:
    """The signed-in user of the request being served, or ``None`` outside a request or for a
    visitor."""
    user = getattr(current_request(), "user", None)
    return user if user is not None and user.is_authenticated else None


@transaction.atomic
def session_start(*, user: User, request: HttpRequest) -> UserSession | None:
    """The row of the session ``login`` just made for ``user`` (none without a session store,
    e.g. a login outside a browser request)."""
    session = getattr(request, "session", None)
    key = getattr(session, "session_key", None)
    if not key:
        return None
    now = timezone.now()
    row, _created = UserSession.objects.update_or_create(
        session_key=key,
        defaults={
            "user": user,
            "created_at": now,
            "last_seen_at": now,
            "address": client_address(request) or None,
            "user_agent": request.META.get("HTTP_USER_AGENT", "")[:300],
            "method": method_of(user),
            "ended_at": None,
        },
    )
    session[SEEN_KEY] = int(time.time())
    return row


def session_touch(*, request: HttpRequest, user_id: int) -> None:
    """Note that the request's session was used (at most every ``SEEN_EVERY`` seconds). A
    session signed in before this module existed gets its row now; one that was ended is
    flushed (it cannot go on)."""
    session = request.session
    key = session.session_key
    now_epoch = int(time.time())
    if not key or now_epoch - int(session.get(SEEN_KEY, 0) or 0) < SEEN_EVERY:
        return
    now = timezone.now()
    if not UserSession.objects.filter(session_key=key, ended_at__isnull=True).update(last_seen_at=now):
        if UserSession.objects.filter(session_key=key).exists():
            session.flush()
            return
        UserSession.objects.create(
            user_id=user_id,
            session_key=key,
            created_at=now,
            last_seen_at=now,
            address=client_address(request) or None,
            user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
            method=method_of_backend(session.get("_auth_user_backend", "")),
        )
    session[SEEN_KEY] = now_epoch


def session_rekey(*, old_key: str, new_key: str) -> None:
    """The session's key changed while signed in (a password change cycles it): the row follows."""
    if not UserSession.objects.filter(session_key=new_key).exists():
        UserSession.objects.filter(session_key=old_key, ended_at__isnull=True).update(session_key=new_key)


def session_signed_out(*, session_key: str | None) -> None:
    """Signing out ended this session (``logout`` flushes the store itself)."""
    if session_key:
        UserSession.objects.filter(session_key=session_key, ended_at__isnull=True).update(ended_at=timezone.now())


@transaction.atomic
def session_end(*, session: UserSession, actor: User | None = None, reason: str = "") -> UserSession:
    """End one session: delete it from the session store (that browser is signed out at its
    next request), mark the row ended and write SESSION_ENDED. Ending twice changes nothing."""
    row = UserSession.objects.select_for_update().select_related("user").get(pk=session.pk)
    if row.ended_at is not None:
        return row
    _store(row.session_key).delete()
    row.ended_at = timezone.now()
    row.save(update_fields=["ended_at"])
    audit.record(
        AuditEvent.Kind.SESSION_ENDED,
        user=row.user,
        actor=actor,
        method=row.method,
        session=row.pk,
        device=row.user_agent[:120],
        **({"reason": reason} if reason else {}),
    )
    return row


@transaction.atomic
def session_end_of(*, user: User, session_id: int, actor: User | None = None) -> UserSession:
    """End one of ``user``'s sessions; one already ended stays as it is (ending is idempotent,
    as a repeated DELETE should be). Another person's, or an unknown id, raises
    ``UserSession.DoesNotExist`` (the pages and the API answer 404)."""
    return session_end(session=UserSession.objects.get(user=user, pk=session_id), actor=actor)


@transaction.atomic
def sessions_end_all(*, user: User, actor: User | None = None, keep_key: str | None = None, reason: str = "") -> int:
    """End every session of ``user`` (but the one of ``keep_key``: "end all other sessions");
    the number ended."""
    from accounts.selectors_security import live_sessions

    rows = live_sessions(user=user).order_by("pk")
    if keep_key:
        rows = rows.exclude(session_key=keep_key)
    ended = 0
    for row in rows:
        session_end(session=row, actor=actor, reason=reason)
        ended += 1
    # rows whose session expired or was flushed by itself: ended quietly (nothing to sign out)
    UserSession.objects.filter(user=user, ended_at__isnull=True).exclude(session_key=keep_key or "").exclude(
        pk__in=live_sessions(user=user).values("pk")
    ).update(ended_at=timezone.now())
    return ended


@transaction.atomic
def user_sign_out_everywhere(*, user: User, actor: User | None = None) -> tuple[int, int]:
    """End all of ``user``'s sessions and revoke all their API tokens (an admin's button, the
    admin action): (sessions ended, tokens revoked)."""
    from accounts.services import api_tokens_revoke_all

    return sessions_end_all(user=user, actor=actor), api_tokens_revoke_all(user=user, actor=actor)
