"""Forms of the quality review and service archive pages: they parse the input; the services
and selectors decide."""

import datetime
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.time import desk_today
from customers.models import Organisation, Project
from reports.archive import KINDS
from reports.models import QualityReview

DATE = {"type": "date"}
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]  # each in its own language, as the switcher shows them


class ReviewFilterForm(forms.Form):
    """``?organisation=&period=`` of the review list."""

    organisation = forms.ModelChoiceField(
        Organisation.objects.order_by("name"),
        label=_("Organisation"),
        required=False,
        empty_label=_("All organisations"),
    )
    period = forms.ChoiceField(
        label=pgettext_lazy("quality review", "Period"),
        required=False,
        choices=[("", _("Monthly and quarterly")), *QualityReview.Period.choices],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "filter-%s")
        super().__init__(*args, **kwargs)


def previous_month_day(today: datetime.date | None = None) -> datetime.date:
    """The last day of the previous month: the review a manager most often asks for."""
    return (today or desk_today()).replace(day=1) - datetime.timedelta(days=1)


class ReviewWriteForm(forms.Form):
    """ "Write a review now": the organisation, the period holding ``day``, and the language."""

    organisation = forms.ModelChoiceField(
        Organisation.objects.filter(is_active=True).order_by("name"), label=_("Organisation")
    )
    period = forms.ChoiceField(label=pgettext_lazy("quality review", "Period"), choices=QualityReview.Period.choices)
    day = forms.DateField(
        label=_("A day in the period"),
        widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d"),
        help_text=_("The review covers the month or quarter holding this day."),
    )
    language = forms.ChoiceField(label=_("Language"), choices=LANGUAGES)

    def __init__(self, *args: Any, language: str = "", **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "write-%s")
        super().__init__(*args, **kwargs)
        codes = [code for code, _name in LANGUAGES]
        self.fields["period"].initial = QualityReview.Period.MONTH
        self.fields["day"].initial = previous_month_day()
        self.fields["language"].initial = language if language in codes else codes[0]


class ArchiveFilterForm(forms.Form):
    """``?kind=…&kind=…&from=&to=&project=``: all optional; no kind means every kind, no date
    means from the first entry or to the last. Dates are days in the desk's time zone."""

    def __init__(self, data: Any = None, *, projects: QuerySet[Project] | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "archive-%s")
        super().__init__(data, **kwargs)
        self.fields["kind"] = forms.MultipleChoiceField(
            label=_("What"),
            required=False,
            choices=list(KINDS.items()),
            widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        )
        day = {**DATE, "class": "form-control form-control-sm"}
        self.fields["from"] = forms.DateField(
            label=_("From"), required=False, widget=forms.DateInput(attrs=day, format="%Y-%m-%d")
        )
        self.fields["to"] = forms.DateField(
            label=_("To"), required=False, widget=forms.DateInput(attrs=day, format="%Y-%m-%d")
        )
        if projects is not None:
            self.fields["project"] = forms.ModelChoiceField(
                projects,
                label=_("Delivered project"),
                required=False,
                empty_label=_("All projects"),
                widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
            )

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("from"), data.get("to")
        if start and end and start > end:
            raise forms.ValidationError(_("The range ends before it starts."), code="range")
        return data

    def selection(self) -> dict[str, Any]:
        """The archive's arguments (``kinds``, ``start``, ``end``, ``project``) of a valid form;
        those of no filter for an invalid one."""
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "kinds": list(data.get("kind") or []),
            "start": data.get("from"),
            "end": data.get("to"),
            "project": data.get("project"),
        }
