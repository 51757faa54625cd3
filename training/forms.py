"""Forms of the training pages. They parse and check input; the services decide and write."""

from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from customers.selectors import project_list
from training.models import Enrolment, Topic, TrainingPlan, TrainingSession

SCORES = [(score, str(score)) for score in range(1, 6)]
LOCAL_DATETIME = "%Y-%m-%dT%H:%M"


def _staff():
    return User.objects.staff().order_by("first_name", "username")


class LocalDateTimeInput(forms.DateTimeInput):
    """The browser's date-and-time picker; the value is in the user's time zone."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format=LOCAL_DATETIME)


# --- plans ---------------------------------------------------------------------------------


class PlanForm(forms.ModelForm):
    class Meta:
        model = TrainingPlan
        fields = ["project", "title", "audience", "notes", "is_active"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        projects = project_list(user=user).order_by("organisation__name", "name")
        if self.instance.pk:
            # its sessions and enrolments belong to the project's organisation: it stays there
            self.fields["project"].queryset = projects
            self.fields["project"].disabled = True
        else:
            self.fields["project"].queryset = projects.filter(is_active=True)
            del self.fields["is_active"]
        self.fields["project"].label_from_instance = lambda project: f"{project.organisation.name}: {project.name}"

    def _post_clean(self) -> None:
        pass  # the service validates the row


class TopicForm(forms.Form):
    """One topic of the plan; ``id`` names an existing one, empty a new one."""

    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    kind = forms.ChoiceField(label=_("Kind"), choices=Topic.Kind.choices, initial=Topic.Kind.CUSTOM)
    title = forms.CharField(label=_("Title"), max_length=200)
    hours = forms.DecimalField(label=_("Hours"), max_digits=4, decimal_places=1, min_value=0, max_value=100, initial=1)
    description = forms.CharField(label=_("Description"), required=False, max_length=2000)


class BaseTopicFormSet(forms.BaseFormSet):
    def topics(self) -> list[dict[str, Any]]:
        """The topics to keep, in the order given: rows left empty or marked for deletion are
        not among them."""
        rows = []
        for form in self.forms:
            if not form.has_changed() and not form.cleaned_data.get("id"):
                continue
            if self.can_delete and self._should_delete_form(form):
                continue
            data = {key: value for key, value in form.cleaned_data.items() if key != "DELETE"}
            if not data.get("id"):
                data.pop("id", None)
            rows.append(data)
        return rows


TopicFormSet = forms.formset_factory(
    TopicForm, formset=BaseTopicFormSet, extra=1, can_delete=True, max_num=100, validate_max=True
)


def topic_formset(data=None, *, plan: TrainingPlan | None = None) -> BaseTopicFormSet:
    initial = None
    if plan is not None and data is None:
        initial = [
            {
                "id": topic.pk,
                "kind": topic.kind,
                "title": topic.title,
                "hours": topic.hours,
                "description": topic.description,
            }
            for topic in plan.topics.all()
        ]
    formset = TopicFormSet(data, initial=initial, prefix="topics")
    if plan is None and data is None:
        formset.extra = 3
    return formset


# --- sessions ------------------------------------------------------------------------------


class TopicChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Topic) -> str:
        return _("%(title)s (%(kind)s, %(hours)s h)") % {
            "title": obj.title,
            "kind": obj.get_kind_display(),
            "hours": f"{obj.hours.normalize():f}",
        }


class SessionForm(forms.ModelForm):
    """A session of ``plan`` (chosen before the form: its topics are the choices here)."""

    topics = TopicChoiceField(
        label=_("Topics covered"),
        queryset=Topic.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("They are listed on the certificate."),
    )

    class Meta:
        model = TrainingSession
        fields = [
            "title",
            "format",
            "location",
            "meeting_link",
            "trainer",
            "starts_at",
            "ends_at",
            "capacity",
            "language",
            "topics",
            "description",
        ]
        widgets = {
            "starts_at": LocalDateTimeInput(),
            "ends_at": LocalDateTimeInput(),
            "description": forms.Textarea(attrs={"rows": 3}),
            "format": forms.RadioSelect,
        }

    def __init__(self, *args: Any, plan: TrainingPlan, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["trainer"].queryset = _staff()
        zone = timezone.get_current_timezone_name()
        for name in ("starts_at", "ends_at"):
            self.fields[name].help_text = _("Your time zone: %(zone)s") % {"zone": zone}
        self.fields["location"].help_text = _("On site: the site address. Centralised: the venue.")
        self.fields["meeting_link"].help_text = _("Online sessions: shown to the people enrolled only.")
        self.fields["topics"].queryset = plan.topics.all()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("A session ends after it starts."))
        return data

    def _post_clean(self) -> None:
        pass  # the service validates the row


class PlanChoiceForm(forms.Form):
    """The first step of a new session: which plan it belongs to."""

    plan = forms.ModelChoiceField(label=_("Training plan"), queryset=TrainingPlan.objects.none())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["plan"].queryset = (
            TrainingPlan.objects.filter(is_active=True, project__is_active=True)
            .select_related("project__organisation")
            .order_by("project__organisation__name", "project__name", "title")
        )
        self.fields["plan"].label_from_instance = lambda plan: (
            f"{plan.project.organisation.name} · {plan.project.name}: {plan.title}"
        )


class SessionCancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is the session cancelled?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Everyone enrolled or waiting is told, with this reason."),
    )


class MaterialForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    file = forms.FileField(label=_("File"), required=False)
    url = forms.URLField(label=_("Or a link"), required=False, max_length=500, assume_scheme="https")

    def clean_file(self) -> UploadedFile | None:
        file = self.cleaned_data.get("file")
        if file is not None and file.size > settings.ATTACHMENT_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is too large: at most %(size)s.") % {"size": filesizeformat(settings.ATTACHMENT_MAX_BYTES)}
            )
        return file

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not self.errors and bool(data.get("file")) == bool(data.get("url")):
            self.add_error("file", _("Upload a file or give a link."))
        return data


class EnrolContactForm(forms.Form):
    """Staff enrol a contact of the project's organisation."""

    contact = forms.ModelChoiceField(label=_("Contact"), queryset=User.objects.none())

    def __init__(self, *args: Any, session: TrainingSession, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        active = Enrolment.objects.filter(session=session).exclude(status=Enrolment.Status.CANCELLED)
        self.fields["contact"].queryset = (
            User.objects.filter(
                organisation_id=session.plan.project.organisation_id, role=User.Role.CUSTOMER, is_active=True
            )
            .exclude(pk__in=active.values("contact_id"))
            .order_by("last_name", "first_name", "username")
        )


# --- attendance and feedback ---------------------------------------------------------------


class AttendanceForm(forms.Form):
    """A present/absent choice per seated participant (``mark-<enrolment id>``); left open, a
    participant's attendance stays as it is."""

    CHOICES = [(Enrolment.Attendance.PRESENT, _("Present")), (Enrolment.Attendance.ABSENT, _("Absent"))]

    def __init__(self, *args: Any, enrolments: list[Enrolment], **kwargs: Any) -> None:
        self.enrolments = enrolments
        initial = {f"mark-{e.pk}": e.attendance for e in enrolments if e.attendance}
        super().__init__(*args, initial=initial, **kwargs)
        for enrolment in enrolments:
            self.fields[f"mark-{enrolment.pk}"] = forms.ChoiceField(
                label=str(enrolment.contact), choices=self.CHOICES, required=False, widget=forms.RadioSelect
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.enrolments and not any(data.get(f"mark-{e.pk}") for e in self.enrolments):
            raise forms.ValidationError(_("Mark each participant present or absent."))
        return data

    def rows(self) -> list[tuple[Enrolment, forms.BoundField]]:
        return [(enrolment, self[f"mark-{enrolment.pk}"]) for enrolment in self.enrolments]

    def marks(self) -> dict[int, str]:
        return {
            enrolment.pk: self.cleaned_data[f"mark-{enrolment.pk}"]
            for enrolment in self.enrolments
            if self.cleaned_data.get(f"mark-{enrolment.pk}")
        }


class FeedbackForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("How useful was the session?"),
        choices=SCORES,
        coerce=int,
        widget=forms.RadioSelect,
        help_text=_("1 (not useful) to 5 (very useful)"),
    )
    trainer_rating = forms.TypedChoiceField(
        label=_("How good was the trainer?"),
        choices=SCORES,
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
        help_text=_("1 (poor) to 5 (excellent); optional"),
    )
    comments = forms.CharField(
        label=_("Comments"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What was missing, what should be covered next time?"),
    )
