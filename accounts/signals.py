"""The audit log's listeners: sign-ins, sign-outs and failures (Django's auth signals, beside
django-axes, which listens to the same ones), and role changes, deactivations and
reactivations of a user however saved (the admin, a service, the directory, a command).
Connected in ``AccountsConfig.ready``."""

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save, pre_save
from django.http import HttpRequest

from accounts.models import AuditEvent, User
from accounts.services import audit, sessions, two_factor

_WATCHED = ("role", "is_active")  # the fields whose change is written to the log


def signed_in(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    method = sessions.method_of(user)
    if request is not None:
        sessions.session_start(user=user, request=request)
    audit.record(AuditEvent.Kind.SIGN_IN, user=user, request=request, method=method)
    two_factor.has_two_factor_cached(user)  # the gate's answer, ready for the pages that follow


def signed_out(sender: Any, request: HttpRequest | None, user: User | None, **kwargs: Any) -> None:
    if user is None:  # the session had no user (signing out twice)
        return
    session = getattr(request, "session", None)
    sessions.session_signed_out(session_key=getattr(session, "session_key", None))
    audit.record(AuditEvent.Kind.SIGN_OUT, user=user, request=request)


def sign_in_failed(sender: Any, credentials: dict, request: HttpRequest | None = None, **kwargs: Any) -> None:
    """The username as typed (never the password: Django has already masked it, and only the
    username is read); the account too when one has that name."""
    username_field = get_user_model().USERNAME_FIELD
    if username_field not in credentials and "username" not in credentials:
        return  # not a typed sign-in (an OpenID callback writes its own line, with its method)
    username = str(credentials.get(username_field) or credentials.get("username") or "")[:150]
    user = User.objects.filter(username=username).first() if username else None
    audit.record(AuditEvent.Kind.SIGN_IN_FAILED, user=user, username=username, request=request, method="password")


def remember_before_save(sender: Any, instance: User, raw: bool = False, update_fields=None, **kwargs: Any) -> None:
    """Note the watched fields as stored (one query, only when the save may change them)."""
    instance._audit_adding = instance._state.adding
    instance._audit_before = None
    if raw or instance._state.adding or instance.pk is None:
        return
    if update_fields is not None and not set(update_fields) & set(_WATCHED):
        return
    instance._audit_before = User.objects.filter(pk=instance.pk).values(*_WATCHED).first()


def audit_after_save(sender: Any, instance: User, created: bool = False, raw: bool = False, **kwargs: Any) -> None:
    before = getattr(instance, "_audit_before", None)
    instance._audit_before = None
    if raw or created or not before:
        return
    request, actor = sessions.current_request(), sessions.request_actor()
    if before["role"] != instance.role:
        change = {"from": before["role"], "to": instance.role}
        audit.record(AuditEvent.Kind.ROLE_CHANGED, user=instance, actor=actor, request=request, **change)
    if before["is_active"] and not instance.is_active:
        audit.record(AuditEvent.Kind.DEACTIVATED, user=instance, actor=actor, request=request)
    elif not before["is_active"] and instance.is_active:
        audit.record(AuditEvent.Kind.REACTIVATED, user=instance, actor=actor, request=request)


def connect() -> None:
    user_logged_in.connect(signed_in, dispatch_uid="accounts.audit.signed_in")
    user_logged_out.connect(signed_out, dispatch_uid="accounts.audit.signed_out")
    user_login_failed.connect(sign_in_failed, dispatch_uid="accounts.audit.sign_in_failed")
    pre_save.connect(remember_before_save, sender=User, dispatch_uid="accounts.audit.before_save")
    post_save.connect(audit_after_save, sender=User, dispatch_uid="accounts.audit.after_save")
