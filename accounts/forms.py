from django import forms
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
