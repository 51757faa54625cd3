"""The quality review PDF: written through ``review_generate`` from rows whose figures are
known, read back with pypdf."""

import datetime
import io
import json

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import translation
from pypdf import PdfReader

from emergency.models import Grade
from maintenance.models import Inspection
from reports.review_pdf import hours_minutes, review_pdf
from reports.services import review_generate
from tests.tickets.helpers import BUSINESS_HOURS, sh
from tickets.calendars import calendar_save
from tickets.models import Metric
from tickets.policies import policy_save

pytestmark = pytest.mark.django_db

MARCH = datetime.date(2026, 3, 15)


def text_of(pdf: bytes) -> str:
    """The PDF's text with whitespace folded (wrapped lines join again)."""
    assert pdf.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def march(
    org_a,
    project_a,
    make_ticket,
    make_clock,
    make_incident,
    make_review_action,
    make_inspection,
    make_session,
    make_feedback,
):
    """Organisation A in March 2026: a promise of 4 h first response and 16 h resolution for
    normal tickets (business hours) and 1 h 30 min resolution for urgent ones; two normal
    tickets resolved, one in time (1 h of working time) and one late (2 h); a critical
    incident with its review and two open actions (one overdue); two completed visits, one a
    health check; a training with one participant present; a ticket rated 4."""
    business = calendar_save(name="Business hours", timezone_name="Asia/Shanghai", hours=BUSINESS_HOURS)
    policy_save(
        name="Gold",
        is_default=True,
        targets=[
            {"priority": "normal", "metric": "first_response", "minutes": 240, "calendar": business},
            {"priority": "normal", "metric": "resolution", "minutes": 960, "calendar": business},
            {"priority": "urgent", "metric": "resolution", "minutes": 90, "calendar": business},
        ],
    )
    met = make_ticket(project_a, sh(2026, 3, 2, 9, 0), rating=4, resolved_at=sh(2026, 3, 2, 10, 0))
    make_clock(
        met, Metric.RESOLUTION, due_at=sh(2026, 3, 3, 9, 0), stopped_at=sh(2026, 3, 2, 10, 0), working_seconds=3600
    )
    late = make_ticket(project_a, sh(2026, 3, 5, 9, 0))
    make_clock(
        late, Metric.RESOLUTION, due_at=sh(2026, 3, 5, 10, 0), stopped_at=sh(2026, 3, 5, 11, 0), working_seconds=7200
    )
    incident = make_incident(
        project_a,
        sh(2026, 3, 12, 9, 0),
        grade=Grade.CRITICAL,
        title="Records cluster down",
        root_cause="Controller firmware bug",
        summary="Failover to the standby took forty minutes",
        recovered_at=sh(2026, 3, 12, 13, 0),
    )
    overdue = make_review_action(incident, datetime.date(2026, 4, 10))
    later = make_review_action(incident, datetime.date(2099, 1, 10))
    make_inspection(
        project_a, datetime.date(2026, 3, 14), status=Inspection.Status.COMPLETED, completed_at=sh(2026, 3, 14, 15, 0)
    )
    make_inspection(
        project_a,
        datetime.date(2026, 3, 20),
        status=Inspection.Status.COMPLETED,
        completed_at=sh(2026, 3, 20, 15, 0),
        kind=Inspection.Kind.HEALTH_CHECK,
    )
    session = make_session(project_a, sh(2026, 3, 18, 14, 0), title="Operator training")
    make_feedback(session, 5)
    return {"incident": incident, "overdue": overdue, "later": later}


def test_the_review_holds_the_figures_against_the_promise(org_a, manager, march):
    review = review_generate(organisation=org_a, period="month", day=MARCH, actor=manager, language="en")
    text = text_of(review.file.open("rb").read())
    assert "Quality review" in text and "Organisation A" in text and "QR-ORG-A-2026-03-1" in text
    assert "Monthly: 2026-03-01 – 2026-03-31" in text
    # the promise beside the attainment: normal resolution promised 16 h, 1 met, 1 breached
    assert "SLA attainment against the promise" in text
    assert "16 h (Business hours)" in text and "4 h (Business hours)" in text and "1 h 30 min (Business hours)" in text
    # attainment, mean and 90th percentile of 1 h and 2 h of working time (percentile_cont)
    assert "50.0 % 1 h 30 min 1 h 54 min" in text
    # incidents and their reviews
    assert march["incident"].reference in text and "Records cluster down" in text and "Critical" in text
    assert "Controller firmware bug" in text and "Failover to the standby took forty minutes" in text
    assert "2026-03-12 09:00" in text and "2026-03-12 13:00" in text  # desk time
    # inspections, trainings, satisfaction
    assert "Visits completed 2" in text and "Of which health checks 1" in text
    assert "Operator training 2026-03-18 14:00 1" in text
    assert "4.00 / 5 (1)" in text and "5.00 / 5 (1)" in text
    # open actions, the overdue one marked
    assert march["overdue"].description in text and march["later"].description in text
    assert "2026-04-10 overdue" in text and "2099-01-10 overdue" not in text


def test_the_review_reads_the_same_from_the_kept_json(org_a, march):
    review = review_generate(organisation=org_a, period="month", day=MARCH, language="en")
    kept = json.loads(json.dumps(review.figures, cls=DjangoJSONEncoder))
    text = text_of(review_pdf(review, kept))
    assert march["incident"].reference in text and "2026-03-12 09:00" in text
    assert "50.0 %" in text and "2026-04-10 overdue" in text and "Operator training 2026-03-18 14:00 1" in text


def test_a_quiet_period_says_so(org_b):
    review = review_generate(organisation=org_b, period="quarter", day=MARCH, language="en")
    text = text_of(review.file.open("rb").read())
    assert "QR-ORG-B-2026-Q1-1" in text and "Quarterly: 2026-01-01 – 2026-03-31" in text
    assert text.count("None in the period.") == 2  # no incidents, no trainings
    assert "No open improvement actions." in text and "No SLA clocks in the period." in text


def test_the_review_is_written_in_chinese(org_a, march):
    review = review_generate(organisation=org_a, period="month", day=MARCH, language="zh-hans")
    text = text_of(review.file.open("rb").read())
    with translation.override("zh-hans"):
        resolution, critical = str(Metric.RESOLUTION.label), str(Grade.CRITICAL.label)
    assert resolution != "Resolution" and critical != "Critical"
    assert resolution in text and critical in text
    assert "Resolution" not in text and "Critical" not in text
    assert march["incident"].reference in text and "Controller firmware bug" in text


@pytest.mark.parametrize(
    "minutes, text", [(None, "—"), (0, "0 min"), (45, "45 min"), (60, "1 h"), (90, "1 h 30 min"), (960, "16 h")]
)
def test_hours_and_minutes(minutes, text):
    assert hours_minutes(minutes) == text
