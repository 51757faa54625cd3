"""The ticket page's time entries: record one (staff), delete one (its author or a manager).
The entries and the form are in the page's sidebar (``tickets/_time_entries.html``, filled by
``time_tags.ticket_time``)."""

from functools import partial

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.pages import staff_only
from tickets import selectors, services
from tickets.forms_time import time_entry_posted, time_entry_written


@login_required
@require_POST
def time_entry_add(request, pk: int):
    ticket = selectors.ticket_get(user=request.user, pk=pk)  # 404 for another organisation
    staff_only(request.user)
    time_entry_posted(request, partial(services.time_entry_add, actor=request.user, ticket_id=ticket.pk))
    return redirect("tickets:detail", pk=ticket.pk)


@login_required
@require_POST
def time_entry_delete(request, pk: int, entry_pk: int):
    ticket = selectors.ticket_get(user=request.user, pk=pk)
    staff_only(request.user)
    time_entry_written(
        request,
        partial(services.time_entry_delete, actor=request.user, entry_id=entry_pk, ticket_id=ticket.pk),
        _("The time entry was deleted."),
    )
    return redirect("tickets:detail", pk=ticket.pk)
