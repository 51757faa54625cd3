"""Forms of the second factor's pages: one code field each (the service checks the code)."""

from django import forms
from django.utils.translation import gettext_lazy as _


class CodeForm(forms.Form):
    """A current code of the authenticator app (or, where ``recovery`` is allowed, a recovery code)."""

    code = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=32,
        strip=True,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True, "spellcheck": "false"}
        ),
    )

    def __init__(self, *args, recovery: bool = False, prefix: str | None = None, **kwargs) -> None:
        super().__init__(*args, prefix=prefix, **kwargs)
        if recovery:
            field = self.fields["code"]
            field.label = _("Recovery code")
            field.help_text = _("One of the recovery codes you saved when you set up the second factor.")
            field.widget.attrs.update({"inputmode": "text", "autocomplete": "off", "autocapitalize": "none"})

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split())
        if not code:
            raise forms.ValidationError(_("Enter a code."))
        return code


class ConfirmForm(CodeForm):
    """Confirms a new authenticator app with the code it shows now."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, prefix="confirm", **kwargs)
        self.fields["code"].help_text = _("The six digits the app shows now, after you added the account.")


class RemoveForm(CodeForm):
    """Removing the factor asks for a current code (or a recovery code)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, prefix="remove", **kwargs)
        self.fields["code"].label = _("Current code (or a recovery code)")
        self.fields["code"].widget.attrs.update({"inputmode": "text", "autofocus": False})
