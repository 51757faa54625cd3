"""Time entries on an incident: the services (with a timeline note), the API
(/api/v1/incidents/<id>/time-entries/) and the incident page's section."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from core.errors import NotAllowed, ServiceDeskError
from emergency import services
from emergency.models import IncidentEntry, IncidentTimeEntry
from maintenance.models import BillableItem
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident(customer_a, project_a):
    return services.incident_create(actor=customer_a, project=project_a, title="Historian down", symptoms="No data")


def _url(incident, entry=None) -> str:
    base = f"/api/v1/incidents/{incident.pk}/time-entries/"
    return f"{base}{entry.pk}/" if entry else base


def test_an_engineer_records_time_with_an_internal_timeline_note(engineer, incident):
    entry = services.incident_time_entry_add(actor=engineer, incident_id=incident.pk, minutes=90, billable=True)
    assert (entry.engineer, entry.minutes, entry.billable) == (engineer, 90, True)
    note = IncidentEntry.objects.filter(incident=incident, kind="note").last()
    assert note.public is False
    assert note.text == "Time recorded: 1 h 30 min"
    assert note.data["time_entry"] == entry.pk
    assert not BillableItem.objects.exists()  # incident time is not billed as labour


@pytest.mark.parametrize("minutes", [0, -1, 1441])
def test_minutes_out_of_range_are_refused(engineer, incident, minutes):
    with pytest.raises(ServiceDeskError):
        services.incident_time_entry_add(actor=engineer, incident_id=incident.pk, minutes=minutes)
    assert not IncidentTimeEntry.objects.exists()


def test_future_time_is_refused(engineer, incident):
    with pytest.raises(ServiceDeskError):
        services.incident_time_entry_add(
            actor=engineer, incident_id=incident.pk, minutes=5, worked_at=timezone.now() + datetime.timedelta(days=1)
        )


def test_customers_record_no_time_and_only_author_or_manager_delete(customer_a, engineer, manager, incident):
    with pytest.raises(NotAllowed):
        services.incident_time_entry_add(actor=customer_a, incident_id=incident.pk, minutes=5)
    entry = services.incident_time_entry_add(actor=engineer, incident_id=incident.pk, minutes=5)
    with pytest.raises(NotAllowed):
        services.incident_time_entry_delete(actor=UserFactory(username="eng-2", role="engineer"), entry_id=entry.pk)
    services.incident_time_entry_delete(actor=manager, entry_id=entry.pk)
    assert not IncidentTimeEntry.objects.exists()
    assert IncidentEntry.objects.filter(incident=incident, data__change="deleted").exists()


def test_the_api_lists_with_totals_creates_changes_and_deletes(api, engineer, incident, django_assert_max_num_queries):
    client = api.as_user(engineer)
    assert client.post(_url(incident), {"minutes": 30, "billable": True}, format="json").status_code == 201
    assert client.post(_url(incident), {"minutes": 20, "note": "Remote"}, format="json").status_code == 201
    with django_assert_max_num_queries(8):
        listed = client.get(_url(incident)).json()
    assert (listed["count"], listed["total_minutes"], listed["billable_minutes"], listed["non_billable_minutes"]) == (
        2,
        50,
        30,
        20,
    )
    entry = IncidentTimeEntry.objects.get(minutes=20)
    assert client.patch(_url(incident, entry), {"minutes": 25}, format="json").json()["minutes"] == 25
    assert client.delete(_url(incident, entry)).status_code == 204
    assert IncidentTimeEntry.objects.count() == 1


@pytest.mark.parametrize("minutes", [0, 1441, "10", None])
def test_the_api_refuses_bad_minutes(api, engineer, incident, minutes):
    answer = api.as_user(engineer).post(_url(incident), {"minutes": minutes}, format="json")
    assert answer.status_code == 400
    assert "minutes" in answer.json()["errors"]


def test_customers_get_403_for_their_own_incident_and_404_for_another(api, customer_a, customer_b, incident):
    assert api.as_user(customer_a).get(_url(incident)).status_code == 403
    assert api.as_user(customer_b).get(_url(incident)).status_code == 404
    assert api.as_user(customer_b).post(_url(incident), {"minutes": 5}, format="json").status_code == 404


def test_the_incident_page_shows_the_time_to_staff_only(client, engineer, customer_a, incident):
    services.incident_time_entry_add(actor=engineer, incident_id=incident.pk, minutes=75, billable=True)
    client.force_login(engineer)
    page = client.get(reverse("emergency:detail", args=[incident.pk]))
    assert 'id="time-entries"' in page.text
    assert "1 h 15 min in all, 1 h 15 min billable" in page.text
    client.force_login(customer_a)
    assert 'id="time-entries"' not in client.get(reverse("emergency:detail", args=[incident.pk])).text


def test_the_incident_page_records_and_deletes(client, engineer, customer_a, incident):
    client.force_login(engineer)
    client.post(reverse("emergency:time_add", args=[incident.pk]), {"time-minutes": "15", "time-note": "Call"})
    entry = IncidentTimeEntry.objects.get()
    assert (entry.minutes, entry.note) == (15, "Call")
    answer = client.post(reverse("emergency:time_add", args=[incident.pk]), {"time-minutes": "0"}, follow=True)
    assert any("Minutes:" in str(message) for message in answer.context["messages"])
    assert IncidentTimeEntry.objects.count() == 1
    client.force_login(customer_a)
    assert client.post(reverse("emergency:time_delete", args=[incident.pk, entry.pk])).status_code == 403
    client.force_login(engineer)
    client.post(reverse("emergency:time_delete", args=[incident.pk, entry.pk]))
    assert not IncidentTimeEntry.objects.exists()
