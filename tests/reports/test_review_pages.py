"""The quality reviews page: staff read the list and the PDFs, managers and admins write a
review now (through ``review_generate``), customers are refused."""

import datetime
import re

import pytest
from django.urls import reverse

from core.time import desk_today
from reports.models import QualityReview
from reports.services import review_generate

pytestmark = pytest.mark.django_db

REVIEWS = reverse("reports:reviews")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def written(organisation, day=datetime.date(2026, 3, 15), period="month", actor=None) -> QualityReview:
    return review_generate(organisation=organisation, period=period, day=day, actor=actor, language="en")


def write(client, organisation, **fields):
    data = {"organisation": organisation.pk, "period": "month", "day": "2026-03-15", "language": "en", **fields}
    return client.post(REVIEWS, data)


def test_a_manager_writes_a_review_and_then_its_next_revision(client, manager, org_a):
    client.force_login(manager)
    page = client.get(REVIEWS).content.decode()
    assert 'id="review-write"' in page
    first = write(client, org_a)
    assert first.status_code == 302 and first["Location"] == REVIEWS
    review = QualityReview.objects.get()
    assert (review.revision, review.period, review.starts_on, review.ends_on, review.generated_by) == (
        1,
        "month",
        datetime.date(2026, 3, 1),
        datetime.date(2026, 3, 31),
        manager,
    )
    page = client.get(REVIEWS).content.decode()
    assert "Quality review QR-ORG-A-2026-03-1 written." in page
    write(client, org_a, language="zh-hans")
    revisions = list(QualityReview.objects.order_by("revision").values_list("revision", "language"))
    assert revisions == [(1, "en"), (2, "zh-hans")]
    page = client.get(REVIEWS).content.decode()
    assert "QR-ORG-A-2026-03-1" in page and "QR-ORG-A-2026-03-2" in page and "简体中文" in page


def test_the_form_offers_the_previous_month_and_the_users_language(client, manager, org_a):
    manager.language = "zh-hans"
    manager.save(update_fields=["language"])
    client.force_login(manager)
    page = client.get(REVIEWS).content.decode()
    assert re.search(r'<option value="zh-hans" selected>', page)
    last_month = desk_today().replace(day=1) - datetime.timedelta(days=1)
    assert f'name="day" value="{last_month.isoformat()}"' in page


def test_a_refusal_of_the_service_shows_on_the_form(client, manager, org_a):
    client.force_login(manager)
    response = write(client, org_a, day="2099-01-15")
    assert response.status_code == 400
    assert "The period has not started yet." in response.content.decode()
    assert not QualityReview.objects.exists()


def test_a_quarterly_review_covers_the_quarter(client, admin_user, org_a):
    client.force_login(admin_user)
    write(client, org_a, period="quarter", day="2026-05-20")
    review = QualityReview.objects.get()
    assert (review.starts_on, review.ends_on, review.reference) == (
        datetime.date(2026, 4, 1),
        datetime.date(2026, 6, 30),
        "QR-ORG-A-2026-Q2-1",
    )


def test_an_engineer_reads_the_list_but_cannot_write(client, engineer, org_a):
    review = written(org_a)
    client.force_login(engineer)
    page = client.get(REVIEWS)
    assert page.status_code == 200
    html = page.content.decode()
    assert review.reference in html and "scheduler" in html  # written by the scheduler (no one)
    assert 'id="review-write"' not in html
    assert write(client, org_a).status_code == 403
    assert QualityReview.objects.count() == 1


def test_customers_are_refused_the_list_the_form_and_the_files(client, customer_a, org_a):
    review = written(org_a)
    client.force_login(customer_a)
    assert client.get(REVIEWS).status_code == 403
    assert write(client, org_a).status_code == 403
    assert client.get(reverse("reports:review-file", args=[review.pk])).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(REVIEWS)
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_staff_download_the_pdf(client, engineer, org_a):
    review = written(org_a)
    client.force_login(engineer)
    response = client.get(reverse("reports:review-file", args=[review.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="QR-ORG-A-2026-03-1.pdf"'
    body = b"".join(response.streaming_content)
    assert body.startswith(b"%PDF-") and body == review.file.open("rb").read()
    assert client.get(reverse("reports:review-file", args=[review.pk + 1])).status_code == 404
    review.file.delete(save=False)
    assert client.get(reverse("reports:review-file", args=[review.pk])).status_code == 404


def test_the_list_filters_by_organisation_and_period(client, engineer, org_a, org_b):
    month_a = written(org_a)
    quarter_a = written(org_a, period="quarter")
    month_b = written(org_b)
    client.force_login(engineer)

    def shown(**params) -> set[str]:
        html = client.get(REVIEWS, params).content.decode()
        return {ref for ref in (month_a.reference, quarter_a.reference, month_b.reference) if ref in html}

    assert shown() == {month_a.reference, quarter_a.reference, month_b.reference}
    assert shown(organisation=org_a.pk) == {month_a.reference, quarter_a.reference}
    assert shown(period="quarter") == {quarter_a.reference}
    assert shown(organisation=org_b.pk, period="month") == {month_b.reference}


def test_the_list_pages_with_a_bounded_number_of_queries(client, manager, org_a, django_assert_max_num_queries):
    """55 reviews kept (rows alone: the list does not open the files), 50 a page."""
    for number in range(55):
        QualityReview.objects.create(
            organisation=org_a,
            period="month",
            starts_on=datetime.date(2020 + number // 12, number % 12 + 1, 1),
            ends_on=datetime.date(2020 + number // 12, number % 12 + 1, 28),
            language="en",
            file=f"quality-reviews/{number}.pdf",
            generated_by=manager if number % 2 else None,
        )
    client.force_login(manager)
    with django_assert_max_num_queries(12):
        response = client.get(REVIEWS)
    first = response.content.decode()
    assert len(re.findall(r'href="/reports/reviews/\d+/file/"', first)) == 50
    assert "QR-ORG-A-2024-07-1" in first and "Page 1 of 2" in first  # the newest first
    second = client.get(REVIEWS, {"organisation": org_a.pk, "page": 2}).content.decode()
    assert len(re.findall(r'href="/reports/reviews/\d+/file/"', second)) == 5
    assert "QR-ORG-A-2020-01-1" in second and "QR-ORG-A-2020-01-1" not in first
    assert f"organisation={org_a.pk}&amp;page=1" in second  # the page links keep the filter
