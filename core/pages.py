"""What the apps' pages share: role checks, a service's refusal shown on the form or as a
message, saving a submitted form through its service, paging."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest

from core.errors import NotAllowed, ServiceDeskError

PER_PAGE = 50


def staff_only(user) -> None:
    if not user.is_staff_member:
        raise PermissionDenied


def managers_only(user) -> None:
    if not user.can_manage:
        raise PermissionDenied


def form_error(form, error: ServiceDeskError) -> None:
    """A refusal of the service shown on the form: on its field where the form has it."""
    if isinstance(error, NotAllowed):
        raise PermissionDenied(error.message)
    form.add_error(error.field if error.field in form.fields else None, error.message)


def message_error(request: HttpRequest, error: ServiceDeskError) -> None:
    if isinstance(error, NotAllowed):
        raise PermissionDenied(error.message)
    messages.error(request, error.message)


def form_messages(request: HttpRequest, form) -> None:
    """A form the page does not show again: its errors as messages."""
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else error)


def submitted(request: HttpRequest, form, save: Callable[..., Any]) -> Any | None:
    """A POSTed, valid form saved through ``save(**cleaned_data)``; ``None`` (with the refusal
    on the form) when there is nothing to save or the service refused it."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        return save(**form.cleaned_data)
    except ServiceDeskError as error:
        form_error(form, error)
        return None


def page_of(request: HttpRequest, queryset: QuerySet, per_page: int = PER_PAGE) -> tuple[Page, str]:
    """One page of the list, and the query string of the filters (for the page links)."""
    params = request.GET.copy()
    params.pop("page", None)
    return Paginator(queryset, per_page).get_page(request.GET.get("page")), params.urlencode()
