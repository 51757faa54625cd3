"""The permission matrix's row type and shorthands, shared by its per-capability modules."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

ROLES = ["anonymous", "customer_a", "customer_b", "engineer", "manager", "admin"]


@dataclass
class Row:
    name: str
    method: str
    expected: dict[str, int]
    args: list[str] = field(default_factory=list)  # names of objects in the world, resolved per run
    data: dict[str, Any] | Callable[[dict], dict] | None = None  # a callable gets the world
    api: bool = False
    query: Callable[[dict], dict] | None = None  # the URL's query string, from the world


def everyone(code: int, **overrides: int) -> dict[str, int]:
    return {role: overrides.get(role, code) for role in ROLES}


def signed_in(code: int, anonymous: int, **overrides: int) -> dict[str, int]:
    return everyone(code, anonymous=anonymous, **overrides)
