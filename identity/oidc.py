"""OpenID Connect sign-in (docs/openid-connect.md): the desk is a confidential client of the
organisation's OpenID provider (Keycloak, Entra ID, ...), through mozilla-django-oidc.

``OpenIDConnectBackend`` takes over after the provider sent the person back with a code: the
library exchanges the code (token endpoint), checks the ID token's signature (JWKS) and nonce;
this backend also checks its issuer and audience, fetches the userinfo, finds the account by its
``ExternalIdentity`` (source ``oidc``, subject = ``sub``; never by the email address), and hands
a ``DirectoryProfile`` to ``identity.services.directory_sign_in``, the one owner of the mapping
rules shared with the directory. A refusal's reason is left on the request for the callback view
(identity/views.py) to show on the login page.
"""

import logging
from typing import Any
from urllib.parse import urlencode

import jwt
import requests
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest
from django.shortcuts import resolve_url
from django.utils.deprecation import MiddlewareMixin
from django.utils.translation import gettext as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.middleware import SessionRefresh

from accounts.models import AuditEvent, User
from accounts.services import audit
from identity.backends import refuse_sign_in
from identity.models import ExternalIdentity
from identity.services import DirectoryProfile, DirectoryRefusal, directory_sign_in

logger = logging.getLogger(__name__)

BACKEND = "identity.oidc.OpenIDConnectBackend"
SOURCE = ExternalIdentity.Source.OIDC


def enabled() -> bool:
    """OpenID Connect is on when a client id and the authorization endpoint are set and the
    backend is among ``AUTHENTICATION_BACKENDS`` (identity_settings.py adds it then)."""
    return bool(
        getattr(settings, "OIDC_RP_CLIENT_ID", "")
        and getattr(settings, "OIDC_OP_AUTHORIZATION_ENDPOINT", "")
        and BACKEND in settings.AUTHENTICATION_BACKENDS
    )


def provider_name() -> str:
    return getattr(settings, "OIDC_PROVIDER_NAME", "") or _("single sign-on")


def sign_in_button(request: HttpRequest) -> dict[str, Any]:
    """Context processor: ``oidc_provider_name`` for templates/accounts/_login_sso.html, only
    when OpenID Connect is on."""
    return {"oidc_provider_name": provider_name()} if enabled() else {}


def _text(value: Any) -> str:
    if isinstance(value, list | tuple):
        value = value[0] if value else ""
    return str(value).strip() if value is not None else ""


def _groups(value: Any) -> frozenset[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple):
        return frozenset()
    return frozenset(str(name).strip() for name in value if str(name).strip())


def profile_from_claims(claims: dict[str, Any]) -> DirectoryProfile:
    """The person as the provider describes them: the ID token's claims overlaid with the
    userinfo's. Raises ``DirectoryRefusal`` when the username claim is missing."""
    username = _text(claims.get(settings.OIDC_USERNAME_CLAIM))
    if not username:
        raise DirectoryRefusal(
            _("The sign-in service sent no username (claim %(claim)s): ask an administrator.")
            % {"claim": settings.OIDC_USERNAME_CLAIM}
        )
    first_name = _text(claims.get("given_name"))
    last_name = _text(claims.get("family_name"))
    if not first_name and not last_name:
        first_name = _text(claims.get("name"))
    organisation_claim = settings.OIDC_ORGANISATION_CLAIM
    return DirectoryProfile(
        source=SOURCE,
        subject=_text(claims["sub"]),
        username=username,
        email=_text(claims.get("email")),
        first_name=first_name,
        last_name=last_name,
        phone=_text(claims.get("phone_number")),
        groups=_groups(claims.get(settings.OIDC_GROUPS_CLAIM)),
        organisation_code=_text(claims.get(organisation_claim)) if organisation_claim else "",
    )


def _link_refusal(profile: DirectoryProfile) -> str | None:
    """Why the provider's person may not be given a new desk account the first time their
    ``sub`` is seen, or None. ``directory_sign_in`` takes an unheld account of the same username
    (and refuses one another ``sub`` holds, or a superuser's); this adds what only OpenID needs:
    the email address links nothing, so another account with it is refused, not merged."""
    if ExternalIdentity.objects.filter(source=SOURCE, subject=profile.subject).exists():
        return None
    if User.objects.filter(username__iexact=profile.username).exists():
        return None  # directory_sign_in's rules: taken over unless held by another sub or a superuser's
    if profile.email and User.objects.filter(email__iexact=profile.email).exists():
        return _(
            "Another desk account already uses your email address. Ask an administrator to give it "
            "your single sign-on username, then sign in again."
        )
    return None


