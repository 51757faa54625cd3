"""The quality reviews' admin: read only, with search, filters and the PDF link; its action
writes each selected period again as a new revision, through the service and its rules."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.urls import reverse

from accounts.models import User
from reports.models import QualityReview
from reports.services import review_generate
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:reports_qualityreview_changelist")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def written(organisation, day=datetime.date(2026, 3, 15), period="month", actor=None, language="en"):
    return review_generate(organisation=organisation, period=period, day=day, actor=actor, language=language)


@pytest.fixture
def reviews(org_a, org_b, manager):
    """Org A: March by the scheduler, then again by the manager (revision 2), and Q1 in
    Chinese; org B: March."""
    return {
        "march_a": written(org_a),
        "march_a_2": written(org_a, actor=manager),
        "q1_a": written(org_a, period="quarter", language="zh-hans"),
        "march_b": written(org_b),
    }


def test_the_list_shows_every_review_with_its_pdf_link(client, admin_user, reviews, django_assert_max_num_queries):
    client.force_login(admin_user)

    with django_assert_max_num_queries(12):
        page = client.get(CHANGELIST).content.decode()

    for review in reviews.values():
        assert review.reference in page
        assert reverse("reports:review-file", args=[review.pk]) in page
    assert "the scheduler" in page and str(reviews["march_a_2"].generated_by) in page
    assert client.get(reverse("reports:review-file", args=[reviews["march_a"].pk])).status_code == 200


def test_search_by_organisation_and_filters(client, admin_user, reviews, org_a, org_b):
    client.force_login(admin_user)

    def shown(**params) -> set[str]:
        page = client.get(CHANGELIST, params).content.decode()
        return {name for name, review in reviews.items() if review.reference in page}

    assert shown(q=org_b.name) == {"march_b"}
    assert shown(q=org_a.code) == {"march_a", "march_a_2", "q1_a"}
    assert shown(period__exact="quarter") == {"q1_a"}
    assert shown(language__exact="zh-hans") == {"q1_a"}
    assert shown(generated_by__isempty="1") == {"march_a", "q1_a", "march_b"}


def test_a_review_is_read_never_changed_added_or_deleted(client, admin_user, reviews):
    client.force_login(admin_user)
    review = reviews["march_a"]

    page = client.get(reverse("admin:reports_qualityreview_change", args=[review.pk]))

    assert page.status_code == 200
    content = page.content.decode()
    assert review.reference in content and 'name="_save"' not in content
    assert client.get(reverse("admin:reports_qualityreview_add")).status_code == 403
    assert client.get(reverse("admin:reports_qualityreview_delete", args=[review.pk])).status_code == 403
    response = client.post(CHANGELIST, {"action": "delete_selected", "_selected_action": [review.pk]})
    assert QualityReview.objects.filter(pk=review.pk).exists() and response.status_code in (200, 302)


def test_writing_again_makes_the_next_revision_of_each_selected_period(client, admin_user, reviews, org_a, org_b):
    client.force_login(admin_user)
    selected = [reviews["march_a"].pk, reviews["march_a_2"].pk, reviews["q1_a"].pk, reviews["march_b"].pk]

    response = client.post(CHANGELIST, {"action": "write_again", "_selected_action": selected})

    assert response.status_code == 302
    new = QualityReview.objects.filter(generated_by=admin_user)
    # March of A once though two of its revisions were selected, Q1 of A, March of B
    assert sorted((r.organisation.code, r.period, r.starts_on.isoformat(), r.revision) for r in new) == [
        (org_a.code, "month", "2026-03-01", 3),
        (org_a.code, "quarter", "2026-01-01", 2),
        (org_b.code, "month", "2026-03-01", 2),
    ]
    assert new.get(period="quarter").language == "zh-hans"  # in the language it was written in
    assert all(review.file.read(4) == b"%PDF" for review in new)
    assert QualityReview.objects.count() == 7  # the earlier revisions are kept
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert message.startswith("3 reviews written")


def test_staff_who_may_not_write_reviews_are_refused_by_the_service(client, reviews):
    # an engineer who may use the admin and read the reviews there
    engineer = UserFactory(username="admin-engineer", role=User.Role.ENGINEER, is_staff=True)
    engineer.user_permissions.add(Permission.objects.get(codename="view_qualityreview"))
    client.force_login(engineer)
    assert client.get(CHANGELIST).status_code == 200

    response = client.post(CHANGELIST, {"action": "write_again", "_selected_action": [reviews["march_b"].pk]})

    assert QualityReview.objects.count() == 4
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert "Only managers and admins can write quality reviews." in message
