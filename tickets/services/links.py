"""Links between tickets (duplicate of, related to, caused by): staff write them; each link
writes a LINKED (or UNLINKED) event, internal, on both tickets, in the same transaction.

Staff may link tickets of two organisations (one fault upstream causing reports at several
customers); a customer only ever reads the links whose other ticket is its own organisation's
(``tickets.selectors.ticket_links``)."""

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import NotAllowed, ServiceDeskError
from tickets.models import Ticket, TicketEvent, TicketLink
from tickets.services.common import _event, _lock


def _staff(actor: User) -> None:
    if not actor.is_staff_member:
        raise NotAllowed(_("Only staff may link tickets."))


@transaction.atomic
def ticket_link(*, actor: User, ticket: Ticket, target: Ticket, kind: str) -> TicketLink:
    """``ticket`` is ``kind`` ``target`` (a duplicate of it, caused by it, related to it)."""
    _staff(actor)
    if kind not in TicketLink.Kind.values:
        raise ServiceDeskError(_("Choose how the tickets are linked."), field="kind")
    if ticket.pk == target.pk:
        raise ServiceDeskError(_("A ticket cannot be linked to itself."), field="ticket")
    locked = {pk: _lock(pk) for pk in sorted((ticket.pk, target.pk))}
    ticket, target = locked[ticket.pk], locked[target.pk]
    pair = Q(source=ticket, target=target) | Q(source=target, target=ticket)
    existing = TicketLink.objects.filter(pair).first()
    if existing is not None:
        raise ServiceDeskError(
            _("%(reference)s is already linked to this ticket (%(kind)s).")
            % {"reference": target.reference, "kind": existing.wording(ticket).lower()},
            field="ticket",
        )
    link = TicketLink.objects.create(source=ticket, target=target, kind=kind, created_by=actor)
    for side, other in ((ticket, target), (target, ticket)):
        _event(
            side,
            actor,
            TicketEvent.Kind.LINKED,
            public=False,
            link=link.pk,
            link_kind=kind,
            wording="source" if side.pk == ticket.pk else "target",
            other=other.pk,
            reference=other.reference,
        )
    return link


@transaction.atomic
def ticket_unlink(*, actor: User, link: TicketLink) -> None:
    """Remove a link; both tickets' histories say so."""
    _staff(actor)
    locked = {pk: _lock(pk) for pk in sorted((link.source_id, link.target_id))}
    link = TicketLink.objects.select_for_update().filter(pk=link.pk).first()
    if link is None:
        raise ServiceDeskError(_("This link was removed already."), field="link")
    source, target = locked[link.source_id], locked[link.target_id]
    for side, other in ((source, target), (target, source)):
        _event(
            side,
            actor,
            TicketEvent.Kind.UNLINKED,
            public=False,
            link=link.pk,
            link_kind=link.kind,
            wording="source" if side.pk == source.pk else "target",
            other=other.pk,
            reference=other.reference,
        )
    link.delete()
