"""The grading matrix and the response plans, as administrators change them."""

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction

from emergency.models import GradingRule, PlanResource, ResponsePlan

PLAN_FIELDS = (
    "grade",
    "name",
    "description",
    "notify_leadership",
    "notify_technical",
    "notify_liaisons",
    "notify_managers",
    "response_minutes",
    "recovery_minutes",
    "calendar",
    "onsite_minutes",
    "escalation_policy",
)
RESOURCE_FIELDS = ("kind", "description", "quantity", "part")


@transaction.atomic
def grading_rule_save(*, rule: GradingRule, grade: str) -> GradingRule:
    """The grade of one cell of the matrix (severity x scope x urgency)."""
    rule.grade = grade
    rule.full_clean()
    rule.save(update_fields=["grade"])
    return rule


@transaction.atomic
def response_plan_save(
    *, plan: ResponsePlan | None = None, resources: Iterable[Mapping[str, Any]], **fields: Any
) -> ResponsePlan:
    """Create or change a grade's plan; ``resources`` replaces its resources, in order. Running
    incidents keep the resources they were allocated."""
    plan = plan or ResponsePlan()
    for name in PLAN_FIELDS:
        if name in fields:
            setattr(plan, name, fields[name])
    plan.full_clean()
    plan.save()
    rows = [
        PlanResource(plan=plan, position=position, **{name: row[name] for name in RESOURCE_FIELDS if name in row})
        for position, row in enumerate(resources)
    ]
    for row in rows:
        row.full_clean(exclude=["plan"])
    plan.resources.all().delete()
    PlanResource.objects.bulk_create(rows)
    return plan
