"""Pages of the macros (staff only): the list with its search, the editor, deleting, and on the
ticket page the picker's preview (htmx) and applying one."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import ServiceDeskError
from core.pages import message_error, page_of, staff_only, submitted
from tickets import selectors
from tickets.forms_macros import MacroForm, MacroPickForm
from tickets.models import Macro
from tickets.services import macros as services


def _macro(request: HttpRequest, pk: int) -> Macro:
    """A macro the user may see (another's personal macro: 404)."""
    return get_object_or_404(services.macro_list(user=request.user), pk=pk)


@login_required
def macro_list(request: HttpRequest) -> HttpResponse:
    staff_only(request.user)
    q = request.GET.get("q", "").strip()
    page, params = page_of(request, services.macro_list(user=request.user, q=q))
    team_ids = services.my_team_ids(user=request.user)
    for macro in page:
        macro.can_change = services.macro_may_change(actor=request.user, macro=macro, team_ids=team_ids)
    return render(request, "tickets/macro_list.html", {"page": page, "params": params, "q": q})


def _save(request: HttpRequest, macro: Macro | None) -> HttpResponse:
    initial = MacroForm.initial_of(macro) if macro else {"scope": Macro.Scope.PERSONAL}
    form = MacroForm(request.POST or None, user=request.user, initial=initial)
    saved = submitted(request, form, lambda **data: services.macro_save(actor=request.user, macro=macro, **data))
    if saved is not None:
        messages.success(request, _("The macro %(name)s was saved.") % {"name": saved.name})
        return redirect("tickets:macro_list")
    return render(request, "tickets/macro_form.html", {"form": form, "macro": macro})


@login_required
def macro_create(request: HttpRequest) -> HttpResponse:
    staff_only(request.user)
    return _save(request, None)


@login_required
def macro_edit(request: HttpRequest, pk: int) -> HttpResponse:
    staff_only(request.user)
    macro = _macro(request, pk)
    if not services.macro_may_change(actor=request.user, macro=macro):
        raise PermissionDenied
    return _save(request, macro)


@login_required
def macro_delete(request: HttpRequest, pk: int) -> HttpResponse:
    staff_only(request.user)
    macro = _macro(request, pk)
    if not services.macro_may_change(actor=request.user, macro=macro):
        raise PermissionDenied
    if request.method == "POST":
        try:
            services.macro_delete(actor=request.user, macro=macro)
        except ServiceDeskError as error:
            message_error(request, error)
        else:
            messages.success(request, _("The macro %(name)s was deleted.") % {"name": macro.name})
        return redirect("tickets:macro_list")
    return render(request, "tickets/macro_confirm_delete.html", {"macro": macro})


@login_required
def macro_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The picker's preview of ``?macro=<id>`` on the ticket (a fragment, for htmx)."""
    staff_only(request.user)
    ticket = selectors.ticket_get(user=request.user, pk=pk)
    form = MacroPickForm(request.GET, user=request.user)
    if not form.is_valid():
        return HttpResponse("")
    macro = form.cleaned_data["macro"]
    preview = services.macro_preview(actor=request.user, macro=macro, ticket=ticket)
    return render(request, "tickets/_macro_preview.html", {"preview": preview, "chosen": macro, "ticket": ticket})


@login_required
@require_POST
def macro_apply(request: HttpRequest, pk: int) -> HttpResponse:
    """Apply the chosen macro; with ``preview`` only show what it would send (without
    JavaScript the picker's preview is the ticket page with ``?macro=<id>``)."""
    staff_only(request.user)
    ticket = selectors.ticket_get(user=request.user, pk=pk)
    form = MacroPickForm(request.POST, user=request.user)
    back = reverse("tickets:detail", args=[ticket.pk])
    if not form.is_valid():
        messages.error(request, _("Choose a macro."))
        return redirect(f"{back}#macro-picker")
    macro = form.cleaned_data["macro"]
    if request.POST.get("preview"):
        return redirect(f"{back}?macro={macro.pk}#macro-picker")
    try:
        services.macro_apply(actor=request.user, ticket=ticket, macro=macro)
    except ServiceDeskError as error:
        message_error(request, error)
        return redirect(f"{back}?macro={macro.pk}#macro-picker")
    messages.success(request, _("The macro %(name)s was applied.") % {"name": macro.name})
    return redirect(back)
