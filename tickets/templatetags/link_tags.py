"""``{% ticket_links ticket user as links %}``: what the ticket page's links card shows (its
links read from this side, where a merged ticket continues, which tickets were merged into it,
the forms); ``{% queue_bulk_forms %}``: nothing to read, the labels of the queue's bulk row."""

from django import template

from tickets import selectors
from tickets.models import Ticket
from tickets.views_links import LinkForm, MergeForm

register = template.Library()


@register.simple_tag
def ticket_links(ticket: Ticket, user) -> dict:
    """Two queries (the links, the tickets merged in), a third when the ticket was merged."""
    merged_into = None
    if ticket.merged_into_id:
        merged_into = Ticket.objects.filter(pk=ticket.merged_into_id).only("pk", "reference", "title").first()
    merged_tickets = list(ticket.merged_tickets.only("pk", "reference", "title", "merged_into").order_by("reference"))
    return {
        "items": selectors.ticket_links(ticket=ticket, user=user),
        "merged_into": merged_into,
        "merged_tickets": merged_tickets,
        "link_form": LinkForm(auto_id="link_%s") if user.is_staff_member else None,
        "merge_form": MergeForm(auto_id="merge_%s") if user.is_staff_member and ticket.status != "closed" else None,
    }
