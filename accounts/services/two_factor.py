"""The second factor: a TOTP authenticator app, with single-use recovery codes (docs/two-factor.md).

The one owner of the factor: enrolment (an unconfirmed ``TOTPDevice`` until a current code
confirms it), the recovery codes (a ``StaticDevice`` of ``RECOVERY_CODE_COUNT`` tokens, shown once),
their renewal, the removal by the user (with a current code) or the reset by an admin, and the
verification of a code at sign-in and at the token endpoint. django-otp's throttling is kept:
each wrong code doubles the wait before the device accepts another. Every change and every
refusal writes a line of the audit log (``accounts.services.audit.record``).
"""

import datetime
from dataclasses import dataclass
from typing import NoReturn

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AuditEvent, User
from accounts.services import audit
from core.errors import NotAllowed, ServiceDeskError

RECOVERY_CODE_COUNT = 10
TOTP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"
# The gate asks on every request whether a user has a factor: the answer is cached, and
# forgotten by every change made here (an edit in the Django admin shows within this time).
STATE_CACHE_SECONDS = 300


class TwoFactorRefused(ServiceDeskError):
    """A code was missing, wrong or throttled, or the factor is not in the state asked for."""

    def __init__(self, message: str, *, field: str | None = "otp", reason: str = "wrong") -> None:
        super().__init__(message, field=field)
        self.reason = reason


@dataclass(frozen=True)
class Enrolment:
    device: TOTPDevice
    otpauth_uri: str
    secret: str  # base32, as authenticator apps take it when typed


# --- state -------------------------------------------------------------------------------------


def two_factor_required(user: User) -> bool:
    """Whether the user's role must have a factor (``TWO_FACTOR_REQUIRED_ROLES``; a superuser
    counts as an admin)."""
    roles = {role.strip().lower() for role in getattr(settings, "TWO_FACTOR_REQUIRED_ROLES", []) if role.strip()}
    if not roles or not user.is_authenticated:
        return False
    return user.role in roles or ("admin" in roles and user.is_admin)


def has_two_factor(user: User) -> bool:
    """Whether the user has a confirmed authenticator app (recovery codes alone are not a factor)."""
    if not user.is_authenticated:
        return False
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def _state_key(user_id: int) -> str:
    return f"two-factor:has:{user_id}"


def has_two_factor_cached(user: User) -> bool:
    """``has_two_factor``, answered from the cache when it can (the gate asks on every request)."""
    if not user.is_authenticated:
        return False
    known = cache.get(_state_key(user.pk))
    if known is None:
        known = has_two_factor(user)
        cache.set(_state_key(user.pk), known, STATE_CACHE_SECONDS)
    return bool(known)


def forget_cached_state(user: User) -> None:
    """Drop the gate's cached answer for ``user`` (now and after the transaction commits): for
    whoever adds or deletes devices (the services here, an erasure)."""
    key = _state_key(user.pk)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


