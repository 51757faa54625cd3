"""What the emergency module does: report an incident, move it through the response process,
grade and re-grade it, log what is done, and hold it to its plan's targets.

The process is an explicit state machine (``NEXT``). Every change locks the incident row,
checks the step, writes the change and its timeline entry in one transaction, and tells the
people concerned through ``notifications.notify`` (rows in the same transaction; mail and
webhooks go out after commit).
"""

import datetime
from collections.abc import Iterable, Mapping
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import Team, User
from accounts.selectors import team_members
from core.errors import NotAllowed, ServiceDeskError
from core.references import counter_take
from customers.models import Project
from emergency.models import (
    GRADE_ORDER,
    Grade,
    GradingRule,
    Incident,
    IncidentCounter,
    IncidentDispatch,
    IncidentEntry,
    IncidentResource,
    ResponsePlan,
    ReviewAction,
    Risk,
)
from notifications.models import Reason
from notifications.services import Message, notify
from tickets import services as ticket_services
from tickets.models import Ticket, TicketEvent
from tickets.selectors import schedule_for

Status = Incident.Status
Kind = IncidentEntry.Kind

# The response process: from each step, the steps it may move to. On-site support is for
# what remote work cannot fix, so remote handling may go straight to recovered; a recovery the
# customer does not confirm goes back to remote handling.
NEXT: dict[str, tuple[str, ...]] = {
    Status.REPORTED: (Status.ASSESSED,),
    Status.ASSESSED: (Status.PLAN_ACTIVATED,),
    Status.PLAN_ACTIVATED: (Status.REMOTE_HANDLING,),
    Status.REMOTE_HANDLING: (Status.ONSITE, Status.RECOVERED),
    Status.ONSITE: (Status.RECOVERED,),
    Status.RECOVERED: (Status.VERIFIED, Status.REMOTE_HANDLING),
    Status.VERIFIED: (Status.REVIEWED,),
    Status.REVIEWED: (Status.CLOSED,),
    Status.CLOSED: (),
}
URGENT_GRADES = {Grade.URGENT, Grade.CRITICAL}
GROUP_KINDS = (Team.Kind.TECHNICAL, Team.Kind.LEADERSHIP, Team.Kind.LIAISON)


# --- helpers ------------------------------------------------------------------------------


def _lock(incident_id: int) -> Incident:
    return Incident.objects.select_for_update(of=("self",)).select_related("project", "plan").get(pk=incident_id)


def _entry(incident: Incident, actor: User | None, kind: str, *, public: bool = False, text: str = "", **data):
    return IncidentEntry.objects.create(
        incident=incident, actor=actor, kind=kind, public=public, text=text, data=data, created_at=timezone.now()
    )


def _next_reference(year: int) -> str:
    return f"INC-{year}-{counter_take(IncidentCounter, year):04d}"


def can_grade(user: User) -> bool:
    """The technical group assesses; the leadership group and managers may too."""
    return (
        user.can_manage
        or user.memberships.filter(
            team__is_active=True, team__kind__in=[Team.Kind.TECHNICAL, Team.Kind.LEADERSHIP]
        ).exists()
    )


def grade_by_matrix(*, severity: str, scope: str, urgency: str) -> str:
    rule = GradingRule.objects.filter(severity=severity, scope=scope, urgency=urgency).first()
    return rule.grade if rule else ""


def _message(incident: Incident, subject: str, *, urgent: bool, **context) -> Message:
    return Message(
        reason=Reason.INCIDENT,
        subject=subject,
        template="emergency/email/incident.txt",
        context={
            "reference": incident.reference,
            "title": incident.title,
            "incident": incident,
            "grade": Grade(incident.grade).label if incident.grade else _("not graded yet"),
            "step": Status(incident.status).label,
            **context,
        },
        url=reverse("emergency:detail", args=[incident.pk]),
        reference=incident.reference,
        urgent=urgent,
        headers={"X-Service-Desk-Incident": incident.reference},
    )


