"""Forms of the maintenance pages. They parse and check input; the services decide and write."""

from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from customers.models import InstalledProduct
from customers.selectors import project_list
from maintenance.models import (
    AnswerKind,
    BillableItem,
    Cause,
    ChecklistTemplate,
    Inspection,
    InspectionAnswer,
    InspectionSchedule,
    ReturnVisit,
    ReturnVisitSchedule,
    Service,
    ServiceContract,
    UpgradeNotice,
    Warranty,
)
from tickets.models import Ticket

DATE = {"type": "date"}
SCORES = [(score, str(score)) for score in range(1, 6)]


def _size_checked(image: UploadedFile | None) -> UploadedFile | None:
    if image is not None and image.size > settings.ATTACHMENT_MAX_BYTES:
        raise forms.ValidationError(
            _("The photo is too large: at most %(size)s.") % {"size": filesizeformat(settings.ATTACHMENT_MAX_BYTES)}
        )
    return image


def _staff():
    return User.objects.staff().order_by("first_name", "username")


class AssetChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: InstalledProduct) -> str:
        serial = f" ({obj.serial_number})" if obj.serial_number else ""
        return f"{obj.project.name}: {obj}{serial}"


def _assets():
    return InstalledProduct.objects.select_related("project").order_by("project__name", "name", "pk")


class WarrantyForm(forms.ModelForm):
    asset = AssetChoiceField(
        label=_("Installed asset"),
        queryset=InstalledProduct.objects.none(),
        required=False,
        help_text=_("Empty: the warranty covers the whole project."),
    )

    class Meta:
        model = Warranty
        fields = ["project", "asset", "terms", "start_date", "notes"]
        widgets = {"start_date": forms.DateInput(attrs=DATE), "notes": forms.Textarea(attrs={"rows": 2})}
        help_texts = {"start_date": _("Empty: the project's final acceptance date.")}

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = project_list(user=user).filter(is_active=True)
        self.fields["asset"].queryset = _assets()
        self.fields["start_date"].required = False

    def _post_clean(self) -> None:
        pass  # the service validates the row (end date, asset of the project)


class CoverageCheckForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs=DATE))


