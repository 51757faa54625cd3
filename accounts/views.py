from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts import login_protection, selectors, services
from accounts.forms import LoginForm, PasswordResetForm, PreferencesForm, local_password_refused
from accounts.models import ApiToken, CalendarLink


def locked_out(request, original_response=None, credentials=None):
    """What django-axes answers to a refused login: 429, as a page or in the API's error shape.

    An account lock points to the password reset (which clears it and signs the user in); an
    address lock says that logins from this address wait."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    reason = login_protection.login_lock_reason(request, credentials)
    if reason == login_protection.ADDRESS:
        message = ngettext(
            "Too many failed logins from your network address: logins from it are paused for %(minutes)d minute.",
            "Too many failed logins from your network address: logins from it are paused for %(minutes)d minutes.",
            minutes,
        ) % {"minutes": minutes}
    else:
        message = ngettext(
            "Too many failed logins for this account: it is locked for %(minutes)d minute. "
            "Reset your password to log in now.",
            "Too many failed logins for this account: it is locked for %(minutes)d minutes. "
            "Reset your password to log in now.",
            minutes,
        ) % {"minutes": minutes}
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message, "errors": {}}, status=429)
    context = {"message": message, "account_locked": reason != login_protection.ADDRESS}
    return render(request, "accounts/locked_out.html", context, status=429)


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:password_change_done")


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    form_class = PasswordResetForm
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """A completed reset clears the account's failed logins and signs the user in: whoever keeps
    failing on the account, its owner always gets in this way."""

    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")
    post_reset_login = True
    post_reset_login_backend = "identity.backends.LocalPasswordBackend"

    def get_user(self, uidb64):
        # a link sent before the account lost its local password (directory, role) no longer works
        user = super().get_user(uidb64)
        return None if user is not None and local_password_refused(user) else user

    def form_valid(self, form):
        response = super().form_valid(form)  # sets the password and signs the user in
        login_protection.login_failures_clear(username=form.user.get_username())
        return response


@login_required
def preferences(request):
    form = PreferencesForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_update_preferences(
                user=request.user,
                time_zone=form.cleaned_data["time_zone"],
                language=form.cleaned_data["language"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your preferences were saved."))
            return redirect("accounts:preferences")
    context = {
        "form": form,
        "api_tokens": selectors.user_api_tokens(user=request.user).order_by("-created_at", "-pk"),
        "calendar_links": selectors.user_calendar_links(user=request.user),
    }
    return render(request, "accounts/preferences.html", context)


@login_required
@require_POST
def api_token_revoke(request, pk: int):
    """Revoke one of the signed-in user's API tokens; another person's is a 404."""
    try:
        token = services.api_token_revoke_own(user=request.user, token_id=pk)
    except ApiToken.DoesNotExist as error:
        raise Http404 from error
    messages.success(request, _("The API token “%(name)s” was revoked.") % {"name": token.name})
    return redirect("accounts:preferences")


@login_required
@require_POST
def calendar_link_revoke(request, pk: int):
    """Revoke one of the signed-in user's calendar links; another person's is a 404."""
    try:
        link = services.calendar_link_revoke(user=request.user, link_id=pk)
    except CalendarLink.DoesNotExist as error:
        raise Http404 from error
    messages.success(
        request,
        _("The calendar link “%(label)s” was revoked; the page that shows it now shows a new one.")
        % {"label": link.label},
    )
    return redirect("accounts:preferences")