def _is_urgent(incident: Incident) -> bool:
    return not incident.grade or incident.grade in URGENT_GRADES


def _customers(incident: Incident) -> list[User]:
    people = [incident.reported_by] if incident.reported_by and incident.reported_by.is_customer else []
    liaison = incident.project.customer_liaison
    return people + ([liaison] if liaison and liaison.is_active else [])


def _clock_due(plan: ResponsePlan, start: datetime.datetime, minutes: int) -> datetime.datetime:
    duration = datetime.timedelta(minutes=minutes)
    return schedule_for(plan.calendar).add(start, duration) if plan.calendar_id else start + duration


def _start_clocks(incident: Incident, plan: ResponsePlan) -> None:
    """The plan's targets count from the moment of the report, on the plan's calendar."""
    incident.plan = plan
    incident.response_due_at = _clock_due(plan, incident.reported_at, plan.response_minutes)
    incident.recovery_due_at = _clock_due(plan, incident.reported_at, plan.recovery_minutes)


def _plan_for(grade: str) -> ResponsePlan:
    plan = ResponsePlan.objects.select_related("calendar").filter(grade=grade).first()
    if plan is None:
        raise ServiceDeskError(
            _("There is no response plan for the grade %(grade)s: an administrator sets one up.")
            % {"grade": Grade(grade).label},
            field="grade",
        )
    return plan


def _allocate(incident: Incident, plan: ResponsePlan) -> None:
    have = {(r.kind, r.description) for r in incident.resources.all()}
    IncidentResource.objects.bulk_create(
        IncidentResource(
            incident=incident, position=r.position, kind=r.kind, description=r.description, quantity=r.quantity
        )
        for r in plan.resources.all()
        if (r.kind, r.description) not in have
    )


def _plan_recipients(incident: Incident, plan: ResponsePlan) -> tuple[list[User], list[Team]]:
    kinds = [
        kind
        for kind, wanted in (
            (Team.Kind.LEADERSHIP, plan.notify_leadership),
            (Team.Kind.TECHNICAL, plan.notify_technical),
            (Team.Kind.LIAISON, plan.notify_liaisons),
        )
        if wanted
    ]
    users = list(
        User.objects.filter(is_active=True, memberships__team__is_active=True, memberships__team__kind__in=kinds)
    )
    if plan.notify_managers:
        users += list(User.objects.managers())
    users += list(incident.responders.all())
    return users, list(Team.objects.filter(is_active=True, kind__in=kinds))


# --- intake -------------------------------------------------------------------------------


