"""How the API knows its caller: ``Authorization: Token <key>`` against ``ApiToken`` (hashed,
expiring, revocable), and the hook that revokes a user's tokens whenever the password changes."""

from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication


class ApiTokenAuthentication(TokenAuthentication):
    """The header as before (``Token <key>``, answered by ``WWW-Authenticate: Token``); the key
    is looked up by its SHA-256. Unknown, revoked or expired keys and inactive users: 401."""

    keyword = "Token"

    def authenticate_credentials(self, key: str):
        from accounts import services

        token = services.api_token_authenticate(key=key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        return token.user, token


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """The schema's ``tokenAuth`` security scheme, as for DRF's own token authentication."""

    target_class = "accounts.authentication.ApiTokenAuthentication"
    name = "tokenAuth"
    priority = 1

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(header_name="Authorization", token_prefix=self.target.keyword)


class RevokeTokensOnPasswordChange:
    """Listed in ``AUTH_PASSWORD_VALIDATORS`` for its ``password_changed`` hook, which Django
    calls every time a password is set and saved (the change and reset pages, the admin,
    ``changepassword``): the user's API tokens are revoked there, whatever the path, and the
    change is written to the audit log (not a new account's first password). It refuses no
    password."""

    def validate(self, password, user=None) -> None:
        return None

    def password_changed(self, password, user=None) -> None:
        if user is not None and user.pk is not None:
            from accounts import services
            from accounts.models import AuditEvent
            from accounts.services import audit
            from accounts.services.sessions import request_actor

            services.api_tokens_revoke_all(user=user)
            adding, user._audit_adding = getattr(user, "_audit_adding", False), False
            if not adding:  # a new account's first password is no change
                audit.record(AuditEvent.Kind.PASSWORD_CHANGED, user=user, actor=request_actor())

    def get_help_text(self) -> str:
        return _("Changing your password signs out every API client (its tokens are revoked).")
