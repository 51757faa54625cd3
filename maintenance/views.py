"""Pages of the maintenance module: the overview (staff numbers, the customer's warranty and
service portal), warranties and contracts, the coverage actions of the ticket page, inspection
schedules and visits (the engineer's checklist on a phone, photos, the PDF report), the
iCalendar feeds of visits, return visits, releases with their upgrade notices, and the public
satisfaction survey."""

import datetime
import mimetypes
from typing import Any

from dateutil.relativedelta import relativedelta
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.models import User
from customers.models import Project
from customers.selectors import project_get, project_list
from maintenance import calendars, coverage, reports, selectors, services
from maintenance.forms import (
    BillableItemForm,
    CancelForm,
    ContractForm,
    CoverageCheckForm,
    CoverageForm,
    HealthCheckForm,
    InspectionRecordForm,
    NoticeForm,
    PhotoForm,
    ReturnVisitDoneForm,
    ReturnVisitForm,
    ScheduleForm,
    SurveyForm,
    WarrantyForm,
)
from maintenance.models import (
    Cause,
    Inspection,
    InspectionPhoto,
    InspectionSchedule,
    ReturnVisit,
    Service,
    SurveyInvitation,
    UpgradeNotice,
)
from servicedesk.errors import NotAllowed, ServiceDeskError
from tickets.models import Ticket
from tickets.selectors import ticket_get

DUE_DAYS = 14  # "due soon" on the overview and the inspection list
PER_PAGE = 50
OPEN_NOTICES = (UpgradeNotice.Status.NOTIFIED, UpgradeNotice.Status.PLANNED)


def _staff_only(user: User) -> None:
    if not user.is_staff_member:
        raise PermissionDenied


def _managers_only(user: User) -> None:
    if not user.can_manage:
        raise PermissionDenied


def _form_error(form, error: ServiceDeskError) -> None:
    """A refusal of the service shown on the form: on its field where the form has it."""
    if isinstance(error, NotAllowed):
        raise PermissionDenied(error.message)
    form.add_error(error.field if error.field in form.fields else None, error.message)


def _message_error(request: HttpRequest, error: ServiceDeskError) -> None:
    if isinstance(error, NotAllowed):
        raise PermissionDenied(error.message)
    messages.error(request, error.message)


def _form_messages(request: HttpRequest, form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else error)


def _page(request: HttpRequest, queryset: QuerySet) -> tuple[Page, str]:
    """One page of the list, and the query string of the filters (for the page links)."""
    params = request.GET.copy()
    params.pop("page", None)
    return Paginator(queryset, PER_PAGE).get_page(request.GET.get("page")), params.urlencode()


def _labels(values: list[str], choices) -> list[str]:
    return [str(choices(value).label) for value in values if value in choices.values]


def _with_state(warranties, today: datetime.date):
    for warranty in warranties:
        warranty.state = coverage.warranty_status(warranty, today)
        warranty.state_label = coverage.STATUS_LABELS[warranty.state]
    return warranties


def _mark_overdue(inspections, today: datetime.date):
    for inspection in inspections:
        inspection.is_overdue = inspection.is_open and inspection.due_date < today
    return inspections


def _project_filter(request: HttpRequest) -> Project | None:
    value = request.GET.get("project", "")
    return project_get(user=request.user, pk=int(value)) if value.isdigit() else None


