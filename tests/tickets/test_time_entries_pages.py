"""Time entries on the ticket page: the sidebar's entries, totals and form (staff only), the
reply form's time spent, and the errors shown on the page."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from maintenance.models import BillableItem
from tests.accounts.factories import UserFactory
from tickets import services
from tickets.models import Comment, TimeEntry
from tickets.services import ticket_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket_a(customer_a, project_a):
    # received before the day the admin's entry names (2026-01-05): the work comes after the report
    with time_machine.travel(datetime.datetime(2026, 1, 2, 1, 0, tzinfo=datetime.UTC)):
        return ticket_create(actor=customer_a, project=project_a, title="Gateway dead", description="No power")


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_the_sidebar_shows_entries_and_totals_to_staff(client, engineer, ticket_a):
    services.time_entry_add(actor=engineer, ticket_id=ticket_a.pk, minutes=30, billable=True, note="Remote")
    services.time_entry_add(actor=engineer, ticket_id=ticket_a.pk, minutes=45)
    client.force_login(engineer)
    page = client.get(reverse("tickets:detail", args=[ticket_a.pk]))
    assert page.status_code == 200
    assert 'id="time-entries"' in page.text
    assert "1 h 15 min in all, 30 min billable" in page.text
    assert (
        page.text.count('class="d-flex justify-content-between align-items-start gap-2 border-top py-1 time-entry"')
        == 2
    )
    assert 'id="id_time_minutes"' in page.text  # the reply form asks for the time spent


def test_the_sidebar_reads_its_entries_in_one_query(client, engineer, ticket_a, django_assert_max_num_queries):
    client.force_login(engineer)
    client.get(reverse("tickets:detail", args=[ticket_a.pk]))  # warm the caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as before:
        client.get(reverse("tickets:detail", args=[ticket_a.pk]))
    for minutes in range(1, 11):
        services.time_entry_add(actor=engineer, ticket_id=ticket_a.pk, minutes=minutes)
    with django_assert_max_num_queries(len(before.captured_queries)):
        client.get(reverse("tickets:detail", args=[ticket_a.pk]))


def test_customers_see_no_time(client, engineer, customer_a, ticket_a):
    services.time_entry_add(actor=engineer, ticket_id=ticket_a.pk, minutes=30, note="Secret note")
    client.force_login(customer_a)
    page = client.get(reverse("tickets:detail", args=[ticket_a.pk]))
    assert 'id="time-entries"' not in page.text
    assert "Secret note" not in page.text
    assert 'id="id_time_minutes"' not in page.text


def test_an_engineer_records_time_from_the_page(client, engineer, ticket_a):
    client.force_login(engineer)
    answer = client.post(
        reverse("tickets:time_add", args=[ticket_a.pk]),
        {"time-minutes": "40", "time-billable": "on", "time-note": "Call"},
        follow=True,
    )
    assert "The time was recorded." in _messages(answer)
    entry = TimeEntry.objects.get()
    assert (entry.minutes, entry.billable, entry.note, entry.engineer) == (40, True, "Call", engineer)


@pytest.mark.parametrize("minutes", ["0", "-3", "1441", "abc", ""])
def test_bad_minutes_on_the_page_are_a_message_and_save_nothing(client, engineer, ticket_a, minutes):
    client.force_login(engineer)
    answer = client.post(reverse("tickets:time_add", args=[ticket_a.pk]), {"time-minutes": minutes}, follow=True)
    assert any(message.startswith("Minutes:") for message in _messages(answer))
    assert not TimeEntry.objects.exists()


def test_customers_cannot_post_time(client, customer_a, customer_b, ticket_a):
    client.force_login(customer_a)
    assert client.post(reverse("tickets:time_add", args=[ticket_a.pk]), {"time-minutes": "5"}).status_code == 403
    client.force_login(customer_b)
    assert client.post(reverse("tickets:time_add", args=[ticket_a.pk]), {"time-minutes": "5"}).status_code == 404
    assert not TimeEntry.objects.exists()


def test_the_author_deletes_from_the_page_and_others_get_403(client, engineer, ticket_a):
    entry = services.time_entry_add(actor=engineer, ticket_id=ticket_a.pk, minutes=30, billable=True)
    colleague = UserFactory(username="eng-2", role="engineer")
    client.force_login(colleague)
    page = client.get(reverse("tickets:detail", args=[ticket_a.pk]))
    assert reverse("tickets:time_delete", args=[ticket_a.pk, entry.pk]) not in page.text
    assert client.post(reverse("tickets:time_delete", args=[ticket_a.pk, entry.pk])).status_code == 403
    client.force_login(engineer)
    answer = client.post(reverse("tickets:time_delete", args=[ticket_a.pk, entry.pk]), follow=True)
    assert "The time entry was deleted." in _messages(answer)
    assert not TimeEntry.objects.exists() and not BillableItem.objects.exists()


def test_a_reply_with_time_from_the_page(client, engineer, ticket_a):
    client.force_login(engineer)
    client.post(
        reverse("tickets:reply", args=[ticket_a.pk]),
        {"body": "Replaced the fan", "public": "on", "time_minutes": "30", "billable": "on"},
    )
    assert Comment.objects.get().body == "Replaced the fan"
    entry = TimeEntry.objects.get()
    assert (entry.minutes, entry.billable) == (30, True)
    assert BillableItem.objects.get(ticket=ticket_a).kind == "labour"


def test_a_reply_with_bad_time_from_the_page_saves_nothing(client, engineer, ticket_a):
    client.force_login(engineer)
    answer = client.post(
        reverse("tickets:reply", args=[ticket_a.pk]), {"body": "Hello", "time_minutes": "2000"}, follow=True
    )
    assert _messages(answer)
    assert not Comment.objects.exists() and not TimeEntry.objects.exists()


def test_the_page_in_chinese(client, engineer, ticket_a):
    services.time_entry_add(actor=engineer, ticket_id=ticket_a.pk, minutes=30)
    client.force_login(engineer)
    page = client.get(reverse("tickets:detail", args=[ticket_a.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200
    assert 'id="time-entries"' in page.text


def test_the_admin_saves_through_the_service(client, admin_user, engineer, ticket_a):
    client.force_login(admin_user)
    form = {
        "ticket": ticket_a.pk,
        "engineer": engineer.pk,
        "minutes": "1441",
        "worked_at_0": "2026-01-05",
        "worked_at_1": "10:00:00",
        "billable": "on",
        "note": "From the admin",
    }
    refused = client.post(reverse("admin:tickets_timeentry_add"), form)
    assert refused.status_code == 200  # the form again, with the error
    assert not TimeEntry.objects.exists()
    client.post(reverse("admin:tickets_timeentry_add"), {**form, "minutes": "60"})
    entry = TimeEntry.objects.get()
    assert (entry.engineer, entry.minutes, entry.billable) == (engineer, 60, True)
    assert BillableItem.objects.get(time_entry=entry).quantity == 1
    client.post(reverse("admin:tickets_timeentry_delete", args=[entry.pk]), {"post": "yes"})
    assert not TimeEntry.objects.exists() and not BillableItem.objects.exists()
