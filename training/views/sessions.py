"""Pages: the training sessions (list, detail, create and edit, cancel), enrolment and the
waiting list, materials, attendance, feedback, the certificate and the calendar invitation."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import User
from core import feeds
from core.errors import ServiceDeskError
from core.files import stored_file_response
from core.pages import form_error, form_messages, message_error, page_of, staff_only, submitted
from customers.selectors import project_filter
from training import invitations, selectors, services
from training.certificates import certificate_pdf
from training.forms import (
    AttendanceForm,
    EnrolContactForm,
    FeedbackForm,
    MaterialForm,
    PlanChoiceForm,
    SessionCancelForm,
    SessionForm,
)
from training.models import Enrolment, Material, TrainingPlan, TrainingSession
from training.views.shared import back, decorate_session

# --- the list ------------------------------------------------------------------------------


@login_required
def session_list(request: HttpRequest) -> HttpResponse:
    """Upcoming sessions (those not yet over), soonest first; ``?when=past`` the ones held,
    latest first; ``?project=`` one project's; staff ``?mine=1`` the ones they train."""
    user = request.user
    sessions = selectors.session_list(user=user)
    when = "past" if request.GET.get("when") == "past" else "upcoming"
    if when == "past":
        sessions = sessions.filter(ends_at__lte=timezone.now()).order_by("-starts_at", "-pk")
    else:
        sessions = selectors.upcoming(sessions).order_by("starts_at", "pk")
    project = project_filter(request)
    if project:
        sessions = sessions.filter(plan__project=project)
    mine_only = user.is_staff_member and request.GET.get("mine") == "1"
    if mine_only:
        sessions = sessions.filter(trainer=user)
    page, params = page_of(request, sessions)
    mine = {
        enrolment.session_id: enrolment
        for enrolment in Enrolment.objects.filter(contact=user, session__in=[session.pk for session in page])
    }
    for session in page:
        decorate_session(session, user, mine.get(session.pk))
    context = {
        "page": page,
        "params": params,
        "when": when,
        "project": project,
        "mine_only": mine_only,
        "filters": _filters(project, mine_only),
    }
    return render(request, "training/session_list.html", context)


def _filters(project, mine_only: bool) -> str:
    """The query string that keeps the list's filters when switching upcoming/past."""
    parts = []
    if project:
        parts.append(f"project={project.pk}")
    if mine_only:
        parts.append("mine=1")
    return "&".join(parts)


# --- one session ---------------------------------------------------------------------------


def _participants(session: TrainingSession, user: User) -> list[Enrolment]:
    """Seated first, then the waiting list in its order (numbered), then the cancelled."""
    rows = list(selectors.session_enrolments(session=session, user=user).order_by("queued_at", "pk"))
    order = {Enrolment.Status.ENROLLED: 0, Enrolment.Status.WAITLISTED: 1, Enrolment.Status.CANCELLED: 2}
    rows.sort(key=lambda row: order[row.status])
    position = 0
    for row in rows:
        row.position = None
        if row.status == Enrolment.Status.WAITLISTED:
            position += 1
            row.position = position
    return rows


