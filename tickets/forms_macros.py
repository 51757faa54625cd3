"""Forms of the macro pages: the editor, and the picker on the ticket page. They parse and
check input; the services decide and write."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Team, User
from tickets.macro_text import placeholders_help
from tickets.models import Macro, Priority, Ticket
from tickets.services.macros import macro_list


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return str(obj)


class MacroForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    scope = forms.ChoiceField(label=_("Who uses it"), choices=Macro.Scope.choices)
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none(), required=False)
    body_en = forms.CharField(
        label=_("Text in English"), widget=forms.Textarea(attrs={"rows": 6}), required=False, max_length=20000
    )
    body_zh_hans = forms.CharField(
        label=_("Text in Chinese"), widget=forms.Textarea(attrs={"rows": 6}), required=False, max_length=20000
    )
    public = forms.BooleanField(
        label=_("Public reply"),
        required=False,
        initial=True,
        help_text=_("Unticked: the text goes as an internal note."),
    )
    set_status = forms.ChoiceField(
        label=_("Set the status"), choices=[("", _("Leave the status")), *Ticket.Status.choices], required=False
    )
    set_priority = forms.ChoiceField(
        label=_("Set the priority"), choices=[("", _("Leave the priority")), *Priority.choices], required=False
    )
    assignment = forms.ChoiceField(label=_("Assignment"), choices=Macro.Assignment.choices, required=False)
    assignee = StaffChoiceField(
        label=_("Engineer"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("When the assignment names an engineer."),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        teams = Team.objects.filter(is_active=True)
        self.fields["team"].queryset = teams if user.can_manage else teams.filter(memberships__user=user)
        self.fields["assignee"].queryset = User.objects.staff().order_by("first_name", "last_name", "username")
        if not user.can_manage:
            self.fields["scope"].choices = [c for c in Macro.Scope.choices if c[0] != Macro.Scope.DESK]
        self.placeholders = placeholders_help()

    @staticmethod
    def initial_of(macro: Macro) -> dict[str, Any]:
        return {
            "name": macro.name,
            "scope": macro.scope,
            "team": macro.team_id,
            "body_en": macro.body_en,
            "body_zh_hans": macro.body_zh_hans,
            "public": macro.public,
            "set_status": macro.set_status,
            "set_priority": macro.set_priority,
            "assignment": macro.assignment,
            "assignee": macro.assignee_id,
            "is_active": macro.is_active,
        }


class MacroPickForm(forms.Form):
    """The picker without JavaScript: a macro, then preview or apply."""

    macro = forms.ModelChoiceField(label=_("Macro"), queryset=Macro.objects.none())

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["macro"].queryset = macro_list(user=user, active_only=True)


class MacroApplyForm(MacroPickForm):
    body = forms.CharField(required=False, max_length=20000, strip=False, widget=forms.HiddenInput)
