"""Pages: inspection schedules, visits (inspections and health checks) with their photos, PDF
report and calendar feeds, and return visits."""

import datetime
from typing import Any

from dateutil.relativedelta import relativedelta
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.models import User
from core.errors import ServiceDeskError
from core.files import stored_file_response
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
from customers.selectors import project_filter, project_list
from maintenance import reports, selectors, services, visit_feeds
from maintenance.forms import (
    CancelForm,
    HealthCheckForm,
    InspectionRecordForm,
    PhotoForm,
    ReturnVisitDoneForm,
    ReturnVisitForm,
    ScheduleForm,
)
from maintenance.models import (
    Inspection,
    InspectionPhoto,
    InspectionSchedule,
    ReturnVisit,
)
from maintenance.views.shared import (
    DUE_DAYS,
)
from tickets.selectors import ticket_get

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
    staff_only(request.user)
    schedules = selectors.schedule_list(user=request.user)
    project = project_filter(request)
    if project:
        schedules = schedules.filter(project=project)
    page, params = page_of(request, schedules)
    _with_next_dates(page, desk_today())
    return render(request, "maintenance/schedule_list.html", {"page": page, "params": params, "project": project})


@login_required
def schedule_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user = request.user
    managers_only(user)
    schedule = get_object_or_404(selectors.schedule_list(user=user), pk=pk) if pk else None
    initial = {"project": request.GET.get("project")} if schedule is None else None
    form = ScheduleForm(request.POST or None, instance=schedule, user=user, initial=initial)
    saved = submitted(request, form, lambda **fields: services.schedule_save(schedule=schedule, **fields))
    if saved is not None:
        dates = ", ".join(day.isoformat() for day in _with_next_dates([saved], desk_today())[0].next_dates)
        messages.success(
            request, _("Schedule %(name)s saved. Next visits: %(dates)s.") % {"name": saved.name, "dates": dates}
        )
        return redirect("maintenance:schedules")
    if schedule is not None and not form.is_bound:
        _with_next_dates([schedule], desk_today())
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
    today = desk_today()
    show = request.GET.get("show", "open")
    if show not in INSPECTION_VIEWS:
        show = "open"
    inspections = selectors.inspection_list(user=user).filter(INSPECTION_VIEWS[show])
    if show == "due":
        inspections = inspections.filter(due_date__gte=today, due_date__lte=today + datetime.timedelta(days=DUE_DAYS))
    elif show == "overdue":
        inspections = inspections.overdue(today)
    project = project_filter(request)
    if project:
        inspections = inspections.filter(project=project)
    engineer = request.GET.get("engineer", "")
    if engineer.isdigit() and user.is_staff_member:
        inspections = inspections.filter(engineer=int(engineer))
    if show in ("completed", "cancelled", "all"):
        inspections = inspections.order_by("-due_date", "-pk")
    page, params = page_of(request, inspections)
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
    project_urls = visit_feeds.project_feed_urls(viewer=user, projects=projects)
    feeds = [(_("Visits of %(name)s") % {"name": each.name}, project_urls[each.pk]) for each in projects]
    if user.is_staff_member:
        engineers = list(
            User.objects.filter(inspections__status__in=Inspection.OPEN_STATUSES, is_active=True)
            .exclude(pk=user.pk)
            .distinct()
            .order_by("first_name", "username")
        )
        engineer_urls = visit_feeds.engineer_feed_urls(viewer=user, engineers=[user, *engineers])
        feeds.append((_("Your visits"), engineer_urls[user.pk]))
        feeds += [(_("Visits of %(name)s") % {"name": person}, engineer_urls[person.pk]) for person in engineers]
    context["feeds"] = feeds
    return render(request, "maintenance/inspection_list.html", context)


@login_required
def health_check_create(request: HttpRequest) -> HttpResponse:
    """An ad hoc visit: a health check, or an inspection outside any schedule."""
    user = request.user
    staff_only(user)
    initial = {"engineer": user.pk, "project": request.GET.get("project"), "due_date": desk_today()}
    form = HealthCheckForm(request.POST or None, user=user, initial=initial)
    inspection = submitted(request, form, lambda **fields: services.health_check_create(actor=user, **fields))
    if inspection is not None:
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
        "is_overdue": inspection.is_overdue,
        # customers see what was found once the visit is completed; staff always
        "show_results": selectors.inspection_results_visible(user=user, inspection=inspection),
        "completed": completed,
    }
    shown = {}
    if user.is_staff_member and inspection.is_open:
        shown["record_form"] = forms.get("record_form") or InspectionRecordForm(inspection=inspection)
        if user.can_manage:
            context["cancel_form"] = CancelForm()
        context.update(shown)
    from maintenance.views.loops import sign_off_form

    context["sign_off_form"] = sign_off_form(request, inspection)
    for name, form in forms.items():
        if name not in shown:  # a form the page does not show (the visit closed meanwhile): its errors as messages
            form_messages(request, form)
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
        form_error(form, error)
        return False
    return True


