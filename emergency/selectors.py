"""Read queries of the emergency module, scoped to what the user may see."""

import datetime

from django.db.models import Case, IntegerField, Prefetch, QuerySet, Value, When
from django.shortcuts import get_object_or_404

from accounts.models import User
from accounts.scoping import scope_to_user
from emergency.models import (
    GRADE_ORDER,
    GradingRule,
    Incident,
    IncidentDispatch,
    IncidentEntry,
    ResponsePlan,
    ReviewAction,
    Risk,
)

Status = Incident.Status


def incident_list(*, user: User) -> QuerySet[Incident]:
    queryset = Incident.objects.select_related("organisation", "project", "ticket", "plan").prefetch_related(
        Prefetch("responders", queryset=User.objects.order_by("username"))
    )
    return scope_to_user(queryset, user)


def incident_get(*, user: User, pk: int) -> Incident:
    """The incident, or 404 when it is not within the user's scope."""
    return get_object_or_404(incident_list(user=user), pk=pk)


def grade_rank() -> Case:
    """General 1 ... critical 4; not graded yet 5 (someone must assess it)."""
    return Case(
        *[When(grade=grade, then=Value(rank + 1)) for grade, rank in GRADE_ORDER.items()],
        default=Value(len(GRADE_ORDER) + 1),
        output_field=IntegerField(),
    )


def board(*, user: User) -> QuerySet[Incident]:
    """Open incidents: not graded yet first, then the most serious, then the oldest."""
    return (
        incident_list(user=user)
        .exclude(status=Status.CLOSED)
        .annotate(rank=grade_rank())
        .order_by("-rank", "reported_at", "pk")
    )


def timeline(*, incident: Incident, user: User, after: int | None = None) -> QuerySet[IncidentEntry]:
    """Every entry for staff; only the public ones for the customer."""
    entries = incident.entries.select_related("actor")
    if not user.is_staff_member:
        entries = entries.filter(public=True)
    if after:
        entries = entries.filter(pk__gt=after)
    return entries.order_by("created_at", "pk")


def clock_state(due: datetime.datetime | None, done: datetime.datetime | None, now: datetime.datetime) -> dict:
    """The state of a response or recovery target for display: met, breached, running."""
    if due is None:
        return {"state": "none"}
    if done is not None:
        return {"state": "breached" if done > due else "met", "due_at": due, "done_at": done}
    return {"state": "breached" if now > due else "running", "due_at": due, "remaining": due - now}


def escalating(incident: Incident) -> bool:
    """The response went unanswered past its target and nobody acknowledged it: the escalation
    chain runs (or would, with a policy)."""
    running = incident.response_breached_at and not incident.responded_at
    return bool(running and not incident.acknowledged_at and incident.is_open)


def dispatches_with_targets(*, incident: Incident, now: datetime.datetime) -> list[IncidentDispatch]:
    """The incident's dispatches, each with its on-site arrival target's state (``arrival_state``)."""
    dispatches = list(incident.dispatches.select_related("engineer"))
    for dispatch in dispatches:
        dispatch.arrival_state = clock_state(dispatch.arrival_due_at, dispatch.arrived_at, now)
    return dispatches


def grading_matrix() -> QuerySet[GradingRule]:
    return GradingRule.objects.all()


def plans() -> QuerySet[ResponsePlan]:
    return ResponsePlan.objects.select_related("calendar").prefetch_related("resources").order_by(grade_rank())


def risk_list(*, user: User) -> QuerySet[Risk]:
    queryset = Risk.objects.select_related("project", "project__organisation", "owner")
    return scope_to_user(queryset, user, organisation_field="project__organisation")


def review_action_list(*, user: User) -> QuerySet[ReviewAction]:
    """Improvement actions of incident reviews: the vendor's (staff only), the earliest due first."""
    if not (user.is_authenticated and user.is_staff_member):
        return ReviewAction.objects.none()
    return ReviewAction.objects.select_related("incident", "owner").order_by("due_date", "pk")
