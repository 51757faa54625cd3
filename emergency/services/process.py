"""The response process: each step of an incident and what it does."""

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import Team, User
from accounts.selectors import team_members
from core.errors import NotAllowed, ServiceDeskError
from emergency.models import (
    Grade,
    Incident,
    IncidentDispatch,
    IncidentEntry,
    ReviewAction,
)
from emergency.services.common import (
    NEXT,
    Kind,
    Status,
    _allocate,
    _customers,
    _entry,
    _grade_plan,
    _is_urgent,
    _lock,
    _message,
    _plan_for,
    _plan_recipients,
    _start_clocks,
    _tighten_response,
    can_grade,
    grade_by_matrix,
)
from emergency.services.parts import _reserve_parts
from emergency.services.review_actions import _line
from notifications.services import notify


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
    _tighten_response(incident, _grade_plan(incident.grade))
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
    _reserve_parts(incident, plan, actor)
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
    plan = incident.plan or _grade_plan(incident.grade)
    arrival_due = now + datetime.timedelta(minutes=plan.onsite_minutes) if plan and plan.onsite_minutes else None
    IncidentDispatch.objects.create(
        incident=incident,
        engineer=engineer,
        dispatched_at=now,
        expected_arrival_at=expected,
        arrival_due_at=arrival_due,
    )
    incident.responders.add(engineer)
    _entry(
        incident,
        actor,
        Kind.DISPATCH,
        public=True,
        engineer=str(engineer),
        expected_arrival_at=expected.isoformat() if expected else None,
        arrival_due_at=arrival_due.isoformat() if arrival_due else None,
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
        _line(created, actor, "created")
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