def _detail_context(request: HttpRequest, session: TrainingSession, **forms: Any) -> dict[str, Any]:
    user = request.user
    mine = selectors.my_enrolment(session=session, user=user)
    decorate_session(session, user, mine)
    context: dict[str, Any] = {"session": session, "mine": session.mine, "cancelled_enrolment": None}
    if mine is not None and mine.status == Enrolment.Status.CANCELLED:
        context["cancelled_enrolment"] = mine
    if session.mine is not None:
        seat = session.mine
        context.update(
            position=services.waiting_position(seat),
            seated=seat.status == Enrolment.Status.ENROLLED,
            certificate_ready=services.certificate_ready(seat),
            feedback=getattr(seat, "feedback", None),
        )
    # the meeting link and the invitation: the people with a seat, and staff
    context["show_meeting_link"] = (
        bool(session.meeting_link)
        and not session.is_cancelled
        and (user.is_staff_member or context.get("seated", False))
    )
    context["may_take_attendance"] = (
        user.is_staff_member and services.may_take_attendance(session, user) and not session.is_cancelled
    )
    shown: dict[str, Any] = {}
    if user.is_staff_member:
        context["participants"] = _participants(session, user)
        context["present_count"] = sum(1 for row in context["participants"] if row.attendance == "present")
        if not session.is_cancelled:
            shown["material_form"] = forms.get("material_form") or MaterialForm()
            if session.is_open:
                shown["enrol_form"] = forms.get("enrol_form") or EnrolContactForm(session=session)
                shown["cancel_form"] = forms.get("cancel_form") or SessionCancelForm()
        context.update(shown)
    for name, form in forms.items():
        if name not in shown:  # a form the page no longer shows: its errors as messages
            form_messages(request, form)
    return context


@login_required
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.session_get(user=request.user, pk=pk)
    return render(request, "training/session_detail.html", _detail_context(request, session))


def _refused(request: HttpRequest, session: TrainingSession, **forms: Any) -> HttpResponse:
    context = _detail_context(request, session, **forms)
    return render(request, "training/session_detail.html", context, status=400)


@login_required
def session_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Create a session of a plan (``?plan=<pk>``; without it, choose the plan first) or
    change one. The plan of a session stays: its people are the plan's organisation's."""
    user = request.user
    staff_only(user)
    session = selectors.session_get(user=user, pk=pk) if pk else None
    if session is not None:
        plan = session.plan
    elif request.GET.get("plan", "").isdigit():
        plan = get_object_or_404(TrainingPlan.objects.select_related("project__organisation"), pk=request.GET["plan"])
    else:
        chooser = PlanChoiceForm(request.GET if "plan" in request.GET else None)
        return render(request, "training/session_plan_choice.html", {"form": chooser})
    if session is None and (not plan.is_active or not plan.project.is_active):
        messages.error(request, _("This plan is no longer active: activate it before planning sessions."))
        return redirect("training:plan_detail", plan.pk)
    if session is not None and session.is_cancelled:
        messages.error(request, _("This session is cancelled."))
        return redirect("training:session_detail", session.pk)
    initial = None
    if session is None:
        initial = {
            "title": plan.title,
            "trainer": user.pk,
            "topics": list(plan.topics.all()),
            "capacity": 20,
            "location": plan.project.site_address,
        }
    data = request.POST if request.method == "POST" else None
    form = SessionForm(data, instance=session, plan=plan, initial=initial)

    def save(**fields: Any) -> TrainingSession:
        if session is None:
            fields["plan"] = plan
        return services.session_save(actor=user, session=session, **fields)

    saved = submitted(request, form, save)
    if saved is not None:
        messages.success(request, _("The session %(title)s was saved.") % {"title": saved.title})
        return redirect("training:session_detail", saved.pk)
    context = {"form": form, "plan": plan, "session": session}
    return render(request, "training/session_form.html", context)


@login_required
@require_POST
def session_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.session_get(user=request.user, pk=pk)
    staff_only(request.user)
    form = SessionCancelForm(request.POST)
    if not form.is_valid():
        return _refused(request, session, cancel_form=form)
    try:
        services.session_cancel(session_id=session.pk, actor=request.user, **form.cleaned_data)
    except ServiceDeskError as error:
        form_error(form, error)
        return _refused(request, session, cancel_form=form)
    messages.success(request, _("The session is cancelled; everyone enrolled or waiting was told."))
    return redirect("training:session_detail", session.pk)


# --- enrolment -----------------------------------------------------------------------------


def _enrolled_message(enrolment: Enrolment, *, yourself: bool) -> str:
    if enrolment.status == Enrolment.Status.WAITLISTED:
        position = services.waiting_position(enrolment)
        if yourself:
            return _("The session is full: you are number %(position)d on the waiting list.") % {"position": position}
        return _("The session is full: %(name)s is number %(position)d on the waiting list.") % {
            "name": enrolment.contact,
            "position": position,
        }
    if yourself:
        return _("You are enrolled. The calendar invitation is on its way by email.")
    return _("%(name)s is enrolled and gets the invitation by email.") % {"name": enrolment.contact}


@login_required
@require_POST
def enrol(request: HttpRequest, pk: int) -> HttpResponse:
    """A customer enrols themself (a seat, or the end of the waiting list); staff enrol the
    ``contact`` they choose."""
    user = request.user
    session = selectors.session_get(user=user, pk=pk)
    detail = reverse("training:session_detail", args=[session.pk])
    if user.is_staff_member:
        form = EnrolContactForm(request.POST, session=session)
        if not form.is_valid():
            return _refused(request, session, enrol_form=form)
        contact = form.cleaned_data["contact"]
        try:
            enrolment = services.enrol(session_id=session.pk, contact=contact, actor=user)
        except ServiceDeskError as error:
            form_error(form, error)
            return _refused(request, session, enrol_form=form)
        messages.success(request, _enrolled_message(enrolment, yourself=False))
        return redirect(detail + "#participants")
    try:
        enrolment = services.enrol(session_id=session.pk, contact=user, actor=user)
    except ServiceDeskError as error:
        message_error(request, error)
    else:
        messages.success(request, _enrolled_message(enrolment, yourself=True))
    return back(request, detail)


@login_required
@require_POST
def enrolment_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """The participant gives up their seat or place in line; staff cancel anyone's."""
    enrolment = selectors.enrolment_get(user=request.user, pk=pk)
    try:
        services.enrolment_cancel(enrolment_id=enrolment.pk, actor=request.user)
    except ServiceDeskError as error:
        message_error(request, error)
    else:
        if request.user.pk == enrolment.contact_id:
            messages.success(request, _("Your enrolment is cancelled."))
        else:
            messages.success(request, _("The enrolment of %(name)s is cancelled.") % {"name": enrolment.contact})
    return back(request, reverse("training:session_detail", args=[enrolment.session_id]))


