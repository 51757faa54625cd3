"""``{% incident_linked_tickets incident user as linked %}``: the tickets linked to an incident,
as the user may read them (one query), for the incident page."""

from django import template

from emergency import selectors_links

register = template.Library()


@register.simple_tag
def incident_linked_tickets(incident, user) -> list:
    return list(selectors_links.incident_ticket_links(incident=incident, user=user))
