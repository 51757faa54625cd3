"""Template context shared by every page: the navigation for the user's role, the bell, and
(for staff) who is on duty."""

from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from customers.selectors import hotlines_for
from emergency.rotas import on_duty_for, on_duty_now
from mail.selectors import triage_count
from notifications.selectors import unread_count


def _support(user) -> dict:
    """The hotline numbers the user (or a visitor) may call and, for a customer, the liaisons on
    emergency duty for its projects (``templates/_hotline.html``): read only where a page shows
    them (the numbers from the cache)."""
    return {
        "hotlines": SimpleLazyObject(lambda: hotlines_for(user=user)),
        # every page's footer: the numbers the cache holds, never a query of its own (the
        # numbers are read by the pages that show them, the login page first)
        "footer_hotlines": SimpleLazyObject(lambda: hotlines_for(user=user, kept_only=True)),
        "duty_liaisons": SimpleLazyObject(lambda: on_duty_for(user=user) if user.is_customer else []),
    }


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    # signed in with a password but the second factor's code not yet given: a visitor's bar
    if user is None or not user.is_authenticated or getattr(request, "two_factor_pending", False):
        # the public knowledge base is open to visitors
        kb = reverse("training:kb")
        return {
            "nav_items": [{"label": _("Knowledge base"), "url": kb, "active": request.path.startswith(kb)}],
            "hotlines": SimpleLazyObject(lambda: hotlines_for(user=None)),
            "footer_hotlines": SimpleLazyObject(lambda: hotlines_for(user=None, kept_only=True)),
            "duty_liaisons": [],
        }
    # The bar holds what people work in every day and stays on one line on a 1280 px laptop
    # screen, beside the language switcher, the liaison on duty (staff), the bell and the
    # user menu; the rest sits in the user menu. Staff reach home through the brand.
    items = [] if user.is_staff_member else [(_("Home"), reverse("home"))]
    items.append((_("Ticket queue") if user.is_staff_member else _("Tickets"), reverse("tickets:list")))
    items.append((_("Incident board") if user.is_staff_member else _("Emergencies"), reverse("emergency:board")))
    items.append((_("Maintenance") if user.is_staff_member else _("Warranty"), reverse("maintenance:overview")))
    items.append((_("Training"), reverse("training:home")))
    items.append((_("Knowledge base"), reverse("training:kb")))
    if user.is_customer:
        items.append((_("Projects"), reverse("customers:project_list")))
    items.append((_("Reports"), reverse("reports:dashboard")))
    if user.is_customer:
        menu = [(_("My organisation"), reverse("customers:organisation_detail", args=[user.organisation_id]))]
    else:
        menu = [
            (_("Organisations"), reverse("customers:organisation_list")),
            (_("Projects"), reverse("customers:project_list")),
            (_("Spare parts"), reverse("parts:catalogue")),
        ]
    badges = {}
    if user.is_staff_member:
        # the email intake: what waits for triage is counted beside the entry
        menu.append((_("Email"), reverse("mail:list")))
        badges[reverse("mail:list")] = triage_count()
    menu.append((_("API"), reverse("api-docs")))
    if user.is_admin:
        menu.append((_("Administration"), reverse("admin:index")))
    current = request.path
    # the item whose address is the longest start of this page's (the knowledge base lives
    # under /training/kb/, inside Training's address)
    matches = [url for _label, url in items if current == url or (url != "/" and current.startswith(url))]
    active = max(matches, key=len, default=None)
    return {
        # staff see who the liaison on duty is on every page
        "on_duty": on_duty_now() if user.is_staff_member else [],
        "unread_notifications": unread_count(user),
        "nav_items": [{"label": label, "url": url, "active": url == active} for label, url in items],
        "menu_items": [{"label": label, "url": url, "badge": badges.get(url, 0)} for label, url in menu],
        "triage_waiting": sum(badges.values()),
        **_support(user),
    }
