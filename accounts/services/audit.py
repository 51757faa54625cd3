"""The security audit log's one writer. Sign-in signals, the second factor, sessions, tokens,
role changes, the directory and the privacy app all call ``record``; nothing else writes
``AuditEvent`` rows."""

from typing import Any

from django.http import HttpRequest

from accounts.models import AuditEvent, User
from core.clients import client_address, current_client_address


def record(
    kind: str,
    *,
    user: User | None = None,
    username: str = "",
    actor: User | None = None,
    request: HttpRequest | None = None,
    method: str = "",
    **detail: Any,
) -> AuditEvent:
    """Write one line. The client address comes from ``request`` when given, else from the
    request being served (``core.clients``), else none (a worker, a command). ``actor`` is left
    empty when it is the user themself."""
    address = client_address(request) if request is not None else current_client_address()
    agent = request.META.get("HTTP_USER_AGENT", "")[:300] if request is not None else ""
    if actor is not None and user is not None and actor.pk == user.pk:
        actor = None
    return AuditEvent.objects.create(
        kind=kind,
        user=user if user is not None and user.pk else None,
        username=(username or (user.get_username() if user is not None else ""))[:150],
        actor=actor if actor is not None and actor.pk else None,
        address=address if address and address != "-" else None,
        user_agent=agent,
        method=method[:32],
        detail=detail,
    )