@transaction.atomic
def incident_create(
    *,
    actor: User | None,
    project: Project,
    title: str = "",
    symptoms: str = "",
    occurred_at: datetime.datetime | None = None,
    location: str = "",
    scope: str = "",
    measures_taken: str = "",
    reporter_name: str = "",
    reporter_phone: str = "",
    ticket: Ticket | None = None,
    channel: str | None = None,
) -> Incident:
    """Record an emergency (a phone call to the liaison, a customer in the portal, a promoted
    ticket or an escalation step) and tell the three groups at once."""
    if actor is not None and actor.is_customer and project.organisation_id != actor.organisation_id:
        raise ServiceDeskError(_("No such project."), field="project")
    if ticket is not None:
        if ticket.project_id != project.pk:
            raise ServiceDeskError(_("The ticket belongs to another project."), field="ticket")
        already = ticket.incidents.exclude(status=Status.CLOSED).first()
        if already:
            raise ServiceDeskError(
                _("This ticket is already linked to the open incident %(reference)s.")
                % {"reference": already.reference},
                field="ticket",
            )
        title = title or ticket.title
        symptoms = symptoms or ticket.description
        occurred_at = occurred_at or ticket.occurred_at
        location = location or ticket.location
        scope = scope or ticket.impact
        measures_taken = measures_taken or ticket.measures_taken
        reporter_name = reporter_name or str(ticket.reporter)
    if actor is not None and actor.is_customer:
        reporter_name = reporter_name or str(actor)
        reporter_phone = reporter_phone or actor.phone
    if not title.strip():
        raise ServiceDeskError(_("Give the incident a title."), field="title")
    if not symptoms.strip():
        raise ServiceDeskError(_("Describe the symptoms."), field="symptoms")
    if not reporter_name.strip():
        raise ServiceDeskError(_("Say who reported it."), field="reporter_name")
    now = timezone.now()
    if channel is None:
        channel = (
            Incident.Channel.TICKET
            if ticket
            else Incident.Channel.PORTAL
            if actor and actor.is_customer
            else Incident.Channel.PHONE
        )
    incident = Incident(
        # numbered by the desk's local year, as tickets are (01-01 07:00 Shanghai is still 2026 in UTC)
        reference=_next_reference(timezone.localtime(now, ZoneInfo(settings.TIME_ZONE)).year),
        organisation_id=project.organisation_id,
        project=project,
        ticket=ticket,
        title=title.strip(),
        symptoms=symptoms,
        occurred_at=occurred_at,
        location=location,
        scope=scope,
        measures_taken=measures_taken,
        reporter_name=reporter_name.strip(),
        reporter_phone=reporter_phone,
        channel=channel,
        reported_at=now,
        reported_by=actor,
        status=Status.REPORTED,
        status_changed_at=now,
    )
    incident.full_clean()
    incident.save()
    _entry(incident, actor, Kind.REPORTED, public=True, channel=channel, reporter=incident.reporter_name)
    if ticket is not None:
        ticket_services.ticket_event_add(
            ticket=ticket,
            actor=actor,
            kind=TicketEvent.Kind.INCIDENT,
            public=False,
            incident=incident.pk,
            reference=incident.reference,
        )
    notify(
        users=list(
            User.objects.filter(
                is_active=True, memberships__team__is_active=True, memberships__team__kind__in=GROUP_KINDS
            )
        ),
        teams=Team.objects.filter(is_active=True, kind__in=GROUP_KINDS),
        key=f"incident:{incident.pk}:reported",
        message=_message(incident, gettext_noop("[%(reference)s] Emergency reported: %(title)s"), urgent=True),
    )
    return incident


def incident_from_escalation(*, ticket: Ticket, clock, step) -> None:
    """The escalation step "open an emergency incident": once per ticket while one is open."""
    if ticket.incidents.exclude(status=Status.CLOSED).exists():
        return
    incident_create(actor=None, project=ticket.project, ticket=ticket, channel=Incident.Channel.ESCALATION)


# --- the response process -----------------------------------------------------------------


@transaction.atomic
def incident_transition(*, incident_id: int, actor: User, to: str, **data: Any) -> Incident:
    """Move the incident to step ``to`` with that step's data; anything out of order is
    refused and nothing changes."""
    incident = _lock(incident_id)
    if to not in Status.values:
        raise ServiceDeskError(_("There is no step called %(step)s.") % {"step": to}, field="to")
    if to not in NEXT[incident.status]:
        allowed = ", ".join(str(Status(s).label) for s in NEXT[incident.status]) or _("nothing: it is closed")
        raise ServiceDeskError(
            _("An incident at the step %(current)s cannot move to %(step)s; next comes %(allowed)s.")
            % {"current": Status(incident.status).label, "step": Status(to).label, "allowed": allowed},
            field="to",
        )
    if actor.is_customer and not (to == Status.VERIFIED and actor.organisation_id == incident.organisation_id):
        raise NotAllowed(_("Customers confirm the recovery; the other steps are the vendor's."))
    if to == Status.ASSESSED and not can_grade(actor):
        raise NotAllowed(_("The emergency technical group assesses and grades incidents."))
    now = timezone.now()
    previous = incident.status
    changed = STEPS[to](incident, actor, now, data)
    incident.status, incident.status_changed_at = to, now
    incident.save()
    entry = _entry(incident, actor, Kind.STEP, public=True, **{"from": previous, "to": to}, **(changed or {}))
    note = (data.get("note") or "").strip()
    if note:
        _entry(incident, actor, Kind.NOTE, public=bool(data.get("public")), text=note)
    if to not in TELL_THEMSELVES:
        _tell_step(incident, actor, entry)
    return incident


