"""The beat's quality-review task: routed, on the beat, runs the service for the desk's today,
and a second delivery writes nothing."""

import datetime
import fnmatch

import pytest
import time_machine
from django.conf import settings

from reports import tasks
from reports.models import QualityReview
from servicedesk.celery import app
from tests.customers.factories import OrganisationFactory
from tests.tickets.helpers import sh

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def quick_pdf(settings, tmp_path, monkeypatch):
    """Reviews go to a temporary folder, with a stand-in PDF (tests/reports/test_services.py
    writes real ones)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setattr("reports.review_pdf.review_pdf", lambda review, figures: b"%PDF-1.4 stand-in")


def test_every_reports_task_is_routed_and_on_the_beat():
    app.loader.import_default_modules()
    ours = sorted(name for name in app.tasks if name.startswith("reports."))
    assert ours == ["reports.tasks.generate_quality_reviews", "reports.tasks.refresh_sla_rollup"]
    for name in ours:
        assert any(fnmatch.fnmatch(name, pattern) for pattern in settings.CELERY_TASK_ROUTES), name
    assert set(ours) <= {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}


def test_generate_quality_reviews_writes_the_ended_periods_once(org_a, org_b):
    OrganisationFactory(name="Dormant", code="dormant", is_active=False)
    with time_machine.travel(sh(2026, 4, 1, 9, 0), tick=False):
        assert tasks.generate_quality_reviews() == 4  # March and the first quarter, for A and B
        assert tasks.generate_quality_reviews.apply().get() == 0
    assert sorted(QualityReview.objects.values_list("organisation__code", "period", "starts_on")) == [
        ("org-a", "month", datetime.date(2026, 3, 1)),
        ("org-a", "quarter", datetime.date(2026, 1, 1)),
        ("org-b", "month", datetime.date(2026, 3, 1)),
        ("org-b", "quarter", datetime.date(2026, 1, 1)),
    ]


def test_the_task_goes_by_the_desks_date(org_a):
    # 2026-04-01 00:30 in Shanghai is still 31 March in UTC: March has ended at the desk
    with time_machine.travel(sh(2026, 4, 1, 0, 30), tick=False):
        assert tasks.generate_quality_reviews.apply().get() == 2
    assert QualityReview.objects.get(period="month").starts_on == datetime.date(2026, 3, 1)
    # and at 23:30 on 31 March it is not over yet: the month written is February
    QualityReview.objects.all().delete()
    with time_machine.travel(sh(2026, 3, 31, 23, 30), tick=False):
        tasks.generate_quality_reviews()
    assert QualityReview.objects.get(period="month").starts_on == datetime.date(2026, 2, 1)
