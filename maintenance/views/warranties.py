"""Pages: the maintenance overview, warranties, service contracts, and the forms of the coverage
panel on the ticket page."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import ServiceDeskError
from core.pages import (
    form_error,
    form_messages,
    managers_only,
    message_error,
    page_of,
    staff_only,
    submitted,
)
from core.time import desk_today
from customers.models import Project
from customers.selectors import project_filter, project_list
from maintenance import coverage, selectors, services, visit_feeds
from maintenance.forms import (
    BillableItemForm,
    ContractForm,
    CoverageCheckForm,
    CoverageForm,
    WarrantyForm,
)
from maintenance.models import (
    Cause,
    Inspection,
    ReturnVisit,
    Service,
)
from maintenance.views.shared import (
    DUE_DAYS,
    OPEN_NOTICES,
    _labels,
    _with_state,
)
from tickets.models import Ticket
from tickets.selectors import ticket_get

# --- overview -----------------------------------------------------------------------------


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    """Staff: what needs attention, with links into the lists. Customers: their organisation's
    warranties, contracts, visits with their reports, and release notices."""
    user = request.user
    today = desk_today()
    soon = today + datetime.timedelta(days=DUE_DAYS)
    open_visits = selectors.inspection_list(user=user).filter(status__in=Inspection.OPEN_STATUSES)
    if user.is_staff_member:
        visits = open_visits.aggregate(
            due=Count("pk", filter=Q(due_date__gte=today, due_date__lte=soon)),
            overdue=Count("pk", filter=Inspection.overdue_q(today)),
        )
        counts = {
            "expiring": selectors.warranty_list(user=user, status=coverage.Status.EXPIRING, today=today).count(),
            "due": visits["due"],
            "overdue": visits["overdue"],
            "return_visits": selectors.return_visit_list(user=user).filter(status=ReturnVisit.Status.PLANNED).count(),
            "notices": selectors.notice_list(user=user).filter(status__in=OPEN_NOTICES).count(),
        }
        mine = open_visits.filter(engineer=user).order_by("due_date", "pk")[:10]
        context = {
            "counts": counts,
            "mine": mine,
            "due_days": DUE_DAYS,
            "my_feed": visit_feeds.engineer_feed_urls(viewer=user, engineers=[user])[user.pk],
        }
        return render(request, "maintenance/overview.html", context)
    visits = selectors.inspection_list(user=user)
    context = {
        "warranties": _with_state(list(selectors.warranty_list(user=user)[:50]), today),
        "contracts": selectors.contract_list(user=user)[:50],
        "upcoming": open_visits.order_by("due_date", "pk")[:10],
        "reports": visits.filter(status=Inspection.Status.COMPLETED).order_by("-completed_at", "-pk")[:20],
        "notices": selectors.notice_list(user=user).order_by("-created_at", "-pk")[:20],
        "projects": _project_feeds(user),
    }
    return render(request, "maintenance/overview_customer.html", context)


# --- warranties and contracts -------------------------------------------------------------


@login_required
def warranty_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    today = desk_today()
    status = request.GET.get("status", "")
    if status not in coverage.STATUS_LABELS:
        status = ""
    warranties = selectors.warranty_list(user=user, status=status or None, today=today)
    project = project_filter(request)
    if project:
        warranties = warranties.filter(project=project)
    page, params = page_of(request, warranties)
    _with_state(page, today)
    context = {
        "page": page,
        "params": params,
        "status": status,
        "statuses": list(coverage.STATUS_LABELS.items()),
        "project": project,
    }
    return render(request, "maintenance/warranty_list.html", context)


@login_required
def warranty_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The warranty's terms and period, and the answer to "is this day covered?"."""
    warranty = selectors.warranty_get(user=request.user, pk=pk)
    today = desk_today()
    _with_state([warranty], today)
    form = CoverageCheckForm(request.GET if "date" in request.GET else None)
    answer = None
    if form.is_bound and form.is_valid():
        covered, reason = coverage.warranty_in_force(warranty, form.cleaned_data["date"])
        answer = {"covered": covered, "reason": reason}
    terms = warranty.terms
    context = {
        "warranty": warranty,
        "terms": terms,
        "covered_causes": _labels(terms.covered_causes, Cause),
        "excluded_causes": _labels(terms.excluded_causes, Cause),
        "services_included": _labels(terms.services_included, Service),
        "excluded_services": _labels(terms.excluded_services, Service),
        "form": form,
        "answer": answer,
        "contracts": selectors.contract_list(user=request.user).filter(project=warranty.project_id),
    }
    return render(request, "maintenance/warranty_detail.html", context)


