"""Tickets linked to an incident (the reports of one outage gathered under it): staff link and
unlink; the incident's timeline and the ticket's history each get a line (internal), in the
same transaction. The queue's bulk action links many tickets at once, each in its own savepoint.

A ticket of another organisation than the incident's may be linked (one outage upstream,
reports from several customers); a customer reads only the links within its organisation."""

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import NotAllowed, ServiceDeskError
from emergency.models import Incident, IncidentEntry, IncidentTicketLink
from emergency.services.common import _entry, _lock
from tickets.models import Ticket, TicketEvent
from tickets.services import ticket_event_add, ticket_for_update


def _staff(actor: User) -> None:
    if not actor.is_staff_member:
        raise NotAllowed(_("Only staff may link tickets to an incident."))


@transaction.atomic
def incident_ticket_link(*, actor: User, incident: Incident, ticket: Ticket) -> IncidentTicketLink:
    """Link ``ticket`` to ``incident`` (refused if it is linked already)."""
    _staff(actor)
    incident = _lock(incident.pk)
    ticket = ticket_for_update(ticket.pk)
    if IncidentTicketLink.objects.filter(incident=incident, ticket=ticket).exists():
        raise ServiceDeskError(
            _("%(ticket)s is already linked to %(incident)s.")
            % {"ticket": ticket.reference, "incident": incident.reference},
            field="incident",
        )
    link = IncidentTicketLink.objects.create(incident=incident, ticket=ticket, created_by=actor)
    _entry(
        incident,
        actor,
        IncidentEntry.Kind.NOTE,
        ticket_link="linked",
        ticket=ticket.pk,
        reference=ticket.reference,
        title=ticket.title,
    )
    ticket_event_add(
        ticket=ticket,
        actor=actor,
        kind=TicketEvent.Kind.LINKED,
        public=False,
        incident=incident.pk,
        reference=incident.reference,
    )
    return link


@transaction.atomic
def incident_ticket_unlink(*, actor: User, link: IncidentTicketLink) -> None:
    _staff(actor)
    incident = _lock(link.incident_id)
    ticket = ticket_for_update(link.ticket_id)
    if not IncidentTicketLink.objects.filter(pk=link.pk).exists():
        raise ServiceDeskError(_("This link was removed already."), field="link")
    _entry(
        incident, actor, IncidentEntry.Kind.NOTE, ticket_link="unlinked", ticket=ticket.pk, reference=ticket.reference
    )
    ticket_event_add(
        ticket=ticket,
        actor=actor,
        kind=TicketEvent.Kind.UNLINKED,
        public=False,
        incident=incident.pk,
        reference=incident.reference,
    )
    IncidentTicketLink.objects.filter(pk=link.pk).delete()


def incident_tickets_link(
    *, actor: User, incident: Incident, tickets: list[Ticket]
) -> tuple[list[Ticket], list[tuple[Ticket, str]]]:
    """The queue's bulk action: link each of ``tickets`` in one transaction, each in its own
    savepoint. Returns the tickets linked and the refused ones with the reason."""
    _staff(actor)
    done: list[Ticket] = []
    refused: list[tuple[Ticket, str]] = []
    with transaction.atomic():
        for ticket in tickets:
            try:
                incident_ticket_link(actor=actor, incident=incident, ticket=ticket)
                done.append(ticket)
            except ServiceDeskError as error:
                refused.append((ticket, error.message))
    return done, refused
