"""Reading a ticket's links (re-exported by ``tickets.selectors``): both directions, each in the
words of the side that reads it; a customer reads only the links whose other ticket is its own
organisation's."""

from dataclasses import dataclass

from django.db.models import Q

from accounts.models import User
from tickets.models import Ticket, TicketLink


@dataclass(frozen=True)
class LinkView:
    link: TicketLink
    other: Ticket
    label: str  # "Duplicate of", "Has duplicate", "Caused by", "Causes", "Related to"
    direction: str  # "source": the ticket read is the link's source; "target": its target


def ticket_links(*, ticket: Ticket, user: User) -> list[LinkView]:
    """The links of ``ticket`` as ``user`` may read them, oldest first: one query."""
    if not user.is_authenticated or not user.is_active:
        return []
    mine = Q(source=ticket) | Q(target=ticket)
    if not user.is_staff_member:
        if not user.organisation_id:
            return []
        organisation = user.organisation_id
        mine = Q(source=ticket, target__organisation_id=organisation) | Q(
            target=ticket, source__organisation_id=organisation
        )
    links = (
        TicketLink.objects.filter(mine).select_related("source", "target", "created_by").order_by("created_at", "pk")
    )
    return [
        LinkView(
            link=link,
            other=link.other(ticket.pk),
            label=link.wording(ticket.pk),
            direction="source" if link.source_id == ticket.pk else "target",
        )
        for link in links
    ]


def ticket_link_get(*, ticket: Ticket, user: User, pk: int) -> TicketLink | None:
    """One link of ``ticket`` that ``user`` may read, or None."""
    for view in ticket_links(ticket=ticket, user=user):
        if view.link.pk == pk:
            return view.link
    return None
