"""The completion certificate of a training session (PDF, A4): who attended what,
when, with whom, the topics covered and the certificate number, in the language asked for."""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override
from fpdf.enums import XPos, YPos

from core.pdf import FONT, Report
from training.models import Enrolment


def certificate_pdf(enrolment: Enrolment, *, language: str) -> bytes:
    session = enrolment.session
    with override(language):
        number = enrolment.certificate_number
        pdf = Report(reference=number, title=_("Certificate of completion"), language=language)
        pdf.set_line_width(0.8)
        pdf.set_draw_color(60, 90, 140)
        pdf.rect(10, 10, pdf.w - 20, pdf.h - 20)
        pdf.set_y(40)
        pdf.set_font(FONT, "B", 26)
        pdf.multi_cell(0, 14, _("Certificate of completion"), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(8)
        pdf.set_font(FONT, size=12)
        pdf.multi_cell(0, 8, _("This certifies that"), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(FONT, "B", 20)
        pdf.multi_cell(0, 12, str(enrolment.contact), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(FONT, size=11)
        organisation = session.plan.project.organisation.name
        pdf.multi_cell(0, 7, organisation, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(4)
        pdf.set_font(FONT, size=12)
        attended = _("attended the training session")
        pdf.multi_cell(0, 8, attended, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(FONT, "B", 16)
        pdf.multi_cell(0, 10, session.title, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(FONT, size=11)
        start, end = timezone.localtime(session.starts_at), timezone.localtime(session.ends_at)
        details = _("%(date)s, %(start)s–%(end)s · %(format)s · trainer: %(trainer)s") % {
            "date": start.strftime("%Y-%m-%d"),
            "start": start.strftime("%H:%M"),
            "end": end.strftime("%H:%M"),
            "format": session.get_format_display(),
            "trainer": session.trainer,
        }
        pdf.multi_cell(0, 7, details, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        topics = [topic.title for topic in session.topics.all()]
        if topics:
            pdf.ln(3)
            pdf.multi_cell(
                0,
                7,
                _("Topics: %(topics)s") % {"topics": "; ".join(topics)},
                align="C",
                new_x=XPos.LMARGIN,
                new_y=YPos.NEXT,
            )
        pdf.set_y(pdf.h - 45)
        pdf.set_font(FONT, size=10)
        pdf.multi_cell(0, 6, _("After-sales service desk"), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.multi_cell(
            0,
            6,
            _("Certificate number: %(number)s") % {"number": number},
            align="C",
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        return pdf.render()
