"""The macro picker of the ticket page (``templates/tickets/_macro_picker.html``): the macros
the engineer may use, and the preview of the one chosen without JavaScript (``?macro=<id>``)."""

from typing import Any

from django import template

from tickets.services.macros import macro_list, macro_preview

register = template.Library()


@register.simple_tag(takes_context=True)
def macro_picker(context: template.Context) -> dict[str, Any]:
    request = context["request"]
    user, ticket = request.user, context["ticket"]
    if not user.is_staff_member:
        return {"macros": []}
    macros = list(macro_list(user=user, active_only=True))
    raw = request.GET.get("macro", "")
    chosen = next((macro for macro in macros if raw.isdigit() and macro.pk == int(raw)), None)
    picker: dict[str, Any] = {"macros": macros, "chosen": chosen}
    if chosen is not None:
        picker["preview"] = macro_preview(actor=user, macro=chosen, ticket=ticket)
    return picker
