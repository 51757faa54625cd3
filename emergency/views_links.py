"""Pages: linking tickets to an incident, from the queue (many at once), from a ticket's page,
and removing a link (from either page). Each calls one service; refusals come back as
messages."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import User
from core.errors import ServiceDeskError
from emergency import selectors, selectors_links
from emergency.models import Incident
from emergency.services.links import incident_ticket_link, incident_ticket_unlink, incident_tickets_link
from tickets import selectors as ticket_selectors


def incident_by_reference(user: User, reference: str) -> Incident | None:
    reference = reference.strip().upper()
    if not reference:
        return None
    return selectors.incident_list(user=user).prefetch_related(None).filter(reference=reference).first()


def _staff(user: User) -> None:
    if not user.is_staff_member:
        raise PermissionDenied


def _back(request, fallback: str, *args):
    back = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(back)
    return redirect(fallback, *args)


@login_required
@require_POST
def bulk_link(request):
    """The queue's "Link to incident": the ticked tickets, the incident typed by reference."""
    _staff(request.user)
    ids = [value for value in request.POST.getlist("tickets") if value.isdigit()]
    tickets = list(
        ticket_selectors.ticket_list(user=request.user)
        .select_related(None)
        .prefetch_related(None)
        .filter(pk__in=ids)
        .order_by("reference")
    )
    if not tickets:
        messages.error(request, _("Choose the tickets to link."))
        return _back(request, "tickets:list")
    incident = incident_by_reference(request.user, request.POST.get("incident_reference", ""))
    if incident is None:
        messages.error(request, _("Type the reference of an incident (INC-…)."))
        return _back(request, "tickets:list")
    done, refused = incident_tickets_link(actor=request.user, incident=incident, tickets=tickets)
    if done:
        messages.success(
            request,
            _("Linked to %(incident)s: %(references)s.")
            % {"incident": incident.reference, "references": ", ".join(ticket.reference for ticket in done)},
        )
    for ticket, reason in refused:
        messages.error(request, f"{ticket.reference}: {reason}")
    return _back(request, "tickets:list")


@login_required
@require_POST
def ticket_link_incident(request, ticket_pk: int):
    """The ticket page's "Link to incident"."""
    ticket = ticket_selectors.ticket_get(user=request.user, pk=ticket_pk)
    _staff(request.user)
    incident = incident_by_reference(request.user, request.POST.get("incident_reference", ""))
    if incident is None:
        messages.error(request, _("Type the reference of an incident (INC-…)."))
        return redirect("tickets:detail", ticket.pk)
    try:
        incident_ticket_link(actor=request.user, incident=incident, ticket=ticket)
    except ServiceDeskError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Linked to %(incident)s.") % {"incident": incident.reference})
    return redirect("tickets:detail", ticket.pk)


@login_required
@require_POST
def link_remove(request, pk: int, link_pk: int):
    """Remove a ticket's link to the incident ``pk`` (from the incident's page or the ticket's)."""
    incident = selectors.incident_get(user=request.user, pk=pk)
    link = get_object_or_404(selectors_links.incident_ticket_links(incident=incident, user=request.user), pk=link_pk)
    _staff(request.user)
    try:
        incident_ticket_unlink(actor=request.user, link=link)
    except ServiceDeskError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("%(ticket)s is no longer linked.") % {"ticket": link.ticket.reference})
    return _back(request, "emergency:detail", incident.pk)
