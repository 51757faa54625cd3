"""Saved views of the queue: created by staff for themselves or shared with one of their teams;
changed or deleted by their owner (a shared one also by a manager or admin)."""

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Team, User
from core.errors import NotAllowed, ServiceDeskError
from core.writes import require_staff, validated_save
from tickets.models import QueueView
from tickets.queue_views import DEFAULT_SORT, forget_counts

_UNSET: Any = object()


def _check_team(actor: User, team: Team | None) -> None:
    if team is None or actor.can_manage:
        return
    if not team.memberships.filter(user=actor).exists():
        raise ServiceDeskError(_("Share a view only with a team you are a member of."), field="team")


def queue_view_may_change(*, actor: User, view: QueueView) -> bool:
    """The owner changes a view; a shared view also a manager or an admin."""
    return view.owner_id == actor.pk or (view.team_id is not None and actor.can_manage)


@transaction.atomic
def queue_view_create(
    *,
    actor: User,
    name: str,
    filters: dict | None = None,
    columns: list | None = None,
    sort: str = "",
    team: Team | None = None,
    position: int = 0,
) -> QueueView:
    require_staff(actor)
    _check_team(actor, team)
    view = QueueView(
        owner=actor,
        name=(name or "").strip(),
        filters=filters or {},
        columns=columns or [],
        sort=sort or DEFAULT_SORT,
        team=team,
        position=position,
    )
    validated_save(view)
    transaction.on_commit(forget_counts)
    return view


@transaction.atomic
def queue_view_update(
    *,
    actor: User,
    view: QueueView,
    name: str = _UNSET,
    filters: dict = _UNSET,
    columns: list = _UNSET,
    sort: str = _UNSET,
    team: Team | None = _UNSET,
    position: int = _UNSET,
) -> QueueView:
    require_staff(actor)
    view = QueueView.objects.select_for_update().get(pk=view.pk)
    if not queue_view_may_change(actor=actor, view=view):
        raise NotAllowed(_("Only the owner of this view, or a manager for a shared one, can change it."))
    if team is not _UNSET and team != view.team:
        _check_team(actor, team)
        view.team = team
    for name_, value in (
        ("name", name),
        ("filters", filters),
        ("columns", columns),
        ("sort", sort),
        ("position", position),
    ):
        if value is not _UNSET:
            setattr(view, name_, value.strip() if name_ == "name" and isinstance(value, str) else value)
    validated_save(view)
    transaction.on_commit(forget_counts)
    return view


@transaction.atomic
def queue_view_delete(*, actor: User, view: QueueView) -> None:
    require_staff(actor)
    view = QueueView.objects.select_for_update().get(pk=view.pk)
    if not queue_view_may_change(actor=actor, view=view):
        raise NotAllowed(_("Only the owner of this view, or a manager for a shared one, can delete it."))
    view.delete()
    transaction.on_commit(forget_counts)
