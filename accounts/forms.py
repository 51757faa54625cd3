from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_backends
from django.utils.translation import gettext_lazy as _

from accounts.models import User


class PreferencesForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["time_zone", "language"]
        help_texts = {
            "time_zone": _("Dates and times are shown in this time zone."),
            "language": _("Used when this browser has not chosen a language."),
        }


class LoginForm(auth_forms.AuthenticationForm):
    """Django's login form; when a sign-in backend knew the password but refused the account
    (the directory disabled it, local passwords are off for it: identity.backends), its reason
    is the form's error instead of the generic one."""

    def get_invalid_login_error(self):
        refusal = getattr(self.request, "sign_in_refusal", None)
        if refusal:
            return forms.ValidationError(refusal, code="refused")
        return super().get_invalid_login_error()


def local_password_refused(user: User) -> bool:
    """Whether a sign-in backend refuses ``user`` a local password (identity.backends)."""
    return any(
        getattr(backend, "local_password_refusal", None) and backend.local_password_refusal(user)
        for backend in get_backends()
    )


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Sends no reset link to an account that cannot sign in with a local password."""

    def get_users(self, email):
        return (user for user in super().get_users(email) if not local_password_refused(user))
