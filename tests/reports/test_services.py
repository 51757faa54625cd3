"""Quality reviews (reports/services.py, reports/reviews.py): the PDF and its figures, revisions,
who may write them, the periods, and the beat's run over the active organisations."""

import datetime

import pytest
import time_machine

from core.errors import NotAllowed, ServiceDeskError
from customers.models import Organisation
from reports import reviews
from reports.models import QualityReview
from reports.services import review_generate, reviews_generate_due
from tests.customers.factories import OrganisationFactory
from tests.tickets.helpers import sh
from tickets.models import Metric

pytestmark = pytest.mark.django_db

D = datetime.date
MONTH, QUARTER = QualityReview.Period.MONTH, QualityReview.Period.QUARTER


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def frozen(*args: int):
    return time_machine.travel(sh(*args), tick=False)


@pytest.fixture
def february(project_a, project_b, make_ticket, make_clock, make_incident):
    """Organisation A's February 2026: a resolution met (working 600 s, wall 1,200 s) and one
    stopped late (working 3,600 s, wall 7,200 s), an important incident; organisation B a
    breached clock the review of A must not count."""
    start = sh(2026, 2, 10, 9, 0)
    met = make_ticket(project_a, start, priority="urgent")
    make_clock(
        met,
        due_at=start + datetime.timedelta(hours=1),
        stopped_at=start + datetime.timedelta(seconds=1200),
        working_seconds=600,
    )
    start = sh(2026, 2, 11, 9, 0)
    late = make_ticket(project_a, start)
    make_clock(
        late,
        due_at=start + datetime.timedelta(hours=1),
        stopped_at=start + datetime.timedelta(hours=2),
        working_seconds=3600,
    )
    other = make_ticket(project_b, sh(2026, 2, 12, 9, 0))
    make_clock(other, due_at=sh(2026, 2, 12, 10, 0), stopped_at=sh(2026, 2, 12, 12, 0), working_seconds=10_800)
    return make_incident(project_a, sh(2026, 2, 20, 14, 0), grade="important", title="Storage degraded")


def test_review_generate_writes_the_pdf_and_its_figures(february, org_a, manager):
    with frozen(2026, 3, 5, 10, 0):
        review = review_generate(organisation=org_a, period=MONTH, day=D(2026, 2, 14), actor=manager)
    review = QualityReview.objects.get(pk=review.pk)  # the figures as stored (JSON)
    assert (review.starts_on, review.ends_on, review.revision) == (D(2026, 2, 1), D(2026, 2, 28), 1)
    assert review.generated_by == manager and review.reference == "QR-ORG-A-2026-02-1"
    with review.file.open("rb") as pdf:
        assert pdf.read().startswith(b"%PDF")
    assert review.file.name.endswith("QR-ORG-A-2026-02-1.pdf")
    # A's two clocks: one met, one breached -> 50 %; working (600 + 3600) / 2 = 2100,
    # p90 600 + 0.9 x 3000 = 3300; wall (1200 + 7200) / 2 = 4200, p90 1200 + 0.9 x 6000 = 6600
    [resolution] = review.figures["attainment"]
    assert resolution["metric"] == Metric.RESOLUTION
    assert (resolution["clocks"], resolution["met"], resolution["breached"], resolution["attainment"]) == (
        2,
        1,
        1,
        50.0,
    )
    assert (resolution["mean_working_seconds"], resolution["p90_working_seconds"]) == (2100, 3300)
    assert (resolution["mean_wall_seconds"], resolution["p90_wall_seconds"]) == (4200, 6600)
    by_priority = {row["group"]: row["attainment"] for row in review.figures["attainment_by_priority"]}
    assert by_priority == {"normal": 0.0, "urgent": 100.0}
    [incident] = review.figures["incidents"]
    assert (incident["pk"], incident["reference"], incident["grade"]) == (february.pk, february.reference, "important")
    assert incident["reported_at"].startswith("2026-02-20T06:00:00")  # 14:00 Shanghai, in UTC
    assert [row["month"] for row in review.figures["satisfaction"]] == ["2026-02-01"]


def test_asking_again_writes_the_next_revision(february, org_a, manager, admin_user):
    with frozen(2026, 3, 5, 10, 0):
        first = review_generate(organisation=org_a, period=MONTH, day=D(2026, 2, 1), actor=manager)
        second = review_generate(organisation=org_a, period=MONTH, day=D(2026, 2, 28), actor=admin_user)
        quarter = review_generate(organisation=org_a, period=QUARTER, day=D(2026, 2, 28), actor=manager)
    assert (first.revision, second.revision, quarter.revision) == (1, 2, 1)
    assert second.reference == "QR-ORG-A-2026-02-2" and quarter.reference == "QR-ORG-A-2026-Q1-1"
    assert (quarter.starts_on, quarter.ends_on) == (D(2026, 1, 1), D(2026, 3, 31))
    assert QualityReview.objects.filter(organisation=org_a).count() == 3
    assert first.file.name != second.file.name  # a revision never replaces the earlier one's file
    assert first.file.storage.exists(first.file.name) and second.file.storage.exists(second.file.name)


@pytest.mark.parametrize("role", ["engineer", "customer_a"])
def test_only_managers_and_admins_write_reviews(february, org_a, role, request):
    actor = request.getfixturevalue(role)
    with frozen(2026, 3, 5, 10, 0), pytest.raises(NotAllowed):
        review_generate(organisation=org_a, period=MONTH, day=D(2026, 2, 14), actor=actor)
    assert not QualityReview.objects.exists()


