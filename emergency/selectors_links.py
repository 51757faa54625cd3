"""Reading the tickets linked to incidents, scoped: staff read every link; a customer only the
links of its own organisation's incidents (from a ticket) or tickets (from an incident)."""

from django.db.models import QuerySet

from accounts.models import User
from accounts.scoping import scope_to_user
from emergency.models import Incident, IncidentTicketLink
from tickets.models import Ticket


def ticket_incident_links(*, ticket: Ticket, user: User) -> QuerySet[IncidentTicketLink]:
    """The incidents ``ticket`` is linked to, as ``user`` may read them."""
    links = IncidentTicketLink.objects.filter(ticket=ticket).select_related("incident").order_by("created_at", "pk")
    return scope_to_user(links, user, organisation_field="incident__organisation")


def incident_ticket_links(*, incident: Incident, user: User) -> QuerySet[IncidentTicketLink]:
    """The tickets linked to ``incident``, as ``user`` may read them."""
    links = (
        IncidentTicketLink.objects.filter(incident=incident)
        .select_related("ticket", "ticket__organisation")
        .order_by("created_at", "pk")
    )
    return scope_to_user(links, user, organisation_field="ticket__organisation")
