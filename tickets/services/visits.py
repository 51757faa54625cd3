"""On-site support: an engineer dispatched, arriving on site and leaving it."""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import User
from core.errors import NotAllowed, ServiceDeskError
from notifications.models import Reason
from tickets import sla
from tickets.models import Metric, OnsiteVisit, TicketEvent
from tickets.services.common import _event, _lock, _notify, _responded


@transaction.atomic
def ticket_dispatch(
    *,
    ticket_id: int,
    actor: User,
    engineer: User,
    expected_arrival_at: datetime.datetime | None = None,
    departed_at: datetime.datetime | None = None,
) -> OnsiteVisit:
    """Send an engineer on site; the on-site arrival clock starts now."""
    if not actor.is_staff_member:
        raise NotAllowed(_("Only staff may dispatch engineers."))
    if engineer.is_customer or not engineer.is_active:
        raise ServiceDeskError(_("Only an active engineer can be sent on site."), field="engineer")
    ticket = _lock(ticket_id)
    if not ticket.is_open:
        raise ServiceDeskError(_("Reopen the ticket before sending someone on site."), field="engineer")
    if expected_arrival_at is not None and expected_arrival_at < timezone.now():
        raise ServiceDeskError(_("The expected arrival lies in the past."), field="expected_arrival_at")
    if ticket.visits.filter(arrived_at__isnull=True).exists():
        raise ServiceDeskError(_("An engineer is already on the way; record the arrival first."), field="engineer")
    now = timezone.now()
    visit = OnsiteVisit.objects.create(
        ticket=ticket,
        engineer=engineer,
        dispatched_at=now,
        departed_at=departed_at,
        expected_arrival_at=expected_arrival_at,
    )
    _event(
        ticket,
        actor,
        TicketEvent.Kind.DISPATCHED,
        engineer=engineer.pk,
        engineer_name=str(engineer),
        expected_arrival_at=expected_arrival_at.isoformat() if expected_arrival_at else None,
    )
    sla.clock_start(ticket=ticket, metric=Metric.ONSITE_ARRIVAL, at=now)
    sla.ticket_refresh_next_due(ticket)
    _notify(
        ticket,
        [ticket.reporter],
        gettext_noop("[%(reference)s] An engineer is on the way: %(title)s"),
        "notifications/email/ticket_dispatched.txt",
        event=f"visit:{visit.pk}",
        reason=Reason.TICKET_DISPATCHED,
        visit=visit,
    )
    return visit


@transaction.atomic
def ticket_arrive(*, ticket_id: int, actor: User, arrived_at: datetime.datetime | None = None) -> OnsiteVisit:
    if not actor.is_staff_member:
        raise NotAllowed(_("Only staff may record an arrival."))
    ticket = _lock(ticket_id)
    visit = ticket.visits.filter(arrived_at__isnull=True).order_by("-dispatched_at").first()
    if visit is None:
        raise ServiceDeskError(_("Nobody is on the way to this site."), field="arrived_at")
    now = timezone.now()
    arrived_at = arrived_at or now
    if arrived_at > now or arrived_at < visit.dispatched_at:
        raise ServiceDeskError(_("The arrival must lie between the dispatch and now."), field="arrived_at")
    visit.arrived_at = arrived_at
    visit.save(update_fields=["arrived_at"])
    _event(
        ticket, actor, TicketEvent.Kind.ARRIVED, engineer_name=str(visit.engineer), arrived_at=arrived_at.isoformat()
    )
    sla.clock_stop(ticket=ticket, metric=Metric.ONSITE_ARRIVAL, at=arrived_at, actor=actor)
    _responded(ticket, actor, arrived_at)  # someone on site answers the customer
    sla.ticket_refresh_next_due(ticket)
    return visit


@transaction.atomic
def ticket_leave_site(*, ticket_id: int, actor: User, work_done: str) -> OnsiteVisit:
    if not actor.is_staff_member:
        raise NotAllowed(_("Only staff may record a visit."))
    ticket = _lock(ticket_id)
    visit = ticket.visits.filter(arrived_at__isnull=False, left_site_at__isnull=True).order_by("-arrived_at").first()
    if visit is None:
        raise ServiceDeskError(_("Nobody is on site for this ticket."), field="work_done")
    visit.left_site_at, visit.work_done = timezone.now(), work_done
    visit.save(update_fields=["left_site_at", "work_done"])
    _event(ticket, actor, TicketEvent.Kind.DEPARTED, engineer_name=str(visit.engineer), work_done=work_done)
    return visit