def test_a_period_that_has_not_started_is_refused(org_a, manager):
    with frozen(2026, 3, 31, 23, 30):  # still March at the desk
        with pytest.raises(ServiceDeskError) as refused:
            review_generate(organisation=org_a, period=MONTH, day=D(2026, 4, 1), actor=manager)
        assert refused.value.field == "day"
        with pytest.raises(ServiceDeskError) as quarter:
            review_generate(organisation=org_a, period=QUARTER, day=D(2026, 4, 15), actor=manager)
        assert quarter.value.field == "day"
        with pytest.raises(ServiceDeskError) as period:
            review_generate(organisation=org_a, period="year", day=D(2026, 1, 1), actor=manager)
        assert period.value.field == "period"
        current = review_generate(organisation=org_a, period=MONTH, day=D(2026, 3, 31), actor=manager)
    assert current.starts_on == D(2026, 3, 1)  # the running month has started: a preview is allowed
    assert QualityReview.objects.count() == 1


@pytest.mark.parametrize(
    "period, day, bounds",
    [
        (MONTH, D(2026, 2, 14), (D(2026, 2, 1), D(2026, 2, 28))),
        (MONTH, D(2024, 2, 29), (D(2024, 2, 1), D(2024, 2, 29))),
        (MONTH, D(2026, 12, 31), (D(2026, 12, 1), D(2026, 12, 31))),
        (QUARTER, D(2026, 1, 1), (D(2026, 1, 1), D(2026, 3, 31))),
        (QUARTER, D(2026, 5, 20), (D(2026, 4, 1), D(2026, 6, 30))),
        (QUARTER, D(2026, 9, 30), (D(2026, 7, 1), D(2026, 9, 30))),
        (QUARTER, D(2026, 12, 31), (D(2026, 10, 1), D(2026, 12, 31))),
    ],
)
def test_period_bounds(period, day, bounds):
    assert reviews.period_bounds(period, day) == bounds


@pytest.mark.parametrize(
    "period, today, bounds",
    [
        (MONTH, D(2026, 1, 15), (D(2025, 12, 1), D(2025, 12, 31))),
        (MONTH, D(2026, 3, 1), (D(2026, 2, 1), D(2026, 2, 28))),
        (MONTH, D(2026, 3, 31), (D(2026, 2, 1), D(2026, 2, 28))),
        (QUARTER, D(2026, 1, 1), (D(2025, 10, 1), D(2025, 12, 31))),  # January: last year's Oct-Dec
        (QUARTER, D(2026, 3, 31), (D(2025, 10, 1), D(2025, 12, 31))),
        (QUARTER, D(2026, 4, 1), (D(2026, 1, 1), D(2026, 3, 31))),
        (QUARTER, D(2026, 11, 30), (D(2026, 7, 1), D(2026, 9, 30))),
    ],
)
def test_previous_period(period, today, bounds):
    assert reviews.previous_period(period, today) == bounds


@pytest.fixture
def quick_pdf(monkeypatch):
    """A stand-in for the PDF (about two seconds each with the CJK font; the tests above write
    real ones): the beat's tests count reviews, not pages."""
    monkeypatch.setattr("reports.review_pdf.review_pdf", lambda review, figures: b"%PDF-1.4 stand-in")


@pytest.fixture
def organisations(org_a, org_b, quick_pdf):
    """A and B active, C inactive."""
    OrganisationFactory(name="Organisation C", code="org-c", is_active=False)
    return Organisation.objects.all()


def written() -> set[tuple[str, str, datetime.date, int]]:
    return set(QualityReview.objects.values_list("organisation__code", "period", "starts_on", "revision"))


def test_reviews_generate_due_writes_one_per_active_organisation_and_period_once(organisations):
    with frozen(2026, 4, 1, 9, 0):
        assert reviews_generate_due(today=D(2026, 4, 1)) == 4
        assert reviews_generate_due(today=D(2026, 4, 1)) == 0  # a second run writes nothing
    assert written() == {
        ("org-a", MONTH, D(2026, 3, 1), 1),
        ("org-a", QUARTER, D(2026, 1, 1), 1),
        ("org-b", MONTH, D(2026, 3, 1), 1),
        ("org-b", QUARTER, D(2026, 1, 1), 1),
    }
    assert not QualityReview.objects.filter(generated_by__isnull=False).exists()  # written by the scheduler
    assert all(review.file.name for review in QualityReview.objects.all())
    with frozen(2026, 5, 1, 9, 0):  # April ended; the first quarter is done already
        assert reviews_generate_due(today=D(2026, 5, 1)) == 2
    assert QualityReview.objects.filter(period=MONTH, starts_on=D(2026, 4, 1)).count() == 2
    assert QualityReview.objects.filter(period=QUARTER).count() == 2


def test_a_review_written_on_demand_counts_as_done(organisations, org_a, manager):
    with frozen(2026, 4, 1, 9, 0):
        review_generate(organisation=org_a, period=MONTH, day=D(2026, 3, 1), actor=manager)
        assert reviews_generate_due(today=D(2026, 4, 1)) == 3
    assert QualityReview.objects.filter(organisation=org_a, period=MONTH).count() == 1
