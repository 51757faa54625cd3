"""Pages of the second factor (docs/two-factor.md): set up, confirm, recovery codes, removal,
the code asked at sign-in, and an admin's reset of another person's factor."""

from urllib.parse import urlencode

import django_otp
import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_static.models import StaticDevice

from accounts.forms_two_factor import CodeForm, ConfirmForm, RemoveForm
from accounts.models import User
from accounts.services import two_factor
from accounts.services.two_factor import TwoFactorRefused


def _next_url(request: HttpRequest, fallback: str) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return fallback


def _qr_svg(uri: str) -> str:
    """The otpauth URI as an inline SVG QR code; its accessible name is given by the page."""
    svg = segno.make(uri, error="m").svg_inline(scale=5, border=2, dark="#000", light="#fff", omitsize=True)
    return mark_safe(svg.replace("<svg ", '<svg aria-hidden="true" focusable="false" width="205" height="205" ', 1))  # noqa: S308 (segno's own markup)


def _status_page(request: HttpRequest, *, confirm_form=None, remove_form=None, status: int = 200) -> HttpResponse:
    user = request.user
    has_factor = two_factor.has_two_factor(user)
    enrolment = None if has_factor else two_factor.pending_enrolment(user)
    context = {
        "subject": user,
        "has_factor": has_factor,
        "required": two_factor.two_factor_required(user),
        "enrolment": enrolment,
        "qr_svg": _qr_svg(enrolment.otpauth_uri) if enrolment else "",
        "secret_groups": [enrolment.secret[i : i + 4] for i in range(0, len(enrolment.secret), 4)] if enrolment else [],
        "confirm_form": confirm_form or ConfirmForm(),
        "remove_form": remove_form or RemoveForm(),
        "codes_left": two_factor.recovery_codes_left(user) if has_factor else 0,
        "next": _next_url(request, ""),
    }
    return render(request, "accounts/two_factor.html", context, status=status)


def _codes_page(request: HttpRequest, codes: list[str], *, first: bool) -> HttpResponse:
    response = render(
        request,
        "accounts/two_factor_codes.html",
        {"codes": codes, "codes_text": "\n".join(codes) + "\n", "first": first, "next": _next_url(request, "")},
    )
    response["Cache-Control"] = "no-store"
    return response


def _verified(request: HttpRequest, device) -> None:
    """Mark the session verified by ``device``, under a new session key."""
    django_otp.login(request, device)
    request.session.cycle_key()


@never_cache
@login_required
def two_factor_status(request: HttpRequest) -> HttpResponse:
    """The user's second factor: its state, the set-up (QR code, secret, confirmation), the
    recovery codes and the removal."""
    return _status_page(request)


@login_required
@require_POST
def two_factor_enrol(request: HttpRequest) -> HttpResponse:
    try:
        two_factor.enrolment_start(user=request.user)
    except TwoFactorRefused as error:
        messages.error(request, error.message)
    next_url = _next_url(request, "")
    query = f"?{urlencode({'next': next_url})}" if next_url else ""
    return redirect(reverse("accounts:two_factor") + query + "#set-up")


@never_cache
@login_required
@require_POST
def two_factor_confirm(request: HttpRequest) -> HttpResponse:
    form = ConfirmForm(request.POST)
    if form.is_valid():
        try:
            device, codes = two_factor.enrolment_confirm(
                user=request.user, code=form.cleaned_data["code"], request=request
            )
        except TwoFactorRefused as error:
            form.add_error("code", error.message)
        else:
            _verified(request, device)
            return _codes_page(request, codes, first=True)
    return _status_page(request, confirm_form=form)


@never_cache
@login_required
@require_POST
def two_factor_recovery_codes(request: HttpRequest) -> HttpResponse:
    """New recovery codes, shown once; the old ones stop working."""
    if not request.user.is_verified():
        return redirect("accounts:two_factor")
    try:
        codes = two_factor.recovery_codes_renew(user=request.user, request=request)
    except TwoFactorRefused as error:
        messages.error(request, error.message)
        return redirect("accounts:two_factor")
    return _codes_page(request, codes, first=False)


@login_required
@require_POST
def two_factor_remove(request: HttpRequest) -> HttpResponse:
    form = RemoveForm(request.POST)
    if not two_factor.has_two_factor(request.user):
        messages.info(request, _("You have no second factor."))
        return redirect("accounts:two_factor")
    if form.is_valid():
        try:
            two_factor.factor_remove(user=request.user, code=form.cleaned_data["code"], request=request)
        except TwoFactorRefused as error:
            form.add_error("code", error.message)
        else:
            messages.success(request, _("The second factor was removed; you sign in with your password alone."))
            return redirect("accounts:two_factor")
    return _status_page(request, remove_form=form)


@never_cache
@login_required
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """Asked after the password (or the directory, or OpenID Connect) of an account with a factor."""
    next_url = _next_url(request, reverse("home"))
    user = request.user
    if not two_factor.has_two_factor_cached(user) or user.is_verified():
        return redirect(next_url)
    recovery = request.GET.get("recovery") == "1" or request.POST.get("recovery") == "1"
    form = CodeForm(request.POST or None, recovery=recovery)
    if request.method == "POST" and form.is_valid():
        try:
            device = two_factor.code_verify(
                user=user, code=form.cleaned_data["code"], request=request, method="sign_in"
            )
        except TwoFactorRefused as error:
            form.add_error("code", error.message)
        else:
            _verified(request, device)
            if not isinstance(device, StaticDevice):
                return redirect(next_url)
            left = two_factor.recovery_codes_left(user)
            messages.warning(
                request,
                format_html(
                    "{} <a href='{}'>{}</a>",
                    _("You signed in with a recovery code; %(left)d left.") % {"left": left},
                    reverse("accounts:two_factor"),
                    _("Renew your recovery codes"),
                ),
            )
            return redirect(next_url)
    context = {"form": form, "recovery": recovery, "next": next_url}
    return render(request, "accounts/two_factor_verify.html", context)


@login_required
@require_POST
def two_factor_reset(request: HttpRequest, user_id: int) -> HttpResponse:
    """An admin removes another person's factor (a lost phone). Others: 403, before the person
    is even looked up (nobody learns who exists)."""
    if not request.user.is_admin:
        raise PermissionDenied
    subject = get_object_or_404(User, pk=user_id)
    removed = two_factor.factor_reset(user=subject, actor=request.user, request=request)
    if removed:
        messages.success(request, _("The second factor of %(user)s was reset.") % {"user": subject})
    else:
        messages.info(request, _("%(user)s had no second factor.") % {"user": subject})
    return redirect(_next_url(request, reverse("admin:accounts_user_change", args=[subject.pk])))
