"""Improvement actions from the post-incident review: added, changed, done (and undone) by
staff, each with a line on the incident's timeline; their owners reminded before the due date
and the managers told when one is overdue, each once (the marks on the row)."""

import datetime

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import User
from core.errors import NotAllowed, ServiceDeskError
from core.time import desk_today
from emergency.models import Incident, ReviewAction
from emergency.services.common import Kind, Status, _entry, _lock
from notifications.models import Reason
from notifications.services import Message, notify

# an incident takes improvement actions from its review on
REVIEWED_STEPS = (Status.REVIEWED, Status.CLOSED)


def _require_staff(actor: User) -> None:
    if not actor.is_staff_member:
        raise NotAllowed(_("Improvement actions are the vendor's."))


def _check(*, description: str, owner: User, due_date: datetime.date | None) -> str:
    description = (description or "").strip()
    if not description:
        raise ServiceDeskError(_("Say what is to be done."), field="description")
    if len(description) > 300:
        raise ServiceDeskError(_("At most 300 characters."), field="description")
    if owner is None or not owner.is_staff_member or not owner.is_active:
        raise ServiceDeskError(_("An action's owner must be staff."), field="owner")
    if due_date is None:
        raise ServiceDeskError(_("Give the due date."), field="due_date")
    return description


def _lock_action(action_id: int) -> ReviewAction:
    action = ReviewAction.objects.select_related("incident").get(pk=action_id)
    _lock(action.incident_id)  # the incident first, as every incident service locks
    return ReviewAction.objects.select_for_update(of=("self",)).select_related("incident", "owner").get(pk=action_id)


def _line(action: ReviewAction, actor: User | None, change: str) -> None:
    _entry(
        action.incident,
        actor,
        Kind.REVIEW_ACTION,
        text=action.description,
        action=action.pk,
        change=change,
        owner=str(action.owner),
        due_date=action.due_date.isoformat(),
    )


@transaction.atomic
def review_action_create(
    *, incident_id: int, actor: User, description: str, owner: User, due_date: datetime.date
) -> ReviewAction:
    """Add an improvement action to a reviewed (or closed) incident."""
    _require_staff(actor)
    incident = _lock(incident_id)
    if incident.status not in REVIEWED_STEPS:
        raise ServiceDeskError(_("Improvement actions come from the review: review the incident first."))
    description = _check(description=description, owner=owner, due_date=due_date)
    action = ReviewAction.objects.create(incident=incident, description=description, owner=owner, due_date=due_date)
    _line(action, actor, "created")
    return action


@transaction.atomic
def review_action_update(
    *, action_id: int, actor: User, description: str, owner: User, due_date: datetime.date
) -> ReviewAction:
    """Change an open action; a new owner or a new due date earns a new reminder."""
    _require_staff(actor)
    action = _lock_action(action_id)
    if action.done_at is not None:
        raise ServiceDeskError(_("The action is done: reopen it to change it."))
    description = _check(description=description, owner=owner, due_date=due_date)
    if (owner.pk, due_date) == (action.owner_id, action.due_date) and description == action.description:
        return action
    if owner.pk != action.owner_id or due_date != action.due_date:
        action.reminded_at = None
        if due_date != action.due_date:
            action.overdue_reported_at = None
    action.description, action.owner, action.due_date = description, owner, due_date
    action.save()
    _line(action, actor, "changed")
    return action


@transaction.atomic
def review_action_done(*, action_id: int, actor: User) -> ReviewAction:
    _require_staff(actor)
    action = _lock_action(action_id)
    if action.done_at is not None:
        raise ServiceDeskError(_("The action is done already."))
    action.done_at = timezone.now()
    action.save(update_fields=["done_at"])
    _line(action, actor, "done")
    return action


@transaction.atomic
def review_action_reopen(*, action_id: int, actor: User) -> ReviewAction:
    """Undo "done": the action is open again (its marks cleared; the owner hears again when the
    due date or the owner changes)."""
    _require_staff(actor)
    action = _lock_action(action_id)
    if action.done_at is None:
        raise ServiceDeskError(_("The action is still open."))
    action.done_at = None
    action.reminded_at = None
    action.overdue_reported_at = None
    action.save(update_fields=["done_at", "reminded_at", "overdue_reported_at"])
    _line(action, actor, "reopened")
    return action


def _action_message(action: ReviewAction, subject: str, *, urgent: bool) -> Message:
    incident: Incident = action.incident
    return Message(
        reason=Reason.INCIDENT,
        subject=subject,
        template="emergency/email/review_action.txt",
        context={
            "action": action,
            "incident": incident,
            "reference": incident.reference,
            "description": action.description,
            "due": action.due_date.isoformat(),
        },
        url=reverse("emergency:detail", args=[incident.pk]) + "#review-actions",
        reference=incident.reference,
        urgent=urgent,
    )


@transaction.atomic
def review_actions_remind(*, today: datetime.date | None = None) -> int:
    """Remind the owner of each open action due within ``REVIEW_ACTION_REMINDER_DAYS`` (not yet
    overdue), once. Returns how many were reminded."""
    today = today or desk_today()
    horizon = today + datetime.timedelta(days=settings.REVIEW_ACTION_REMINDER_DAYS)
    due = (
        ReviewAction.objects.select_for_update(of=("self",), skip_locked=True)
        .select_related("incident", "owner")
        .filter(done_at=None, reminded_at=None, due_date__gte=today, due_date__lte=horizon)
    )
    now = timezone.now()
    count = 0
    for action in due:
        action.reminded_at = now
        action.save(update_fields=["reminded_at"])
        notify(
            users=[action.owner],
            key=f"review-action:{action.pk}:reminder:{action.owner_id}:{action.due_date.isoformat()}",
            message=_action_message(
                action, gettext_noop("Improvement action due on %(due)s: %(description)s"), urgent=False
            ),
        )
        count += 1
    return count


@transaction.atomic
def review_actions_report_overdue(*, today: datetime.date | None = None) -> int:
    """Tell the managers (and the owner) of each open action past its due date, once. Returns
    how many were reported."""
    today = today or desk_today()
    late = (
        ReviewAction.objects.select_for_update(of=("self",), skip_locked=True)
        .select_related("incident", "owner")
        .filter(done_at=None, overdue_reported_at=None, due_date__lt=today)
    )
    managers = list(User.objects.managers())
    now = timezone.now()
    count = 0
    for action in late:
        action.overdue_reported_at = now
        action.save(update_fields=["overdue_reported_at"])
        notify(
            users=[*managers, action.owner],
            key=f"review-action:{action.pk}:overdue:{action.due_date.isoformat()}",
            message=_action_message(
                action, gettext_noop("Improvement action overdue since %(due)s: %(description)s"), urgent=False
            ),
        )
        count += 1
    return count


def review_actions_sweep(*, today: datetime.date | None = None) -> dict[str, int]:
    """What beat runs: the reminders, then the overdue reports."""
    return {
        "reminded": review_actions_remind(today=today),
        "overdue": review_actions_report_overdue(today=today),
    }