def pending_enrolment(user: User) -> Enrolment | None:
    """The enrolment started and not yet confirmed, if any."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    return _enrolment(device) if device is not None else None


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def _enrolment(device: TOTPDevice) -> Enrolment:
    import base64

    return Enrolment(device=device, otpauth_uri=device.config_url, secret=base64.b32encode(device.bin_key).decode())


# --- changes -----------------------------------------------------------------------------------


@transaction.atomic
def enrolment_start(*, user: User) -> Enrolment:
    """A new, unconfirmed authenticator device with a fresh secret (replacing an earlier
    unconfirmed one). Refused when the user already has a factor: remove it first."""
    User.objects.select_for_update().filter(pk=user.pk).first()
    if has_two_factor(user):
        raise TwoFactorRefused(_("You already have a second factor; remove it first to set up another."), field=None)
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return _enrolment(device)


def enrolment_confirm(*, user: User, code: str, request: HttpRequest | None = None) -> tuple[TOTPDevice, list[str]]:
    """Confirm the pending enrolment with a current code of the app: the factor is on, and
    ``RECOVERY_CODE_COUNT`` fresh recovery codes are returned (shown once; stored as typed,
    as django-otp's static tokens are)."""
    pending = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if pending is None:
        raise TwoFactorRefused(_("Start the set-up again: there is no authenticator app waiting to be confirmed."))
    device, refusal = _check(pending, _normalise(code))
    if refusal:
        _refused(user, refusal, request=request, method="enrolment")
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _new_recovery_codes(user)
        audit.record(AuditEvent.Kind.FACTOR_ADDED, user=user, request=request, device="totp")
        forget_cached_state(user)
    return device, codes


@transaction.atomic
def recovery_codes_renew(*, user: User, request: HttpRequest | None = None) -> list[str]:
    """New recovery codes; the old ones stop working."""
    if not has_two_factor(user):
        raise TwoFactorRefused(_("Set up a second factor first."), field=None)
    codes = _new_recovery_codes(user)
    audit.record(AuditEvent.Kind.RECOVERY_CODES_RENEWED, user=user, request=request)
    return codes


def factor_remove(*, user: User, code: str, request: HttpRequest | None = None) -> None:
    """The user removes their own factor, proving it with a current code (or a recovery code)."""
    if not has_two_factor(user):
        raise TwoFactorRefused(_("You have no second factor."), field=None)
    code_verify(user=user, code=code, request=request, method="removal")
    with transaction.atomic():
        _delete_devices(user)
        audit.record(AuditEvent.Kind.FACTOR_REMOVED, user=user, request=request)
        forget_cached_state(user)


@transaction.atomic
def factor_reset(*, user: User, actor: User, request: HttpRequest | None = None) -> bool:
    """An admin removes another person's factor (a lost phone). The person signs in with the
    password alone afterwards, and sets a factor up again (at once when their role requires one).
    Returns whether there was anything to remove."""
    if not actor.is_admin:
        raise NotAllowed(_("Only an administrator can reset a second factor."))
    removed = _delete_devices(user)
    if removed:
        audit.record(AuditEvent.Kind.FACTOR_REMOVED, user=user, actor=actor, request=request, reset=True)
    forget_cached_state(user)
    return removed > 0


def _new_recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _i in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def _delete_devices(user: User) -> int:
    removed = TOTPDevice.objects.filter(user=user, confirmed=True).count()
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    return removed


# --- verification ------------------------------------------------------------------------------


def _normalise(code: str) -> str:
    return "".join((code or "").split()).replace("-", "").lower()


def _is_app_code(code: str) -> bool:
    return code.isdigit() and len(code) <= 8


def _check(device: Device, code: str) -> tuple[Device, str]:
    """Verify ``code`` on ``device`` under a row lock (django-otp's throttling and replay
    protection count on it). Returns the device and "" when accepted, else the reason."""
    with transaction.atomic():
        locked = type(device).objects.select_for_update().get(pk=device.pk)
        allowed, info = locked.verify_is_allowed()
        if not allowed:
            until = (info or {}).get("locked_until") or timezone.now()
            return locked, f"throttled:{until.isoformat()}"
        if not code:
            return locked, "missing"
        return locked, ("" if locked.verify_token(code) else "wrong")


def _refused(user: User, refusal: str, *, request: HttpRequest | None, method: str) -> NoReturn:
    reason, _sep, until = refusal.partition(":")
    audit.record(AuditEvent.Kind.FACTOR_FAILED, user=user, request=request, method=method, reason=reason)
    if reason == "throttled":
        wait = max(1, int((datetime.datetime.fromisoformat(until) - timezone.now()).total_seconds() + 0.999))
        message = ngettext(
            "Too many wrong codes: wait %(seconds)d second, then try again.",
            "Too many wrong codes: wait %(seconds)d seconds, then try again.",
            wait,
        )
        raise TwoFactorRefused(message % {"seconds": wait}, reason=reason)
    if reason == "missing":
        raise TwoFactorRefused(_("Enter the code your authenticator app shows."), reason=reason)
    raise TwoFactorRefused(_("That code is not right, or it was used already. Try the current one."), reason=reason)


def code_verify(*, user: User, code: str, request: HttpRequest | None = None, method: str = "") -> Device:
    """Check a code of the user's authenticator app, or one of their recovery codes (used up
    by this). Returns the device that accepted it; raises ``TwoFactorRefused`` (audited)."""
    code = _normalise(code)
    if _is_app_code(code) or not code:
        device: Device | None = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    else:
        device = StaticDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    if device is None:
        if not has_two_factor(user):
            raise TwoFactorRefused(_("You have no second factor."), field=None, reason="none")
        _refused(user, "wrong", request=request, method=method)
    device, refusal = _check(device, code)
    if refusal:
        _refused(user, refusal, request=request, method=method)
    if isinstance(device, StaticDevice):
        audit.record(
            AuditEvent.Kind.RECOVERY_CODE_USED,
            user=user,
            request=request,
            method=method,
            left=device.token_set.count(),
        )
    else:
        audit.record(AuditEvent.Kind.FACTOR_VERIFIED, user=user, request=request, method=method, device="totp")
    return device


def token_second_factor(*, user: User, code: str, request: HttpRequest | None = None) -> None:
    """The token endpoint's check, after the password: an account with a factor sends a
    current code in ``otp``; an account whose role requires a factor and has none is refused."""
    if has_two_factor(user):
        code_verify(user=user, code=code, request=request, method="token")
    elif two_factor_required(user):
        audit.record(AuditEvent.Kind.FACTOR_FAILED, user=user, request=request, method="token", reason="none")
        raise TwoFactorRefused(
            _("Your role requires a second factor: enrol a second factor on the desk first."), reason="none"
        )