def _tell_step(incident: Incident, actor: User, entry: IncidentEntry) -> None:
    """The leadership group and the people assigned follow every step; the customer learns of
    recovery (to confirm it) and closure."""
    users = list(team_members(kind=Team.Kind.LEADERSHIP)) + list(incident.responders.all())
    if incident.status in (Status.RECOVERED, Status.CLOSED):
        users += _customers(incident)
    notify(
        users=[u for u in users if u.pk != actor.pk],
        key=f"incident:{incident.pk}:entry:{entry.pk}",
        message=_message(incident, gettext_noop("[%(reference)s] %(step)s: %(title)s"), urgent=False),
    )


def _assess(incident: Incident, actor: User, now, data: Mapping[str, Any]) -> dict:
    _grade(incident, data, first=True)
    incident.assessment = data.get("assessment", "") or incident.assessment
    _entry(
        incident,
        actor,
        Kind.GRADED,
        public=True,
        grade=incident.grade,
        suggested=incident.suggested_grade,
        reason=incident.grade_reason,
    )
    # the first assessment is reported to the leadership group at once
    notify(
        users=team_members(kind=Team.Kind.LEADERSHIP),
        teams=Team.objects.filter(is_active=True, kind=Team.Kind.LEADERSHIP),
        key=f"incident:{incident.pk}:assessed",
        message=_message(
            incident,
            gettext_noop("[%(reference)s] Assessed as %(grade)s: %(title)s"),
            urgent=_is_urgent(incident),
        ),
    )
    return {"grade": incident.grade}


def _grade(incident: Incident, data: Mapping[str, Any], *, first: bool) -> None:
    grade = data.get("grade") or ""
    if grade not in Grade.values:
        raise ServiceDeskError(_("Choose a grade: general, important, urgent or critical."), field="grade")
    levels = [data.get(name) or "" for name in ("severity", "scope_level", "urgency")]
    if not first and not any(levels):
        # re-grading without new levels: the assessed levels (and so the matrix's grade) stand
        levels = [incident.severity, incident.scope_level, incident.urgency]
    if any(levels) and not all(levels):
        raise ServiceDeskError(_("Give severity, scope and urgency together, or none of them."), field="severity")
    suggested = grade_by_matrix(severity=levels[0], scope=levels[1], urgency=levels[2]) if all(levels) else ""
    reason = (data.get("grade_reason") or "").strip()
    if suggested and grade != suggested and not reason:
        raise ServiceDeskError(
            _("The matrix gives %(suggested)s; say why you grade it %(grade)s.")
            % {"suggested": Grade(suggested).label, "grade": Grade(grade).label},
            field="grade_reason",
        )
    if not first and not reason:
        raise ServiceDeskError(_("Say why the grade changes."), field="grade_reason")
    incident.grade, incident.suggested_grade, incident.grade_reason = grade, suggested, reason
    if all(levels):
        incident.severity, incident.scope_level, incident.urgency = levels


def _activate(incident: Incident, actor: User, now, data: Mapping[str, Any]) -> dict:
    plan = _plan_for(incident.grade)
    _start_clocks(incident, plan)
    incident.save()
    entry = _assign(incident, actor, data.get("responders") or [])
    _allocate(incident, plan)
    users, teams = _plan_recipients(incident, plan)
    notify(
        users=[u for u in users if u.pk != actor.pk],
        teams=teams,
        key=f"incident:{incident.pk}:plan:{plan.pk}",
        message=_message(
            incident, gettext_noop("[%(reference)s] %(grade)s plan activated: %(title)s"), urgent=_is_urgent(incident)
        ),
    )
    return {"plan": plan.name, "responders": entry.data["people"] if entry else []}


