"""Time entries on a ticket: the services, billable labour through maintenance's hooks, and the
API (/api/v1/tickets/<id>/time-entries/, and the time spent sent with a reply)."""

import datetime

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.errors import NotAllowed, ServiceDeskError
from maintenance import services as maintenance_services
from maintenance.models import BillableItem, WarrantyTerms
from tests.accounts.factories import UserFactory
from tickets import services
from tickets.models import Comment, TicketEvent, TimeEntry
from tickets.services import ticket_create

pytestmark = pytest.mark.django_db


RECEIVED = datetime.datetime(2026, 1, 2, 1, 0, tzinfo=datetime.UTC)  # before every entry the tests record


@pytest.fixture
def ticket_a(customer_a, project_a):
    # project A has no warranty and no contract: repairs on it are billable
    with time_machine.travel(RECEIVED):
        return ticket_create(actor=customer_a, project=project_a, title="Gateway dead", description="No power")


@pytest.fixture
def covered_ticket(customer_a, project_a):
    project_a.final_acceptance_date = datetime.date(2025, 1, 1)
    project_a.save()
    terms = WarrantyTerms.objects.create(name="Ten years", duration_months=120)
    maintenance_services.warranty_save(project=project_a, terms=terms)
    with time_machine.travel(RECEIVED):
        return ticket_create(actor=customer_a, project=project_a, title="Fan noise", description="Loud")


def _url(ticket, entry=None) -> str:
    base = f"/api/v1/tickets/{ticket.pk}/time-entries/"
    return f"{base}{entry.pk}/" if entry else base


# --- services ----------------------------------------------------------------------------------


def test_an_engineer_records_time_with_an_internal_history_event(engineer, ticket_a):
    entry = services.time_entry_add(actor=engineer, ticket_id=ticket_a.pk, minutes=45, note="Remote diagnosis")
    assert (entry.engineer, entry.minutes, entry.billable, entry.note) == (engineer, 45, False, "Remote diagnosis")
    event = TicketEvent.objects.get(ticket=ticket_a, kind=TicketEvent.Kind.TIME)
    assert event.public is False
    assert event.data == {"entry": entry.pk, "minutes": 45, "billable": False, "change": "added"}


@pytest.mark.parametrize("minutes", [0, -5, 1441, 10_000])
def test_minutes_outside_1_to_1440_are_refused(engineer, ticket_a, minutes):
    with pytest.raises(ServiceDeskError) as refused:
        services.time_entry_add(actor=engineer, ticket_id=ticket_a.pk, minutes=minutes)
    assert refused.value.field == "minutes"
    assert not TimeEntry.objects.exists()
    assert not TicketEvent.objects.filter(kind=TicketEvent.Kind.TIME).exists()


def test_the_database_refuses_minutes_out_of_range_too(engineer, ticket_a):
    with pytest.raises(IntegrityError), transaction.atomic():
        TimeEntry.objects.create(ticket=ticket_a, engineer=engineer, minutes=0, worked_at=timezone.now())
    with pytest.raises(IntegrityError), transaction.atomic():
        TimeEntry.objects.create(ticket=ticket_a, engineer=engineer, minutes=1441, worked_at=timezone.now())


def test_time_in_the_future_is_refused(engineer, ticket_a):
    with pytest.raises(ServiceDeskError) as refused:
        services.time_entry_add(
            actor=engineer, ticket_id=ticket_a.pk, minutes=30, worked_at=timezone.now() + datetime.timedelta(hours=2)
        )
    assert refused.value.field == "worked_at"


def test_time_before_the_report_is_refused_but_the_day_before_counts(api, engineer, ticket_a):
    day_before = RECEIVED - datetime.timedelta(hours=23)
    services.time_entry_add(actor=engineer, ticket_id=ticket_a.pk, minutes=30, worked_at=day_before)
    with pytest.raises(ServiceDeskError) as refused:
        services.time_entry_add(
            actor=engineer, ticket_id=ticket_a.pk, minutes=30, worked_at=RECEIVED - datetime.timedelta(hours=25)
        )
    assert refused.value.field == "worked_at"
    # the API says so (and a year far back never reaches the output as a local-mean-time offset)
    answer = api.as_user(engineer).post(
        _url(ticket_a), {"minutes": 5, "worked_at": "1517-04-18T07:19:13+08:00"}, format="json"
    )
    assert answer.status_code == 400 and "worked_at" in answer.json()["errors"], answer.json()
    assert TimeEntry.objects.count() == 1


def test_customers_record_no_time(customer_a, ticket_a):
    with pytest.raises(NotAllowed):
        services.time_entry_add(actor=customer_a, ticket_id=ticket_a.pk, minutes=30)


