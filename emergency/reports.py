"""The printable incident report and post-incident review of an emergency incident (PDF).

Rendered with fpdf2 in the font of ``settings.PDF_FONT`` (it must cover Chinese) and in the
language asked for; times are shown in the current time zone.
"""

import datetime
from collections.abc import Iterable, Sequence
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import override
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from emergency.models import Grade, Incident, IncidentDispatch, IncidentEntry, IncidentResource, ReviewAction
from emergency.selectors import clock_state

FONT = "cjk"
LINE = 5.5  # mm, for the 10 pt body text
NONE = "—"
ROW_LINES = 30  # the most lines in one table row


def incident_pdf(incident: Incident, *, language: str) -> bytes:
    """The incident report: the facts, assessment, plan, people, resources, dispatches, the
    full timeline, verification and the post-incident review."""
    font = Path(settings.PDF_FONT)
    if not font.is_file():
        raise ImproperlyConfigured(
            f"PDF_FONT is {settings.PDF_FONT!r}, which is not a file: install a TrueType collection that "
            "covers Chinese there (Debian: fonts-wqy-microhei) or point PDF_FONT at one."
        )
    with override(language):
        pdf = _Report(incident.reference, font, language)
        _facts(pdf, incident)
        _assessment(pdf, incident)
        _plan(pdf, incident)
        _dispatches(pdf, incident)
        _timeline(pdf, incident)
        _review(pdf, incident)
        return bytes(pdf.output())


