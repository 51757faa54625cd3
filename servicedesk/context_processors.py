"""Template context shared by every page: the navigation for the user's role, the bell, and
(for staff) who is on duty."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from emergency.rotas import on_duty
from notifications.selectors import unread_count


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = [
        (_("Home"), reverse("home")),
        (_("Ticket queue") if user.is_staff_member else _("Tickets"), reverse("tickets:list")),
    ]
    items.append((_("Incident board") if user.is_staff_member else _("Emergencies"), reverse("emergency:board")))
    items.append((_("Maintenance") if user.is_staff_member else _("Warranty"), reverse("maintenance:overview")))
    if user.is_customer:
        items.append((_("My organisation"), reverse("customers:organisation_detail", args=[user.organisation_id])))
    else:
        items.append((_("Organisations"), reverse("customers:organisation_list")))
    items.append((_("Projects"), reverse("customers:project_list")))
    # the rest sits in the user menu: the bar stays on one line on a laptop screen
    menu = [(_("API"), reverse("api-docs"))]
    if user.is_admin:
        menu.append((_("Administration"), reverse("admin:index")))
    current = request.path
    return {
        # staff see who the liaison on duty is on every page
        "on_duty": on_duty() if user.is_staff_member else [],
        "unread_notifications": unread_count(user),
        "nav_items": [
            {"label": label, "url": url, "active": current == url or (url != "/" and current.startswith(url))}
            for label, url in items
        ],
        "menu_items": [{"label": label, "url": url} for label, url in menu],
    }