# --- overview -----------------------------------------------------------------------------


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    """Staff: what needs attention, with links into the lists. Customers: their organisation's
    warranties, contracts, visits with their reports, and release notices."""
    user = request.user
    today = timezone.localdate()
    soon = today + datetime.timedelta(days=DUE_DAYS)
    open_visits = selectors.inspection_list(user=user).filter(status__in=Inspection.OPEN_STATUSES)
    if user.is_staff_member:
        visits = open_visits.aggregate(
            due=Count("pk", filter=Q(due_date__gte=today, due_date__lte=soon)),
            overdue=Count("pk", filter=Q(due_date__lt=today)),
        )
        counts = {
            "expiring": selectors.warranty_list(user=user, status=coverage.Status.EXPIRING, today=today).count(),
            "due": visits["due"],
            "overdue": visits["overdue"],
            "return_visits": selectors.return_visit_list(user=user).filter(status=ReturnVisit.Status.PLANNED).count(),
            "notices": selectors.notice_list(user=user).filter(status__in=OPEN_NOTICES).count(),
        }
        mine = _mark_overdue(open_visits.filter(engineer=user).order_by("due_date", "pk")[:10], today)
        context = {
            "counts": counts,
            "mine": mine,
            "due_days": DUE_DAYS,
            "my_feed": calendars.feed_url("engineer", user.pk),
        }
        return render(request, "maintenance/overview.html", context)
    visits = selectors.inspection_list(user=user)
    context = {
        "warranties": _with_state(list(selectors.warranty_list(user=user)[:50]), today),
        "contracts": selectors.contract_list(user=user)[:50],
        "upcoming": _mark_overdue(open_visits.order_by("due_date", "pk")[:10], today),
        "reports": visits.filter(status=Inspection.Status.COMPLETED).order_by("-completed_at", "-pk")[:20],
        "notices": selectors.notice_list(user=user).order_by("-created_at", "-pk")[:20],
        "projects": [
            (project, calendars.feed_url("project", project.pk))
            for project in project_list(user=user).filter(is_active=True)[:20]
        ],
    }
    return render(request, "maintenance/overview_customer.html", context)


# --- warranties and contracts -------------------------------------------------------------


@login_required
def warranty_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    today = timezone.localdate()
    status = request.GET.get("status", "")
    if status not in coverage.STATUS_LABELS:
        status = ""
    warranties = selectors.warranty_list(user=user, status=status or None, today=today)
    project = _project_filter(request)
    if project:
        warranties = warranties.filter(project=project)
    page, params = _page(request, warranties)
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
    today = timezone.localdate()
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
    _managers_only(user)
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
            _form_error(form, error)
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
    project = _project_filter(request)
    if project:
        contracts = contracts.filter(project=project)
    page, params = _page(request, contracts)
    today = timezone.localdate()
    for contract in page:
        contract.in_force = contract.start_date <= today <= contract.end_date
        contract.causes = _labels(contract.covered_causes, Cause)
        contract.services = _labels(contract.services_included, Service)
    context = {"page": page, "params": params, "project": project}
    return render(request, "maintenance/contract_list.html", context)


