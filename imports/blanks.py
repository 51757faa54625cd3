"""The template of each kind: its columns, one example row, and a note of what each column
holds (required or not). CSV (UTF-8 with a byte-order mark, so Excel reads the Chinese right)
or XLSX (the columns on the first sheet, the notes on a second)."""

import csv
import io

from django.utils.translation import gettext as _

from imports.kinds import KINDS, Kind


def _notes(kind: Kind) -> list[list[str]]:
    return [
        [
            column.name,
            _("required") if column.required else _("optional"),
            _("key") if column.key else "",
            str(column.help),
            column.example,
        ]
        for column in kind.columns
    ]


def header(kind: Kind) -> list[str]:
    """The column names, the required ones marked "name*" (the reader drops the asterisk)."""
    return [f"{column.name}*" if column.required else column.name for column in kind.columns]


def template_csv(kind_name: str) -> bytes:
    kind = KINDS[kind_name]
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(header(kind))
    writer.writerow([column.example for column in kind.columns])
    return out.getvalue().encode("utf-8-sig")


def template_xlsx(kind_name: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    kind = KINDS[kind_name]
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = kind.name
    sheet.append(header(kind))
    sheet.append([column.example for column in kind.columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index, column in enumerate(kind.columns, start=1):
        sheet.cell(row=2, column=index).number_format = "@"  # text: codes and dates stay as written
        sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = max(14, len(column.name) + 4)
    notes = workbook.create_sheet(_("Notes"))
    notes.append([_("column"), _("required"), _("key"), _("what it holds"), _("example")])
    for row in _notes(kind):
        notes.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def template_note(kind_name: str) -> str:
    """One line per column, for the command and the admin: name, required, what it holds."""
    return "\n".join(
        f"{name} ({required}{', ' + key if key else ''}): {help}"
        for name, required, key, help, _e in _notes(KINDS[kind_name])
    )


def template(kind_name: str, file_format: str) -> bytes:
    return template_xlsx(kind_name) if file_format == "xlsx" else template_csv(kind_name)
