"""Pages: the improvement actions of an incident's review, added, changed, done and undone
on the incident page (staff)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import ServiceDeskError
from core.time import desk_today
from emergency import selectors, services
from emergency.forms import ReviewActionForm
from emergency.models import Incident, ReviewAction
from emergency.views import _fail, _staff_only


def _back(incident_pk: int):
    return redirect(reverse("emergency:detail", args=[incident_pk]) + "#review-actions")


def review_actions_context(user, incident: Incident) -> dict:
    """What the incident page needs for its improvement actions: the rows, and for staff once
    the incident is reviewed, the forms to add and change them."""
    if not user.is_staff_member:
        return {}
    rows = list(incident.review_actions.select_related("owner"))
    editable = incident.status in services.REVIEWED_STEPS
    for row in rows:
        row.edit_form = (
            ReviewActionForm(
                prefix=f"action-{row.pk}",
                initial={"description": row.description, "owner": row.owner_id, "due_date": row.due_date},
            )
            if editable and row.done_at is None
            else None
        )
    return {
        "review_action_rows": rows,
        "review_action_editable": editable,
        "review_action_form": ReviewActionForm(prefix="new-action") if editable else None,
        "today": desk_today(),
    }


def _form_errors(request, form: ReviewActionForm) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else error)


@login_required
@require_POST
def review_action_add(request, pk: int):
    incident = selectors.incident_get(user=request.user, pk=pk)
    _staff_only(request.user)
    form = ReviewActionForm(request.POST, prefix="new-action")
    if form.is_valid():
        try:
            services.review_action_create(incident_id=incident.pk, actor=request.user, **form.cleaned_data)
        except ServiceDeskError as error:
            _fail(request, error)
        else:
            messages.success(request, _("Improvement action added."))
    else:
        _form_errors(request, form)
    return _back(incident.pk)


def _action(request, pk: int, action_pk: int) -> ReviewAction:
    incident = selectors.incident_get(user=request.user, pk=pk)
    _staff_only(request.user)
    return get_object_or_404(ReviewAction, pk=action_pk, incident=incident)


@login_required
@require_POST
def review_action_edit(request, pk: int, action_pk: int):
    action = _action(request, pk, action_pk)
    form = ReviewActionForm(request.POST, prefix=f"action-{action.pk}")
    if form.is_valid():
        try:
            services.review_action_update(action_id=action.pk, actor=request.user, **form.cleaned_data)
        except ServiceDeskError as error:
            _fail(request, error)
        else:
            messages.success(request, _("Improvement action changed."))
    else:
        _form_errors(request, form)
    return _back(pk)


@login_required
@require_POST
def review_action_done(request, pk: int, action_pk: int):
    """Mark the action done; ``undo=1`` opens it again."""
    action = _action(request, pk, action_pk)
    try:
        if request.POST.get("undo"):
            services.review_action_reopen(action_id=action.pk, actor=request.user)
        else:
            services.review_action_done(action_id=action.pk, actor=request.user)
    except ServiceDeskError as error:
        _fail(request, error)
    return _back(pk)
