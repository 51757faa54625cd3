import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Team, User
from core import uploads
from core.text import validate_one_line
from core.widgets import AssetSelect, DateTimeLocalInput
from customers.models import InstalledProduct, Project
from customers.selectors import asset_resolve
from tickets.models import Priority, Ticket


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input, at most ``ATTACHMENT_MAX_FILES_PER_REQUEST``; each is checked
    by the service (size, content, the ticket's quotas)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            uploads.check_request_count(len(data))
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


class TicketForm(forms.ModelForm):
    attachments = MultipleFileField(label=_("Attachments"), help_text=_("Screenshots, logs, documents; 10 MB each."))

    class Meta:
        model = Ticket
        fields = [
            "project",
            "asset",
            "title",
            "priority",
            "category",
            "description",
            "occurred_at",
            "location",
            "impact",
            "measures_taken",
            "channel",
            "reporter",
            "received_at",
        ]
        widgets = {
            "asset": AssetSelect(),
            "occurred_at": DateTimeLocalInput(),
            "received_at": DateTimeLocalInput(),
            "description": forms.Textarea(attrs={"rows": 5}),
            "impact": forms.Textarea(attrs={"rows": 2}),
            "measures_taken": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {"priority": _("Urgent: a fault that stops main functions or the business.")}

    asset_serial = forms.CharField(
        label=_("Serial number"),
        max_length=120,
        required=False,
        help_text=_("Or type the serial number on the device's label: it finds the asset of the project."),
    )
    field_order = ["project", "asset", "asset_serial"]

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        projects = Project.objects.filter(is_active=True).select_related("organisation")
        if user.is_customer:
            projects = projects.filter(organisation_id=user.organisation_id)
            for name in ("channel", "reporter", "received_at"):
                del self.fields[name]
        else:
            self.fields["reporter"].queryset = User.objects.filter(is_active=True).order_by("username")
            self.fields["reporter"].required = False
            self.fields["reporter"].help_text = _("Who called or wrote; empty: yourself.")
            self.fields["received_at"].required = False
            self.fields["received_at"].help_text = _("When the call came in; empty: now.")
            self.fields["channel"].initial = Ticket.Channel.HOTLINE
        self.fields["title"].validators.append(validate_one_line)
        self.fields["project"].queryset = projects
        if projects.count() == 1:
            self.fields["project"].initial = projects.first()
        assets = InstalledProduct.objects.filter(project__in=projects).select_related("project")
        self.fields["asset"].queryset = assets.order_by("project__name", "name", "serial_number")
        self.fields["asset"].label_from_instance = _asset_label
        self.fields["asset"].help_text = _("The installed product the fault is about, if you know it.")

    def clean(self):
        """A serial number typed names the project's asset with it; one that is not there, or an
        asset of another project, is an error."""
        data = super().clean()
        project, asset = data.get("project"), data.get("asset")
        serial = data.pop("asset_serial", "").strip()
        if project is None:
            return data
        wrong_project = _("Choose an asset of the ticket's project.")
        try:
            data["asset"] = asset_resolve(project=project, asset=asset, serial=serial, wrong_project=wrong_project)
        except ValidationError as error:
            self.add_error(None, error)
        return data


def _asset_label(asset: InstalledProduct) -> str:
    serial = f" · {asset.serial_number}" if asset.serial_number else ""
    return f"{asset.project.name}: {asset}{serial}"


class ReplyForm(forms.Form):
    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 4}))
    public = forms.BooleanField(
        label=_("Visible to the customer"),
        required=False,
        initial=True,
        help_text=_("Untick for an internal note."),
    )
    attachments = MultipleFileField(label=_("Attachments"))
    # the newest history entry the page showed: newer ones from others hold the reply (views_live)
    seen = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)
    # staff only: the time spent, recorded with the reply in one transaction (tickets/services/time.py)
    time_minutes = forms.IntegerField(label=_("Time spent (minutes)"), required=False, min_value=1, max_value=1440)
    billable = forms.BooleanField(label=_("Billable time"), required=False)

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        if user.is_customer:
            del self.fields["public"]
            del self.fields["time_minutes"], self.fields["billable"]


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Ticket.Status.choices)


class PriorityForm(forms.Form):
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices)


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(
        label=_("Engineer"),
        queryset=User.objects.staff().order_by("username"),
        required=False,
    )
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.filter(is_active=True), required=False)


class BulkAssignForm(AssignForm):
    tickets = forms.ModelMultipleChoiceField(queryset=Ticket.objects.all())


class DispatchForm(forms.Form):
    engineer = forms.ModelChoiceField(
        label=_("Engineer"),
        queryset=User.objects.staff().order_by("username"),
    )
    expected_arrival_at = forms.DateTimeField(label=_("Expected arrival"), required=False, widget=DateTimeLocalInput())

    def clean_expected_arrival_at(self):
        value = self.cleaned_data["expected_arrival_at"]
        if value is not None and value < timezone.now():
            raise forms.ValidationError(_("The expected arrival lies in the past."))
        return value


class LeaveSiteForm(forms.Form):
    work_done = forms.CharField(label=_("Work done"), widget=forms.Textarea(attrs={"rows": 3}))


class RateForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("How well was it resolved?"),
        choices=[(n, str(n)) for n in range(5, 0, -1)],
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class CCForm(forms.Form):
    """The ticket's CC list as typed: addresses separated by commas, semicolons or new lines
    (the service checks each one)."""

    cc = forms.CharField(
        label=_("CC list"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Email addresses that receive the public replies, besides the reporter."),
    )

    def clean_cc(self) -> list[str]:
        return [address for address in re.split(r"[\s,;]+", self.cleaned_data["cc"]) if address]
