"""Stock movements: every change of stock is one movement, written in one transaction with the
stock rows it changes, which are locked first; nothing ever takes stock below zero."""

import datetime
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Model, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import User
from core.errors import ServiceDeskError
from core.writes import require_staff
from customers.models import InstalledProduct
from notifications.models import Reason
from notifications.services import Message, notify
from parts import hooks
from parts.models import Movement, Part, Reservation, Stock, StockLocation
from parts.services.common import incident_model, stock_rows_for_update
from tickets.models import Ticket

Kind = Movement.Kind

# which locations each kind of movement takes: (from, to)
LOCATIONS: dict[str, tuple[bool, bool]] = {
    Kind.RECEIVE: (False, True),
    Kind.RESERVE: (True, False),
    Kind.RELEASE: (True, False),
    Kind.ISSUE: (True, False),
    Kind.RETURN: (False, True),
    Kind.TRANSFER: (True, True),
    Kind.WRITE_OFF: (True, False),
}


def _short(part: Part, location: StockLocation, available: int, wanted: int) -> ServiceDeskError:
    return ServiceDeskError(
        _("Only %(available)d of %(part)s available at %(location)s; %(wanted)d asked for.")
        % {"available": available, "part": part.part_number, "location": location.name, "wanted": wanted},
        field="quantity",
    )


def _check_locations(kind: str, from_location: StockLocation | None, to_location: StockLocation | None) -> None:
    needs_from, needs_to = LOCATIONS[kind]
    if needs_from and from_location is None:
        raise ServiceDeskError(_("Say which location the parts come from."), field="from_location")
    if needs_to and to_location is None:
        raise ServiceDeskError(_("Say which location the parts go to."), field="to_location")
    if not needs_from:
        from_location = None
    if not needs_to:
        to_location = None
    if from_location is not None and to_location is not None and from_location.pk == to_location.pk:
        raise ServiceDeskError(_("A transfer goes to another location."), field="to_location")
    for location, name in ((from_location, "from_location"), (to_location, "to_location")):
        if location is not None and not location.is_active:
            raise ServiceDeskError(_("The location %(name)s is closed.") % {"name": location.name}, field=name)


def _check_work(kind: str, ticket: Ticket | None, incident: Model | None) -> None:
    if ticket is not None and incident is not None:
        raise ServiceDeskError(_("Name a ticket or an incident, not both."), field="incident")
    if kind in (Kind.RESERVE, Kind.ISSUE):
        if ticket is None and incident is None:
            raise ServiceDeskError(_("Name the ticket or incident the parts are for."), field="ticket")
        if ticket is not None and not ticket.is_open:
            raise ServiceDeskError(_("The ticket is not open."), field="ticket")
        if incident is not None and incident.status == "closed":
            raise ServiceDeskError(_("The incident is closed."), field="incident")


@dataclass
class _Move:
    """One movement being written: the locked rows and what happened to them."""

    movement: Movement
    rows: dict[int, Stock]
    changed: list[Stock] = field(default_factory=list)


@transaction.atomic
def movement_record(
    *,
    actor: User | None,
    kind: str,
    part: Part,
    quantity: int,
    from_location: StockLocation | None = None,
    to_location: StockLocation | None = None,
    ticket: Ticket | None = None,
    incident: Model | None = None,
    asset: InstalledProduct | None = None,
    reservation: Reservation | None = None,
    serial_numbers: str = "",
    note: str = "",
) -> Movement:
    """Move stock: receive, reserve for a ticket or an incident, release a reservation, issue,
    return to stock, transfer between locations, write off. ``actor`` is None only for the
    system (the sweep that releases the reservations of closed work)."""
    if actor is not None:
        require_staff(actor)
    if kind not in Kind.values:
        raise ServiceDeskError(_("There is no movement called %(kind)s.") % {"kind": kind}, field="kind")
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= 100_000:
        raise ServiceDeskError(_("A quantity from 1 to 100000."), field="quantity")
    if kind == Kind.RELEASE:
        if reservation is None:
            raise ServiceDeskError(_("Say which reservation to release."), field="reservation")
        reservation = Reservation.objects.select_for_update().get(pk=reservation.pk)
        from_location, ticket, incident = reservation.location, reservation.ticket, reservation.incident
        part = reservation.part
    if kind in (Kind.RESERVE, Kind.ISSUE) and not part.is_active:
        raise ServiceDeskError(_("The part %(part)s is no longer used.") % {"part": part.part_number}, field="part")
    _check_locations(kind, from_location, to_location)
    needs_from, needs_to = LOCATIONS[kind]
    from_location = from_location if needs_from else None
    to_location = to_location if needs_to else None
    if kind != Kind.RELEASE:
        _check_work(kind, ticket, incident)
    if asset is not None and ticket is not None and asset.project_id != ticket.project_id:
        raise ServiceDeskError(_("The asset belongs to another project than the ticket."), field="asset")
    rows = stock_rows_for_update(part, [loc for loc in (from_location, to_location) if loc is not None])
    movement = Movement(
        kind=kind,
        part=part,
        quantity=quantity,
        from_location=from_location,
        to_location=to_location,
        ticket=ticket,
        incident=incident,
        asset=asset,
        serial_numbers=serial_numbers.strip(),
        note=note.strip(),
        actor=actor,
        at=timezone.now(),
    )
    move = _Move(movement=movement, rows=rows)
    APPLY[kind](move, reservation)
    for row in move.changed:
        row.save(update_fields=["on_hand", "reserved", "updated_at"])
    movement.save()
    for row in move.changed:
        _watch_low(row, movement)
    if kind == Kind.ISSUE and ticket is not None:
        hooks.issued(movement)
    return movement