def _assign(incident: Incident, actor: User, people: Iterable[User]) -> IncidentEntry | None:
    """Add people to the incident; the timeline entry, or None when nobody was new."""
    people = [p for p in people if p not in incident.responders.all()]
    if any(not person.is_staff_member or not person.is_active for person in people):
        raise ServiceDeskError(_("Only active staff can be assigned."), field="responders")
    if not people:
        return None
    incident.responders.add(*people)
    return _entry(incident, actor, Kind.ASSIGNED, people=[str(p) for p in people])


def _remote(incident: Incident, actor: User, now, data) -> dict:
    if incident.status == Status.RECOVERED:
        # the customer does not confirm: the recovery clock runs on
        if not (data.get("note") or "").strip():
            raise ServiceDeskError(_("Say why the incident is not recovered after all."), field="note")
        incident.recovered_at = None
        return {"reopened": True}
    incident.responded_at = incident.responded_at or now
    return {}


def _onsite(incident: Incident, actor: User, now, data) -> dict:
    engineer = data.get("engineer")
    if engineer is None or not engineer.is_staff_member or not engineer.is_active:
        raise ServiceDeskError(_("Choose the engineer who goes on site."), field="engineer")
    expected = data.get("expected_arrival_at")
    if expected is not None and expected < now - datetime.timedelta(minutes=1):
        raise ServiceDeskError(_("The expected arrival cannot be in the past."), field="expected_arrival_at")
    incident.responded_at = incident.responded_at or now
    IncidentDispatch.objects.create(
        incident=incident, engineer=engineer, dispatched_at=now, expected_arrival_at=expected
    )
    incident.responders.add(engineer)
    _entry(
        incident,
        actor,
        Kind.DISPATCH,
        public=True,
        engineer=str(engineer),
        expected_arrival_at=expected.isoformat() if expected else None,
    )
    return {"engineer": str(engineer)}


def _recovered(incident: Incident, actor: User, now, data) -> dict:
    incident.recovered_at = now
    incident.responded_at = incident.responded_at or now
    return {}


def _verified(incident: Incident, actor: User, now, data) -> dict:
    note = (data.get("verification_note") or "").strip()
    if actor.is_staff_member and not note:
        raise ServiceDeskError(
            _("Note who at the customer confirmed the recovery, and how."), field="verification_note"
        )
    incident.verified_at, incident.verified_by, incident.verification_note = now, actor, note
    return {"by_customer": actor.is_customer}


def _reviewed(incident: Incident, actor: User, now, data) -> dict:
    for name in ("root_cause", "summary"):
        if not (data.get(name) or "").strip():
            message = _("Give the root cause.") if name == "root_cause" else _("Give a summary.")
            raise ServiceDeskError(message, field=name)
    incident.root_cause, incident.summary = data["root_cause"].strip(), data["summary"].strip()
    incident.went_well = data.get("went_well", "") or ""
    incident.to_improve = data.get("to_improve", "") or ""
    for action in data.get("actions") or []:
        if not action["owner"].is_staff_member:
            raise ServiceDeskError(_("An action's owner must be staff."), field="actions")
        created = ReviewAction.objects.create(incident=incident, **action)
        _entry(
            incident,
            actor,
            Kind.REVIEW_ACTION,
            text=created.description,
            owner=str(created.owner),
            due_date=created.due_date.isoformat(),
        )
    return {}


def _closed(incident: Incident, actor: User, now, data) -> dict:
    incident.closed_at = now
    return {}


# steps whose own function tells the people concerned (the leadership group of the
# assessment, the plan's recipients of its activation)
TELL_THEMSELVES = {Status.ASSESSED, Status.PLAN_ACTIVATED}

