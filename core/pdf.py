"""The plumbing of the printable reports (fpdf2): the font of ``settings.PDF_FONT`` (it must
cover Chinese), a footer with the report's reference and "page x of y", headings, label/value
rows, paragraphs, tables that break across pages, and pictures.

A report is written in the language active while it is built (``translation.override``);
times are shown in the current time zone.
"""

import datetime
import io
from collections.abc import Iterable, Sequence
from pathlib import Path

import PIL.Image
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

FONT = "cjk"
LINE = 5.5  # mm, for the 10 pt body text
NONE = "—"
ROW_LINES = 30  # the most lines in one table row


def font_path() -> Path:
    """The TrueType collection reports are set in; a missing one is a configuration error."""
    font = Path(settings.PDF_FONT)
    if not font.is_file():
        raise ImproperlyConfigured(
            f"PDF_FONT is {settings.PDF_FONT!r}, which is not a file: install a TrueType collection that "
            "covers Chinese there (Debian: fonts-wqy-microhei) or point PDF_FONT at one."
        )
    return font


def field_label(model: type[models.Model], name: str) -> str:
    """A model field's verbose name, as a label."""
    return capfirst(str(model._meta.get_field(name).verbose_name))


def when(value: datetime.datetime | None) -> str:
    """An instant in the current time zone, to the minute; empty for none."""
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


class Report(FPDF):
    """An A4 report: ``reference`` in every footer with the page number, ``title`` in the
    document's properties."""

    def __init__(self, *, reference: str, title: str, language: str) -> None:
        font = font_path()
        super().__init__(format="A4")
        self.reference = reference
        for style in ("", "B"):  # the font has no bold face: headings are bold in name only
            self.add_font(FONT, style, font, collection_font_number=0)
        self.set_lang(language)
        self.set_title(title)
        self.set_auto_page_break(auto=True, margin=18)
        self.add_page()
        self.set_font(FONT, size=10)

    def render(self) -> bytes:
        return bytes(self.output())

    def footer(self) -> None:
        self.set_y(-13)
        self.set_font(FONT, size=8)
        self.cell(self.epw / 2, 8, self._fit(self.reference, self.epw / 2 - 2))
        page = _("Page %(page)s of %(pages)s") % {"page": self.page_no(), "pages": "{nb}"}
        self.cell(self.epw / 2, 8, page, align="R")

    def _fit(self, text: str, width: float) -> str:
        """``text`` cut short, with an ellipsis, to fit in ``width`` mm on one line."""
        if self.get_string_width(text) <= width:
            return text
        while text and self.get_string_width(text + "…") > width:
            text = text[:-1]
        return text + "…"

    def cover(self, title: str, subtitle: str) -> None:
        """The report's title and, under it, what it is about."""
        self.set_font(FONT, "B", 16)
        self.multi_cell(0, 9, title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(FONT, "B", 12)
        self.multi_cell(0, 7, subtitle, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(FONT, size=10)

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

    def picture(self, image: PIL.Image.Image, caption: str = "", *, width: float = 120, height: float = 90) -> None:
        """A picture fitted into ``width`` x ``height`` mm, centred, its caption under it; on the
        next page if it does not fit on this one."""
        if image.mode != "RGB":  # transparent parts on white paper
            rgba = image.convert("RGBA")
            image = PIL.Image.new("RGB", rgba.size, "white")
            image.paste(rgba, mask=rgba.getchannel("A"))
        buffer = io.BytesIO()  # as a JPEG, which the PDF embeds as it is: a photo stays small
        image.save(buffer, "JPEG", quality=85)
        scale = min(width / image.width, height / image.height)
        w, h = image.width * scale, image.height * scale
        if self.get_y() + h + 2 * LINE > self.page_break_trigger:
            self.add_page()
        self.image(buffer, x=self.l_margin + (self.epw - w) / 2, y=self.get_y(), w=w, h=h, alt_text=caption)
        self.set_y(self.get_y() + h + 1)
        if caption:
            self.set_font(FONT, size=9)
            self.multi_cell(0, LINE, caption, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            self.set_font(FONT, size=10)
        self.ln(3)
