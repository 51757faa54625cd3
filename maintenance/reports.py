"""The printable report of an inspection or a health check (PDF), the one the customer
downloads: the visit, its checklist by section with the counts, the findings and
recommendations, and the photos.

Rendered with ``core.pdf`` in the language asked for; times are shown in the current
time zone.
"""

import io
import logging
from collections.abc import Iterable

from django.utils.translation import gettext as _
from django.utils.translation import override
from PIL import Image, ImageOps

from core.pdf import Report, field_label, when
from maintenance.models import AnswerKind, Inspection, InspectionAnswer, InspectionPhoto, Section

logger = logging.getLogger(__name__)

PHOTO_PIXELS = 1400  # the longest side of an embedded photo: sharp in print, small in the file
# what a photo that cannot be read raises: Pillow's errors, a missing file (OSError), a broken
# PNG chunk (SyntaxError), an image too large to be decoded safely
UNREADABLE = (OSError, ValueError, SyntaxError, Image.DecompressionBombError)


def inspection_pdf(inspection: Inspection, *, language: str) -> bytes:
    """The report of a visit, in ``language``."""
    with override(language):
        title = _("Health check report") if inspection.kind == Inspection.Kind.HEALTH_CHECK else _("Inspection report")
        reference = f"{inspection.project.code} · {inspection.title} · {inspection.due_date.isoformat()}"
        pdf = Report(reference=reference, title=f"{title}: {inspection.title}", language=language)
        pdf.cover(title, inspection.title)
        _visit(pdf, inspection)
        _checklist(pdf, list(inspection.answers.all()))
        _conclusions(pdf, inspection)
        _photos(pdf, list(inspection.photos.all()))
        _sign_off(pdf, inspection)
        return pdf.render()


def _label(name: str) -> str:
    return field_label(Inspection, name)


def _visit(pdf: Report, inspection: Inspection) -> None:
    pdf.heading(_("The visit"))
    project = inspection.project
    pdf.facts(
        [
            (_("Organisation"), str(project.organisation)),
            (_label("project"), str(project)),
            *([(_("Site address"), project.site_address)] if project.site_address else []),
            (_label("kind"), inspection.get_kind_display()),
            (_label("status"), inspection.get_status_display()),
            (_label("due_date"), inspection.due_date.isoformat()),
            (_label("started_at"), when(inspection.started_at)),
            (_label("completed_at"), when(inspection.completed_at)),
            (_label("engineer"), str(inspection.engineer)),
            *([(_("Inspection schedule"), inspection.schedule.name)] if inspection.schedule_id else []),
        ]
    )


def _answer(row: InspectionAnswer) -> str:
    if row.answer_kind == AnswerKind.PASS_FAIL:
        return row.get_result_display()
    value = row.value.strip()
    return f"{value} {row.unit}".strip() if value and row.answer_kind == AnswerKind.VALUE else value


def _checklist(pdf: Report, answers: list[InspectionAnswer]) -> None:
    pdf.heading(_("Checklist"))
    if not answers:
        pdf.note(_("This visit has no checklist."))
        return
    results = [row.result for row in answers if row.answer_kind == AnswerKind.PASS_FAIL]
    passed, failed = results.count(InspectionAnswer.Result.PASS), results.count(InspectionAnswer.Result.FAIL)
    pdf.note(
        _("%(passed)s passed, %(failed)s failed, %(open)s not answered of %(total)s pass/fail checks.")
        % {"passed": passed, "failed": failed, "open": len(results) - passed - failed, "total": len(results)}
    )
    pdf.ln(1)
    headings = [_("Check"), _("Result"), _("Note")]
    for section in Section:
        rows = [row for row in answers if row.section == section]
        if rows:
            pdf.label(section.label)
            pdf.grid(headings, [[row.label, _answer(row), row.note] for row in rows], (4.2, 2, 3.8))
            pdf.ln(2)


def _conclusions(pdf: Report, inspection: Inspection) -> None:
    pdf.heading(_("Findings and recommendations"))
    if not (inspection.findings.strip() or inspection.recommendations.strip()):
        pdf.note(_("Nothing recorded yet."))
        return
    pdf.paragraph(_label("findings"), inspection.findings)
    pdf.paragraph(_label("recommendations"), inspection.recommendations)


def _image(photo: InspectionPhoto) -> Image.Image | None:
    """The photo upright and at most ``PHOTO_PIXELS`` wide or high; ``None`` if it cannot be read."""
    try:
        with photo.image.open("rb") as file:
            image = Image.open(io.BytesIO(file.read()))
            image.load()
        image = ImageOps.exif_transpose(image)
        image.thumbnail((PHOTO_PIXELS, PHOTO_PIXELS))
        return image
    except UNREADABLE:
        logger.warning(
            "Inspection %s: photo %s cannot be read; the report leaves it out.", photo.inspection_id, photo.pk
        )
        return None


def _photos(pdf: Report, photos: Iterable[InspectionPhoto]) -> None:
    images = [(photo, image) for photo in photos if (image := _image(photo)) is not None]
    if not images:
        return
    pdf.heading(_("Photos"))
    for photo, image in images:
        pdf.picture(image, photo.caption)


def _sign_off(pdf: Report, inspection: Inspection) -> None:
    """The customer's sign-off block: who signed, the date and the remarks (or that it awaits)."""
    if inspection.status != Inspection.Status.COMPLETED:
        return
    pdf.heading(_("Customer sign-off"))
    if inspection.signed_off_at is None:
        pdf.note(_("Not signed off by the customer yet."))
        return
    pdf.facts(
        [
            (_("Signed off by"), inspection.signed_off_name),
            (_("Date"), inspection.signed_off_on.isoformat() if inspection.signed_off_on else ""),
        ]
    )
    if inspection.sign_off_remarks.strip():
        pdf.paragraph(_("Remarks"), inspection.sign_off_remarks)
