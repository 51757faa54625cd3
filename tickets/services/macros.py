"""Macros (canned replies): who sees and changes which, and applying one to a ticket.

Who may use a macro (``macro_list``): staff only; a personal macro its owner, a team macro the
team's members and the managers and admins, a desk-wide macro every member of staff.
Who may change one (``macro_save``, ``macro_delete``): a personal macro its owner; a team macro
the team's members, managers and admins; a desk-wide macro managers and admins.

``macro_apply`` is one transaction through the ticket services (assignment, the reply or note,
priority and status), so the SLA clocks, the history and the notifications follow as if each
step had been taken by hand; a refused step (a status the ticket cannot move to) saves nothing.
"""

from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from accounts.models import Team, User
from core.errors import NotAllowed, ServiceDeskError
from core.writes import assign, require_staff, validated_save
from tickets.macro_text import PLACEHOLDERS, Rendered, macro_render, placeholders_unknown
from tickets.models import Macro, Ticket, TicketEvent
from tickets.services.common import _event
from tickets.services.lifecycle import comment_add, ticket_assign, ticket_update

Scope = Macro.Scope
FIELDS = (
    "name",
    "body_en",
    "body_zh_hans",
    "scope",
    "team",
    "public",
    "set_status",
    "set_priority",
    "assignment",
    "assignee",
    "is_active",
)


def macro_list(*, user: User, q: str = "", active_only: bool = False) -> QuerySet[Macro]:
    """The macros ``user`` may use (and see), by name; ``q`` finds words in the name or either
    text. Customers see none."""
    macros = Macro.objects.select_related("team", "owner", "assignee")
    if not (user.is_authenticated and user.is_active and user.is_staff_member):
        return macros.none()
    visible = Q(scope=Scope.DESK) | Q(scope=Scope.PERSONAL, owner=user)
    mine = Team.objects.filter(memberships__user=user).values("pk")
    visible |= Q(scope=Scope.TEAM) if user.can_manage else Q(scope=Scope.TEAM, team__in=mine)
    macros = macros.filter(visible)
    if active_only:
        macros = macros.filter(is_active=True)
    for word in (q or "").split()[:5]:
        macros = macros.filter(Q(name__icontains=word) | Q(body_en__icontains=word) | Q(body_zh_hans__icontains=word))
    return macros.order_by("name", "pk")


def _member_of(user: User, team: Team | None) -> bool:
    return team is not None and team.memberships.filter(user=user).exists()


def macro_may_change(*, actor: User, macro: Macro, team_ids: set[int] | None = None) -> bool:
    """Whether ``actor`` may change or delete ``macro`` as it is (its scope, owner and team).
    ``team_ids``: the actor's teams, when a list asks for many macros (read once)."""
    if not actor.is_staff_member:
        return False
    if macro.scope == Scope.PERSONAL:
        return macro.owner_id == actor.pk
    if actor.can_manage:
        return True
    if macro.scope != Scope.TEAM:
        return False
    return macro.team_id in team_ids if team_ids is not None else _member_of(actor, macro.team)


def my_team_ids(*, user: User) -> set[int]:
    return set(Team.objects.filter(memberships__user=user).values_list("pk", flat=True))


def _check_text(macro: Macro) -> None:
    for name in ("body_en", "body_zh_hans"):
        unknown = placeholders_unknown(getattr(macro, name))
        if unknown:
            known = ", ".join(f"{{{{ {key} }}}}" for key in PLACEHOLDERS)
            raise ServiceDeskError(
                _("Unknown placeholder %(placeholder)s. The placeholders are: %(known)s.")
                % {"placeholder": unknown[0], "known": known},
                field=name,
            )


