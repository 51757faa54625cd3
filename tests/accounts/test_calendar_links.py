"""Calendar feed links: one per person and feed, the key never stored, revocable by their
owner (and admins), dead when the person is deactivated; the feeds answer 404 then."""

import hashlib
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import translation

from accounts import services
from accounts.models import CalendarLink
from emergency import rotas
from maintenance import visit_feeds
from tests.accounts.factories import feed_key

pytestmark = pytest.mark.django_db


def project_link(user, project) -> str:
    return visit_feeds.project_feed_urls(viewer=user, projects=[project])[project.pk]


def test_a_link_is_kept_per_person_and_the_database_holds_no_key(customer_a, engineer, project_a):
    url = project_link(customer_a, project_a)
    key = feed_key(url)

    assert project_link(customer_a, project_a) == url  # the page shows the same link again
    assert project_link(engineer, project_a) != url  # another person has another
    link = CalendarLink.objects.get(user=customer_a)
    assert (link.feed, link.object_id, link.label) == ("maintenance.project", project_a.pk, "Visits of Project A")
    assert link.key_hash == hashlib.sha256(key.encode()).hexdigest()
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_calendarlink")
        assert not any(key in str(value) for row in cursor.fetchall() for value in row)


def test_the_feed_of_a_revoked_link_is_a_404_and_the_page_then_offers_a_new_one(client, customer_a, project_a):
    url = project_link(customer_a, project_a)
    assert client.get(urlsplit(url).path).status_code == 200

    services.calendar_link_revoke(user=customer_a, link_id=CalendarLink.objects.get().pk)

    assert client.get(urlsplit(url).path).status_code == 404
    fresh = project_link(customer_a, project_a)
    assert fresh != url and client.get(urlsplit(fresh).path).status_code == 200


def test_the_feeds_of_a_deactivated_person_are_404(client, manager, engineer):
    my_visits = urlsplit(visit_feeds.engineer_feed_urls(viewer=manager, engineers=[engineer])[engineer.pk]).path
    my_shifts = urlsplit(rotas.my_feed_url(viewer=manager)).path
    assert client.get(my_visits).status_code == 200 and client.get(my_shifts).status_code == 200

    services.user_update(user=manager, is_active=False)

    assert client.get(my_visits).status_code == 404 and client.get(my_shifts).status_code == 404


def test_the_old_signed_links_are_gone(client, engineer):
    from django.core import signing

    old = signing.Signer(salt="maintenance.calendar").sign(f"engineer:{engineer.pk}")
    assert client.get(reverse("maintenance:calendar_feed", args=[old])).status_code == 404
    old = signing.Signer(salt="emergency.calendar").sign(f"user:{engineer.pk}")
    assert client.get(reverse("emergency:calendar_feed", args=[old])).status_code == 404


def test_another_persons_link_cannot_be_revoked(client, customer_a, customer_b, project_a, project_b):
    theirs = project_link(customer_b, project_b)
    project_link(customer_a, project_a)
    link_b = CalendarLink.objects.get(user=customer_b)

    with pytest.raises(CalendarLink.DoesNotExist):
        services.calendar_link_revoke(user=customer_a, link_id=link_b.pk)
    client.force_login(customer_a)
    assert client.post(reverse("accounts:calendar_link_revoke", args=[link_b.pk])).status_code == 404

    assert client.get(urlsplit(theirs).path).status_code == 200
    link_b.refresh_from_db()
    assert link_b.revoked_at is None


def test_the_preferences_page_lists_my_links_with_a_labelled_revoke_button(client, customer_a, project_a):
    url = project_link(customer_a, project_a)
    link = CalendarLink.objects.get()
    client.force_login(customer_a)

    page = client.get(reverse("accounts:preferences"))
    assert 'aria-label="Revoke the calendar link Visits of Project A"' in page.text
    assert reverse("accounts:calendar_link_revoke", args=[link.pk]) in page.text
    response = client.post(reverse("accounts:calendar_link_revoke", args=[link.pk]))

    assert response.status_code == 302 and response.url == reverse("accounts:preferences")
    assert client.get(urlsplit(url).path).status_code == 404
    assert "No calendar links." in client.get(reverse("accounts:preferences")).text


def test_an_admin_revokes_anyones_link(client, admin_user, customer_a, project_a):
    url = project_link(customer_a, project_a)
    client.force_login(admin_user)
    changelist = reverse("admin:accounts_calendarlink_changelist")
    assert "Visits of Project A" in client.get(changelist).text

    client.post(changelist, {"action": "revoke", "_selected_action": [CalendarLink.objects.get().pk]})

    client.logout()
    assert client.get(urlsplit(url).path).status_code == 404


def test_a_new_secret_key_gives_new_links_and_kills_the_old(client, settings, customer_a, project_a):
    old = project_link(customer_a, project_a)
    settings.SECRET_KEY = "another-secret-key-for-this-test-0123456789abcdefghijklmnop"

    new = project_link(customer_a, project_a)

    assert new != old
    assert client.get(urlsplit(old).path).status_code == 404
    assert client.get(urlsplit(new).path).status_code == 200


def test_the_pages_show_the_viewers_own_links(client, customer_a, engineer, project_a):
    client.force_login(customer_a)
    overview = client.get(reverse("maintenance:overview"))
    assert project_link(customer_a, project_a) in overview.text
    client.force_login(engineer)
    overview = client.get(reverse("maintenance:overview"))
    assert visit_feeds.engineer_feed_urls(viewer=engineer, engineers=[engineer])[engineer.pk] in overview.text
    assert CalendarLink.objects.filter(user=engineer).count() == 1


def test_a_link_is_labelled_in_its_owners_language_whatever_language_is_active(customer_a, engineer, project_a):
    engineer.language = "zh-hans"
    engineer.save(update_fields=["language"])
    with translation.override("zh-hans"):
        project_link(customer_a, project_a)
    with translation.override("en"):
        project_link(engineer, project_a)

    labels = dict(CalendarLink.objects.values_list("user__username", "label"))
    assert labels == {customer_a.username: "Visits of Project A", engineer.username: "Project A 的巡检"}
