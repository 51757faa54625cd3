"""The ticket page's time entries: record one (staff), delete one (its author or a manager).
The entries and the form are in the page's sidebar (``tickets/_time_entries.html``, filled by
``time_tags.ticket_time``)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import NotAllowed, ServiceDeskError
from core.pages import staff_only
from tickets import selectors, services
from tickets.forms_time import TimeEntryForm


@login_required
@require_POST
def time_entry_add(request, pk: int):
    ticket = selectors.ticket_get(user=request.user, pk=pk)  # 404 for another organisation
    staff_only(request.user)
    form = TimeEntryForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for error in errors:
                messages.error(request, f"{label}: {error}" if label else error)
        return redirect("tickets:detail", pk=ticket.pk)
    data = form.cleaned_data
    try:
        services.time_entry_add(
            actor=request.user,
            ticket_id=ticket.pk,
            minutes=data["minutes"],
            worked_at=data.get("worked_at"),
            billable=data.get("billable", False),
            note=data.get("note", ""),
        )
    except NotAllowed as error:
        raise PermissionDenied(error.message) from error
    except ServiceDeskError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The time was recorded."))
    return redirect("tickets:detail", pk=ticket.pk)


@login_required
@require_POST
def time_entry_delete(request, pk: int, entry_pk: int):
    ticket = selectors.ticket_get(user=request.user, pk=pk)
    staff_only(request.user)
    try:
        services.time_entry_delete(actor=request.user, entry_id=entry_pk, ticket_id=ticket.pk)
    except NotAllowed as error:
        raise PermissionDenied(error.message) from error
    except ServiceDeskError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The time entry was deleted."))
    return redirect("tickets:detail", pk=ticket.pk)
