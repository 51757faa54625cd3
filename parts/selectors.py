"""Reads of the parts app, shared by the pages, the API, the admin and the reports."""

from django.db.models import F, Prefetch, Q, QuerySet

from accounts.models import User
from parts.models import Movement, Part, Reservation, Rma, RmaEvent, Stock, StockLocation
from tickets.selectors import ticket_list

MOVEMENT_RELATED = ("part", "from_location", "to_location", "ticket", "incident", "asset", "actor")


def part_list(*, active_only: bool = False) -> QuerySet[Part]:
    """The catalogue, with each part's stock per location and the products it fits."""
    queryset = Part.objects.prefetch_related(
        "fits", Prefetch("stock", queryset=Stock.objects.select_related("location").order_by("location__name"))
    )
    return queryset.filter(is_active=True) if active_only else queryset


def location_list(*, active_only: bool = False) -> QuerySet[StockLocation]:
    queryset = StockLocation.objects.select_related("engineer")
    return queryset.filter(is_active=True) if active_only else queryset


def stock_list(
    *, part_id: int | None = None, location_id: int | None = None, low: bool | None = None
) -> QuerySet[Stock]:
    """Stock rows; ``low``: those whose available pieces are at or below their low level (or not)."""
    queryset = Stock.objects.select_related("part", "location")
    if part_id is not None:
        queryset = queryset.filter(part_id=part_id)
    if location_id is not None:
        queryset = queryset.filter(location_id=location_id)
    return queryset if low is None else stock_low(queryset, low=low)


def stock_low(queryset: QuerySet[Stock], *, low: bool) -> QuerySet[Stock]:
    """The rows at or below their low-stock level (``low``), or the others."""
    is_low = Q(low_level__isnull=False, low_level__gte=F("on_hand") - F("reserved"))
    return queryset.filter(is_low) if low else queryset.exclude(is_low)


def movement_list() -> QuerySet[Movement]:
    return Movement.objects.select_related(*MOVEMENT_RELATED)


def open_reservations(*, ticket_id: int | None = None, incident_id: int | None = None) -> QuerySet[Reservation]:
    queryset = Reservation.objects.filter(remaining__gt=0).select_related("part", "location")
    if ticket_id is not None:
        queryset = queryset.filter(ticket_id=ticket_id)
    if incident_id is not None:
        queryset = queryset.filter(incident_id=incident_id)
    return queryset


# what a customer sees of the parts on its tickets: the parts used, and any given back
USED_KINDS = (Movement.Kind.ISSUE, Movement.Kind.RETURN)


def ticket_parts(*, ticket_id: int, user: User) -> QuerySet[Movement]:
    """The parts movements of a ticket the user may see (none of a ticket outside its scope):
    staff see every movement, customers the parts issued and returned."""
    queryset = movement_list().filter(ticket_id=ticket_id, ticket__in=ticket_list(user=user).values("pk"))
    if not user.is_staff_member:
        queryset = queryset.filter(kind__in=USED_KINDS)
    return queryset.order_by("at", "pk")


def rma_list() -> QuerySet[Rma]:
    return Rma.objects.select_related("part", "asset__project", "ticket", "created_by")


def rma_events(*, rma_id: int) -> QuerySet[RmaEvent]:
    return RmaEvent.objects.filter(rma_id=rma_id).select_related("actor")


def replacements_for_asset(*, asset_id: int) -> dict[str, QuerySet]:
    """What the parts app knows of an asset (the asset history): the parts issued to it or
    returned from it, and the returns (RMA) of parts taken out of it, each oldest first."""
    return {
        "movements": movement_list().filter(asset_id=asset_id, kind__in=USED_KINDS).order_by("at", "pk"),
        "rmas": rma_list().filter(asset_id=asset_id).order_by("created_at", "pk"),
    }
