"""The inspection report: a visit done through the real services, its PDF read back with pypdf."""

import datetime
import io
import re

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone
from PIL import Image
from pypdf import PdfReader

from maintenance import services
from maintenance.models import Inspection, InspectionPhoto
from maintenance.reports import inspection_pdf

pytestmark = pytest.mark.django_db

FINDINGS = "The backup job of the records database fails every Sunday night."
ADVICE = "Move the backup window to Saturday and add a second tape drive."


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def text_of(pdf: bytes) -> str:
    """The PDF's text with whitespace folded (wrapped lines join again)."""
    assert pdf.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def images_in(pdf: bytes) -> list:
    return [image for page in PdfReader(io.BytesIO(pdf)).pages for image in page.images]


def png(size: tuple[int, int] = (64, 48), colour: str = "red") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "PNG")
    return SimpleUploadedFile("rack.png", buffer.getvalue(), content_type="image/png")


def visit(schedule, engineer) -> Inspection:
    """The schedule's first visit, planned by the beat as it would be."""
    assert services.inspections_plan(today=schedule.first_date - datetime.timedelta(days=10)) == 1
    return Inspection.objects.get(schedule=schedule)


def answer_all(inspection: Inspection, engineer, *, findings: str = FINDINGS, note: str = "") -> Inspection:
    rows = {row.label: row.pk for row in inspection.answers.all()}
    return services.inspection_record(
        inspection_id=inspection.pk,
        actor=engineer,
        answers={
            rows["Servers up"]: {"result": "pass"},
            rows["CPU load"]: {"value": "42", "note": "Peaks at 80 at month end"},
            rows["Backups restorable"]: {"result": "fail", "note": note or "Restore test failed"},
        },
        findings=findings,
        recommendations=ADVICE,
    )


@pytest.fixture
def completed(schedule_a, engineer) -> Inspection:
    inspection = visit(schedule_a, engineer)
    answer_all(inspection, engineer)
    services.photo_add(inspection_id=inspection.pk, actor=engineer, image=png(), caption="Rack B4 after cleaning")
    return services.inspection_complete(inspection_id=inspection.pk, actor=engineer)


def test_the_report_of_a_completed_inspection_has_every_part(completed, engineer):
    completed = Inspection.objects.select_related("project__organisation", "engineer", "schedule").get(pk=completed.pk)

    pdf = inspection_pdf(completed, language="en")

    text = text_of(pdf)
    assert "Inspection report" in text and "Quarterly inspection" in text
    assert "Organisation A" in text and "Project A" in text
    assert str(engineer) in text
    assert completed.due_date.isoformat() in text
    assert timezone.localtime(completed.started_at).strftime("%Y-%m-%d %H:%M") in text
    assert timezone.localtime(completed.completed_at).strftime("%Y-%m-%d %H:%M") in text
    assert "Completed" in text
    # the checklist by section, in the sections' order, with the answers
    positions = [text.index(section) for section in ("System status", "Performance and tuning", "Risk assessment")]
    assert positions == sorted(positions)
    assert "Servers up Pass" in text
    assert "CPU load 42 % Peaks at 80 at month end" in text
    assert "Backups restorable Fail Restore test failed" in text
    assert "1 passed, 1 failed, 0 not answered of 2 pass/fail checks." in text
    assert FINDINGS in text and ADVICE in text
    # the photo is in the file, with its caption
    assert len(images_in(pdf)) == 1
    assert "Rack B4 after cleaning" in text
    assert re.search(r"Page 1 of \d+", text) and "{nb}" not in text


def test_an_unreadable_photo_is_left_out_not_fatal(completed, engineer):
    broken = InspectionPhoto(inspection=completed, caption="Broken upload", uploaded_by=engineer)
    broken.image.save("broken.png", ContentFile(b"this is not a picture"), save=True)
    InspectionPhoto.objects.create(
        inspection=completed, image="inspections/gone.png", caption="Deleted file", uploaded_by=engineer
    )

    pdf = inspection_pdf(completed, language="en")

    text = text_of(pdf)
    assert len(images_in(pdf)) == 1
    assert "Rack B4 after cleaning" in text
    assert "Broken upload" not in text and "Deleted file" not in text
    assert completed.photos.count() == 3  # the rows stay; only the report leaves them out


def test_a_large_photo_is_embedded_scaled_down(schedule_a, engineer):
    inspection = visit(schedule_a, engineer)
    services.photo_add(inspection_id=inspection.pk, actor=engineer, image=png((3000, 2000), "blue"))

    pdf = inspection_pdf(inspection, language="en")

    (image,) = images_in(pdf)
    assert max(image.image.size) == 1400
    assert len(pdf) < 500_000


def test_a_fresh_health_check_says_what_is_missing(project_a, engineer, manager):
    check = services.health_check_create(
        actor=manager, project=project_a, engineer=engineer, due_date=datetime.date(2026, 12, 1), title="Disk check"
    )

    text = text_of(inspection_pdf(check, language="en"))

    assert "Health check report" in text and "Disk check" in text
    assert "Planned" in text
    assert "This visit has no checklist." in text
    assert "Nothing recorded yet." in text
    assert "Photos" not in text
    assert re.search(r"Page 1 of 1\b", text)


def test_a_long_report_runs_over_pages(schedule_a, engineer):
    inspection = visit(schedule_a, engineer)
    inspection = answer_all(
        inspection, engineer, findings="The array rebuilds and fails again. " * 300, note="slow " * 90
    )

    pdf = inspection_pdf(inspection, language="en")

    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    assert pages > 1
    text = text_of(pdf)
    assert f"Page {pages} of {pages}" in text
    assert text.count("fails again") == 300
    assert "In progress" in text


def test_the_report_in_chinese(schedule_a, engineer):
    inspection = visit(schedule_a, engineer)
    inspection = answer_all(inspection, engineer, findings="数据库备份每周日晚上失败。", note="恢复测试失败")

    pdf = inspection_pdf(inspection, language="zh-hans")

    text = "".join(text_of(pdf).split())  # Chinese wraps anywhere
    assert "数据库备份每周日晚上失败。" in text
    assert "恢复测试失败" in text
    assert "交付项目" in text  # "delivered project", already translated
    assert "第1页" in text  # the footer
    assert "Page 1 of" in text_of(inspection_pdf(inspection, language="en"))


@override_settings(PDF_FONT="/nonexistent/font.ttc")
def test_a_missing_font_is_a_configuration_error(project_a, engineer, manager):
    check = services.health_check_create(
        actor=manager, project=project_a, engineer=engineer, due_date=datetime.date(2026, 12, 1), title="Disk check"
    )

    with pytest.raises(ImproperlyConfigured, match="PDF_FONT"):
        inspection_pdf(check, language="en")
