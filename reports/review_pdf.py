"""The quality review as a PDF (servicedesk/pdf.py's Report): the promise and the attainment
against it, incidents and their reviews, inspections, trainings, satisfaction and the open
improvement actions. Written in the language active while it is built."""

from django.utils.translation import gettext as _

from reports.models import QualityReview
from servicedesk.pdf import Report


def _percent(value) -> str:
    return "—" if value is None else f"{value:.1f} %"


def review_pdf(review: QualityReview, figures: dict) -> bytes:
    title = _("Quality review")
    pdf = Report(reference=review.reference, title=title, language=review.language)
    pdf.cover(title, f"{review.organisation.name} · {review.starts_on:%Y-%m-%d} – {review.ends_on:%Y-%m-%d}")
    pdf.heading(_("SLA attainment"))
    pdf.grid(
        [_("Metric"), _("Clocks"), _("Met"), _("Breached"), _("Attainment")],
        [
            [row["metric"], str(row["clocks"]), str(row["met"]), str(row["breached"]), _percent(row["attainment"])]
            for row in figures["attainment"]
        ],
        (3, 1, 1, 1, 1.4),
    )
    return pdf.render()