def _take(move: _Move, location: StockLocation, quantity: int, *, reserved: int = 0) -> None:
    """``quantity`` pieces leave ``location``; ``reserved`` of them were held for this work."""
    row = move.rows[location.pk]
    free = quantity - reserved
    if free > row.available:
        raise _short(move.movement.part, location, row.available, free)
    row.on_hand -= quantity
    row.reserved -= reserved
    move.changed.append(row)


def _put(move: _Move, location: StockLocation, quantity: int) -> None:
    row = move.rows[location.pk]
    row.on_hand += quantity
    move.changed.append(row)


def _receive(move: _Move, reservation: Reservation | None) -> None:
    _put(move, move.movement.to_location, move.movement.quantity)


def _reserve(move: _Move, reservation: Reservation | None) -> None:
    movement = move.movement
    row = move.rows[movement.from_location.pk]
    if movement.quantity > row.available:
        raise _short(movement.part, movement.from_location, row.available, movement.quantity)
    row.reserved += movement.quantity
    move.changed.append(row)
    movement.reservation = Reservation.objects.create(
        part=movement.part,
        location=movement.from_location,
        ticket=movement.ticket,
        incident=movement.incident,
        quantity=movement.quantity,
        remaining=movement.quantity,
        created_at=movement.at,
        created_by=movement.actor,
    )


def _release(move: _Move, reservation: Reservation | None) -> None:
    assert reservation is not None
    movement = move.movement
    if movement.quantity > reservation.remaining:
        raise ServiceDeskError(
            _("Only %(remaining)d still reserved.") % {"remaining": reservation.remaining}, field="quantity"
        )
    row = move.rows[movement.from_location.pk]
    row.reserved -= movement.quantity
    move.changed.append(row)
    _use(reservation, movement.quantity, movement.at)
    movement.reservation = reservation


def _use(reservation: Reservation, quantity: int, now: datetime.datetime) -> None:
    reservation.remaining -= quantity
    reservation.closed_at = now if reservation.remaining == 0 else None
    reservation.save(update_fields=["remaining", "closed_at"])


def _issue(move: _Move, reservation: Reservation | None) -> None:
    """Issuing uses this work's reservations of the part at that location first."""
    movement = move.movement
    work = Q(ticket=movement.ticket) if movement.ticket is not None else Q(incident=movement.incident)
    held = (
        Reservation.objects.select_for_update()
        .filter(work, part=movement.part, location=movement.from_location, remaining__gt=0)
        .order_by("pk")
    )
    wanted, used = movement.quantity, 0
    for each in held:
        take = min(each.remaining, wanted - used)
        if take <= 0:
            break
        _use(each, take, movement.at)
        movement.reservation = movement.reservation or each
        used += take
    _take(move, movement.from_location, wanted, reserved=used)


def _return(move: _Move, reservation: Reservation | None) -> None:
    """Unused parts back from a ticket or incident: no more than were issued to it."""
    movement = move.movement
    if movement.ticket is not None or movement.incident is not None:
        work = Q(ticket=movement.ticket) if movement.ticket is not None else Q(incident=movement.incident)
        totals = Movement.objects.filter(work, part=movement.part).values("kind").annotate(total=Sum("quantity"))
        by_kind = {each["kind"]: each["total"] for each in totals}
        out = by_kind.get(Kind.ISSUE, 0) - by_kind.get(Kind.RETURN, 0)
        if movement.quantity > out:
            raise ServiceDeskError(
                _("Only %(count)d of %(part)s were issued to it and not returned.")
                % {"count": out, "part": movement.part.part_number},
                field="quantity",
            )
    _put(move, movement.to_location, movement.quantity)


def _transfer(move: _Move, reservation: Reservation | None) -> None:
    _take(move, move.movement.from_location, move.movement.quantity)
    _put(move, move.movement.to_location, move.movement.quantity)


def _write_off(move: _Move, reservation: Reservation | None) -> None:
    if not move.movement.note:
        raise ServiceDeskError(_("Say why the parts are written off."), field="note")
    _take(move, move.movement.from_location, move.movement.quantity)