@login_required
def warranty_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user = request.user
    managers_only(user)
    warranty = selectors.warranty_get(user=user, pk=pk) if pk else None
    initial = {"project": request.GET.get("project")} if warranty is None else None
    form = WarrantyForm(request.POST or None, instance=warranty, user=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = services.warranty_save(
                warranty=warranty,
                project=data["project"],
                terms=data["terms"],
                start_date=data["start_date"],
                asset=data["asset"],
                notes=data["notes"],
            )
        except ServiceDeskError as error:
            form_error(form, error)
        else:
            messages.success(
                request,
                _("Warranty saved: covered from %(start)s through %(end)s.")
                % {"start": saved.start_date.isoformat(), "end": saved.end_date.isoformat()},
            )
            return redirect("maintenance:warranty_detail", saved.pk)
    title = _("Edit the warranty") if warranty else _("Add a warranty")
    back = reverse("maintenance:warranty_detail", args=[warranty.pk]) if warranty else reverse("maintenance:warranties")
    context = {"form": form, "title": title, "back": back, "form_id": "warranty-form"}
    return render(request, "maintenance/form.html", context)


@login_required
def contract_list(request: HttpRequest) -> HttpResponse:
    contracts = selectors.contract_list(user=request.user)
    project = project_filter(request)
    if project:
        contracts = contracts.filter(project=project)
    page, params = page_of(request, contracts)
    today = desk_today()
    for contract in page:
        contract.in_force = contract.start_date <= today <= contract.end_date
        contract.causes = _labels(contract.covered_causes, Cause)
        contract.services = _labels(contract.services_included, Service)
    context = {"page": page, "params": params, "project": project}
    return render(request, "maintenance/contract_list.html", context)


@login_required
def contract_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user = request.user
    managers_only(user)
    contract = get_object_or_404(selectors.contract_list(user=user), pk=pk) if pk else None
    initial = {"project": request.GET.get("project")} if contract is None else None
    form = ContractForm(request.POST or None, instance=contract, user=user, initial=initial)
    saved = submitted(request, form, lambda **fields: services.contract_save(contract=contract, **fields))
    if saved is not None:
        messages.success(request, _("Service contract %(number)s saved.") % {"number": saved.number})
        return redirect("maintenance:contracts")
    title = (
        _("Edit service contract %(number)s") % {"number": contract.number} if contract else _("Add a service contract")
    )
    context = {"form": form, "title": title, "back": reverse("maintenance:contracts"), "form_id": "contract-form"}
    return render(request, "maintenance/form.html", context)


# --- coverage of a ticket (the forms of the ticket page's panel) ----------------------------


def _back_to_ticket(ticket: Ticket) -> HttpResponse:
    return redirect(reverse("tickets:detail", args=[ticket.pk]) + "#coverage")


@login_required
@require_POST
def coverage_decide(request: HttpRequest, ticket_pk: int) -> HttpResponse:
    ticket = ticket_get(user=request.user, pk=ticket_pk)
    staff_only(request.user)
    form = CoverageForm(request.POST)
    if form.is_valid():
        try:
            decided = services.coverage_decide(
                ticket_id=ticket.pk, actor=request.user, cause=form.cleaned_data["cause"]
            )
        except ServiceDeskError as error:
            message_error(request, error)
        else:
            messages.success(request, _("Coverage decided. %(reason)s") % {"reason": decided.reason})
    else:
        messages.error(request, _("Choose a root cause from the list."))
    return _back_to_ticket(ticket)


@login_required
@require_POST
def billable_add(request: HttpRequest, ticket_pk: int) -> HttpResponse:
    ticket = ticket_get(user=request.user, pk=ticket_pk)
    staff_only(request.user)
    form = BillableItemForm(request.POST)
    if form.is_valid():
        try:
            services.billable_item_add(ticket_id=ticket.pk, actor=request.user, **form.cleaned_data)
        except ServiceDeskError as error:
            message_error(request, error)
        else:
            messages.success(request, _("The billable item was recorded."))
    else:
        form_messages(request, form)
    return _back_to_ticket(ticket)


@login_required
@require_POST
def billable_remove(request: HttpRequest, ticket_pk: int, item_pk: int) -> HttpResponse:
    ticket = ticket_get(user=request.user, pk=ticket_pk)
    staff_only(request.user)
    item = get_object_or_404(selectors.billable_items(ticket_id=ticket.pk), pk=item_pk)
    try:
        services.billable_item_remove(item=item, actor=request.user)
    except ServiceDeskError as error:
        message_error(request, error)
    else:
        messages.success(request, _("The billable item was removed."))
    return _back_to_ticket(ticket)


def _project_feeds(user) -> list[tuple[Project, str]]:
    """The customer's active projects with the customer's own links to their visit feeds."""
    projects = list(project_list(user=user).filter(is_active=True)[:20])
    urls = visit_feeds.project_feed_urls(viewer=user, projects=projects)
    return [(project, urls[project.pk]) for project in projects]
