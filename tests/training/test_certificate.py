"""The completion certificate: a PDF read back with pypdf, in English and in Chinese."""

import datetime
import io

import pytest
import time_machine
from django.utils import timezone
from pypdf import PdfReader

from training import services
from training.certificates import certificate_pdf

pytestmark = pytest.mark.django_db


def text_of(pdf: bytes) -> str:
    """The PDF's text with whitespace folded."""
    assert pdf.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


@pytest.fixture
def present(session_a, customer_a, engineer):
    """Customer A attended session A, which is over."""
    customer_a.first_name, customer_a.last_name = "Lin", "Zhou"
    customer_a.save()
    enrolment = services.enrol(session_id=session_a.pk, contact=customer_a, actor=customer_a)
    with time_machine.travel(session_a.starts_at + datetime.timedelta(minutes=5), tick=False):
        services.attendance_take(session_id=session_a.pk, actor=engineer, marks={enrolment.pk: "present"})
    enrolment.refresh_from_db()
    return enrolment


def test_the_english_certificate_names_the_participant_the_session_and_its_number(present, session_a):
    text = text_of(certificate_pdf(present, language="en"))
    assert "Certificate of completion" in text
    assert "Lin Zhou" in text and "Organisation A" in text
    assert "Online operator training" in text
    number = f"TC-{session_a.starts_at:%Y}-{present.pk:06d}"
    assert present.certificate_number == number and number in text
    assert "Daily operation; Troubleshooting" in text  # the topics covered


def test_the_chinese_certificate_shows_chinese_text(present, session_a, customer_a, engineer):
    customer_a.first_name, customer_a.last_name = "小明", "王"
    customer_a.save()
    services.session_save(actor=engineer, session=session_a, title="存储系统运维培训")
    present.refresh_from_db()
    text = text_of(certificate_pdf(present, language="zh-hans"))
    assert "小明 王" in text
    assert "存储系统运维培训" in text
    assert present.certificate_number in text


def test_the_certificate_shows_when_and_how_the_session_was_held(present, session_a, engineer):
    text = text_of(certificate_pdf(present, language="en"))
    start, end = timezone.localtime(session_a.starts_at), timezone.localtime(session_a.ends_at)
    assert f"{start:%Y-%m-%d}, {start:%H:%M}–{end:%H:%M}" in text
    assert "Online" in text and str(engineer) in text