def _refused(request: HttpRequest, inspection: Inspection, **forms: Any) -> HttpResponse:
    context = _inspection_context(request, inspection, **forms)
    return render(request, "maintenance/inspection_detail.html", context, status=400)


@login_required
@require_POST
def inspection_record(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = selectors.inspection_get(user=request.user, pk=pk)
    staff_only(request.user)
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
    staff_only(request.user)
    if "findings" in request.POST:
        form = InspectionRecordForm(request.POST, request.FILES, inspection=inspection)
        if not _save_visit(request, inspection, form):
            return _refused(request, inspection, record_form=form)
    try:
        services.inspection_complete(inspection_id=inspection.pk, actor=request.user)
    except ServiceDeskError as error:
        message_error(request, error)
    else:
        messages.success(request, _("The visit is completed; the customer can download the report."))
    return redirect("maintenance:inspection_detail", inspection.pk)


@login_required
@require_POST
def inspection_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = selectors.inspection_get(user=request.user, pk=pk)
    managers_only(request.user)
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            services.inspection_cancel(inspection_id=inspection.pk, actor=request.user, **form.cleaned_data)
        except ServiceDeskError as error:
            message_error(request, error)
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
    staff_only(request.user)
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
            form_error(form, error)
            return _refused(request, inspection, photo_form=form)
    messages.success(request, _("The photo was added."))
    return redirect(reverse("maintenance:inspection_detail", args=[inspection.pk]) + "#photos")


def _visible_inspection(request: HttpRequest, pk: int) -> Inspection:
    """The visit, if the user may see its results: staff always, customers once it is completed."""
    inspection = selectors.inspection_get(user=request.user, pk=pk)
    if not selectors.inspection_results_visible(user=request.user, inspection=inspection):
        raise Http404
    return inspection


@login_required
def photo_view(request: HttpRequest, pk: int, photo_pk: int) -> FileResponse:
    inspection = _visible_inspection(request, pk)
    photo = get_object_or_404(InspectionPhoto.objects.filter(inspection=inspection), pk=photo_pk)
    return stored_file_response(photo.image, inline=True)


@login_required
def inspection_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The report of a completed visit, for staff and the customer of the project."""
    inspection = _visible_inspection(request, pk)
    if inspection.status != Inspection.Status.COMPLETED:
        raise Http404
    pdf = reports.inspection_pdf(inspection, language=request.LANGUAGE_CODE)
    response = HttpResponse(pdf, content_type="application/pdf")
    name = f"inspection-{inspection.due_date.isoformat()}-{inspection.pk}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The iCalendar feed of an engineer's or a project's visits; the viewer's own link stands
    in for a login, as calendar clients cannot sign in."""
    body = visit_feeds.feed_for_key(token)
    if body is None:
        raise Http404
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="visits.ics"'
    return response


# --- return visits ------------------------------------------------------------------------


@login_required
def return_visit_list(request: HttpRequest) -> HttpResponse:
    staff_only(request.user)
    show = request.GET.get("show", ReturnVisit.Status.PLANNED)
    visits = selectors.return_visit_list(user=request.user)
    if show in ReturnVisit.Status.values:
        visits = visits.filter(status=show)
    else:
        show = "all"
    if show != ReturnVisit.Status.PLANNED:
        visits = visits.order_by("-scheduled_for", "-pk")
    project = project_filter(request)
    if project:
        visits = visits.filter(project=project)
    page, params = page_of(request, visits)
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
    staff_only(user)
    initial: dict[str, Any] = {"staff": user.pk, "project": request.GET.get("project")}
    if request.GET.get("ticket", "").isdigit():
        ticket = ticket_get(user=user, pk=int(request.GET["ticket"]))
        initial.update(project=ticket.project_id, ticket=ticket.reference)
    form = ReturnVisitForm(request.POST or None, user=user, initial=initial)
    visit = submitted(request, form, lambda **fields: services.return_visit_save(actor=user, **fields))
    if visit is not None:
        messages.success(request, _("Return visit planned for %(date)s.") % {"date": visit.scheduled_for.isoformat()})
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
    staff_only(user)
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
                form_error(form, error)
            else:
                messages.success(request, _("The return visit was recorded."))
                return redirect("maintenance:return_visits")
    return render(request, "maintenance/return_visit_done.html", {"visit": visit, "form": form})
