"""The kinds of import, by name, in the order a new desk brings them in."""

from imports.kinds.base import Column, Kind, Plan, RowError, Verdict
from imports.kinds.contacts import Contacts
from imports.kinds.customers import Assets, Organisations, Projects
from imports.kinds.tickets import Tickets
from imports.kinds.warranties import Warranties

KINDS: dict[str, Kind] = {
    kind.name: kind for kind in (Organisations(), Projects(), Contacts(), Assets(), Warranties(), Tickets())
}

__all__ = ["KINDS", "Column", "Kind", "Plan", "RowError", "Verdict"]