APPLY = {
    Kind.RECEIVE: _receive,
    Kind.RESERVE: _reserve,
    Kind.RELEASE: _release,
    Kind.ISSUE: _issue,
    Kind.RETURN: _return,
    Kind.TRANSFER: _transfer,
    Kind.WRITE_OFF: _write_off,
}


def _watch_low(row: Stock, movement: Movement) -> None:
    """The managers are told once when a location's available pieces fall to the part's low
    level there; again only after it has risen above it."""
    if row.is_low and row.low_reported_at is None:
        row.low_reported_at = movement.at
        row.save(update_fields=["low_reported_at"])
        part, location = movement.part, row.location
        notify(
            users=User.objects.managers(),
            key=f"parts:low:{row.pk}:{movement.pk}",
            message=Message(
                reason=Reason.MAINTENANCE,
                subject=gettext_noop("Low stock: %(part)s at %(location)s (%(available)s left)"),
                template="parts/email/low_stock.txt",
                context={
                    "part": f"{part.part_number} {part.name}",
                    "location": location.name,
                    "available": row.available,
                    "level": row.low_level,
                },
                url=reverse("parts:part_detail", args=[part.pk]),
            ),
        )
    elif not row.is_low and row.low_reported_at is not None:
        row.low_reported_at = None
        row.save(update_fields=["low_reported_at"])


@transaction.atomic
def stock_set_low_level(*, part: Part, location: StockLocation, low_level: int | None, actor: User) -> Stock:
    """Set the low-stock level of a part at a location (None: no alert)."""
    require_staff(actor)
    if low_level is not None and not 0 <= low_level <= 100_000:
        raise ServiceDeskError(_("A level from 0 to 100000."), field="low_level")
    row = stock_rows_for_update(part, [location])[location.pk]
    row.low_level = low_level
    if not row.is_low:
        row.low_reported_at = None
    row.save(update_fields=["low_level", "low_reported_at", "updated_at"])
    return row


@transaction.atomic
def reservation_release(*, reservation_id: int, actor: User | None, note: str = "") -> Movement | None:
    """Give back what a reservation still holds; None when it holds nothing any more."""
    reservation = Reservation.objects.select_related("part", "location").get(pk=reservation_id)
    if reservation.remaining == 0:
        return None
    return movement_record(
        actor=actor,
        kind=Kind.RELEASE,
        part=reservation.part,
        quantity=reservation.remaining,
        reservation=reservation,
        note=note,
    )


def reservations_release_closed() -> int:
    """Release what closed tickets and incidents still hold (the beat sweep, every few
    minutes; idempotent: a released reservation holds nothing). Returns how many."""
    closed = Q(ticket__status=Ticket.Status.CLOSED) | Q(incident__status="closed")
    count = 0
    for reservation_id in Reservation.objects.filter(closed, remaining__gt=0).values_list("pk", flat=True):
        with transaction.atomic():
            if reservation_release(reservation_id=reservation_id, actor=None, note=_("Closed without using them.")):
                count += 1
    return count


@dataclass
class Reserved:
    """What a plan's part resource got: the pieces reserved where, and how many are missing."""

    part: Part
    wanted: int
    at: list[tuple[str, int]] = field(default_factory=list)

    @property
    def reserved(self) -> int:
        return sum(count for _name, count in self.at)

    @property
    def missing(self) -> int:
        return self.wanted - self.reserved


@transaction.atomic
def incident_parts_reserve(*, incident_id: int, wanted: list[tuple[int, int]], actor: User | None) -> list[Reserved]:
    """Reserve the parts a response plan names (``wanted``: part id, quantity) for an incident,
    warehouses first, then the location with the most available; what no location has is said
    in the answer, not refused."""
    incident = incident_model().objects.get(pk=incident_id)
    answers = []
    for part_id, quantity in wanted:
        part = Part.objects.get(pk=part_id)
        answer = Reserved(part=part, wanted=quantity)
        answers.append(answer)
        if not part.is_active:
            continue
        stock = Stock.objects.filter(part=part, location__is_active=True).select_related("location")
        ranked = sorted(
            (row for row in stock if row.available > 0),
            key=lambda row: (row.location.kind != StockLocation.Kind.WAREHOUSE, -row.available, row.location_id),
        )
        for row in ranked:
            if answer.missing <= 0:
                break
            take = min(answer.missing, row.available)
            try:
                with transaction.atomic():
                    movement_record(
                        actor=actor,
                        kind=Kind.RESERVE,
                        part=part,
                        quantity=take,
                        from_location=row.location,
                        incident=incident,
                        note=_("Response plan"),
                    )
            except ServiceDeskError:
                continue  # taken meanwhile: the next location
            answer.at.append((row.location.name, take))
    return answers
