"""Pages: training plans (list, detail, create and edit with their topics) and a project's
training records, the part of its service archive that says who learnt what."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Avg, Count, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ServiceDeskError
from core.pages import form_error, page_of, staff_only
from customers.selectors import project_filter, project_get
from training import selectors, services
from training.forms import PlanForm, topic_formset
from training.models import Enrolment, TrainingSession
from training.views.shared import decorate_session


def _with_hours(plans):
    for plan in plans:
        plan.total_hours = sum(topic.hours for topic in plan.topics.all())
    return plans


@login_required
def plan_list(request: HttpRequest) -> HttpResponse:
    """The plans the user may see; customers the active ones of their organisation, staff
    every plan (``?show=all`` includes the retired ones)."""
    user = request.user
    now = timezone.now()
    plans = selectors.plan_list(user=user).annotate(
        upcoming_count=Count(
            "sessions",
            filter=Q(sessions__status=TrainingSession.Status.SCHEDULED, sessions__ends_at__gt=now),
            distinct=True,
        ),
        session_count=Count("sessions", distinct=True),
    )
    show_all = user.is_staff_member and request.GET.get("show") == "all"
    if not show_all:
        plans = plans.filter(is_active=True)
    project = project_filter(request)
    if project:
        plans = plans.filter(project=project)
    plans = plans.order_by("project__organisation__name", "project__name", "title", "pk")
    page, params = page_of(request, plans)
    _with_hours(page)
    context = {"page": page, "params": params, "project": project, "show_all": show_all}
    return render(request, "training/plan_list.html", context)


@login_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    plan = selectors.plan_get(user=user, pk=pk)
    _with_hours([plan])
    sessions = list(selectors.session_list(user=user).filter(plan=plan).order_by("-starts_at", "-pk"))
    mine = {e.session_id: e for e in Enrolment.objects.filter(contact=user, session__plan=plan)}
    for session in sessions:
        decorate_session(session, user, mine.get(session.pk))
    context = {
        "plan": plan,
        "upcoming": [session for session in reversed(sessions) if not session.has_ended],
        "past": [session for session in sessions if session.has_ended],
    }
    return render(request, "training/plan_detail.html", context)


@login_required
def plan_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """A plan and its topics (one row each; a blank row adds one, "Remove" drops one)."""
    user = request.user
    staff_only(user)
    plan = selectors.plan_get(user=user, pk=pk) if pk else None
    initial = {"project": request.GET.get("project")} if plan is None else None
    data = request.POST if request.method == "POST" else None
    form = PlanForm(data, instance=plan, user=user, initial=initial)
    formset = topic_formset(data, plan=plan)
    if data is not None and form.is_valid() and formset.is_valid():
        fields: dict[str, Any] = dict(form.cleaned_data)
        if plan is not None:
            fields.pop("project", None)
        try:
            saved = services.plan_save(actor=user, plan=plan, topics=formset.topics(), **fields)
        except ServiceDeskError as error:
            form_error(form, error)
        else:
            messages.success(request, _("The plan %(title)s was saved.") % {"title": saved.title})
            return redirect("training:plan_detail", saved.pk)
    context = {"form": form, "formset": formset, "plan": plan}
    return render(request, "training/plan_form.html", context, status=400 if data is not None else 200)


@login_required
def project_records(request: HttpRequest, pk: int) -> HttpResponse:
    """The project's training records: every session, its seats, who was present, and what
    the participants thought of it."""
    user = request.user
    project = project_get(user=user, pk=pk)
    present = Enrolment.objects.filter(attendance=Enrolment.Attendance.PRESENT).select_related("contact")
    sessions = (
        selectors.training_records(project_id=project.pk)
        .annotate(feedback_average=Avg("enrolments__feedback__rating"))
        .prefetch_related(
            Prefetch("enrolments", queryset=present.order_by("contact__last_name", "pk"), to_attr="attended")
        )
    )
    sessions = list(sessions)
    held = [session for session in sessions if session.ends_at <= timezone.now() and not session.is_cancelled]
    context = {
        "project": project,
        "sessions": sessions,
        "plans": selectors.plan_list(user=user).filter(project=project).order_by("title"),
        "held_count": len(held),
        "present_total": sum(session.present for session in held),
    }
    return render(request, "training/project_records.html", context)