class _Report(FPDF):
    def __init__(self, reference: str, font: Path, language: str) -> None:
        super().__init__(format="A4")
        self.reference = reference
        for style in ("", "B"):  # the font has no bold face: headings are bold in name only
            self.add_font(FONT, style, font, collection_font_number=0)
        self.set_lang(language)
        self.set_title(_("Emergency incident report %(reference)s") % {"reference": reference})
        self.set_auto_page_break(auto=True, margin=18)
        self.add_page()
        self.set_font(FONT, size=10)

    def footer(self) -> None:
        self.set_y(-13)
        self.set_font(FONT, size=8)
        self.cell(self.epw / 2, 8, self.reference)
        page = _("Page %(page)s of %(pages)s") % {"page": self.page_no(), "pages": "{nb}"}
        self.cell(self.epw / 2, 8, page, align="R")

    def heading(self, text: str) -> None:
        if self.get_y() > self.page_break_trigger - 30:  # keep a heading with what follows it
            self.add_page()
        self.ln(3)
        self.set_font(FONT, "B", 13)
        self.multi_cell(0, 8, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_draw_color(150)
        self.line(self.l_margin, self.get_y(), self.l_margin + self.epw, self.get_y())
        self.ln(2)
        self.set_font(FONT, size=10)

    def note(self, text: str) -> None:
        self.multi_cell(0, LINE, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def facts(self, pairs: Iterable[tuple[str, str]]) -> None:
        """Short label/value pairs, two columns, no borders."""
        with self.table(
            col_widths=(1, 2.6), first_row_as_headings=False, borders_layout="NONE", line_height=LINE, padding=0.8
        ) as table:
            for label, value in pairs:
                row = table.row()
                row.cell(label, style=FontFace(emphasis="BOLD", color=90))
                row.cell(value or NONE)

    def label(self, text: str) -> None:
        if self.get_y() > self.page_break_trigger - 3 * LINE:  # not alone at the foot of a page
            self.add_page()
        self.set_font(FONT, "B", 10)
        self.set_text_color(90)
        self.multi_cell(0, LINE, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(FONT, size=10)
        self.set_text_color(0)

    def paragraph(self, label: str, value: str) -> None:
        """A long text under its label, wrapped (and split over pages); nothing if it is empty."""
        if value.strip():
            self.label(label)
            self.multi_cell(0, LINE, value.strip(), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            self.ln(1.5)

    def grid(self, headings: Sequence[str], rows: Iterable[Sequence[str]], widths: Sequence[float]) -> None:
        """A table as wide as the page, its heading row repeated on every page."""
        style = FontFace(emphasis="BOLD")
        with self.table(col_widths=widths, line_height=LINE, padding=1, text_align="LEFT", headings_style=style) as t:
            t.row(headings)
            for cells in rows:
                for part in self._split([cell or NONE for cell in cells], widths):
                    t.row(part)

    def _split(self, cells: Sequence[str], widths: Sequence[float]) -> list[list[str]]:
        """A row of a pasted log or a long note, cut into rows short enough for a page (fpdf2
        does not break a row across pages)."""
        lines = [
            self.multi_cell(self.epw * width / sum(widths) - 2, LINE, cell, dry_run=True, output="LINES")
            for cell, width in zip(cells, widths, strict=True)
        ]
        most = max(len(cell) for cell in lines)
        return [["\n".join(cell[start : start + ROW_LINES]) for cell in lines] for start in range(0, most, ROW_LINES)]


def _label(name: str, model: type[models.Model] = Incident) -> str:
    return capfirst(str(model._meta.get_field(name).verbose_name))


def _when(value: datetime.datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _facts(pdf: _Report, incident: Incident) -> None:
    pdf.set_font(FONT, "B", 16)
    pdf.multi_cell(
        0,
        9,
        _("Emergency incident report %(reference)s") % {"reference": incident.reference},
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.set_font(FONT, "B", 12)
    pdf.multi_cell(0, 7, incident.title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, size=10)
    pdf.note(f"{_label('status')}: {incident.get_status_display()}")
    reporter = incident.reporter_name + (f", {incident.reporter_phone}" if incident.reporter_phone else "")
    pdf.heading(_("The report"))
    pdf.facts(
        [
            (_label("organisation"), str(incident.organisation)),
            (_label("project"), str(incident.project)),
            *([(_label("ticket"), incident.ticket.reference)] if incident.ticket_id else []),
            (_label("reported_at"), _when(incident.reported_at)),
            (_label("channel"), incident.get_channel_display()),
            (_label("reporter_name"), reporter),
            (_label("occurred_at"), _when(incident.occurred_at)),
            (_label("location"), incident.location),
        ]
    )
    pdf.ln(2)
    for name in ("symptoms", "scope", "measures_taken"):
        pdf.paragraph(_label(name), getattr(incident, name))


def _assessment(pdf: _Report, incident: Incident) -> None:
    pdf.heading(_("Assessment and grading"))
    levels = [
        (_label(name), getattr(incident, f"get_{name}_display")()) for name in ("severity", "scope_level", "urgency")
    ]
    pdf.facts(
        [
            (_label("status"), incident.get_status_display()),
            (_label("grade"), incident.get_grade_display() or _("not graded yet")),
            (_label("suggested_grade"), incident.get_suggested_grade_display()),
            *[(label, value) for label, value in levels if value],
        ]
    )
    pdf.ln(2)
    for name in ("grade_reason", "assessment"):
        pdf.paragraph(_label(name), getattr(incident, name))


def _plan(pdf: _Report, incident: Incident) -> None:
    pdf.heading(_("Response plan and targets"))
    if incident.plan_id is None:
        pdf.note(_("No plan activated yet."))
    else:
        now = timezone.now()
        states = {"met": _("met"), "breached": _("breached"), "running": _("running")}
        response = clock_state(incident.response_due_at, incident.responded_at, now)["state"]
        recovery = clock_state(incident.recovery_due_at, incident.recovered_at, now)["state"]
        pdf.facts(
            [
                (_label("plan"), incident.plan.name),
                (_label("response_due_at"), _when(incident.response_due_at)),
                (_label("responded_at"), _when(incident.responded_at)),
                (_("Response target"), states.get(response, "")),
                (_label("recovery_due_at"), _when(incident.recovery_due_at)),
                (_label("recovered_at"), _when(incident.recovered_at)),
                (_("Recovery target"), states.get(recovery, "")),
            ]
        )
    pdf.heading(_label("responders"))
    people = [str(user) for user in incident.responders.order_by("username")]
    pdf.note(", ".join(people) or _("Nobody yet."))
    pdf.heading(_("Resources"))
    resources = incident.resources.all()
    if not resources:
        pdf.note(_("No resources allocated."))
        return
    pdf.grid(
        [_label(name, IncidentResource) for name in ("description", "quantity", "kind", "checked_at")],
        [
            [r.description, str(r.quantity), r.get_kind_display(), _when(r.checked_at) or _("not yet")]
            for r in resources
        ],
        (5, 1.2, 2, 2.5),
    )


def _dispatches(pdf: _Report, incident: Incident) -> None:
    pdf.heading(_("On-site support"))
    dispatches = incident.dispatches.select_related("engineer")
    if not dispatches:
        pdf.note(_("Nobody went on site."))
        return
    names = ("engineer", "dispatched_at", "expected_arrival_at", "arrived_at", "work_done")
    pdf.grid(
        [_label(name, IncidentDispatch) for name in names],
        [
            [str(d.engineer), _when(d.dispatched_at), _when(d.expected_arrival_at), _when(d.arrived_at), d.work_done]
            for d in dispatches
        ],
        (2.2, 2, 2, 2, 4),
    )


def _what(entry: IncidentEntry) -> str:
    what = entry.get_kind_display()
    data = entry.data or {}
    if entry.kind == IncidentEntry.Kind.STEP and data.get("to"):
        what += f": {dict(Incident.Status.choices).get(data['to'], data['to'])}"
    elif entry.kind == IncidentEntry.Kind.GRADED and data.get("grade"):
        what += f": {dict(Grade.choices).get(data['grade'], data['grade'])}"
    elif entry.kind == IncidentEntry.Kind.ASSIGNED and data.get("people"):
        what += f": {', '.join(data['people'])}"
    elif entry.kind in (IncidentEntry.Kind.DISPATCH, IncidentEntry.Kind.ARRIVAL) and data.get("engineer"):
        what += f": {data['engineer']}"
    return f"{what}\n{entry.text}" if entry.text else what


def _timeline(pdf: _Report, incident: Incident) -> None:
    pdf.heading(_("Timeline"))
    entries = incident.entries.select_related("actor").order_by("created_at", "pk")
    pdf.grid(
        [_("Time"), _("Who"), _("What")],
        [[_when(e.created_at), str(e.actor) if e.actor else _("system"), _what(e)] for e in entries],
        (1.6, 1.7, 5),
    )


def _review(pdf: _Report, incident: Incident) -> None:
    pdf.heading(_("Verification"))
    if incident.verified_at is None:
        pdf.note(_("Not verified yet."))
    else:
        verifier = str(incident.verified_by) if incident.verified_by else ""
        pdf.facts([(_label("verified_at"), _when(incident.verified_at)), (_label("verified_by"), verifier)])
        pdf.ln(2)
        pdf.paragraph(_label("verification_note"), incident.verification_note)
    pdf.heading(_("Post-incident review"))
    actions = incident.review_actions.select_related("owner")
    if not (incident.root_cause or incident.summary or actions):
        pdf.note(_("No review yet."))
        return
    for name in ("root_cause", "summary", "went_well", "to_improve"):
        pdf.paragraph(_label(name), getattr(incident, name))
    if actions:
        pdf.label(_("Improvement actions"))
        pdf.grid(
            [_label(name, ReviewAction) for name in ("description", "owner", "due_date", "done_at")],
            [[a.description, str(a.owner), a.due_date.isoformat(), _when(a.done_at) or _("open")] for a in actions],
            (5, 2, 1.6, 2.2),
        )
