"""Small steps the apps' services share when they write a row."""

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core.errors import NotAllowed, ServiceDeskError


def require_staff(actor) -> None:
    if not actor.is_staff_member:
        raise NotAllowed(_("Only staff can do this."))


def validated_save(instance) -> None:
    """``full_clean`` then save; the first error is a ``ServiceDeskError`` on its field."""
    try:
        instance.full_clean()
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise ServiceDeskError(messages[0], field=None if field == "__all__" else field) from error
    instance.save()


def assign(instance, fields: Mapping[str, Any]) -> None:
    for name, value in fields.items():
        setattr(instance, name, value)


def audited_save(instance, *, actor) -> None:
    """Validate and save a row whose history (django-simple-history) records who changed it, in
    the caller's transaction: the one place that names the actor of a history row. ``actor``
    is required (``None`` only for the system: the scheduler, a data migration)."""
    instance._history_user = actor
    validated_save(instance)