STEPS = {
    Status.ASSESSED: _assess,
    Status.PLAN_ACTIVATED: _activate,
    Status.REMOTE_HANDLING: _remote,
    Status.ONSITE: _onsite,
    Status.RECOVERED: _recovered,
    Status.VERIFIED: _verified,
    Status.REVIEWED: _reviewed,
    Status.CLOSED: _closed,
}


# --- along the way ------------------------------------------------------------------------


def _open_for_staff(incident_id: int, actor: User) -> Incident:
    if not actor.is_staff_member:
        raise NotAllowed(_("Only staff work on incidents."))
    incident = _lock(incident_id)
    if not incident.is_open:
        raise ServiceDeskError(_("The incident is closed."))
    return incident


@transaction.atomic
def incident_regrade(*, incident_id: int, actor: User, **data: Any) -> Incident:
    """Change the grade before closure, with a reason; an active plan follows the new grade."""
    incident = _open_for_staff(incident_id, actor)
    if not can_grade(actor):
        raise NotAllowed(_("The emergency technical group assesses and grades incidents."))
    if not incident.grade:
        raise ServiceDeskError(_("Assess the incident first: grading is part of the assessment."), field="grade")
    old = incident.grade
    _grade(incident, data, first=False)
    if incident.plan_id:
        plan = _plan_for(incident.grade)
        _start_clocks(incident, plan)
        # new targets: a target already met is judged against its new due moment; one still
        # running is left to the sweep
        for target, done in (("response", incident.responded_at), ("recovery", incident.recovered_at)):
            due = getattr(incident, f"{target}_due_at")
            setattr(incident, f"{target}_breached_at", done if done and done > due else None)
        _allocate(incident, plan)
    incident.save()
    entry = _entry(
        incident,
        actor,
        Kind.GRADED,
        public=True,
        grade=incident.grade,
        old=old,
        suggested=incident.suggested_grade,
        reason=incident.grade_reason,
    )
    notify(
        users=[u for u in team_members(kind=Team.Kind.LEADERSHIP) if u.pk != actor.pk]
        + list(incident.responders.all()),
        key=f"incident:{incident.pk}:entry:{entry.pk}",
        message=_message(
            incident,
            gettext_noop("[%(reference)s] Re-graded %(grade)s: %(title)s"),
            urgent=GRADE_ORDER[incident.grade] > GRADE_ORDER[old] and _is_urgent(incident),
        ),
    )
    return incident


@transaction.atomic
def incident_log(
    *, incident_id: int, actor: User, text: str, kind: str = Kind.NOTE, public: bool = False
) -> IncidentEntry:
    """A note, or an action taken (remote diagnosis, a command run, a call made)."""
    incident = _open_for_staff(incident_id, actor)
    if kind not in (Kind.NOTE, Kind.ACTION):
        raise ServiceDeskError(_("Log a note or an action."), field="kind")
    if not text.strip():
        raise ServiceDeskError(_("Write what happened."), field="text")
    return _entry(incident, actor, kind, public=public, text=text.strip())


@transaction.atomic
def incident_assign(*, incident_id: int, actor: User, people: Iterable[User]) -> Incident:
    incident = _open_for_staff(incident_id, actor)
    people = [p for p in people if p not in incident.responders.all()]
    entry = _assign(incident, actor, people)
    if entry:
        notify(
            users=[p for p in people if p.pk != actor.pk],
            key=f"incident:{incident.pk}:entry:{entry.pk}",
            message=_message(
                incident, gettext_noop("[%(reference)s] You are assigned: %(title)s"), urgent=_is_urgent(incident)
            ),
        )
    return incident


