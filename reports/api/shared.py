"""What the reports API modules share: the report filter read from the query string (the
form the dashboard page uses), its documented parameters, and absolute links."""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

from reports.filters import FIRST_DAY, LAST_DAY, ReportFilter, ReportFilterForm
from reports.selectors import GROUPS
from tickets.models import Priority

MAX_ID = 2**63 - 1  # the primary keys are bigint


def form_errors(form) -> dict[str, list[str]]:
    """A Django form's errors in the API's shape (``__all__`` is ``non_field_errors``)."""
    return {
        ("non_field_errors" if field == "__all__" else field): [str(message) for message in messages]
        for field, messages in form.errors.items()
    }


def empty_errors(params, names) -> dict[str, list[str]]:
    """A parameter sent empty (``?from=``) is a mistake, not "no filter"."""
    return {name: [_("A value is required.")] for name in names if "" in params.getlist(name)}


def report_filter(request: Request, *, grouped: bool = False) -> tuple[ReportFilter, str | None]:
    """The filter of ``?from=&to=&organisation=&project=&priority=`` (and ``group_by`` when
    ``grouped``); bad input is a 400 naming the parameters. A customer's filter is always its
    own organisation's; another organisation's project is an invalid choice."""
    params, user = request.query_params, request.user
    form = ReportFilterForm(params, user=user)
    errors = {} if form.is_valid() else form_errors(form)
    if not user.is_staff_member and params.get("organisation", str(user.organisation_id)) != str(user.organisation_id):
        # the form offers a customer no choice; naming another organisation is not ignored
        errors["organisation"] = [_("Select a valid choice. That choice is not one of the available choices.")]
    group_by = params.get("group_by") if grouped else None
    if group_by is not None and group_by not in GROUPS:
        errors["group_by"] = [_("Group by one of: %(groups)s.") % {"groups": ", ".join(GROUPS)}]
    names = ("from", "to", "organisation", "project", "priority", *(("group_by",) if grouped else ()))
    errors.update(empty_errors(params, names))  # the page's form sends empty fields; here empty is a mistake
    if errors:
        raise ValidationError(errors)
    return form.report_filter(), group_by


ID = {"type": "integer", "minimum": 1}
DAYS = f"{FIRST_DAY:%Y-%m-%d} to {LAST_DAY:%Y-%m-%d}"
FILTER_PARAMETERS = [
    OpenApiParameter(
        "from",
        OpenApiTypes.DATE,
        description=f"First day, inclusive, in the desk's time zone ({DAYS}). Default: the first day of the "
        "month eleven months before `to` (the last twelve months).",
    ),
    OpenApiParameter(
        "to",
        OpenApiTypes.DATE,
        description=f"Last day, inclusive ({DAYS}; at most three years after `from`). Default: today.",
    ),
    OpenApiParameter(
        "organisation",
        ID,
        description="Staff: one organisation (default all). A customer's reports are its own organisation's "
        "whatever it sends: any other is a 400.",
    ),
    OpenApiParameter("project", ID, description="One delivered project (of the organisation, if one is given)."),
    OpenApiParameter("priority", str, enum=Priority.values, description="Tickets of one priority."),
]
GROUP_PARAMETER = OpenApiParameter(
    "group_by",
    str,
    enum=list(GROUPS),
    description="One row per group and metric; absent: one row per metric over the whole filter.",
)
