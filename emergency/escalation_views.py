"""Pages: acknowledging an unanswered incident's escalation, on the incident page or by the
link in the breach and escalation messages (as a ticket's escalation is acknowledged)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import NotAllowed, ServiceDeskError
from emergency import selectors, services


@login_required
@require_POST
def incident_acknowledge(request, pk: int):
    incident = selectors.incident_get(user=request.user, pk=pk)
    try:
        services.incident_acknowledge(incident_id=incident.pk, actor=request.user)
    except NotAllowed as error:
        raise PermissionDenied(error.message) from error
    except ServiceDeskError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("You acknowledged the escalation; no further steps will be taken."))
    return redirect("emergency:detail", pk=incident.pk)


def acknowledge_link(request, token: str):
    """The link in a breach or escalation message: whoever got it can take the escalation from
    a phone without signing in. GET asks (mail scanners opening links change nothing), POST does."""
    reader = services.acknowledge_reader(token)
    if reader is None:
        return render(request, "emergency/acknowledge.html", {"invalid": True}, status=400)
    incident, user = reader
    done = False
    if request.method == "POST":
        try:
            services.incident_acknowledge(incident_id=incident.pk, actor=user)
        except ServiceDeskError as error:
            messages.info(request, error.message)
        else:
            done = True
    return render(request, "emergency/acknowledge.html", {"incident": incident, "person": user, "done": done})
