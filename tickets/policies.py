"""Writes for SLA policies and their targets."""

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction

from tickets.models import SLAPolicy, SLATarget


@transaction.atomic
def policy_save(
    *,
    policy: SLAPolicy | None = None,
    name: str,
    targets: Iterable[Mapping[str, Any]],
    description: str = "",
    is_default: bool = False,
) -> SLAPolicy:
    """Create a policy or replace an existing one's fields and targets. Making a policy the
    default takes the mark from the previous default. Running clocks keep their targets until
    their ticket's priority changes."""
    policy = policy or SLAPolicy()
    policy.name, policy.description, policy.is_default = name, description, is_default
    if is_default:
        SLAPolicy.objects.filter(is_default=True).exclude(pk=policy.pk).update(is_default=False)
    policy.full_clean()
    policy.save()
    policy.targets.all().delete()
    SLATarget.objects.bulk_create(SLATarget(policy=policy, **target) for target in targets)
    return policy
