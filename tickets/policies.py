"""Writes for SLA policies and their targets, and for escalation policies and their steps."""

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from customers.models import Project
from tickets.models import EscalationPolicy, EscalationStep, SLAPolicy, SLATarget


@transaction.atomic
def policy_save(
    *,
    policy: SLAPolicy | None = None,
    name: str,
    targets: Iterable[Mapping[str, Any]],
    description: str = "",
    is_default: bool = False,
    warn_at_percent: int | None = 75,
    acknowledgement_stops_first_response: bool = False,
) -> SLAPolicy:
    """Create a policy or replace an existing one's fields and targets. Making a policy the
    default takes the mark from the previous default. Running clocks keep their targets until
    their ticket's priority changes."""
    targets = list(targets)
    keys = [(target["priority"], target["metric"]) for target in targets]
    if len(keys) != len(set(keys)):
        raise ValidationError({"targets": [_("One target per priority and metric.")]})
    policy = policy or SLAPolicy()
    policy.name, policy.description, policy.is_default = name, description, is_default
    policy.warn_at_percent = warn_at_percent
    policy.acknowledgement_stops_first_response = acknowledgement_stops_first_response
    if is_default:
        SLAPolicy.objects.filter(is_default=True).exclude(pk=policy.pk).update(is_default=False)
    policy.full_clean()
    policy.save()
    policy.targets.all().delete()
    rows = [SLATarget(policy=policy, **target) for target in targets]
    for row in rows:
        row.full_clean(exclude=["policy"])
    SLATarget.objects.bulk_create(rows)
    return policy


@transaction.atomic
def escalation_policy_save(
    *,
    policy: EscalationPolicy | None = None,
    name: str,
    steps: Iterable[Mapping[str, Any]],
    description: str = "",
    priority: str = "",
    metric: str = "",
    project: Project | None = None,
    repeat_count: int = 0,
    repeat_after_minutes: int = 30,
    is_active: bool = True,
) -> EscalationPolicy:
    """Create a policy or replace an existing one's fields and steps (in the given order).
    Chains already running keep their position and take the new steps from there on."""
    policy = policy or EscalationPolicy()
    policy.name, policy.description = name, description
    policy.priority, policy.metric, policy.project = priority, metric, project
    policy.repeat_count, policy.repeat_after_minutes, policy.is_active = repeat_count, repeat_after_minutes, is_active
    policy.full_clean()
    policy.save()
    policy.steps.all().delete()
    errors = {}
    for position, fields in enumerate(steps, start=1):
        step = EscalationStep(policy=policy, position=position, **fields)
        try:
            step.full_clean()
        except ValidationError as error:
            errors[f"steps[{position - 1}]"] = error.messages
        else:
            step.save()
    if errors:
        raise ValidationError(errors)
    return policy
