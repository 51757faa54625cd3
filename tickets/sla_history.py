"""A ticket's SLA cycles, each with the outcome of every metric: the finished cycles as they were
kept at each reopening (``SLACycle``) and the current one from the running clocks. Read by the
API (``/api/v1/tickets/<id>/sla-history/``) and the ticket page."""

import datetime
from collections import defaultdict
from typing import Any

from django.utils import timezone

from tickets.models import SLAClock, SLACycle, Ticket
from tickets.sla import clock_state, cycle_of

METRIC_ORDER = {"first_response": 0, "onsite_arrival": 1, "update": 2, "resolution": 3}


def _metric_row(
    *, metric: str, target_minutes: int, started_at, due_at, stopped_at, breached: bool, breaches: int
) -> dict[str, Any]:
    return {
        "metric": metric,
        "target_minutes": target_minutes,
        "started_at": started_at,
        "due_at": due_at,
        "stopped_at": stopped_at,
        "breached": breached or breaches > 0,
        "breaches": breaches,
    }


def sla_history(
    ticket: Ticket, *, clocks: list[SLAClock] | None = None, now: datetime.datetime | None = None
) -> list[dict[str, Any]]:
    """Every cycle of the ticket, the first first: number, current, started_at, ended_at (None
    for the current one), breached (any metric, any interval) and its metrics' rows. Two queries
    (one when ``clocks`` are given)."""
    now = now or timezone.now()
    if clocks is None:
        clocks = list(SLAClock.objects.filter(ticket=ticket).select_related("calendar"))
    kept = list(SLACycle.objects.filter(ticket=ticket).order_by("number", "metric"))
    current = max(cycle_of(clocks), max((row.number + 1 for row in kept), default=1))
    by_number: dict[int, list[dict[str, Any]]] = defaultdict(list)
    ended: dict[int, datetime.datetime] = {}
    earlier: dict[str, int] = defaultdict(int)
    for row in kept:
        ended[row.number] = row.ended_at
        earlier[row.metric] += row.breaches
        by_number[row.number].append(
            _metric_row(
                metric=row.metric,
                target_minutes=row.target_minutes,
                started_at=row.started_at,
                due_at=row.due_at,
                stopped_at=row.stopped_at,
                breached=row.breached_at is not None,
                breaches=row.breaches,
            )
        )
    for clock in clocks:
        if clock.cycle != current:
            continue
        state = clock_state(clock, now)
        by_number[current].append(
            _metric_row(
                metric=clock.metric,
                target_minutes=clock.target_minutes,
                started_at=clock.started_at,
                due_at=clock.due_at,
                stopped_at=clock.stopped_at,
                breached=state["breached"],
                breaches=max(0, state["breaches"] - earlier[clock.metric]),
            )
        )
    cycles = []
    for number in range(1, current + 1):
        metrics = sorted(by_number[number], key=lambda row: METRIC_ORDER.get(row["metric"], 9))
        cycles.append(
            {
                "number": number,
                "current": number == current,
                "started_at": ended.get(number - 1, ticket.received_at),
                "ended_at": ended.get(number),
                "breached": any(row["breached"] for row in metrics),
                "metrics": metrics,
            }
        )
    return cycles