def test_only_the_author_or_a_manager_deletes_an_entry(engineer, manager, ticket_a):
    entry = services.time_entry_add(actor=engineer, ticket_id=ticket_a.pk, minutes=30)
    colleague = UserFactory(username="eng-2", role="engineer")
    with pytest.raises(NotAllowed):
        services.time_entry_delete(actor=colleague, entry_id=entry.pk)
    services.time_entry_delete(actor=manager, entry_id=entry.pk)
    assert not TimeEntry.objects.exists()
    deleted = TicketEvent.objects.filter(kind=TicketEvent.Kind.TIME).order_by("pk").last()
    assert (deleted.actor, deleted.data["change"], deleted.public) == (manager, "deleted", False)


def test_a_manager_records_time_for_an_engineer_but_an_engineer_not_for_another(engineer, manager, ticket_a):
    entry = services.time_entry_add(actor=manager, ticket_id=ticket_a.pk, minutes=20, engineer=engineer)
    assert entry.engineer == engineer
    colleague = UserFactory(username="eng-2", role="engineer")
    with pytest.raises(NotAllowed):
        services.time_entry_add(actor=colleague, ticket_id=ticket_a.pk, minutes=20, engineer=engineer)


# --- billable labour ---------------------------------------------------------------------------


def test_billable_time_on_an_uncovered_ticket_becomes_labour_and_deleting_withdraws_it(engineer, ticket_a):
    entry = services.time_entry_add(actor=engineer, ticket_id=ticket_a.pk, minutes=90, billable=True, note="Swap")
    item = BillableItem.objects.get(ticket=ticket_a)
    assert (item.kind, str(item.quantity), item.recorded_by, item.time_entry_id) == (
        "labour",
        "1.50",
        engineer,
        entry.pk,
    )
    assert item.description.startswith("Labour: Swap")
    services.time_entry_delete(actor=engineer, entry_id=entry.pk)
    assert not BillableItem.objects.filter(ticket=ticket_a).exists()


def test_time_that_is_not_billable_bills_nothing(engineer, ticket_a):
    services.time_entry_add(actor=engineer, ticket_id=ticket_a.pk, minutes=90, billable=False)
    assert not BillableItem.objects.exists()


def test_billable_time_on_a_covered_ticket_bills_nothing(engineer, covered_ticket):
    services.time_entry_add(actor=engineer, ticket_id=covered_ticket.pk, minutes=60, billable=True)
    assert not BillableItem.objects.exists()


def test_a_decided_coverage_rules(engineer, covered_ticket):
    # under warranty, but the engineer found misuse: the labour is billed
    maintenance_services.coverage_decide(ticket_id=covered_ticket.pk, actor=engineer, cause="misuse")
    services.time_entry_add(actor=engineer, ticket_id=covered_ticket.pk, minutes=30, billable=True)
    assert BillableItem.objects.get(ticket=covered_ticket).quantity == pytest.approx(0.5)


def test_changing_an_entry_rebills_it(engineer, ticket_a):
    entry = services.time_entry_add(actor=engineer, ticket_id=ticket_a.pk, minutes=60, billable=True)
    services.time_entry_update(actor=engineer, entry_id=entry.pk, minutes=120)
    assert [str(item.quantity) for item in BillableItem.objects.filter(ticket=ticket_a)] == ["2.00"]
    services.time_entry_update(actor=engineer, entry_id=entry.pk, billable=False)
    assert not BillableItem.objects.filter(ticket=ticket_a).exists()


# --- with a reply --------------------------------------------------------------------------------


def test_a_reply_with_time_records_both(engineer, ticket_a):
    comment = services.comment_add_with_time(
        ticket_id=ticket_a.pk, actor=engineer, body="Replaced the PSU", time_minutes=30, billable=True
    )
    entry = TimeEntry.objects.get(ticket=ticket_a)
    assert (comment.body, entry.minutes, entry.billable) == ("Replaced the PSU", 30, True)
    assert BillableItem.objects.filter(ticket=ticket_a, time_entry=entry).exists()


def test_a_reply_with_bad_time_saves_no_reply(engineer, ticket_a):
    with pytest.raises(ServiceDeskError) as refused:
        services.comment_add_with_time(ticket_id=ticket_a.pk, actor=engineer, body="Hello", time_minutes=0)
    assert refused.value.field == "time_minutes"
    assert not Comment.objects.exists()


def test_a_refused_reply_records_no_time(engineer, ticket_a):
    with pytest.raises(ServiceDeskError):
        services.comment_add_with_time(ticket_id=ticket_a.pk, actor=engineer, body="   ", time_minutes=30)
    assert not TimeEntry.objects.exists()


def test_a_failing_billing_hook_undoes_the_reply_and_the_time(engineer, ticket_a, monkeypatch):
    from maintenance import time_billing

    def broken(**fields):
        raise ServiceDeskError("billing is down")

    monkeypatch.setattr(time_billing.BillableItem.objects, "create", broken)
    with pytest.raises(ServiceDeskError):
        services.comment_add_with_time(
            ticket_id=ticket_a.pk, actor=engineer, body="Done", time_minutes=30, billable=True
        )
    assert not Comment.objects.exists()
    assert not TimeEntry.objects.exists()