@transaction.atomic
def macro_save(*, actor: User, macro: Macro | None = None, **fields: Any) -> Macro:
    """Add a macro (``macro`` None) or change one. A personal macro belongs to whoever adds it."""
    require_staff(actor)
    unknown_fields = set(fields) - set(FIELDS)
    if unknown_fields:
        raise TypeError(f"macro_save got unexpected fields: {sorted(unknown_fields)}")
    if macro is not None and macro.pk:
        macro = Macro.objects.select_for_update().get(pk=macro.pk)
        if not macro_may_change(actor=actor, macro=macro):
            raise NotAllowed(_("You may not change this macro."))
    else:
        macro = Macro(created_by=actor)
    assign(macro, fields)
    # the scope decides who owns it: the author for a personal one, a team for a team one
    if macro.scope == Scope.PERSONAL:
        macro.owner = macro.owner if macro.owner_id else actor
    else:
        macro.owner = None
    if macro.scope != Scope.TEAM:
        macro.team = None
    if macro.assignment != Macro.Assignment.USER:
        macro.assignee = None
    macro.name = (macro.name or "").strip()
    macro.body_en = (macro.body_en or "").strip()
    macro.body_zh_hans = (macro.body_zh_hans or "").strip()
    if macro.scope == Scope.DESK and not actor.can_manage:
        raise NotAllowed(_("Desk-wide macros are kept by the managers and admins."))
    if macro.scope == Scope.TEAM and not actor.can_manage and not _member_of(actor, macro.team):
        raise ServiceDeskError(_("Choose one of your teams."), field="team")
    if macro.assignee is not None and not (macro.assignee.is_staff_member and macro.assignee.is_active):
        raise ServiceDeskError(_("Tickets are assigned to active engineers."), field="assignee")
    _check_text(macro)
    validated_save(macro)
    return macro


@transaction.atomic
def macro_delete(*, actor: User, macro: Macro) -> None:
    require_staff(actor)
    macro = Macro.objects.select_for_update().get(pk=macro.pk)
    if not macro_may_change(actor=actor, macro=macro):
        raise NotAllowed(_("You may not delete this macro."))
    macro.delete()


def macro_preview(*, actor: User, macro: Macro, ticket: Ticket) -> Rendered:
    """What applying ``macro`` to ``ticket`` would send (for the ticket's reader) and do."""
    require_staff(actor)
    return macro_render(macro=macro, ticket=ticket, actor=actor)


def _usable(actor: User, macro: Macro) -> Macro:
    usable = macro_list(user=actor).filter(pk=macro.pk).first()
    if usable is None:
        raise NotAllowed(_("You may not use this macro."))
    if not usable.is_active:
        raise ServiceDeskError(_("This macro is switched off."), field="macro")
    return usable


@transaction.atomic
def macro_apply(*, actor: User, ticket: Ticket, macro: Macro, body: str | None = None) -> Ticket:
    """Apply ``macro`` to ``ticket``: its text (``body``, when given, is sent as written instead:
    the preview edited) as a public reply or an internal note, and its assignment, priority and
    status, each through the ticket's own service; a history line names the macro."""
    require_staff(actor)
    macro = _usable(actor, macro)
    ticket = Ticket.objects.select_related("reporter", "organisation", "project").get(pk=ticket.pk)
    text = macro_render(macro=macro, ticket=ticket, actor=actor).text if body is None else body
    if not text.strip():
        raise ServiceDeskError(_("Write a message."), field="body")
    status = macro.set_status or None
    open_statuses = set(Ticket.OPEN_STATUSES)
    # reopening comes first (a closed ticket takes no reply), resolving or closing last (a
    # resolved ticket cannot be reassigned)
    status_first = status is not None and status in open_statuses and ticket.status not in open_statuses
    if status_first:
        ticket_update(ticket_id=ticket.pk, actor=actor, status=status)
    if macro.assignment:
        assignee = actor if macro.assignment == Macro.Assignment.APPLIER else macro.assignee
        current = Ticket.objects.only("team").get(pk=ticket.pk)
        ticket_assign(ticket_id=ticket.pk, actor=actor, assignee=assignee, team=current.team)
    if macro.set_priority:
        ticket_update(ticket_id=ticket.pk, actor=actor, priority=macro.set_priority)
    comment = comment_add(ticket_id=ticket.pk, actor=actor, body=text, public=macro.public)
    if status is not None and not status_first:
        ticket_update(ticket_id=ticket.pk, actor=actor, status=status)
    locked = Ticket.objects.select_for_update(of=("self",)).get(pk=ticket.pk)
    _event(
        locked,
        actor,
        TicketEvent.Kind.MACRO,
        public=False,
        macro=macro.pk,
        name=macro.name,
        reply=comment.pk,  # not "comment": the timeline would show the reply a second time
        edited=body is not None,
    )
    return locked
