"""What training adds to the ticket pages (registered with ``tickets.panels``): the knowledge
base's suggestions beside the form that files a ticket, and on a resolved ticket, for staff,
the button that turns it into a draft article."""

from django.http import HttpRequest
from django.template.loader import render_to_string

from tickets.models import Ticket
from training.models import Article


def suggestions_aside(request: HttpRequest) -> str:
    """An empty box that fills (``training:suggest``) as the title and symptoms are typed."""
    return render_to_string("training/_suggestions_aside.html", {}, request=request)


def article_draft_panel(request: HttpRequest, ticket: Ticket) -> str:
    user = request.user
    if not user.is_authenticated or not user.is_staff_member:
        return ""
    if ticket.status not in (Ticket.Status.RESOLVED, Ticket.Status.CLOSED):
        return ""
    articles = list(Article.objects.filter(source_ticket=ticket).order_by("pk"))
    return render_to_string(
        "training/_article_draft_panel.html", {"ticket": ticket, "articles": articles}, request=request
    )