# --- the API -------------------------------------------------------------------------------------


def test_the_api_lists_entries_with_their_totals(api, engineer, ticket_a, django_assert_max_num_queries):
    with time_machine.travel(datetime.datetime(2026, 3, 10, 9, tzinfo=datetime.UTC)):
        services.time_entry_add(actor=engineer, ticket_id=ticket_a.pk, minutes=30, billable=True)
        services.time_entry_add(actor=engineer, ticket_id=ticket_a.pk, minutes=45)
        client = api.as_user(engineer)
        with django_assert_max_num_queries(8):
            answer = client.get(_url(ticket_a))
    assert answer.status_code == 200
    body = answer.json()
    assert (body["count"], body["total_minutes"], body["billable_minutes"], body["non_billable_minutes"]) == (
        2,
        75,
        30,
        45,
    )
    assert [row["minutes"] for row in body["results"]] == [45, 30]
    assert body["results"][0]["engineer_name"] == str(engineer)


def test_the_api_creates_and_deletes(api, engineer, ticket_a):
    client = api.as_user(engineer)
    created = client.post(
        _url(ticket_a),
        {"minutes": 50, "billable": True, "note": "On site", "worked_at": "2026-01-05T10:00:00+08:00"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    entry = TimeEntry.objects.get()
    assert (entry.minutes, entry.billable, entry.note) == (50, True, "On site")
    assert BillableItem.objects.filter(time_entry=entry).exists()
    changed = client.patch(_url(ticket_a, entry), {"minutes": 55}, format="json")
    assert (changed.status_code, changed.json()["minutes"]) == (200, 55)
    assert client.delete(_url(ticket_a, entry)).status_code == 204
    assert not TimeEntry.objects.exists() and not BillableItem.objects.exists()


@pytest.mark.parametrize("minutes", [0, -1, 1441, "30", True, None])
def test_the_api_refuses_bad_minutes(api, engineer, ticket_a, minutes):
    answer = api.as_user(engineer).post(_url(ticket_a), {"minutes": minutes}, format="json")
    assert answer.status_code == 400
    assert "minutes" in answer.json()["errors"]
    assert not TimeEntry.objects.exists()


def test_customers_get_403_for_their_own_ticket_and_404_for_another(api, customer_a, customer_b, ticket_a):
    assert api.as_user(customer_a).get(_url(ticket_a)).status_code == 403
    assert api.as_user(customer_a).post(_url(ticket_a), {"minutes": 5}, format="json").status_code == 403
    assert api.as_user(customer_b).get(_url(ticket_a)).status_code == 404
    assert api.as_user(customer_b).post(_url(ticket_a), {"minutes": 5}, format="json").status_code == 404
    assert not TimeEntry.objects.exists()


def test_an_entry_of_another_ticket_is_not_found_here(api, engineer, ticket_a, customer_a, project_a):
    other = ticket_create(actor=customer_a, project=project_a, title="Other", description="x")
    entry = services.time_entry_add(actor=engineer, ticket_id=other.pk, minutes=5)
    assert api.as_user(engineer).delete(_url(ticket_a, entry)).status_code == 404
    assert TimeEntry.objects.filter(pk=entry.pk).exists()


def test_another_engineer_may_not_delete_through_the_api(api, engineer, ticket_a):
    entry = services.time_entry_add(actor=engineer, ticket_id=ticket_a.pk, minutes=5)
    colleague = UserFactory(username="eng-2", role="engineer")
    assert api.as_user(colleague).delete(_url(ticket_a, entry)).status_code == 403


def test_a_reply_through_the_api_records_its_time(api, engineer, ticket_a):
    answer = api.as_user(engineer).post(
        f"/api/v1/tickets/{ticket_a.pk}/comments/",
        {"body": "Fixed", "time_minutes": 30, "billable": True},
        format="json",
    )
    assert answer.status_code == 201, answer.json()
    assert TimeEntry.objects.get(ticket=ticket_a).minutes == 30
    assert BillableItem.objects.filter(ticket=ticket_a, kind="labour").count() == 1


@pytest.mark.parametrize("minutes", [0, 1441])
def test_a_reply_through_the_api_with_bad_time_is_400_and_saves_nothing(api, engineer, ticket_a, minutes):
    answer = api.as_user(engineer).post(
        f"/api/v1/tickets/{ticket_a.pk}/comments/", {"body": "Fixed", "time_minutes": minutes}, format="json"
    )
    assert answer.status_code == 400
    assert "time_minutes" in answer.json()["errors"]
    assert not Comment.objects.exists() and not TimeEntry.objects.exists()


def test_a_customer_cannot_send_time_with_a_reply(api, customer_a, ticket_a):
    answer = api.as_user(customer_a).post(
        f"/api/v1/tickets/{ticket_a.pk}/comments/", {"body": "Thanks", "time_minutes": 30}, format="json"
    )
    assert answer.status_code == 403
    assert not Comment.objects.exists()
