"""The service history of an asset (an installed product, by its serial number): the registry
where the apps that record work on an asset register a provider at start-up, and the one
function that assembles their lines in time order.

customers is the ground floor: it knows nothing of tickets, incidents, inspections, upgrades or
spare parts. The apps above register here (``AppConfig.ready``), so the arrow still points
down: ``register("part", provider)``. A provider is called with the asset and the user who
asks, returns that user's view of its lines (scoped as its own selectors scope them), and
reads with a fixed number of queries, so the history costs a fixed number of queries too.
"""

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from customers.models import InstalledProduct


@dataclass(frozen=True)
class HistoryEntry:
    """One line of an asset's history."""

    at: datetime.datetime
    kind: str  # "ticket", "incident", "inspection", "upgrade", "part", ...
    object_id: int
    reference: str
    title: str
    status: str = ""
    url: str = ""  # the page of the record, for users who may open it
    details: dict[str, Any] = field(default_factory=dict)


Provider = Callable[..., Iterable[HistoryEntry]]

_providers: dict[str, Provider] = {}


def register(kind: str, provider: Provider) -> None:
    """Register (or replace: ``ready`` may run twice) the provider of one kind of line.
    The provider is called as ``provider(asset=..., user=...)``."""
    _providers[kind] = provider


def registered_kinds() -> list[str]:
    return sorted(_providers)


def asset_history(*, asset: InstalledProduct, user) -> list[HistoryEntry]:
    """Every registered line about the asset the user may see, oldest first."""
    entries: list[HistoryEntry] = []
    for kind in sorted(_providers):
        entries.extend(_providers[kind](asset=asset, user=user))
    return sorted(entries, key=lambda entry: (entry.at, entry.kind, entry.object_id))
