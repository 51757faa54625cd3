"""Pages: the incident board and page (staff), the customer's incidents, intake, the rota with
its iCalendar feeds, the emergency groups and the risk register."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Team, TeamMembership
from core.errors import NotAllowed, ServiceDeskError
from customers.selectors import project_get
from emergency import presenters, reports, rotas, selectors, services
from emergency.forms import ArriveForm, IncidentForm, LogForm, OverrideForm, RegradeForm, RiskForm, step_form
from emergency.models import GradingRule, Incident, Risk, Rota
from tickets.selectors import ticket_get


def _staff_only(user) -> None:
    if not user.is_staff_member:
        raise PermissionDenied


def _fail(request, error: Exception) -> None:
    if isinstance(error, NotAllowed):
        raise PermissionDenied(error.message)
    text = error.message if isinstance(error, ServiceDeskError) else "; ".join(error.messages)
    messages.error(request, text)


@login_required
def board(request):
    """Staff: open incidents by grade and step. Customers: their organisation's incidents."""
    user = request.user
    now = timezone.now()
    if user.is_staff_member:
        incidents = list(selectors.board(user=user))
        for incident in incidents:
            incident.response_state = selectors.clock_state(incident.response_due_at, incident.responded_at, now)
            incident.recovery_state = selectors.clock_state(incident.recovery_due_at, incident.recovered_at, now)
        recent = selectors.incident_list(user=user).filter(status=Incident.Status.CLOSED)[:10]
        return render(request, "emergency/board.html", {"incidents": incidents, "recent": recent, "now": now})
    incidents = selectors.incident_list(user=user)[:100]
    return render(request, "emergency/customer_list.html", {"incidents": incidents})


@login_required
def incident_report(request):
    """Intake: the liaison's form for a phone call (``?ticket=`` promotes a ticket), or the
    customer's emergency report."""
    user = request.user
    ticket = None
    if request.GET.get("ticket", "").isdigit():
        _staff_only(user)
        ticket = ticket_get(user=user, pk=int(request.GET["ticket"]))
    initial = (
        {
            "project": ticket.project_id,
            "title": ticket.title,
            "symptoms": ticket.description,
            "location": ticket.location,
            "scope": ticket.impact,
            "measures_taken": ticket.measures_taken,
            "reporter_name": str(ticket.reporter),
        }
        if ticket
        else {"occurred_at": timezone.localtime().replace(second=0, microsecond=0)}
    )
    form = IncidentForm(request.POST or None, user=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            incident = services.incident_create(actor=user, ticket=ticket, **form.cleaned_data)
        except ServiceDeskError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Incident %(reference)s recorded; the emergency groups are told.")
                % {"reference": incident.reference},
            )
            return redirect("emergency:detail", incident.pk)
    return render(request, "emergency/incident_form.html", {"form": form, "ticket": ticket})


def _detail_context(request, incident: Incident) -> dict:
    user = request.user
    now = timezone.now()
    context = {
        "incident": incident,
        "entries": presenters.timeline_views(selectors.timeline(incident=incident, user=user), user),
        "internal": presenters.sees_internal(user),
        "response": selectors.clock_state(incident.response_due_at, incident.responded_at, now),
        "recovery": selectors.clock_state(incident.recovery_due_at, incident.recovered_at, now),
        "escalating": selectors.escalating(incident),
        "dispatches": selectors.dispatches_with_targets(incident=incident, now=now),
        "steps": Incident.Status.choices,
        "reached": [value for value, _label in Incident.Status.choices][
            : [value for value, _label in Incident.Status.choices].index(incident.status) + 1
        ],
    }
    if user.is_staff_member and incident.is_open:
        context.update(
            step_forms=[
                (step, Incident.Status(step).label, step_form(step)) for step in services.NEXT[incident.status]
            ],
            log_form=LogForm(),
            regrade_form=RegradeForm(initial={"grade": incident.grade}) if incident.grade else None,
            arrive_form=ArriveForm() if incident.dispatches.filter(arrived_at=None).exists() else None,
            matrix={(r.severity, r.scope, r.urgency): r.get_grade_display() for r in GradingRule.objects.all()},
        )
    if user.is_staff_member:
        from emergency.review_views import review_actions_context

        context.update(review_actions_context(user, incident))
    if user.is_customer and incident.status == Incident.Status.RECOVERED:
        context["step_forms"] = [
            (Incident.Status.VERIFIED, _("Confirm the recovery"), step_form(Incident.Status.VERIFIED))
        ]
    return context


