"""What the training pages share: role checks, showing a service's refusal, paging, filters,
and where to go back to after a POST."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from accounts.models import User
from customers.models import Project
from customers.selectors import project_get
from servicedesk.errors import NotAllowed, ServiceDeskError
from training.models import Enrolment, TrainingSession

PER_PAGE = 50
ACTIVE = (Enrolment.Status.ENROLLED, Enrolment.Status.WAITLISTED)


def staff_only(user: User) -> None:
    if not user.is_staff_member:
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


def page_of(request: HttpRequest, queryset: QuerySet) -> tuple[Page, str]:
    """One page of the list, and the query string of the filters (for the page links)."""
    params = request.GET.copy()
    params.pop("page", None)
    return Paginator(queryset, PER_PAGE).get_page(request.GET.get("page")), params.urlencode()


def project_filter(request: HttpRequest) -> Project | None:
    """``?project=<pk>``: a project the user may see (404 otherwise)."""
    value = request.GET.get("project", "")
    return project_get(user=request.user, pk=int(value)) if value.isdigit() else None


def back(request: HttpRequest, default: str) -> HttpResponseRedirect:
    """Back to the page the form was on (``next``, this site only), else ``default``."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(default)


def decorate_session(session: TrainingSession, user: User, mine: Enrolment | None) -> TrainingSession:
    """What the pages show about the session for this viewer: can they enrol, is it full."""
    now = timezone.now()
    session.mine = mine if mine is not None and mine.status in ACTIVE else None
    session.is_open = not session.is_cancelled and session.starts_at > now
    session.has_started = session.starts_at <= now
    session.has_ended = session.ends_at <= now
    taken = getattr(session, "seats_taken", 0)
    session.is_full = taken >= session.capacity or getattr(session, "waiting", 0) > 0
    session.free_seats = max(session.capacity - taken, 0)
    session.can_enrol = bool(user.is_customer and user.is_active and session.is_open and session.mine is None)
    return session
