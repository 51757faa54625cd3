"""Reading an uploaded file into rows: CSV (UTF-8 with or without a byte-order mark, else
GB18030, as Excel saves a CSV on a Chinese Windows) or XLSX (the first sheet).

A row is ``(line, {column: text})``: ``line`` is the line of the file (the header is line 1), the
values are stripped text (an XLSX date cell becomes ``YYYY-MM-DD``, a whole number its digits).
"""

import csv
import datetime
import io
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from core.errors import ServiceDeskError

XLSX_MAGIC = b"PK\x03\x04"
ENCODINGS = ("utf-8-sig", "gb18030")


@dataclass
class Table:
    header: list[str]
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    encoding: str = ""


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value).strip()


def _table(lines, encoding: str) -> Table:
    header: list[str] | None = None
    table = Table(header=[], encoding=encoding)
    for number, cells in lines:
        values = [_text(cell) for cell in cells]
        if header is None:
            if not any(values):
                continue
            # a template marks the required columns with an asterisk: "code*"
            header = [value.strip().lower().rstrip("*").strip() for value in values]
            table.header = header
            continue
        if not any(values):
            continue  # blank lines (Excel leaves some at the end) are no rows
        row = {name: (values[i] if i < len(values) else "") for i, name in enumerate(header) if name}
        table.rows.append((number, row))
    if header is None:
        raise ServiceDeskError(_("The file is empty: it has no header line."), field="file")
    return table


def _decode(content: bytes) -> tuple[str, str]:
    for encoding in ENCODINGS:
        try:
            return content.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise ServiceDeskError(_("The file is neither UTF-8 nor GB18030 text."), field="file")


def _csv_lines(text: str):
    reader = csv.reader(io.StringIO(text, newline=""))
    for cells in reader:
        yield reader.line_num, cells


def _xlsx_lines(content: bytes):
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise ServiceDeskError(_("The file is not a readable XLSX workbook."), field="file") from error
    try:
        sheet = workbook.worksheets[0]
        yield from enumerate(sheet.iter_rows(values_only=True), start=1)
    finally:
        workbook.close()


def read_table(content: bytes, name: str = "") -> Table:
    """The rows of an uploaded file; an XLSX file is known by its content (a ZIP), whatever its name."""
    if content.startswith(XLSX_MAGIC) or name.lower().endswith(".xlsx"):
        return _table(list(_xlsx_lines(content)), "xlsx")
    text, encoding = _decode(content)
    try:
        lines = list(_csv_lines(text))
    except csv.Error as error:
        raise ServiceDeskError(_("The CSV file cannot be read: %(error)s") % {"error": error}, field="file") from error
    return _table(lines, encoding)
