"""The permission matrix's rows for the emergency clock from the first call (issue 22)."""

from typing import Any

from tests.security.matrix_rows import Row

ROWS: list[Row] = []


def world(base: dict[str, Any]) -> dict[str, Any]:
    """Objects of organisation A these rows address, added to the matrix's world ``base``."""
    return {}
