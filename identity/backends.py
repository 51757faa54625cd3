"""Local passwords (docs/identity.md): the desk's own password check, for the accounts the
directory and the OpenID provider do not hold and the roles allowed to use one.

``LocalPasswordBackend`` takes the place of Django's ``ModelBackend`` in
``AUTHENTICATION_BACKENDS``. When the password is right but the account may not use it, the
reason is left on the request (``SIGN_IN_REFUSAL``) for the login form and the token endpoint to
show instead of the generic "wrong password"; a wrong password says nothing more than before, so
the refusal tells nothing to someone who does not know the password.
"""

from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest
from django.utils.translation import gettext as _

from accounts.models import User
from identity.models import ExternalIdentity

# The request attribute a sign-in backend leaves its refusal's reason in (a translated string);
# read by accounts.forms.LoginForm and the token endpoint (accounts cannot import identity).
SIGN_IN_REFUSAL = "sign_in_refusal"


def refuse_sign_in(request: HttpRequest | None, reason: str) -> None:
    """Leave ``reason`` on ``request`` for the page or endpoint that asked to sign in."""
    if request is not None:
        setattr(request, SIGN_IN_REFUSAL, reason)


def _backend_configured(word: str) -> bool:
    return any(word in path for path in settings.AUTHENTICATION_BACKENDS)


def local_password_refusal(user: User) -> str | None:
    """Why ``user`` may not sign in with a local password, or None when they may: their account
    is held by the directory or the OpenID provider, or their role is listed in
    ``LOCAL_PASSWORD_DISABLED_ROLES`` (superusers excepted: the break-glass account)."""
    sources = set(ExternalIdentity.objects.filter(user=user).values_list("source", flat=True))
    if ExternalIdentity.Source.LDAP in sources:
        return _("Your account is held by the directory: sign in with your directory password.")
    if ExternalIdentity.Source.OIDC in sources:
        return _("Your account is held by single sign-on: sign in with the single sign-on button.")
    if user.role in settings.LOCAL_PASSWORD_DISABLED_ROLES and not user.is_superuser:
        if _backend_configured("identity.ldap"):
            return _("Your role does not sign in with a local password: sign in with your directory password.")
        if _backend_configured("oidc"):
            return _("Your role does not sign in with a local password: sign in with the single sign-on button.")
        return _("Your role does not sign in with a local password: ask an administrator.")
    return None


class LocalPasswordBackend(ModelBackend):
    """Django's password check, refused for the accounts ``local_password_refusal`` names."""

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> User | None:
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            return None
        reason = local_password_refusal(user)
        if reason is not None:
            refuse_sign_in(request, reason)
            return None
        return user

    def local_password_refusal(self, user: User) -> str | None:
        """Asked by the password reset: it sends no link to an account this refuses."""
        return local_password_refusal(user)