@login_required
def incident_detail(request, pk: int):
    incident = selectors.incident_get(user=request.user, pk=pk)
    return render(request, "emergency/incident_detail.html", _detail_context(request, incident))


@login_required
def incident_timeline(request, pk: int):
    """The timeline alone, polled by the incident page (htmx) so updates appear without reload."""
    incident = selectors.incident_get(user=request.user, pk=pk)
    return render(request, "emergency/_timeline.html", _detail_context(request, incident))


@login_required
@require_POST
def incident_step(request, pk: int):
    incident = selectors.incident_get(user=request.user, pk=pk)
    step = request.POST.get("to", "")
    form = step_form(step, request.POST)
    if not form.is_valid():
        context = _detail_context(request, incident)
        context["step_forms"] = [(s, label, form if s == step else f) for s, label, f in context.get("step_forms", [])]
        return render(request, "emergency/incident_detail.html", context, status=400)
    data = form.step_data() if hasattr(form, "step_data") else dict(form.cleaned_data)
    data.pop("to")
    if step == Incident.Status.ASSESSED and not data.get("grade"):
        data["grade"] = services.grade_by_matrix(
            severity=data["severity"], scope=data["scope_level"], urgency=data["urgency"]
        )
    try:
        services.incident_transition(incident_id=incident.pk, actor=request.user, to=step, **data)
    except ServiceDeskError as error:
        _fail(request, error)
    return redirect("emergency:detail", incident.pk)


@login_required
@require_POST
def incident_log(request, pk: int):
    incident = selectors.incident_get(user=request.user, pk=pk)
    _staff_only(request.user)
    form = LogForm(request.POST)
    if form.is_valid():
        try:
            services.incident_log(incident_id=incident.pk, actor=request.user, **form.cleaned_data)
        except ServiceDeskError as error:
            _fail(request, error)
    else:
        messages.error(request, _("Write what happened."))
    if request.headers.get("HX-Request"):
        return incident_timeline(request, pk)
    return redirect("emergency:detail", incident.pk)


@login_required
@require_POST
def incident_regrade(request, pk: int):
    incident = selectors.incident_get(user=request.user, pk=pk)
    _staff_only(request.user)
    form = RegradeForm(request.POST)
    if form.is_valid():
        try:
            services.incident_regrade(incident_id=incident.pk, actor=request.user, **form.cleaned_data)
        except ServiceDeskError as error:
            _fail(request, error)
    else:
        messages.error(request, _("Choose the new grade and say why."))
    return redirect("emergency:detail", incident.pk)


@login_required
@require_POST
def resource_check(request, pk: int, resource_id: int):
    incident = selectors.incident_get(user=request.user, pk=pk)
    _staff_only(request.user)
    try:
        services.resource_check(
            incident_id=incident.pk,
            resource_id=resource_id,
            actor=request.user,
            checked=request.POST.get("checked") != "false",
        )
    except ServiceDeskError as error:
        _fail(request, error)
    return redirect("emergency:detail", incident.pk)


@login_required
@require_POST
def incident_arrive(request, pk: int):
    incident = selectors.incident_get(user=request.user, pk=pk)
    _staff_only(request.user)
    form = ArriveForm(request.POST)
    form.is_valid()
    try:
        services.incident_arrive(incident_id=incident.pk, actor=request.user, **form.cleaned_data)
    except ServiceDeskError as error:
        _fail(request, error)
    return redirect("emergency:detail", incident.pk)