class ContractForm(forms.ModelForm):
    covered_causes = forms.MultipleChoiceField(
        label=_("Causes covered"), choices=Cause.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    services_included = forms.MultipleChoiceField(
        label=_("Services included"), choices=Service.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    asset = AssetChoiceField(
        label=_("Installed asset"),
        queryset=InstalledProduct.objects.none(),
        required=False,
        help_text=_("Empty: the contract covers the whole project."),
    )

    class Meta:
        model = ServiceContract
        fields = [
            "project",
            "asset",
            "number",
            "start_date",
            "end_date",
            "service_level",
            "price_terms",
            "covered_causes",
            "services_included",
            "notes",
        ]
        widgets = {
            "start_date": forms.DateInput(attrs=DATE),
            "end_date": forms.DateInput(attrs=DATE),
            "price_terms": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = project_list(user=user).filter(is_active=True)
        self.fields["asset"].queryset = _assets()
        if not self.instance.pk:
            self.initial.setdefault("covered_causes", [Cause.PRODUCT_QUALITY, Cause.INSTALLATION])
            self.initial.setdefault(
                "services_included", [Service.REPAIR, Service.REPLACEMENT, Service.PATCH, Service.MINOR_UPGRADE]
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The last day covered is before the start date."))
        return data

    def _post_clean(self) -> None:
        pass  # the service validates the row


class CoverageForm(forms.Form):
    cause = forms.ChoiceField(label=_("Root cause"), choices=Cause.choices)


class BillableItemForm(forms.ModelForm):
    class Meta:
        model = BillableItem
        fields = ["kind", "description", "quantity"]


class ScheduleForm(forms.ModelForm):
    class Meta:
        model = InspectionSchedule
        fields = ["project", "name", "rule", "first_date", "engineer", "checklist", "lead_days", "is_active"]
        widgets = {"first_date": forms.DateInput(attrs=DATE)}
        help_texts = {
            "rule": _(
                "RFC 5545 recurrence rule. Quarterly: FREQ=MONTHLY;INTERVAL=3. Half-yearly: FREQ=MONTHLY;INTERVAL=6. "
                "Yearly in March: FREQ=YEARLY;BYMONTH=3."
            )
        }

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = project_list(user=user).filter(is_active=True)
        self.fields["engineer"].queryset = _staff()
        self.fields["rule"].widget.attrs["placeholder"] = "FREQ=MONTHLY;INTERVAL=3"

    def _post_clean(self) -> None:
        pass  # the service checks the rule and validates the row


class HealthCheckForm(forms.Form):
    project = forms.ModelChoiceField(label=_("Delivered project"), queryset=None)
    kind = forms.ChoiceField(label=_("Kind"), choices=Inspection.Kind.choices, initial=Inspection.Kind.HEALTH_CHECK)
    title = forms.CharField(label=_("Title"), max_length=200)
    due_date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs=DATE))
    engineer = forms.ModelChoiceField(label=_("Engineer"), queryset=None)
    checklist = forms.ModelChoiceField(
        label=_("Checklist"),
        queryset=ChecklistTemplate.objects.all(),
        required=False,
        help_text=_("Its checks are copied into the visit."),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = project_list(user=user).filter(is_active=True)
        self.fields["engineer"].queryset = _staff()


class InspectionRecordForm(forms.Form):
    """The engineer's checklist: per answer a pass/fail choice or a value, and a note; then the
    findings and recommendations. Field names: ``result-<id>``, ``value-<id>``, ``note-<id>``."""

    findings = forms.CharField(label=_("Findings"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    recommendations = forms.CharField(
        label=_("Recommendations"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    photo = forms.ImageField(
        label=_("Add a photo"), required=False, widget=forms.ClearableFileInput(attrs={"accept": "image/*"})
    )
    caption = forms.CharField(label=_("Caption"), max_length=200, required=False)

    def __init__(self, *args: Any, inspection: Inspection, **kwargs: Any) -> None:
        self.rows = list(inspection.answers.all())
        initial = {"findings": inspection.findings, "recommendations": inspection.recommendations}
        for row in self.rows:
            initial.update({f"result-{row.pk}": row.result, f"value-{row.pk}": row.value, f"note-{row.pk}": row.note})
        super().__init__(*args, initial=initial, **kwargs)
        for row in self.rows:
            if row.answer_kind == AnswerKind.PASS_FAIL:
                self.fields[f"result-{row.pk}"] = forms.ChoiceField(
                    label=row.label,
                    choices=InspectionAnswer.Result.choices,
                    required=False,
                    widget=forms.RadioSelect,
                )
            else:
                attrs = {"class": "form-control", "aria-label": row.label}
                widget = (
                    forms.Textarea(attrs={**attrs, "rows": 2})
                    if row.answer_kind == AnswerKind.TEXT
                    else forms.TextInput(attrs=attrs)
                )
                self.fields[f"value-{row.pk}"] = forms.CharField(
                    label=row.label, max_length=500, required=False, widget=widget
                )
            self.fields[f"note-{row.pk}"] = forms.CharField(
                label=_("Note"),
                max_length=500,
                required=False,
                widget=forms.TextInput(
                    attrs={"class": "form-control form-control-sm", "placeholder": _("Note (optional)")}
                ),
            )

    def clean_photo(self) -> UploadedFile | None:
        return _size_checked(self.cleaned_data.get("photo"))

    def lines(self) -> list[dict[str, Any]]:
        """The checklist rows with their bound fields, for the template."""
        return [
            {
                "row": row,
                "result": self[f"result-{row.pk}"] if f"result-{row.pk}" in self.fields else None,
                "value": self[f"value-{row.pk}"] if f"value-{row.pk}" in self.fields else None,
                "note": self[f"note-{row.pk}"],
            }
            for row in self.rows
        ]

    def answers(self) -> dict[int, dict[str, str]]:
        data = self.cleaned_data
        answers = {}
        for row in self.rows:
            given = {"note": data.get(f"note-{row.pk}", "")}
            if row.answer_kind == AnswerKind.PASS_FAIL:
                given["result"] = data.get(f"result-{row.pk}", "")
            else:
                given["value"] = data.get(f"value-{row.pk}", "")
            answers[row.pk] = given
        return answers


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Why is the visit cancelled?"), max_length=500)


class PhotoForm(forms.Form):
    image = forms.ImageField(label=_("Photo"), widget=forms.ClearableFileInput(attrs={"accept": "image/*"}))
    caption = forms.CharField(label=_("Caption"), max_length=200, required=False)

    def clean_image(self) -> UploadedFile | None:
        return _size_checked(self.cleaned_data.get("image"))


class TicketReferenceField(forms.CharField):
    """A ticket by its reference (TKT-2026-0001) or number."""

    def clean(self, value: Any) -> Ticket | None:
        text = (super().clean(value) or "").strip()
        if not text:
            return None
        ticket = Ticket.objects.filter(reference__iexact=text).first()
        if ticket is None and text.isdigit():
            ticket = Ticket.objects.filter(pk=int(text)).first()
        if ticket is None:
            raise forms.ValidationError(_("No ticket has this reference."))
        return ticket


class ReturnVisitForm(forms.ModelForm):
    ticket = TicketReferenceField(
        label=_("Ticket"), required=False, max_length=40, help_text=_("The ticket reference, if the visit follows one.")
    )

    class Meta:
        model = ReturnVisit
        fields = ["project", "ticket", "scheduled_for", "staff", "contact_name"]
        widgets = {"scheduled_for": forms.DateInput(attrs=DATE)}

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = project_list(user=user).filter(is_active=True)
        self.fields["staff"].queryset = _staff()

    def _post_clean(self) -> None:
        pass  # the service validates the row


class ReturnVisitDoneForm(forms.Form):
    contact_name = forms.CharField(label=_("Customer contact"), max_length=120, required=False)
    satisfaction = forms.TypedChoiceField(
        label=_("Satisfaction"),
        choices=[("", _("Not given")), *SCORES],
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_("1 (very dissatisfied) to 5 (very satisfied)"),
    )
    notes = forms.CharField(label=_("What the customer said"), widget=forms.Textarea(attrs={"rows": 4}))
    suggestions = forms.CharField(label=_("Suggestions"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class NoticeForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Upgrade"),
        choices=[
            (UpgradeNotice.Status.PLANNED, _("Planned")),
            (UpgradeNotice.Status.DONE, _("Done")),
            (UpgradeNotice.Status.DECLINED, _("Declined")),
        ],
    )
    planned_for = forms.DateField(label=_("Planned for"), required=False, widget=forms.DateInput(attrs=DATE))
    notes = forms.CharField(label=_("Notes"), required=False, max_length=2000)


class SurveyForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("How satisfied are you with the resolution?"),
        choices=SCORES,
        coerce=int,
        widget=forms.RadioSelect,
        help_text=_("1 (very dissatisfied) to 5 (very satisfied)"),
    )
    comment = forms.CharField(
        label=_("Anything you want to tell us?"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReturnVisitScheduleForm(forms.ModelForm):
    class Meta:
        model = ReturnVisitSchedule
        fields = ["project", "name", "rule", "first_date", "staff", "lead_days", "remind_days", "is_active"]
        widgets = {"first_date": forms.DateInput(attrs=DATE)}
        help_texts = {
            "rule": _(
                "RFC 5545 recurrence rule. Quarterly: FREQ=MONTHLY;INTERVAL=3. Half-yearly: FREQ=MONTHLY;INTERVAL=6. "
                "Yearly in March: FREQ=YEARLY;BYMONTH=3."
            )
        }

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = project_list(user=user).filter(is_active=True)
        self.fields["staff"].queryset = _staff()
        self.fields["rule"].widget.attrs["placeholder"] = "FREQ=MONTHLY;INTERVAL=3"

    def _post_clean(self) -> None:
        pass  # the service checks the rule and validates the row


class InspectionSignOffForm(forms.Form):
    """The customer's sign-off of a completed inspection report."""

    name = forms.CharField(label=_("Signed off by"), max_length=120)
    signed_on = forms.DateField(
        label=_("Date"),
        required=False,
        widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d"),
        help_text=_("Default: today."),
    )
    remarks = forms.CharField(label=_("Remarks"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
