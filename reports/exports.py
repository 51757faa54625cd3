"""Every dashboard table as a CSV (UTF-8 with a byte-order mark, so Excel reads the Chinese)
or an XLSX workbook (openpyxl), one header row and one row per table row. Every cell goes
through ``core.spreadsheets.safe_cell``: text that starts like a formula is not run as one."""

import csv
import datetime
import decimal
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpResponse, StreamingHttpResponse
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from core.spreadsheets import safe_cell

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Column:
    key: str
    label: str
    value: Callable[[Any], Any] | None = None  # from the row; default: row[key]

    def of(self, row: Any) -> Any:
        return self.value(row) if self.value else row[self.key]


@dataclass
class Table:
    name: str  # the file's name, without extension
    title: str  # the sheet's title
    columns: Sequence[Column]
    rows: Iterable[Any] = field(default_factory=list)

    def header(self) -> list[str]:
        return [safe_cell(str(column.label)) for column in self.columns]

    def values(self) -> Iterable[list[Any]]:
        for row in self.rows:
            yield [_plain(column.of(row)) for column in self.columns]


def _plain(value: Any) -> Any:
    """A cell a spreadsheet can hold: text for lazy strings, naive local datetimes, numbers as
    numbers; text that starts like a formula neutralised (``safe_cell``)."""
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        from django.utils import timezone

        return timezone.localtime(value).replace(tzinfo=None)
    if value is None or isinstance(value, (int, float, decimal.Decimal, datetime.date)):
        return value
    return safe_cell(str(value))


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_response(table: Table) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def lines():
        yield "\ufeff"
        yield writer.writerow(table.header())
        for values in table.values():
            yield writer.writerow(["" if value is None else value for value in values])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{table.name}.csv"'
    return response


def xlsx_bytes(table: Table) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=str(table.title)[:31] or "Sheet")
    for index, column in enumerate(table.columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(12, min(50, len(str(column.label)) + 4))
    sheet.append(table.header())
    for values in table.values():
        sheet.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_response(table: Table) -> HttpResponse:
    response = HttpResponse(xlsx_bytes(table), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{table.name}.xlsx"'
    return response