@login_required
def incident_pdf(request, pk: int):
    incident = selectors.incident_get(user=request.user, pk=pk)
    _staff_only(request.user)
    pdf = reports.incident_pdf(incident, language=request.LANGUAGE_CODE)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{incident.reference}.pdf"'
    return response


# --- organisation and rota ----------------------------------------------------------------


@login_required
def groups(request):
    _staff_only(request.user)
    teams = (
        Team.objects.filter(is_active=True)
        .exclude(kind=Team.Kind.SUPPORT)
        .prefetch_related(
            Prefetch("memberships", queryset=TeamMembership.objects.select_related("user").order_by("user__first_name"))
        )
    )
    return render(request, "emergency/groups.html", {"teams": teams, "duties": rotas.on_duty()})


@login_required
def rota_list(request):
    _staff_only(request.user)
    now = timezone.now()
    active = list(rotas.active_rotas().prefetch_related("projects"))
    feed_urls = rotas.rota_feed_urls(viewer=request.user, rotas=active)
    items = []
    for rota in active:
        items.append(
            {
                "rota": rota,
                "shifts": rotas.rota_shifts(rota, now, now + datetime.timedelta(days=28)),
                "feed": feed_urls[rota.pk],
            }
        )
    context = {
        "items": items,
        "my_feed": rotas.my_feed_url(viewer=request.user),
        "override_form": OverrideForm() if request.user.can_manage else None,
    }
    return render(request, "emergency/rotas.html", context)


@login_required
@require_POST
def rota_override(request, pk: int):
    if not request.user.can_manage:
        raise PermissionDenied
    rota = get_object_or_404(Rota, pk=pk)
    form = OverrideForm(request.POST)
    if form.is_valid():
        try:
            rotas.override_add(rota=rota, actor=request.user, **form.cleaned_data)
            messages.success(request, _("Override added."))
        except ServiceDeskError as error:
            messages.error(request, error.message)
        except ValidationError as error:
            messages.error(request, "; ".join(error.messages))
    else:
        messages.error(request, "; ".join(e for errors in form.errors.values() for e in errors))
    return redirect("emergency:rotas")


def calendar_feed(request, token: str):
    """The iCalendar feed of a rota or a person's shifts; the person's own link stands in for a
    login, as calendar clients cannot sign in."""
    body = rotas.feed_for_key(token)
    if body is None:
        raise Http404
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="on-duty.ics"'
    return response


# --- risk register ------------------------------------------------------------------------


@login_required
def risk_list(request):
    risks = selectors.risk_list(user=request.user).exclude(status=Risk.Status.CLOSED)
    project = request.GET.get("project", "")
    if project.isdigit():
        risks = risks.filter(project=int(project))
    return render(request, "emergency/risk_list.html", {"risks": risks})


@login_required
def risk_sheet(request, project_pk: int):
    """A project's risk sheet, laid out for printing."""
    project = project_get(user=request.user, pk=project_pk)
    risks = selectors.risk_list(user=request.user).filter(project=project).exclude(status=Risk.Status.CLOSED)
    return render(request, "emergency/risk_sheet.html", {"project": project, "risks": risks, "now": timezone.now()})


@login_required
def risk_edit(request, pk: int | None = None):
    _staff_only(request.user)
    risk = get_object_or_404(selectors.risk_list(user=request.user), pk=pk) if pk else None
    initial = {"project": request.GET.get("project")} if not risk else None
    form = RiskForm(request.POST or None, instance=risk, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            saved = services.risk_save(actor=request.user, risk=risk, **fields)
        except ServiceDeskError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("emergency:risk_sheet", saved.project_id)
    return render(request, "emergency/risk_form.html", {"form": form, "risk": risk})
