"""The navigation's menu of queue views: what the cache holds (never a query on a page that
does not show the queue; the menu asks ``tickets:queue_nav`` when it opens otherwise)."""

from django import template

from tickets import queue_views

register = template.Library()


@register.simple_tag(takes_context=True)
def queue_nav_entries(context) -> list[dict] | None:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_staff_member:
        return None
    kept = queue_views.nav_cached(user=user)
    return None if kept is None else queue_views.nav_entries(kept)
