"""Pages: a ticket's links to other tickets, merging a ticket from its page, and the queue's
bulk merge. Each calls one service; refusals come back as messages."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.models import User
from core.errors import NotAllowed, ServiceDeskError
from tickets import selectors
from tickets.models import Ticket, TicketLink
from tickets.services.links import ticket_link, ticket_unlink
from tickets.services.merge import ticket_merge, tickets_merge


class TicketReferenceField(forms.CharField):
    """A ticket named by its reference (SD-2026-000012), any case, spaces around ignored."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 40)
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("placeholder", "SD-…")
        self.widget.attrs.setdefault("autocomplete", "off")


class LinkForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("This ticket is"), choices=TicketLink.Kind.choices)
    reference = TicketReferenceField(label=gettext_lazy("Ticket reference"))


class MergeForm(forms.Form):
    into = TicketReferenceField(label=gettext_lazy("Merge into ticket"))
    confirm = forms.BooleanField(
        label=gettext_lazy("I understand: this ticket closes and its replies, files and CC list move to that ticket."),
        error_messages={"required": gettext_lazy("Tick the box to confirm the merge.")},
    )


def ticket_by_reference(user: User, reference: str) -> Ticket | None:
    """The ticket ``user`` may see with ``reference`` (any case), or None."""
    reference = reference.strip().upper()
    return (
        selectors.ticket_list(user=user).select_related(None).prefetch_related(None).filter(reference=reference).first()
        if reference
        else None
    )


def _staff(user: User) -> None:
    if not user.is_staff_member:
        raise PermissionDenied


def _errors(request, form: forms.Form) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


@login_required
@require_POST
def link_add(request, pk: int):
    ticket = selectors.ticket_get(user=request.user, pk=pk)
    _staff(request.user)
    form = LinkForm(request.POST)
    if not form.is_valid():
        _errors(request, form)
        return redirect("tickets:detail", pk=ticket.pk)
    target = ticket_by_reference(request.user, form.cleaned_data["reference"])
    if target is None:
        messages.error(
            request, _("No ticket has the reference %(reference)s.") % {"reference": form.cleaned_data["reference"]}
        )
        return redirect("tickets:detail", pk=ticket.pk)
    try:
        ticket_link(actor=request.user, ticket=ticket, target=target, kind=form.cleaned_data["kind"])
    except NotAllowed as error:
        raise PermissionDenied(error.message) from error
    except ServiceDeskError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Linked to %(reference)s.") % {"reference": target.reference})
    return redirect("tickets:detail", pk=ticket.pk)


@login_required
@require_POST
def link_remove(request, pk: int, link_pk: int):
    ticket = selectors.ticket_get(user=request.user, pk=pk)
    link = selectors.ticket_link_get(ticket=ticket, user=request.user, pk=link_pk)
    _staff(request.user)
    if link is None:
        messages.error(request, _("This link was removed already."))
        return redirect("tickets:detail", pk=ticket.pk)
    try:
        ticket_unlink(actor=request.user, link=link)
    except ServiceDeskError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The link was removed."))
    return redirect("tickets:detail", pk=ticket.pk)


@login_required
@require_POST
def merge(request, pk: int):
    ticket = selectors.ticket_get(user=request.user, pk=pk)
    _staff(request.user)
    form = MergeForm(request.POST)
    if not form.is_valid():
        _errors(request, form)
        return redirect("tickets:detail", pk=ticket.pk)
    into = ticket_by_reference(request.user, form.cleaned_data["into"])
    if into is None:
        messages.error(
            request, _("No ticket has the reference %(reference)s.") % {"reference": form.cleaned_data["into"]}
        )
        return redirect("tickets:detail", pk=ticket.pk)
    try:
        ticket_merge(actor=request.user, ticket=ticket, into=into)
    except ServiceDeskError as error:
        messages.error(request, error.message)
        return redirect("tickets:detail", pk=ticket.pk)
    messages.success(
        request,
        _("%(reference)s was merged into %(into)s.") % {"reference": ticket.reference, "into": into.reference},
    )
    return redirect("tickets:detail", pk=into.pk)


def _back(request):
    back = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(back)
    return redirect("tickets:list")


def selected_tickets(request) -> list[Ticket]:
    """The tickets ticked in the queue's bulk form that the user may see, by reference."""
    ids = [value for value in request.POST.getlist("tickets") if value.isdigit()]
    return list(
        selectors.ticket_list(user=request.user)
        .select_related(None)
        .prefetch_related(None)
        .filter(pk__in=ids)
        .order_by("reference")
    )


def report_bulk(request, done: list[Ticket], refused: list[tuple[Ticket, str]], success: str) -> None:
    """One message listing what was done, one per refusal."""
    if done:
        messages.success(request, success % {"references": ", ".join(ticket.reference for ticket in done)})
    for ticket, reason in refused:
        messages.error(request, f"{ticket.reference}: {reason}")


@login_required
@require_POST
def bulk_merge(request):
    _staff(request.user)
    tickets = selected_tickets(request)
    if not tickets:
        messages.error(request, _("Choose the tickets to merge."))
        return _back(request)
    reference = request.POST.get("merge_into", "")
    into = ticket_by_reference(request.user, reference)
    if into is None:
        messages.error(request, _("Type the reference of the ticket to merge into."))
        return _back(request)
    if request.POST.get("confirm_merge") != "on":
        messages.error(request, _("Tick the box to confirm the merge."))
        return _back(request)
    done, refused = tickets_merge(actor=request.user, tickets=tickets, into=into)
    report_bulk(request, done, refused, _("Merged into %(into)s: %%(references)s.") % {"into": into.reference})
    return _back(request)
