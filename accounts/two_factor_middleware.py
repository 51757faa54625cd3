"""The gate of the second factor (docs/two-factor.md), whatever way the user signed in
(password, directory, OpenID Connect): it only looks at the session.

- Signed in, with a factor, the session not verified yet: pages go to the verify page (with
  ``next``); API requests made with the session cookie get 403.
- Signed in, the role requires a factor (``TWO_FACTOR_REQUIRED_ROLES``) and there is none:
  pages go to the set-up page; API requests made with the session cookie get 403.

Always let through: the verify page, logout, the password reset pages, the language switch,
static files and /healthz; the set-up pages while a factor is to be set up. Requests with an
``Authorization: Token`` header are the token's business (the token endpoint asked for the code).
"""

from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.services import two_factor

API_PREFIX = "/api/"


def _always_open() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(exact paths, path prefixes) any signed-in user reaches without the factor."""
    exact = (
        reverse("accounts:logout"),
        reverse("accounts:two_factor_verify"),
        reverse("healthz"),
        reverse("set_language"),
    )
    prefixes = tuple(
        prefix
        for prefix in (
            reverse("accounts:password_reset"),  # …/password/reset/, its confirmation and completion
            settings.STATIC_URL if str(settings.STATIC_URL).startswith("/") else "",
            "/favicon.ico",
        )
        if prefix
    )
    return exact, prefixes


def _set_up_pages() -> tuple[str, ...]:
    return (
        reverse("accounts:two_factor"),
        reverse("accounts:two_factor_enrol"),
        reverse("accounts:two_factor_confirm"),
    )


class TwoFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self._open: tuple[tuple[str, ...], tuple[str, ...]] | None = None
        self._set_up: tuple[str, ...] | None = None

    def __call__(self, request: HttpRequest) -> HttpResponse:
        refusal = self._refusal(request)
        return refusal if refusal is not None else self.get_response(request)

    def _refusal(self, request: HttpRequest) -> HttpResponse | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        path = request.path
        if path.startswith(API_PREFIX) and _token_request(request):
            return None
        if self._open is None:
            self._open, self._set_up = _always_open(), _set_up_pages()
        exact, prefixes = self._open
        if two_factor.has_two_factor_cached(user) and not user.is_verified():
            # the pages left open show the bar of a visitor until the code is in (no names, counts)
            request.two_factor_pending = True
        if path in exact or path.startswith(prefixes):
            return None
        if two_factor.has_two_factor_cached(user):
            if user.is_verified():
                return None
            return self._refuse(
                request,
                "accounts:two_factor_verify",
                _("Enter the code of your second factor on the desk first (or send an API token)."),
            )
        if not two_factor.two_factor_required(user) or path in (self._set_up or ()):
            return None
        return self._refuse(
            request, "accounts:two_factor", _("Your role requires a second factor: set it up on the desk first.")
        )

    @staticmethod
    def _refuse(request: HttpRequest, page: str, message: str) -> HttpResponse:
        if request.path.startswith(API_PREFIX):
            return JsonResponse({"detail": message, "errors": {}}, status=403)
        url = reverse(page)
        if request.method in ("GET", "HEAD"):
            url += "?" + urlencode({"next": request.get_full_path()})
        return HttpResponseRedirect(url)


def _token_request(request: HttpRequest) -> bool:
    """Whether DRF authenticates this request by its ``Authorization: Token …`` header (a wrong
    token is a 401 there; it never falls back to the session)."""
    scheme = request.META.get("HTTP_AUTHORIZATION", "").split(" ", 1)[0]
    return scheme.lower() == "token"
