"""The incident page's time entries: the form and the entries (``emergency/_time_entries.html``,
filled by ``incident_time_tags.incident_time``), record one (staff), delete one (its author or
a manager)."""

from functools import partial

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.pages import staff_only
from emergency import selectors, services
from tickets.forms_time import time_entry_posted, time_entry_written


@login_required
@require_POST
def incident_time_add(request, pk: int):
    incident = selectors.incident_get(user=request.user, pk=pk)  # 404 for another organisation
    staff_only(request.user)
    time_entry_posted(request, partial(services.incident_time_entry_add, actor=request.user, incident_id=incident.pk))
    return redirect("emergency:detail", incident.pk)


@login_required
@require_POST
def incident_time_delete(request, pk: int, entry_pk: int):
    incident = selectors.incident_get(user=request.user, pk=pk)
    staff_only(request.user)
    time_entry_written(
        request,
        partial(services.incident_time_entry_delete, actor=request.user, entry_id=entry_pk, incident_id=incident.pk),
        _("The time entry was deleted."),
    )
    return redirect("emergency:detail", incident.pk)
