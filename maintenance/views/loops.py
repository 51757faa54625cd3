"""Pages: return-visit schedules (staff read, managers write) and the customer's sign-off of a
completed inspection report."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import ServiceDeskError
from core.pages import form_messages, managers_only, message_error, page_of, staff_only, submitted
from core.time import desk_today
from customers.selectors import project_filter
from maintenance import selectors, services
from maintenance.forms import InspectionSignOffForm, ReturnVisitScheduleForm
from maintenance.models import Inspection
from maintenance.views.inspections import _with_next_dates

# --- return-visit schedules -------------------------------------------------------------------


@login_required
def return_schedule_list(request: HttpRequest) -> HttpResponse:
    staff_only(request.user)
    schedules = selectors.return_visit_schedule_list(user=request.user)
    project = project_filter(request)
    if project:
        schedules = schedules.filter(project=project)
    page, params = page_of(request, schedules)
    _with_next_dates(page, desk_today())
    context = {"page": page, "params": params, "project": project}
    return render(request, "maintenance/return_schedule_list.html", context)


@login_required
def return_schedule_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user = request.user
    managers_only(user)
    schedule = get_object_or_404(selectors.return_visit_schedule_list(user=user), pk=pk) if pk else None
    initial = {"project": request.GET.get("project"), "staff": user.pk} if schedule is None else None
    form = ReturnVisitScheduleForm(request.POST or None, instance=schedule, user=user, initial=initial)
    saved = submitted(
        request,
        form,
        lambda **fields: services.return_visit_schedule_save(schedule=schedule, actor=user, **fields),
    )
    if saved is not None:
        dates = ", ".join(day.isoformat() for day in _with_next_dates([saved], desk_today())[0].next_dates)
        messages.success(
            request,
            _("Return-visit schedule %(name)s saved. Next visits: %(dates)s.") % {"name": saved.name, "dates": dates},
        )
        return redirect("maintenance:return_schedules")
    title = (
        _("Edit the return-visit schedule %(name)s") % {"name": schedule.name}
        if schedule
        else _("Add a return-visit schedule")
    )
    context = {
        "form": form,
        "title": title,
        "back": reverse("maintenance:return_schedules"),
        "form_id": "return-schedule-form",
    }
    return render(request, "maintenance/form.html", context)


# --- the customer's sign-off of an inspection report ----------------------------------------------


def sign_off_form(request: HttpRequest, inspection: Inspection) -> InspectionSignOffForm | None:
    """The sign-off form the inspection page shows: to a customer, on a completed report not
    signed off yet."""
    user = request.user
    if not user.is_customer or inspection.status != Inspection.Status.COMPLETED or inspection.is_signed_off:
        return None
    return InspectionSignOffForm(initial={"name": user.get_full_name() or user.username, "signed_on": desk_today()})


@login_required
@require_POST
def inspection_sign_off(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = selectors.inspection_get(user=request.user, pk=pk)
    form = InspectionSignOffForm(request.POST)
    if not form.is_valid():
        form_messages(request, form)
        return redirect("maintenance:inspection_detail", inspection.pk)
    try:
        services.inspection_sign_off(inspection_id=inspection.pk, actor=request.user, **form.cleaned_data)
    except ServiceDeskError as error:
        message_error(request, error)
    else:
        messages.success(request, _("Thank you: the inspection report is signed off."))
    return redirect("maintenance:inspection_detail", inspection.pk)
