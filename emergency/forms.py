"""Forms of the emergency pages: intake, one form per step of the process, notes, re-grading,
rota overrides and risks."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.text import validate_one_line
from core.widgets import AssetSelect, DateTimeLocalInput
from customers.models import InstalledProduct
from customers.selectors import asset_list, asset_resolve, project_list
from emergency.models import Grade, Incident, Level, Risk

Status = Incident.Status


def _staff():
    return User.objects.staff().order_by("first_name", "username")


class IncidentForm(forms.ModelForm):
    """The liaison's quick form for a phone call; a customer's report in the portal."""

    class Meta:
        model = Incident
        fields = [
            "project",
            "asset",
            "title",
            "symptoms",
            "occurred_at",
            "location",
            "scope",
            "measures_taken",
            "reporter_name",
            "reporter_phone",
        ]
        widgets = {
            "asset": AssetSelect(),
            "occurred_at": DateTimeLocalInput(),
            "symptoms": forms.Textarea(attrs={"rows": 3}),
            "scope": forms.Textarea(attrs={"rows": 2}),
            "measures_taken": forms.Textarea(attrs={"rows": 2}),
        }

    asset_serial = forms.CharField(
        label=_("Serial number"),
        max_length=120,
        required=False,
        help_text=_("Or type the serial number on the device's label: it finds the asset of the project."),
    )
    field_order = ["project", "asset", "asset_serial"]

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = project_list(user=user).filter(is_active=True)
        assets = asset_list(user=user).filter(project__is_active=True)
        self.fields["asset"].queryset = assets.order_by("project__name", "name", "serial_number")
        self.fields["asset"].label_from_instance = _asset_label
        self.fields["asset"].help_text = _("The installed product the emergency is about, if you know it.")
        self.fields["title"].validators.append(validate_one_line)
        if user.is_customer:
            del self.fields["reporter_name"], self.fields["reporter_phone"]
        else:
            self.fields["reporter_name"].help_text = _("The caller, and the organisation if it is not obvious.")

    def clean(self):
        """A serial number typed names the project's asset with it; one that is not there, or an
        asset of another project, is an error."""
        data = super().clean()
        project, asset = data.get("project"), data.get("asset")
        serial = data.pop("asset_serial", "").strip()
        if project is None:
            return data
        wrong_project = _("Choose an asset of the incident's project.")
        try:
            data["asset"] = asset_resolve(project=project, asset=asset, serial=serial, wrong_project=wrong_project)
        except ValidationError as error:
            self.add_error(None, error)
        return data


def _asset_label(asset: InstalledProduct) -> str:
    serial = f" · {asset.serial_number}" if asset.serial_number else ""
    return f"{asset.project.name}: {asset}{serial}"


class StepForm(forms.Form):
    """Base of the step forms: ``to`` and a note for the timeline."""

    to = forms.ChoiceField(choices=Status.choices, widget=forms.HiddenInput)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    public = forms.BooleanField(label=_("Show the note to the customer"), required=False)


class AssessForm(StepForm):
    severity = forms.ChoiceField(label=_("Severity"), choices=Level.choices)
    scope_level = forms.ChoiceField(
        label=_("Scope"),
        choices=Level.choices,
        help_text=_("Low: one user or device; medium: a department or subsystem; high: the whole system or site."),
    )
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Level.choices)
    grade = forms.ChoiceField(
        label=_("Grade"),
        choices=[("", _("As the matrix says")), *Grade.choices],
        required=False,
        help_text=_("Choose a grade only to override the matrix, and say why."),
    )
    grade_reason = forms.CharField(label=_("Reason for the grade"), required=False)
    assessment = forms.CharField(label=_("First assessment"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class RegradeForm(forms.Form):
    grade = forms.ChoiceField(label=_("New grade"), choices=Grade.choices)
    grade_reason = forms.CharField(label=_("Reason"))


class ActivateForm(StepForm):
    responders = forms.ModelMultipleChoiceField(
        label=_("People assigned"), queryset=User.objects.none(), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responders"].queryset = _staff()


class OnsiteForm(StepForm):
    engineer = forms.ModelChoiceField(label=_("Engineer"), queryset=User.objects.none())
    expected_arrival_at = forms.DateTimeField(label=_("Expected arrival"), required=False, widget=DateTimeLocalInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["engineer"].queryset = _staff()


class VerifyForm(StepForm):
    verification_note = forms.CharField(
        label=_("Who confirmed, and how"),
        required=False,
        help_text=_("Staff confirming on the customer's word note it here."),
    )


class ReviewForm(StepForm):
    root_cause = forms.CharField(label=_("Root cause"), widget=forms.Textarea(attrs={"rows": 2}))
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea(attrs={"rows": 2}))
    went_well = forms.CharField(label=_("What went well"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    to_improve = forms.CharField(label=_("What to improve"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    action = forms.CharField(label=_("Improvement action"), required=False)
    action_owner = forms.ModelChoiceField(label=_("Owner"), queryset=User.objects.none(), required=False)
    action_due = forms.DateField(label=_("Due date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action_owner"].queryset = _staff()

    def clean(self):
        data = super().clean()
        given = [bool(data.get(name)) for name in ("action", "action_owner", "action_due")]
        if any(given) and not all(given):
            raise forms.ValidationError(_("An improvement action needs an owner and a due date."))
        return data

    def step_data(self) -> dict:
        data = dict(self.cleaned_data)
        action = {
            "description": data.pop("action"),
            "owner": data.pop("action_owner"),
            "due_date": data.pop("action_due"),
        }
        if action["description"]:
            data["actions"] = [action]
        return data


STEP_FORMS: dict[str, type[StepForm]] = {
    Status.ASSESSED: AssessForm,
    Status.PLAN_ACTIVATED: ActivateForm,
    Status.ONSITE: OnsiteForm,
    Status.VERIFIED: VerifyForm,
    Status.REVIEWED: ReviewForm,
}


def step_form(step: str, *args, **kwargs) -> StepForm:
    form = STEP_FORMS.get(step, StepForm)(*args, initial={"to": step}, prefix=step, **kwargs)
    return form


class LogForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("note", _("Note")), ("action", _("Action taken"))], initial="action"
    )
    text = forms.CharField(label=_("What happened"), widget=forms.Textarea(attrs={"rows": 2}))
    public = forms.BooleanField(label=_("Show to the customer"), required=False)


class ArriveForm(forms.Form):
    work_done = forms.CharField(label=_("Work done"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class OverrideForm(forms.Form):
    user = forms.ModelChoiceField(label=_("On duty"), queryset=User.objects.none())
    starts_at = forms.DateTimeField(label=_("From"), widget=DateTimeLocalInput())
    ends_at = forms.DateTimeField(label=_("Until"), widget=DateTimeLocalInput())
    reason = forms.CharField(label=_("Reason"), required=False, max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = _staff()


class RiskForm(forms.ModelForm):
    class Meta:
        model = Risk
        fields = [
            "project",
            "category",
            "title",
            "description",
            "likelihood",
            "impact",
            "mitigation",
            "owner",
            "review_date",
            "status",
        ]
        widgets = {
            "review_date": forms.DateInput(attrs={"type": "date"}),
            "description": forms.Textarea(attrs={"rows": 2}),
            "mitigation": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = project_list(user=user).filter(is_active=True)
        self.fields["owner"].queryset = _staff()


class ReviewActionForm(forms.Form):
    """An improvement action of the review: added or changed on the incident page."""

    description = forms.CharField(label=_("Improvement action"), max_length=300)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=User.objects.none())
    due_date = forms.DateField(label=_("Due date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _staff()
