"""What every report is cut by: a date range (inclusive, in the desk's time zone), an
organisation, a project and a priority; one form for the pages and the API. A customer's
reports are always its own organisation's: the choices offer nothing else."""

import datetime
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.scoping import scope_to_user
from core.time import desk_today, desk_zone
from customers.models import Organisation, Project
from tickets.models import Priority

MAX_DAYS = 3 * 366
# the days a report may name: beyond them the instants overflow (year 1 in UTC, year 10000)
FIRST_DAY, LAST_DAY = datetime.date(2000, 1, 1), datetime.date(2199, 12, 31)
DAY_VALIDATORS = [MinValueValidator(FIRST_DAY), MaxValueValidator(LAST_DAY)]


def midnight(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=desk_zone())


@dataclass(frozen=True)
class ReportFilter:
    start: datetime.date
    end: datetime.date  # inclusive
    organisation_id: int | None = None
    project_id: int | None = None
    priority: str = ""

    @property
    def since(self) -> datetime.datetime:
        return midnight(self.start)

    @property
    def until(self) -> datetime.datetime:
        """The first instant after the range."""
        return midnight(self.end + datetime.timedelta(days=1))

    def scope(self, prefix: str = "", *, priority: bool = True) -> Q:
        """Rows of the filtered organisation and project (``prefix`` leads to the ticket, the
        incident or whatever holds ``organisation`` and ``project``)."""
        q = Q()
        if self.organisation_id:
            q &= Q(**{f"{prefix}organisation_id": self.organisation_id})
        if self.project_id:
            q &= Q(**{f"{prefix}project_id": self.project_id})
        if priority and self.priority:
            q &= Q(**{f"{prefix}priority": self.priority})
        return q

    def project_scope(self, prefix: str = "") -> Q:
        """The same for rows that hold only a project (inspections, warranties, …)."""
        q = Q()
        if self.organisation_id:
            q &= Q(**{f"{prefix}project__organisation_id": self.organisation_id})
        if self.project_id:
            q &= Q(**{f"{prefix}project_id": self.project_id})
        return q

    def as_params(self) -> dict[str, str]:
        """The query string that gives this filter back (for export links)."""
        params = {"from": self.start.isoformat(), "to": self.end.isoformat()}
        if self.organisation_id:
            params["organisation"] = str(self.organisation_id)
        if self.project_id:
            params["project"] = str(self.project_id)
        if self.priority:
            params["priority"] = self.priority
        return params


def default_range(today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """The last twelve months: from the first day of the month eleven months ago to today."""
    today = today or desk_today()
    return today.replace(day=1) - relativedelta(months=11), today


class ReportFilterForm(forms.Form):
    """``from``, ``to``, ``organisation``, ``project``, ``priority``; all optional."""

    def __init__(self, data=None, *, user: User, **kwargs) -> None:
        super().__init__(data, **kwargs)
        self.user = user
        self.fields["from"] = forms.DateField(label=_("From"), required=False, validators=DAY_VALIDATORS)
        self.fields["to"] = forms.DateField(label=_("To"), required=False, validators=DAY_VALIDATORS)
        organisations = scope_to_user(Organisation.objects.all(), user, organisation_field="pk")
        projects = scope_to_user(Project.objects.select_related("organisation"), user)
        self.fields["organisation"] = forms.ModelChoiceField(
            organisations, label=_("Organisation"), required=False, empty_label=_("All organisations")
        )
        self.fields["project"] = forms.ModelChoiceField(
            projects, label=_("Delivered project"), required=False, empty_label=_("All projects")
        )
        self.fields["priority"] = forms.ChoiceField(
            label=_("Priority"), required=False, choices=[("", _("All priorities")), *Priority.choices]
        )
        if not user.is_staff_member:
            del self.fields["organisation"]

    def clean(self) -> dict:
        data = super().clean()
        start, end = default_range()
        data["from"] = data.get("from") or (
            data["to"].replace(day=1) - relativedelta(months=11) if data.get("to") else start
        )
        data["to"] = data.get("to") or max(end, data["from"])
        if data["from"] > data["to"]:
            raise forms.ValidationError(_("The range ends before it starts."), code="range")
        if (data["to"] - data["from"]).days > MAX_DAYS:
            raise forms.ValidationError(_("A report covers at most three years."), code="range")
        organisation, project = data.get("organisation"), data.get("project")
        if organisation and project and project.organisation_id != organisation.pk:
            self.add_error("project", _("The project belongs to another organisation."))
        return data

    def report_filter(self) -> ReportFilter:
        """The filter of a valid form; a customer's is its own organisation's."""
        data = self.cleaned_data
        organisation = data.get("organisation")
        organisation_id = organisation.pk if organisation else None
        if not self.user.is_staff_member:
            organisation_id = self.user.organisation_id
        project = data.get("project")
        return ReportFilter(
            start=data["from"],
            end=data["to"],
            organisation_id=organisation_id,
            project_id=project.pk if project else None,
            priority=data.get("priority") or "",
        )