class OpenIDConnectBackend(OIDCAuthenticationBackend):
    """Signs in the person the OpenID provider vouches for (the callback's code), with the
    directory's mapping rules. Never accepts a password."""

    def authenticate(self, request: HttpRequest | None, **kwargs: Any) -> User | None:
        # only the callback view's call (nonce and PKCE verifier), never a login form's
        if request is None or "nonce" not in kwargs or set(kwargs) - {"nonce", "code_verifier"} or not enabled():
            return None
        try:
            return super().authenticate(request, **kwargs)
        except DirectoryRefusal as refusal:
            refuse_sign_in(request, refusal.reason)
        except (requests.RequestException, SuspiciousOperation, jwt.InvalidTokenError, KeyError, ValueError) as exc:
            logger.warning("OpenID Connect sign-in failed: %s", exc)
            audit.record(AuditEvent.Kind.SIGN_IN_FAILED, request=request, method=SOURCE, reason=str(exc)[:300])
        return None

    def verify_token(self, token: str, **kwargs: Any) -> dict[str, Any]:
        """The library checks the signature and the nonce; the issuer and audience too here."""
        payload = super().verify_token(token, **kwargs)
        if "nonce" not in kwargs:  # a signed userinfo response, not an ID token
            return payload
        issuer = settings.OIDC_OP_ISSUER
        if issuer and payload.get("iss") != issuer:
            raise SuspiciousOperation(f"ID token issuer {payload.get('iss')!r} is not {issuer!r}")
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("ID token audience is not this client")
        return payload

    def get_or_create_user(self, access_token: str, id_token: str, payload: dict[str, Any]) -> User:
        userinfo = self.get_userinfo(access_token, id_token, payload)
        if not payload.get("sub") or userinfo.get("sub", payload["sub"]) != payload["sub"]:
            raise SuspiciousOperation("userinfo sub differs from the ID token's")
        claims = {
            **{k: v for k, v in payload.items() if k not in {"aud", "exp", "iat", "nonce", "at_hash"}},
            **userinfo,
        }
        try:
            profile = profile_from_claims(claims)
        except DirectoryRefusal as refusal:
            audit.record(AuditEvent.Kind.DIRECTORY_REFUSED, request=self.request, method=SOURCE, reason=refusal.reason)
            raise
        reason = _link_refusal(profile)
        if reason is not None:
            audit.record(
                AuditEvent.Kind.DIRECTORY_REFUSED,
                request=self.request,
                username=profile.username,
                method=SOURCE,
                reason=reason,
            )
            raise DirectoryRefusal(reason)
        return directory_sign_in(profile)

    def get_user(self, user_id: int) -> User | None:
        # the library's returns deactivated accounts too; Django's does not
        return ModelBackend.get_user(self, user_id)


def provider_logout_url(request: HttpRequest) -> str:
    """Where /oidc/logout/ sends the person after the desk's session ended: the provider's
    end-session endpoint when ``OIDC_END_PROVIDER_SESSION`` asks and it is known (with the ID
    token as hint, back to the login page), else the login page."""
    back = request.build_absolute_uri(resolve_url(settings.LOGOUT_REDIRECT_URL))
    endpoint = settings.OIDC_OP_LOGOUT_ENDPOINT
    if not (settings.OIDC_END_PROVIDER_SESSION and endpoint and enabled()):
        return back
    if request.session.get(BACKEND_SESSION_KEY) != BACKEND:
        return back
    query = {"client_id": settings.OIDC_RP_CLIENT_ID, "post_logout_redirect_uri": back}
    id_token = request.session.get("oidc_id_token")
    if id_token:
        query["id_token_hint"] = id_token
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{urlencode(query)}"


class SessionRenewal(SessionRefresh):
    """Every ``OIDC_RENEW_ID_TOKEN_EXPIRY_SECONDS`` (0: never, the default) a page asked for by
    someone signed in through the provider first goes to the provider and back without a word
    (``prompt=none``): still signed in there, the mapping is applied again (a changed role
    follows at once); not any more, they are signed out here too. Only full pages: htmx's
    and live.js's requests and the API are left alone until the next page. Settings are read at
    each request (the library reads them once)."""

    def __init__(self, get_response: Any) -> None:
        MiddlewareMixin.__init__(self, get_response)

    OIDC_EXEMPT_URLS = property(lambda self: getattr(settings, "OIDC_EXEMPT_URLS", []))
    OIDC_OP_AUTHORIZATION_ENDPOINT = property(lambda self: settings.OIDC_OP_AUTHORIZATION_ENDPOINT)
    OIDC_RP_CLIENT_ID = property(lambda self: settings.OIDC_RP_CLIENT_ID)
    OIDC_STATE_SIZE = property(lambda self: getattr(settings, "OIDC_STATE_SIZE", 32))
    OIDC_AUTHENTICATION_CALLBACK_URL = "oidc_authentication_callback"
    OIDC_RP_SCOPES = property(lambda self: settings.OIDC_RP_SCOPES)
    OIDC_USE_NONCE = property(lambda self: getattr(settings, "OIDC_USE_NONCE", True))
    OIDC_NONCE_SIZE = property(lambda self: getattr(settings, "OIDC_NONCE_SIZE", 32))

    def is_refreshable_url(self, request: HttpRequest) -> bool:
        if not (settings.OIDC_RENEW_ID_TOKEN_EXPIRY_SECONDS and enabled()):
            return False
        partial = request.headers.get("HX-Request") or request.headers.get("X-Requested-With")  # htmx, live.js
        if partial or request.path.startswith("/api/"):
            return False
        if request.session.get(BACKEND_SESSION_KEY) != BACKEND:
            return False
        return super().is_refreshable_url(request)
