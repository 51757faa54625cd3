"""Pages of the parts app (staff only): the catalogue with stock per location, a part with its
movements, the movement form, the returns (RMA)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import ServiceDeskError
from core.pages import message_error, page_of, staff_only, submitted
from parts import selectors, services
from parts.forms import MovementForm, RmaForm, RmaTransitionForm
from parts.models import Reservation
from tickets.models import Ticket
from tickets.selectors import ticket_list


def _ticket_of(request: HttpRequest) -> Ticket | None:
    raw = request.GET.get("ticket", "")
    return get_object_or_404(ticket_list(user=request.user), pk=int(raw)) if raw.isdigit() else None


@login_required
def catalogue(request: HttpRequest) -> HttpResponse:
    """Every part with its stock per location; ``?low=1`` keeps the parts low somewhere."""
    staff_only(request.user)
    parts = selectors.part_list()
    only_low = request.GET.get("low") == "1"
    if only_low:
        parts = parts.filter(stock__in=selectors.stock_list(low=True)).distinct()
    page, params = page_of(request, parts)
    locations = list(selectors.location_list(active_only=True))
    for part in page:
        by_location = {row.location_id: row for row in part.stock.all()}
        part.cells = [by_location.get(location.pk) for location in locations]
    context = {"page": page, "params": params, "locations": locations, "only_low": only_low}
    return render(request, "parts/catalogue.html", context)


@login_required
def part_detail(request: HttpRequest, pk: int) -> HttpResponse:
    staff_only(request.user)
    part = get_object_or_404(selectors.part_list(), pk=pk)
    movements, params = page_of(request, selectors.movement_list().filter(part=part))
    context = {
        "part": part,
        "stock": selectors.stock_list(part_id=part.pk),
        "reservations": selectors.open_reservations().filter(part=part).select_related("ticket", "incident"),
        "page": movements,
        "params": params,
    }
    return render(request, "parts/part_detail.html", context)


@login_required
def movement_create(request: HttpRequest) -> HttpResponse:
    """Move stock; from a ticket's panel (``?ticket=<id>``) the ticket is filled in and the
    page goes back to the ticket."""
    staff_only(request.user)
    ticket = _ticket_of(request)
    initial = {"part": request.GET["part"]} if request.GET.get("part", "").isdigit() else {}
    form = MovementForm(request.POST or None, ticket=ticket, initial=initial)
    movement = submitted(request, form, lambda **data: services.movement_record(actor=request.user, **data))
    if movement is not None:
        messages.success(request, _("Recorded: %(movement)s.") % {"movement": movement})
        if movement.ticket_id and ticket is not None:
            return redirect("tickets:detail", movement.ticket_id)
        return redirect("parts:part_detail", movement.part_id)
    back = reverse("tickets:detail", args=[ticket.pk]) if ticket is not None else reverse("parts:catalogue")
    return render(request, "parts/movement_form.html", {"form": form, "ticket": ticket, "back": back})


@login_required
@require_POST
def reservation_release(request: HttpRequest, pk: int) -> HttpResponse:
    staff_only(request.user)
    reservation = get_object_or_404(Reservation, pk=pk)
    try:
        services.reservation_release(reservation_id=reservation.pk, actor=request.user)
    except ServiceDeskError as error:
        message_error(request, error)
    else:
        messages.success(request, _("Released: %(part)s.") % {"part": reservation.part})
    if reservation.ticket_id:
        return redirect("tickets:detail", reservation.ticket_id)
    return redirect("parts:part_detail", reservation.part_id)


@login_required
def rma_list(request: HttpRequest) -> HttpResponse:
    """Returns, newest first; ``?state=`` keeps one state, ``?open=1`` those not finished."""
    staff_only(request.user)
    rmas = selectors.rma_list()
    state = request.GET.get("state", "")
    if state:
        rmas = rmas.filter(state=state)
    only_open = request.GET.get("open") == "1"
    if only_open:
        rmas = rmas.filter(state__in=[s for s, following in services.RMA_NEXT.items() if following])
    page, params = page_of(request, rmas)
    return render(request, "parts/rma_list.html", {"page": page, "params": params, "only_open": only_open})


@login_required
def rma_create(request: HttpRequest) -> HttpResponse:
    staff_only(request.user)
    ticket = _ticket_of(request)
    form = RmaForm(request.POST or None, ticket=ticket)
    rma = submitted(request, form, lambda **data: services.rma_open(actor=request.user, **data))
    if rma is not None:
        messages.success(request, _("Return %(reference)s opened.") % {"reference": rma.reference})
        return redirect("parts:rma_detail", rma.pk)
    return render(request, "parts/rma_form.html", {"form": form, "ticket": ticket})


@login_required
def rma_detail(request: HttpRequest, pk: int) -> HttpResponse:
    staff_only(request.user)
    rma = get_object_or_404(selectors.rma_list(), pk=pk)
    form = RmaTransitionForm(rma=rma, initial={"supplier_reference": rma.supplier_reference})
    context = {"rma": rma, "events": selectors.rma_events(rma_id=rma.pk), "form": form}
    return render(request, "parts/rma_detail.html", context)


@login_required
@require_POST
def rma_transition(request: HttpRequest, pk: int) -> HttpResponse:
    staff_only(request.user)
    rma = get_object_or_404(selectors.rma_list(), pk=pk)
    form = RmaTransitionForm(request.POST, rma=rma)
    done = submitted(request, form, lambda **data: services.rma_transition(rma_id=rma.pk, actor=request.user, **data))
    if done is not None:
        messages.success(
            request,
            _("Return %(reference)s: %(state)s.") % {"reference": rma.reference, "state": done.get_state_display()},
        )
        return redirect("parts:rma_detail", rma.pk)
    context = {"rma": rma, "events": selectors.rma_events(rma_id=rma.pk), "form": form}
    return render(request, "parts/rma_detail.html", context)
