"""How the history line of an imported ticket reads, in the reader's language: "Imported: from
line 12 of the file" (the kind's label is the ticket model's: ``TicketEvent.Kind``)."""

from typing import Any

from django.utils.translation import gettext as _


def imported_line(data: dict[str, Any]) -> str:
    if data.get("changed"):
        return _("imported again, changed: %(fields)s") % {"fields": ", ".join(data["changed"])}
    if data.get("line"):
        return _("from line %(line)s of the file") % {"line": data["line"]}
    return ""
