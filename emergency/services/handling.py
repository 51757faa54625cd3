"""Along the way: re-grading, notes and actions, people assigned, resources checked off, an
engineer arriving on site; and the risk register."""

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import Team, User
from accounts.selectors import team_members
from core.errors import NotAllowed, ServiceDeskError
from core.writes import audited_save
from emergency.models import (
    GRADE_ORDER,
    Incident,
    IncidentDispatch,
    IncidentEntry,
    IncidentResource,
    Risk,
)
from emergency.services.common import (
    Kind,
    _allocate,
    _entry,
    _grade_plan,
    _is_urgent,
    _lock,
    _message,
    _plan_for,
    _start_clocks,
    _tighten_response,
    can_grade,
)
from emergency.services.process import _assign, _grade
from notifications.services import notify


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
    # the response target only tightens (it ran from the report): a breach marked stays marked,
    # a response already given is judged against the new due moment
    _tighten_response(incident, _grade_plan(incident.grade))
    due = incident.response_due_at
    if due and incident.responded_at and incident.responded_at > due:
        incident.response_breached_at = incident.response_breached_at or incident.responded_at
    if incident.plan_id:
        plan = _plan_for(incident.grade)
        _start_clocks(incident, plan)
        # the new recovery target: one already met is judged against its new due moment; one
        # still running is left to the sweep
        done = incident.recovered_at
        incident.recovery_breached_at = done if done and done > incident.recovery_due_at else None
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
    audited_save(risk, actor=actor)
    return risk