# --- materials -----------------------------------------------------------------------------


@login_required
@require_POST
def material_add(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.session_get(user=request.user, pk=pk)
    staff_only(request.user)
    form = MaterialForm(request.POST, request.FILES)
    material = submitted(
        request, form, lambda **fields: services.material_add(session_id=session.pk, actor=request.user, **fields)
    )
    if material is None:
        return _refused(request, session, material_form=form)
    messages.success(request, _("%(title)s was added to the materials.") % {"title": material.title})
    return redirect(reverse("training:session_detail", args=[session.pk]) + "#materials")


def _material(request: HttpRequest, pk: int, material_pk: int) -> Material:
    session = selectors.session_get(user=request.user, pk=pk)
    return get_object_or_404(Material.objects.filter(session=session), pk=material_pk)


@login_required
def material_download(request: HttpRequest, pk: int, material_pk: int) -> HttpResponse:
    """A file is downloaded; a link is followed."""
    material = _material(request, pk, material_pk)
    if not material.file:
        return redirect(material.url)
    return stored_file_response(material.file, inline=False)


@login_required
@require_POST
def material_remove(request: HttpRequest, pk: int, material_pk: int) -> HttpResponse:
    material = _material(request, pk, material_pk)
    staff_only(request.user)
    try:
        services.material_remove(material_id=material.pk, actor=request.user)
    except ServiceDeskError as error:
        message_error(request, error)
    else:
        messages.success(request, _("%(title)s was removed from the materials.") % {"title": material.title})
    return redirect(reverse("training:session_detail", args=[pk]) + "#materials")


# --- attendance, feedback, certificate, invitation -------------------------------------------


@login_required
def attendance(request: HttpRequest, pk: int) -> HttpResponse:
    """The trainer (or a manager) marks each seated participant present or absent: one form,
    large toggles for a phone."""
    user = request.user
    session = selectors.session_get(user=user, pk=pk)
    if not services.may_take_attendance(session, user):
        raise PermissionDenied
    enrolments = list(
        Enrolment.objects.filter(session=session, status=Enrolment.Status.ENROLLED)
        .select_related("contact")
        .order_by("contact__last_name", "contact__first_name", "contact__username", "pk")
    )
    data = request.POST if request.method == "POST" else None
    if data is not None and data.get("all") == Enrolment.Attendance.PRESENT:
        # "Everyone was present": one tap for the usual case
        data = data.copy()
        for enrolment in enrolments:
            data[f"mark-{enrolment.pk}"] = Enrolment.Attendance.PRESENT
    form = AttendanceForm(data, enrolments=enrolments)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            marks = form.marks()
            try:
                services.attendance_take(session_id=session.pk, actor=user, marks=marks)
            except ServiceDeskError as error:
                form_error(form, error)
            else:
                present = sum(1 for mark in marks.values() if mark == Enrolment.Attendance.PRESENT)
                messages.success(
                    request,
                    _("Attendance saved: %(present)d present, %(absent)d absent.")
                    % {"present": present, "absent": len(marks) - present},
                )
                return redirect("training:session_detail", session.pk)
        status = 400
    context = {
        "session": session,
        "form": form,
        "not_yet": session.starts_at > timezone.now(),
    }
    return render(request, "training/attendance.html", context, status=status)


def _participant_enrolment(request: HttpRequest, pk: int) -> Enrolment:
    """The user's own enrolment (staff: anyone's), 404 when not visible."""
    return selectors.enrolment_get(user=request.user, pk=pk)


@login_required
def feedback(request: HttpRequest, pk: int) -> HttpResponse:
    """The participant's short feedback, after a session they attended; once."""
    enrolment = _participant_enrolment(request, pk)
    if request.user.pk != enrolment.contact_id:
        raise PermissionDenied
    if not services.certificate_ready(enrolment):
        raise Http404
    given = getattr(enrolment, "feedback", None)
    form = None if given else FeedbackForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if form is None:
            messages.error(request, _("You have given your feedback already."))
            return redirect("training:session_detail", enrolment.session_id)
        saved = submitted(
            request,
            form,
            lambda **fields: services.feedback_submit(enrolment_id=enrolment.pk, actor=request.user, **fields),
        )
        if saved is not None:
            messages.success(request, _("Thank you for your feedback."))
            return redirect("training:session_detail", enrolment.session_id)
    context = {"enrolment": enrolment, "session": enrolment.session, "form": form, "given": given}
    return render(request, "training/feedback.html", context, status=400 if form and form.is_bound else 200)


@login_required
def certificate(request: HttpRequest, pk: int) -> HttpResponse:
    """The completion certificate (PDF) of a participant who was present, once the session
    ended, in the reader's language."""
    enrolment = _participant_enrolment(request, pk)
    if not services.certificate_ready(enrolment):
        raise Http404
    pdf = certificate_pdf(enrolment, language=request.LANGUAGE_CODE)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="certificate-{enrolment.certificate_number}.pdf"'
    return response


@login_required
def invitation(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Add to calendar": the participant's own invitation (with them as attendee); staff the
    session's event. Others have no seat, so no invitation (404)."""
    user = request.user
    session = selectors.session_get(user=user, pk=pk)
    mine = selectors.my_enrolment(session=session, user=user)
    if mine is not None and mine.status == Enrolment.Status.ENROLLED and not session.is_cancelled:
        body = invitations.invitation(mine, method="REQUEST")
    elif user.is_staff_member:
        calendar = feeds.calendar(product="Training", name=session.title)
        calendar.add("method", "PUBLISH")
        calendar.add_component(invitations.session_event(session))
        body = calendar.to_ical()
    else:
        raise Http404
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="training-{session.pk}.ics"'
    return response