@login_required
def contract_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user = request.user
    _managers_only(user)
    contract = get_object_or_404(selectors.contract_list(user=user), pk=pk) if pk else None
    initial = {"project": request.GET.get("project")} if contract is None else None
    form = ContractForm(request.POST or None, instance=contract, user=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            saved = services.contract_save(contract=contract, **fields)
        except ServiceDeskError as error:
            _form_error(form, error)
        else:
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
    _staff_only(request.user)
    form = CoverageForm(request.POST)
    if form.is_valid():
        try:
            decided = services.coverage_decide(
                ticket_id=ticket.pk, actor=request.user, cause=form.cleaned_data["cause"]
            )
        except ServiceDeskError as error:
            _message_error(request, error)
        else:
            messages.success(request, _("Coverage decided. %(reason)s") % {"reason": decided.reason})
    else:
        messages.error(request, _("Choose a root cause from the list."))
    return _back_to_ticket(ticket)


@login_required
@require_POST
def billable_add(request: HttpRequest, ticket_pk: int) -> HttpResponse:
    ticket = ticket_get(user=request.user, pk=ticket_pk)
    _staff_only(request.user)
    form = BillableItemForm(request.POST)
    if form.is_valid():
        try:
            services.billable_item_add(ticket_id=ticket.pk, actor=request.user, **form.cleaned_data)
        except ServiceDeskError as error:
            _message_error(request, error)
        else:
            messages.success(request, _("The billable item was recorded."))
    else:
        _form_messages(request, form)
    return _back_to_ticket(ticket)


@login_required
@require_POST
def billable_remove(request: HttpRequest, ticket_pk: int, item_pk: int) -> HttpResponse:
    ticket = ticket_get(user=request.user, pk=ticket_pk)
    _staff_only(request.user)
    item = get_object_or_404(selectors.billable_items(ticket_id=ticket.pk), pk=item_pk)
    try:
        services.billable_item_remove(item=item, actor=request.user)
    except ServiceDeskError as error:
        _message_error(request, error)
    else:
        messages.success(request, _("The billable item was removed."))
    return _back_to_ticket(ticket)


# --- inspection schedules -----------------------------------------------------------------


def next_dates(schedule: InspectionSchedule, today: datetime.date, count: int = 4) -> list[datetime.date]:
    """The schedule's next ``count`` visit dates (fewer when the rule ends); ``ServiceDeskError``
    when the rule does not parse."""
    start = max(today, schedule.first_date)
    dates: list[datetime.date] = []
    for years in (1, 10):  # most rules repeat within a year; look further only when they do not
        dates = services.occurrences(schedule, start, start + relativedelta(years=years))
        if len(dates) >= count:
            break
    return dates[:count]


def _with_next_dates(schedules, today: datetime.date):
    for schedule in schedules:
        try:
            schedule.next_dates = next_dates(schedule, today)
            schedule.rule_error = ""
        except ServiceDeskError as error:
            schedule.next_dates, schedule.rule_error = [], error.message
    return schedules


@login_required
def schedule_list(request: HttpRequest) -> HttpResponse:
    _staff_only(request.user)
    schedules = selectors.schedule_list(user=request.user)
    project = _project_filter(request)
    if project:
        schedules = schedules.filter(project=project)
    page, params = _page(request, schedules)
    _with_next_dates(page, timezone.localdate())
    return render(request, "maintenance/schedule_list.html", {"page": page, "params": params, "project": project})


@login_required
def schedule_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user = request.user
    _managers_only(user)
    schedule = get_object_or_404(selectors.schedule_list(user=user), pk=pk) if pk else None
    initial = {"project": request.GET.get("project")} if schedule is None else None
    form = ScheduleForm(request.POST or None, instance=schedule, user=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            saved = services.schedule_save(schedule=schedule, **fields)
        except ServiceDeskError as error:
            _form_error(form, error)
        else:
            dates = ", ".join(day.isoformat() for day in _with_next_dates([saved], timezone.localdate())[0].next_dates)
            messages.success(
                request, _("Schedule %(name)s saved. Next visits: %(dates)s.") % {"name": saved.name, "dates": dates}
            )
            return redirect("maintenance:schedules")
    if schedule is not None and not form.is_bound:
        _with_next_dates([schedule], timezone.localdate())
    title = _("Edit the schedule %(name)s") % {"name": schedule.name} if schedule else _("Add an inspection schedule")
    context = {
        "form": form,
        "title": title,
        "back": reverse("maintenance:schedules"),
        "form_id": "schedule-form",
        "schedule": schedule,
    }
    return render(request, "maintenance/schedule_form.html", context)


# --- inspections and health checks --------------------------------------------------------


INSPECTION_VIEWS = {
    "open": Q(status__in=Inspection.OPEN_STATUSES),
    "due": Q(status__in=Inspection.OPEN_STATUSES),  # narrowed by date in the view
    "overdue": Q(status__in=Inspection.OPEN_STATUSES),
    "completed": Q(status=Inspection.Status.COMPLETED),
    "cancelled": Q(status=Inspection.Status.CANCELLED),
    "all": Q(),
}


@login_required
def inspection_list(request: HttpRequest) -> HttpResponse:
    """Visits by status (open first, by date); overdue ones flagged. Staff get the iCalendar
    feeds of each engineer's visits, everyone the feed of a project's visits."""
    user = request.user
    today = timezone.localdate()
    show = request.GET.get("show", "open")
    if show not in INSPECTION_VIEWS:
        show = "open"
    inspections = selectors.inspection_list(user=user).filter(INSPECTION_VIEWS[show])
    if show == "due":
        inspections = inspections.filter(due_date__gte=today, due_date__lte=today + datetime.timedelta(days=DUE_DAYS))
    elif show == "overdue":
        inspections = inspections.filter(due_date__lt=today)
    project = _project_filter(request)
    if project:
        inspections = inspections.filter(project=project)
    engineer = request.GET.get("engineer", "")
    if engineer.isdigit() and user.is_staff_member:
        inspections = inspections.filter(engineer=int(engineer))
    if show in ("completed", "cancelled", "all"):
        inspections = inspections.order_by("-due_date", "-pk")
    page, params = _page(request, inspections)
    _mark_overdue(page, today)
    context: dict[str, Any] = {
        "page": page,
        "params": params,
        "show": show,
        "views": [
            ("open", _("Open")),
            ("due", ngettext("Due in %(days)d day", "Due in %(days)d days", DUE_DAYS) % {"days": DUE_DAYS}),
            ("overdue", _("Overdue")),
            ("completed", _("Completed")),
            ("cancelled", _("Cancelled")),
            ("all", _("All")),
        ],
        "project": project,
    }
    if project:
        projects = [project]
    elif user.is_staff_member:
        projects = []
    else:
        projects = list(project_list(user=user).filter(is_active=True)[:20])
    feeds = [
        (_("Visits of %(name)s") % {"name": each.name}, calendars.feed_url("project", each.pk)) for each in projects
    ]
    if user.is_staff_member:
        engineers = (
            User.objects.filter(inspections__status__in=Inspection.OPEN_STATUSES, is_active=True)
            .exclude(pk=user.pk)
            .distinct()
            .order_by("first_name", "username")
        )
        feeds.append((_("Your visits"), calendars.feed_url("engineer", user.pk)))
        feeds += [
            (_("Visits of %(name)s") % {"name": person}, calendars.feed_url("engineer", person.pk))
            for person in engineers
        ]
    context["feeds"] = feeds
    return render(request, "maintenance/inspection_list.html", context)


@login_required
def health_check_create(request: HttpRequest) -> HttpResponse:
    """An ad hoc visit: a health check, or an inspection outside any schedule."""
    user = request.user
    _staff_only(user)
    initial = {"engineer": user.pk, "project": request.GET.get("project"), "due_date": timezone.localdate()}
    form = HealthCheckForm(request.POST or None, user=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            inspection = services.health_check_create(actor=user, **form.cleaned_data)
        except ServiceDeskError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Visit planned for %(date)s.") % {"date": inspection.due_date.isoformat()})
            return redirect("maintenance:inspection_detail", inspection.pk)
    context = {
        "form": form,
        "title": _("Plan a health check"),
        "back": reverse("maintenance:inspections"),
        "form_id": "health-check-form",
    }
    return render(request, "maintenance/form.html", context)


def _inspection_context(request: HttpRequest, inspection: Inspection, **forms: Any) -> dict[str, Any]:
    user = request.user
    completed = inspection.status == Inspection.Status.COMPLETED
    context: dict[str, Any] = {
        "inspection": inspection,
        "is_overdue": inspection.is_open and inspection.due_date < timezone.localdate(),
        # customers see what was found once the visit is completed; staff always
        "show_results": user.is_staff_member or completed,
        "completed": completed,
    }
    shown = {}
    if user.is_staff_member and inspection.is_open:
        shown["record_form"] = forms.get("record_form") or InspectionRecordForm(inspection=inspection)
        if user.can_manage:
            context["cancel_form"] = CancelForm()
        context.update(shown)
    for name, form in forms.items():
        if name not in shown:  # a form the page does not show (the visit closed meanwhile): its errors as messages
            _form_messages(request, form)
    return context


@login_required
def inspection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = selectors.inspection_get(user=request.user, pk=pk)
    return render(request, "maintenance/inspection_detail.html", _inspection_context(request, inspection))


def _save_visit(
    request: HttpRequest, inspection: Inspection, form: InspectionRecordForm, *, photo_required: bool = False
) -> bool:
    """Save the posted checklist through the service, then the photo it carries; False (the
    errors on the form) if refused. Bad input saves nothing: the form checks the photo first."""
    if not form.is_valid():
        return False
    data = form.cleaned_data
    if photo_required and data["photo"] is None:
        form.add_error("photo", _("Choose a photo to upload."))
        return False
    try:
        services.inspection_record(
            inspection_id=inspection.pk,
            actor=request.user,
            answers=form.answers(),
            findings=data["findings"],
            recommendations=data["recommendations"],
        )
        if data["photo"] is not None:
            services.photo_add(
                inspection_id=inspection.pk, actor=request.user, image=data["photo"], caption=data["caption"]
            )
    except ServiceDeskError as error:
        if error.field == "image":
            error.field = "photo"
        _form_error(form, error)
        return False
    return True


def _refused(request: HttpRequest, inspection: Inspection, **forms: Any) -> HttpResponse:
    context = _inspection_context(request, inspection, **forms)
    return render(request, "maintenance/inspection_detail.html", context, status=400)


@login_required
@require_POST
def inspection_record(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = selectors.inspection_get(user=request.user, pk=pk)
    _staff_only(request.user)
    form = InspectionRecordForm(request.POST, request.FILES, inspection=inspection)
    if not _save_visit(request, inspection, form):
        return _refused(request, inspection, record_form=form)
    messages.success(request, _("Your answers were saved."))
    return redirect("maintenance:inspection_detail", inspection.pk)


@login_required
@require_POST
def inspection_complete(request: HttpRequest, pk: int) -> HttpResponse:
    """Save what the checklist form carries, then close the visit. A refusal to close keeps
    the saved answers and says what is missing."""
    inspection = selectors.inspection_get(user=request.user, pk=pk)
    _staff_only(request.user)
    if "findings" in request.POST:
        form = InspectionRecordForm(request.POST, request.FILES, inspection=inspection)
        if not _save_visit(request, inspection, form):
            return _refused(request, inspection, record_form=form)
    try:
        services.inspection_complete(inspection_id=inspection.pk, actor=request.user)
    except ServiceDeskError as error:
        _message_error(request, error)
    else:
        messages.success(request, _("The visit is completed; the customer can download the report."))
    return redirect("maintenance:inspection_detail", inspection.pk)


@login_required
@require_POST
def inspection_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = selectors.inspection_get(user=request.user, pk=pk)
    _managers_only(request.user)
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            services.inspection_cancel(inspection_id=inspection.pk, actor=request.user, **form.cleaned_data)
        except ServiceDeskError as error:
            _message_error(request, error)
        else:
            messages.success(request, _("The visit was cancelled."))
    else:
        messages.error(request, _("Say why the visit is cancelled."))
    return redirect("maintenance:inspection_detail", inspection.pk)


@login_required
@require_POST
def photo_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload a photo: from the visit's page, with the checklist it carries saved first; or
    alone (``image`` and ``caption``)."""
    inspection = selectors.inspection_get(user=request.user, pk=pk)
    _staff_only(request.user)
    if "findings" in request.POST:
        form = InspectionRecordForm(request.POST, request.FILES, inspection=inspection)
        if not _save_visit(request, inspection, form, photo_required=True):
            return _refused(request, inspection, record_form=form)
    else:
        form = PhotoForm(request.POST, request.FILES)
        if not form.is_valid():
            return _refused(request, inspection, photo_form=form)
        try:
            services.photo_add(inspection_id=inspection.pk, actor=request.user, **form.cleaned_data)
        except ServiceDeskError as error:
            _form_error(form, error)
            return _refused(request, inspection, photo_form=form)
    messages.success(request, _("The photo was added."))
    return redirect(reverse("maintenance:inspection_detail", args=[inspection.pk]) + "#photos")


def _visible_inspection(request: HttpRequest, pk: int) -> Inspection:
    """The visit, if the user may see its results: staff always, customers once it is completed."""
    inspection = selectors.inspection_get(user=request.user, pk=pk)
    if not request.user.is_staff_member and inspection.status != Inspection.Status.COMPLETED:
        raise Http404
    return inspection


@login_required
def photo_view(request: HttpRequest, pk: int, photo_pk: int) -> FileResponse:
    inspection = _visible_inspection(request, pk)
    photo = get_object_or_404(InspectionPhoto.objects.filter(inspection=inspection), pk=photo_pk)
    try:
        handle = photo.image.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    content_type = mimetypes.guess_type(photo.image.name)[0] or "application/octet-stream"
    response = FileResponse(handle, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
    return response


@login_required
def inspection_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The report of a completed visit, for staff and the customer of the project."""
    inspection = selectors.inspection_get(user=request.user, pk=pk)
    if inspection.status != Inspection.Status.COMPLETED:
        raise Http404
    pdf = reports.inspection_pdf(inspection, language=request.LANGUAGE_CODE)
    response = HttpResponse(pdf, content_type="application/pdf")
    name = f"inspection-{inspection.due_date.isoformat()}-{inspection.pk}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The iCalendar feed of an engineer's or a project's visits; the signed token stands in
    for a login, as calendar clients cannot sign in."""
    subject = calendars.feed_subject(token)
    if subject is None:
        raise Http404
    kind, pk = subject
    if kind == "engineer":
        engineer = get_object_or_404(User.objects.exclude(role=User.Role.CUSTOMER), pk=pk, is_active=True)
        body = calendars.visits_feed(engineer=engineer)
    elif kind == "project":
        body = calendars.visits_feed(project=get_object_or_404(Project, pk=pk, is_active=True))
    else:
        raise Http404
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="visits.ics"'
    return response


# --- return visits ------------------------------------------------------------------------


@login_required
def return_visit_list(request: HttpRequest) -> HttpResponse:
    _staff_only(request.user)
    show = request.GET.get("show", ReturnVisit.Status.PLANNED)
    visits = selectors.return_visit_list(user=request.user)
    if show in ReturnVisit.Status.values:
        visits = visits.filter(status=show)
    else:
        show = "all"
    if show != ReturnVisit.Status.PLANNED:
        visits = visits.order_by("-scheduled_for", "-pk")
    project = _project_filter(request)
    if project:
        visits = visits.filter(project=project)
    page, params = _page(request, visits)
    context = {
        "page": page,
        "params": params,
        "show": show,
        "views": [*ReturnVisit.Status.choices, ("all", _("All"))],
        "project": project,
    }
    return render(request, "maintenance/return_visit_list.html", context)


@login_required
def return_visit_edit(request: HttpRequest) -> HttpResponse:
    """Plan a return visit (from a ticket: ``?ticket=<id>`` fills in its project and reference)."""
    user = request.user
    _staff_only(user)
    initial: dict[str, Any] = {"staff": user.pk, "project": request.GET.get("project")}
    if request.GET.get("ticket", "").isdigit():
        ticket = ticket_get(user=user, pk=int(request.GET["ticket"]))
        initial.update(project=ticket.project_id, ticket=ticket.reference)
    form = ReturnVisitForm(request.POST or None, user=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            visit = services.return_visit_save(actor=user, **form.cleaned_data)
        except ServiceDeskError as error:
            _form_error(form, error)
        else:
            messages.success(
                request, _("Return visit planned for %(date)s.") % {"date": visit.scheduled_for.isoformat()}
            )
            return redirect("maintenance:return_visits")
    context = {
        "form": form,
        "title": _("Plan a return visit"),
        "back": reverse("maintenance:return_visits"),
        "form_id": "return-visit-form",
    }
    return render(request, "maintenance/form.html", context)


@login_required
def return_visit_done(request: HttpRequest, pk: int) -> HttpResponse:
    """The return visit; while planned, the form to record how it went."""
    user = request.user
    _staff_only(user)
    visit = get_object_or_404(selectors.return_visit_list(user=user), pk=pk)
    form = None
    if visit.status == ReturnVisit.Status.PLANNED:
        form = ReturnVisitDoneForm(request.POST or None, initial={"contact_name": visit.contact_name})
    if request.method == "POST":
        if form is None:
            messages.error(request, _("The return visit is no longer planned."))
            return redirect("maintenance:return_visit_done", visit.pk)
        if form.is_valid():
            try:
                services.return_visit_done(visit_id=visit.pk, actor=user, **form.cleaned_data)
            except ServiceDeskError as error:
                _form_error(form, error)
            else:
                messages.success(request, _("The return visit was recorded."))
                return redirect("maintenance:return_visits")
    return render(request, "maintenance/return_visit_done.html", {"visit": visit, "form": form})


# --- releases and upgrade notices ---------------------------------------------------------


@login_required
def release_list(request: HttpRequest) -> HttpResponse:
    """Releases (a customer's: those that reached its projects), newest first; ``?open=1``
    keeps those with upgrades not yet done or declined."""
    releases = selectors.release_list(user=request.user)
    only_open = request.GET.get("open") == "1"
    if only_open:
        releases = releases.filter(notices__status__in=OPEN_NOTICES).distinct()
    page, params = _page(request, releases)
    return render(request, "maintenance/release_list.html", {"page": page, "params": params, "only_open": only_open})


@login_required
def release_detail(request: HttpRequest, pk: int) -> HttpResponse:
    release = get_object_or_404(selectors.release_list(user=request.user), pk=pk)
    notices = list(release.notices.all())
    if request.user.is_staff_member:
        for notice in notices:
            if notice.status in OPEN_NOTICES:
                notice.form = NoticeForm(
                    initial={"status": notice.status, "planned_for": notice.planned_for, "notes": notice.notes},
                    auto_id=f"notice-{notice.pk}-%s",
                )
    return render(request, "maintenance/release_detail.html", {"release": release, "notices": notices})


@login_required
@require_POST
def release_publish(request: HttpRequest, pk: int) -> HttpResponse:
    release = get_object_or_404(selectors.release_list(user=request.user), pk=pk)
    _managers_only(request.user)
    try:
        count = services.release_publish(release_id=release.pk, actor=request.user)
    except ServiceDeskError as error:
        _message_error(request, error)
    else:
        messages.success(
            request,
            ngettext(
                "Published: %(count)d new upgrade notice sent.", "Published: %(count)d new upgrade notices sent.", count
            )
            % {"count": count},
        )
    return redirect("maintenance:release_detail", release.pk)


@login_required
@require_POST
def notice_update(request: HttpRequest, pk: int) -> HttpResponse:
    notice = get_object_or_404(selectors.notice_list(user=request.user), pk=pk)
    _staff_only(request.user)
    form = NoticeForm(request.POST)
    if form.is_valid():
        try:
            services.notice_update(notice_id=notice.pk, actor=request.user, **form.cleaned_data)
        except ServiceDeskError as error:
            _message_error(request, error)
        else:
            messages.success(request, _("The upgrade of %(project)s was updated.") % {"project": notice.project.name})
    else:
        _form_messages(request, form)
    return redirect(reverse("maintenance:release_detail", args=[notice.release_id]) + f"#notice-{notice.pk}")


# --- satisfaction survey (no login: the signed link is the key) ---------------------------


def survey(request: HttpRequest, token: str) -> HttpResponse:
    """The satisfaction survey of a resolved ticket. A forged or expired link answers 400 with
    the reason; a link already answered says so; the one answer becomes the ticket's rating."""
    try:
        ticket = services.survey_ticket(token)
    except ServiceDeskError as error:
        return render(request, "maintenance/survey.html", {"error": error.message}, status=400)
    answered = (
        ticket.rating is not None or SurveyInvitation.objects.filter(ticket=ticket, answered_at__isnull=False).exists()
    )
    form = None if answered else SurveyForm(request.POST or None)
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            services.survey_answer(token=token, **form.cleaned_data)
        except ServiceDeskError as error:
            return render(request, "maintenance/survey.html", {"ticket": ticket, "error": error.message}, status=400)
        return render(request, "maintenance/survey.html", {"ticket": ticket, "thanks": True})
    return render(request, "maintenance/survey.html", {"ticket": ticket, "form": form, "answered": answered})
