from django import forms
from django.utils.translation import gettext_lazy as _

from notifications.models import Preference, Webhook


class PreferenceForm(forms.ModelForm):
    class Meta:
        model = Preference
        fields = ["email", "webhook", "quiet_from", "quiet_until"]
        widgets = {
            "quiet_from": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "quiet_until": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }
        help_texts = {
            "quiet_until": _(
                "In your time zone. Email and webhook messages wait until then; "
                "the emergency groups' alerts do not. Leave both empty for none."
            ),
        }

    def clean(self):
        data = super().clean()
        if (data.get("quiet_from") is None) != (data.get("quiet_until") is None):
            raise forms.ValidationError(_("Give both ends of the quiet hours, or neither."))
        return data


class PersonalWebhookForm(forms.ModelForm):
    class Meta:
        model = Webhook
        fields = ["url", "format", "secret"]
        labels = {"url": _("Personal webhook URL")}
        help_texts = {"url": _("Empty: no personal webhook. DingTalk, WeCom and Feishu robot URLs work here.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["url"].required = False
