"""Login protection: failed sign-ins slow down the account tried and the address trying.

django-axes records every failure (username, client address from ``core.clients``); this handler
decides with two limits instead of axes' one (docs/security.md):

- per account: ``LOGIN_FAILURE_LIMIT`` failures of one username, from any addresses, within
  ``LOGIN_LOCKOUT_MINUTES`` lock that account for ``LOGIN_LOCKOUT_MINUTES`` (guessing one
  account's password from many addresses). Anyone can cause this lock, so it is short, it is not
  extended by attempts made during it, and the real user always has a way in: a completed password
  reset clears the account's failures and signs the user in.
- per address: ``LOGIN_ADDRESS_FAILURE_LIMIT`` failures from one client address, across all
  usernames, lock that address for every username (password spraying). A success from the address
  does not clear them (else one valid account would reset the count between rounds of guesses).

A success clears the failures of the account that signed in.
"""

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import QuerySet, Sum
from django.http import HttpRequest

ACCOUNT = "account"
ADDRESS = "address"


class LoginProtectionHandler(AxesDatabaseHandler):
    """``AXES_HANDLER``: axes' database handler with a limit per account and one per address."""

    def _recent(self, request: HttpRequest) -> QuerySet[AccessAttempt]:
        attempts = AccessAttempt.objects.all()
        if settings.AXES_COOLOFF_TIME is not None:
            attempts = attempts.filter(attempt_time__gte=get_cool_off_threshold(request))
        return attempts

    def failure_counts(self, request: HttpRequest, credentials: dict | None = None) -> tuple[int, int]:
        """Recent failures of the account tried and from the address trying."""
        username = get_client_username(request, credentials)
        recent = self._recent(request)

        def total(attempts: QuerySet[AccessAttempt]) -> int:
            return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0

        by_account = total(recent.filter(username=username))
        address = getattr(request, "axes_ip_address", None)
        by_address = total(recent.filter(ip_address=address)) if address else 0
        return by_account, by_address

    def lock_reason(self, request: HttpRequest, credentials: dict | None = None) -> str | None:
        """``ADDRESS`` when the client address is locked, else ``ACCOUNT`` when the account is, else None."""
        by_account, by_address = self.failure_counts(request, credentials)
        if by_address >= settings.LOGIN_ADDRESS_FAILURE_LIMIT:
            return ADDRESS
        if by_account >= get_failure_limit(request, credentials):
            return ACCOUNT
        return None

    def get_failures(self, request: HttpRequest, credentials: dict | None = None) -> int:
        # axes compares this number with AXES_FAILURE_LIMIT (the account limit), when checking a
        # login and after each failure: a locked address reads as an account at its limit.
        by_account, by_address = self.failure_counts(request, credentials)
        if by_address >= settings.LOGIN_ADDRESS_FAILURE_LIMIT:
            return max(by_account, get_failure_limit(request, credentials))
        return by_account

    def reset_user_attempts(self, request: HttpRequest, credentials: dict | None = None) -> int:
        # a success clears the account's failures, never the address's (see the module's docstring)
        username = get_client_username(request, credentials)
        count, _ = AccessAttempt.objects.filter(username=username).delete()
        return count


def login_lock_reason(request: HttpRequest, credentials: dict | None = None) -> str | None:
    """Why this login is refused (``ACCOUNT`` or ``ADDRESS``), None when it is not."""
    AxesProxyHandler.update_request(request)
    handler = AxesProxyHandler.get_implementation()
    if isinstance(handler, LoginProtectionHandler):
        return handler.lock_reason(request, credentials)
    return ACCOUNT if handler.is_locked(request, credentials) else None


def login_failures_clear(*, username: str) -> int:
    """Forget the failed sign-ins of one account (a completed password reset); the number cleared."""
    return AxesProxyHandler.reset_attempts(username=username)
