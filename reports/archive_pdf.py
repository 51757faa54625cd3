"""The service archive as a PDF (servicedesk/pdf.py's Report): a cover with whose archive it
is and the range, then one grid of the entries, newest first. At most ``LIMIT`` entries: past
that a note says so, and that the CSV export holds them all."""

import datetime
from collections.abc import Iterable, Sequence

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from core.pdf import Report
from reports.archive import KINDS
from reports.archive_rows import Entry

LIMIT = 5000


def archive_pdf(
    *,
    reference: str,
    whose: str,
    start: datetime.date | None,
    end: datetime.date | None,
    kinds: Sequence[str],
    entries: Iterable[Entry],
    total: int,
    projects: bool = True,
) -> bytes:
    """``entries``: at most ``LIMIT`` of the ``total`` entries the filter holds; ``projects``
    False leaves out the project column (a project's own archive). Written in the active
    language; times in the current time zone."""
    title = _("Service archive")
    pdf = Report(reference=reference, title=f"{title} · {whose}", language=get_language() or "en")
    pdf.cover(title, whose)
    if start and end:
        span = f"{start:%Y-%m-%d} – {end:%Y-%m-%d}"
    elif start:
        span = _("From %(date)s") % {"date": f"{start:%Y-%m-%d}"}
    elif end:
        span = _("Until %(date)s") % {"date": f"{end:%Y-%m-%d}"}
    else:
        span = _("All dates")
    chosen = ", ".join(str(label) for kind, label in KINDS.items() if kind in set(kinds)) or _("Everything")
    pdf.facts([(_("Dates"), span), (_("What"), chosen), (_("Entries"), str(total))])
    pdf.ln(2)
    items = list(entries)
    if total > len(items):
        pdf.note(
            _("Only the newest %(shown)s of the %(total)s entries are listed here; the CSV export holds them all.")
            % {"shown": f"{len(items):,}", "total": f"{total:,}"}
        )
        pdf.ln(2)
    if not items:
        pdf.note(_("Nothing in the archive for this selection."))
        return pdf.render()
    headings = [_("Date and time"), _("Kind"), _("Reference"), _("Title"), _("Detail")]
    widths: tuple[float, ...] = (1.7, 1.5, 2.2, 3.3, 1.6)
    if projects:
        headings.append(_("Project"))
        widths += (1.8,)
    else:
        widths = (1.7, 1.5, 2.2, 4.4, 1.8)
    pdf.grid(
        headings,
        (
            [item.when, item.kind_label, item.reference, item.title, item.detail]
            + ([item.project_name] if projects else [])
            for item in items
        ),
        widths,
    )
    return pdf.render()
