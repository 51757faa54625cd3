"""What the maintenance pages share: role checks, error display, paging, list decorations."""

import datetime
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.models import User
from customers.models import Project
from customers.selectors import project_get
from maintenance import coverage
from maintenance.models import (
    UpgradeNotice,
)
from servicedesk.errors import NotAllowed, ServiceDeskError

DUE_DAYS = 14  # "due soon" on the overview and the inspection list
PER_PAGE = 50
OPEN_NOTICES = (UpgradeNotice.Status.NOTIFIED, UpgradeNotice.Status.PLANNED)


def _staff_only(user: User) -> None:
    if not user.is_staff_member:
        raise PermissionDenied


def _managers_only(user: User) -> None:
    if not user.can_manage:
        raise PermissionDenied


def _form_error(form, error: ServiceDeskError) -> None:
    """A refusal of the service shown on the form: on its field where the form has it."""
    if isinstance(error, NotAllowed):
        raise PermissionDenied(error.message)
    form.add_error(error.field if error.field in form.fields else None, error.message)


def _message_error(request: HttpRequest, error: ServiceDeskError) -> None:
    if isinstance(error, NotAllowed):
        raise PermissionDenied(error.message)
    messages.error(request, error.message)


def _form_messages(request: HttpRequest, form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else error)


def _page(request: HttpRequest, queryset: QuerySet) -> tuple[Page, str]:
    """One page of the list, and the query string of the filters (for the page links)."""
    params = request.GET.copy()
    params.pop("page", None)
    return Paginator(queryset, PER_PAGE).get_page(request.GET.get("page")), params.urlencode()


def _submitted(request: HttpRequest, form, save: Callable[..., Any]) -> Any | None:
    """A POSTed, valid form saved through ``save(**cleaned_data)``; ``None`` (with the refusal
    on the form) when there is nothing to save or the service refused it."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        return save(**form.cleaned_data)
    except ServiceDeskError as error:
        _form_error(form, error)
        return None


def _labels(values: list[str], choices) -> list[str]:
    return [str(choices(value).label) for value in values if value in choices.values]


def _with_state(warranties, today: datetime.date):
    for warranty in warranties:
        warranty.state = coverage.warranty_status(warranty, today)
        warranty.state_label = coverage.STATUS_LABELS[warranty.state]
    return warranties


def _mark_overdue(inspections, today: datetime.date):
    for inspection in inspections:
        inspection.is_overdue = inspection.is_open and inspection.due_date < today
    return inspections


def _project_filter(request: HttpRequest) -> Project | None:
    value = request.GET.get("project", "")
    return project_get(user=request.user, pk=int(value)) if value.isdigit() else None