@transaction.atomic
def resource_check(*, incident_id: int, resource_id: int, actor: User, checked: bool = True) -> IncidentResource:
    incident = _open_for_staff(incident_id, actor)
    resource = incident.resources.filter(pk=resource_id).first()
    if resource is None:
        raise ServiceDeskError(_("No such resource on this incident."), field="resource")
    resource.checked_at, resource.checked_by = (timezone.now(), actor) if checked else (None, None)
    resource.save(update_fields=["checked_at", "checked_by"])
    _entry(incident, actor, Kind.RESOURCE, text=resource.description, checked=checked, quantity=resource.quantity)
    return resource


@transaction.atomic
def incident_arrive(*, incident_id: int, actor: User, work_done: str = "") -> IncidentDispatch:
    """The dispatched engineer is on site (and, later, what was done there)."""
    incident = _open_for_staff(incident_id, actor)
    dispatch = incident.dispatches.filter(arrived_at=None).order_by("-dispatched_at").first()
    if dispatch is None:
        raise ServiceDeskError(_("Nobody is on the way: dispatch an engineer first."))
    dispatch.arrived_at, dispatch.work_done = timezone.now(), work_done
    dispatch.save(update_fields=["arrived_at", "work_done"])
    _entry(incident, actor, Kind.ARRIVAL, public=True, text=work_done, engineer=str(dispatch.engineer))
    return dispatch


@transaction.atomic
def risk_save(*, actor: User, risk: Risk | None = None, **fields: Any) -> Risk:
    """Add a risk to a project's register or change one (the history keeps every version)."""
    if not actor.is_staff_member:
        raise NotAllowed(_("Only staff keep the risk register."))
    risk = Risk.objects.select_for_update().get(pk=risk.pk) if risk else Risk()
    for name, value in fields.items():
        setattr(risk, name, value)
    if risk.owner_id and not risk.owner.is_staff_member:
        raise ServiceDeskError(_("The owner of a risk must be staff."), field="owner")
    risk.full_clean()
    risk._history_user = actor
    risk.save()
    return risk


# --- deadlines ----------------------------------------------------------------------------


def incident_deadlines(now: datetime.datetime | None = None) -> int:
    """Mark every response or recovery target that passed unmet, once, and tell the leadership
    group and the people assigned at once. Runs every minute from beat."""
    now = now or timezone.now()
    marked = 0
    for target in ("response", "recovery"):
        done = "responded_at" if target == "response" else "recovered_at"
        due_ids = list(
            Incident.objects.filter(**{f"{target}_due_at__lte": now, done: None, f"{target}_breached_at": None})
            .exclude(status=Status.CLOSED)
            .values_list("pk", flat=True)[:500]
        )
        for pk in due_ids:
            marked += _breach(pk, target, now)
    return marked


@transaction.atomic
def _breach(incident_id: int, target: str, now: datetime.datetime) -> int:
    incident = Incident.objects.select_for_update(skip_locked=True).filter(pk=incident_id).first()
    done = incident and getattr(incident, "responded_at" if target == "response" else "recovered_at")
    if incident is None or done or getattr(incident, f"{target}_breached_at") or not incident.is_open:
        return 0
    due = getattr(incident, f"{target}_due_at")
    if due is None or due > now:
        return 0
    setattr(incident, f"{target}_breached_at", now)
    incident.save(update_fields=[f"{target}_breached_at", "updated_at"])
    _entry(incident, None, Kind.BREACH, target=target, due_at=due.isoformat())
    subject = (
        gettext_noop("[%(reference)s] Response target breached: %(title)s")
        if target == "response"
        else gettext_noop("[%(reference)s] Recovery target breached: %(title)s")
    )
    notify(
        users=list(team_members(kind=Team.Kind.LEADERSHIP)) + list(incident.responders.all()),
        teams=Team.objects.filter(is_active=True, kind=Team.Kind.LEADERSHIP),
        key=f"incident:{incident.pk}:breach:{target}:{due.timestamp():.0f}",
        message=_message(incident, subject, urgent=True),
    )
    return 1
