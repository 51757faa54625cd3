"""The OpenID Connect endpoints (docs/openid-connect.md), mozilla-django-oidc's views made careful:
they answer 404 while OpenID Connect is off, and every failed callback (refused by the mapping,
cancelled at the provider, a forged or replayed state, the provider unreachable) lands on the
login page with the reason, never on a blank error. Mounted under /oidc/ by servicedesk/urls.py
(``OIDC_CALLBACK_CLASS`` and ``OIDC_AUTHENTICATE_CLASS`` name them)."""

import logging

from django.contrib import auth, messages
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from accounts.models import AuditEvent
from accounts.services import audit
from identity import oidc
from identity.backends import SIGN_IN_REFUSAL

logger = logging.getLogger(__name__)

# a silent renewal (prompt=none) finding no session at the provider
SIGNED_OUT_AT_PROVIDER = {"login_required", "interaction_required", "consent_required", "account_selection_required"}


class OpenIDRequestView(OIDCAuthenticationRequestView):
    """GET /oidc/authenticate/?next=…: off → 404; on → to the provider's sign-in page."""

    def get(self, request: HttpRequest) -> HttpResponse:
        if not oidc.enabled():
            raise Http404(_("Single sign-on is not configured."))
        return super().get(request)


class OpenIDCallbackView(OIDCAuthenticationCallbackView):
    """GET /oidc/callback/?code=…&state=…: the provider sends the person back here."""

    def get(self, request: HttpRequest) -> HttpResponse:
        if not oidc.enabled():
            raise Http404(_("Single sign-on is not configured."))
        self.failure_reason = ""
        error = request.GET.get("error")
        if error in SIGNED_OUT_AT_PROVIDER and request.user.is_authenticated:  # a renewal (SessionRenewal)
            self.failure_reason = _("Your sign-in with %(provider)s has ended. Please sign in again.") % {
                "provider": oidc.provider_name()
            }
        elif error:
            self.failure_reason = _("Sign-in with %(provider)s was cancelled or refused by %(provider)s.") % {
                "provider": oidc.provider_name()
            }
        try:
            if not error and "oidc_states" not in request.session:
                raise SuspiciousOperation("OIDC callback without a sign-in started in this session")
            return super().get(request)
        except SuspiciousOperation as exc:  # a state this browser did not start: forged or replayed
            logger.warning("OpenID Connect callback refused: %s", exc)
            audit.record(AuditEvent.Kind.SIGN_IN_FAILED, request=request, method=oidc.SOURCE, reason=str(exc))
            return self.login_failure()

    def login_failure(self) -> HttpResponse:
        refusal = getattr(self.request, SIGN_IN_REFUSAL, "")
        if refusal and self.request.user.is_authenticated:  # refused at a renewal: no longer let in
            auth.logout(self.request)
        reason = refusal or getattr(self, "failure_reason", "")
        if not reason:
            reason = _("Sign-in with %(provider)s did not complete. Please try again.") % {
                "provider": oidc.provider_name()
            }
        messages.error(self.request, reason)
        url = reverse("accounts:login")
        next_url = self.request.session.get("oidc_login_next")
        return HttpResponseRedirect(f"{url}?{urlencode({'next': next_url})}" if next_url else url)
