"""The incident page's time entries: the form and the entries (``emergency/_time_entries.html``,
filled by ``incident_time_tags.incident_time``), record one (staff), delete one (its author or
a manager)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import NotAllowed, ServiceDeskError
from core.pages import staff_only
from emergency import selectors, services
from tickets.forms_time import TimeEntryForm


def _refused(request, error: ServiceDeskError) -> None:
    if isinstance(error, NotAllowed):
        raise PermissionDenied(error.message) from error
    messages.error(request, error.message)


@login_required
@require_POST
def incident_time_add(request, pk: int):
    incident = selectors.incident_get(user=request.user, pk=pk)  # 404 for another organisation
    staff_only(request.user)
    form = TimeEntryForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for error in errors:
                messages.error(request, f"{label}: {error}" if label else error)
        return redirect("emergency:detail", incident.pk)
    data = form.cleaned_data
    try:
        services.incident_time_entry_add(
            actor=request.user,
            incident_id=incident.pk,
            minutes=data["minutes"],
            worked_at=data.get("worked_at"),
            billable=data.get("billable", False),
            note=data.get("note", ""),
        )
    except ServiceDeskError as error:
        _refused(request, error)
    else:
        messages.success(request, _("The time was recorded."))
    return redirect("emergency:detail", incident.pk)


@login_required
@require_POST
def incident_time_delete(request, pk: int, entry_pk: int):
    incident = selectors.incident_get(user=request.user, pk=pk)
    staff_only(request.user)
    try:
        services.incident_time_entry_delete(actor=request.user, entry_id=entry_pk, incident_id=incident.pk)
    except ServiceDeskError as error:
        _refused(request, error)
    else:
        messages.success(request, _("The time entry was deleted."))
    return redirect("emergency:detail", incident.pk)
