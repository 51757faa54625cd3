"""Improvement actions of the review: added, changed, done and undone (service, API, page,
admin), each on the timeline; the owner reminded and the managers told, once each."""

import datetime
import itertools
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from core.errors import NotAllowed, ServiceDeskError
from emergency import services
from emergency.models import Incident, ReviewAction
from notifications.models import Notification

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime.datetime(2026, 3, 10, 9, 0, tzinfo=SHANGHAI)
TODAY = NOW.date()
_numbers = itertools.count(1)


@pytest.fixture(autouse=True)
def _fixed_day():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def reviewed(project_a, engineer):
    def make(status: str = Incident.Status.REVIEWED) -> Incident:
        number = next(_numbers)
        return Incident.objects.create(
            reference=f"INC-2026-9{number:03d}",
            organisation_id=project_a.organisation_id,
            project=project_a,
            title=f"Zephyr outage {number}",
            symptoms="x",
            reporter_name="Caller",
            reported_at=NOW - datetime.timedelta(days=3),
            reported_by=engineer,
            status=status,
            status_changed_at=NOW - datetime.timedelta(days=1),
            root_cause="Firmware",
            summary="Back",
        )

    return make


def add(incident, actor, owner, due=TODAY + datetime.timedelta(days=10), description="Upgrade the firmware"):
    return services.review_action_create(
        incident_id=incident.pk, actor=actor, description=description, owner=owner, due_date=due
    )


def changes(incident) -> list[str]:
    return [entry.data.get("change") for entry in incident.entries.filter(kind="review_action")]


def test_an_action_is_added_changed_done_and_undone_each_on_the_timeline(reviewed, engineer, manager):
    incident = reviewed()
    action = add(incident, engineer, engineer)
    action = services.review_action_update(
        action_id=action.pk,
        actor=manager,
        description="Upgrade the firmware on both nodes",
        owner=manager,
        due_date=TODAY + datetime.timedelta(days=5),
    )
    assert (action.owner, action.description) == (manager, "Upgrade the firmware on both nodes")
    action = services.review_action_done(action_id=action.pk, actor=manager)
    assert action.done_at is not None
    with pytest.raises(ServiceDeskError):
        services.review_action_done(action_id=action.pk, actor=manager)
    with pytest.raises(ServiceDeskError):  # a done action is reopened before it changes
        services.review_action_update(
            action_id=action.pk, actor=manager, description="x", owner=manager, due_date=TODAY
        )
    action = services.review_action_reopen(action_id=action.pk, actor=engineer)
    assert action.done_at is None
    assert changes(incident) == ["created", "changed", "done", "reopened"]


def test_actions_belong_to_reviewed_incidents_staff_owners_and_staff_writers(reviewed, engineer, customer_a, manager):
    with pytest.raises(ServiceDeskError):
        add(reviewed(Incident.Status.VERIFIED), engineer, engineer)
    incident = reviewed(Incident.Status.CLOSED)  # after closing, actions are still followed up
    with pytest.raises(ServiceDeskError) as refused:
        add(incident, engineer, customer_a)
    assert refused.value.field == "owner"
    with pytest.raises(NotAllowed):
        add(incident, customer_a, engineer)
    with pytest.raises(ServiceDeskError) as refused:
        add(incident, engineer, engineer, description="  ")
    assert refused.value.field == "description"
    assert not ReviewAction.objects.exists()
    add(incident, manager, engineer)
    assert ReviewAction.objects.count() == 1


def test_the_owner_is_reminded_before_the_due_date_once(reviewed, engineer, manager, settings):
    settings.REVIEW_ACTION_REMINDER_DAYS = 2
    incident = reviewed()
    soon = add(incident, manager, engineer, due=TODAY + datetime.timedelta(days=2))
    later = add(incident, manager, engineer, due=TODAY + datetime.timedelta(days=3))
    done = add(incident, manager, engineer, due=TODAY + datetime.timedelta(days=1))
    services.review_action_done(action_id=done.pk, actor=manager)

    assert services.review_actions_remind() == 1
    assert services.review_actions_remind() == 0  # run twice: one reminder
    soon.refresh_from_db()
    later.refresh_from_db()
    assert soon.reminded_at is not None and later.reminded_at is None
    assert (
        Notification.objects.filter(recipient=engineer, key__contains=f"review-action:{soon.pk}:reminder").count() == 1
    )
    assert not Notification.objects.filter(recipient=manager).exists()
    # a new due date earns a new reminder when it comes near
    services.review_action_update(
        action_id=soon.pk,
        actor=manager,
        description=soon.description,
        owner=engineer,
        due_date=TODAY + datetime.timedelta(days=1),
    )
    assert services.review_actions_remind() == 1


def test_the_managers_are_told_once_when_an_action_is_overdue(reviewed, engineer, manager):
    incident = reviewed()
    late = add(incident, manager, engineer, due=TODAY - datetime.timedelta(days=1))
    add(incident, manager, engineer, due=TODAY)  # due today: not overdue yet
    gone = add(incident, manager, engineer, due=TODAY - datetime.timedelta(days=5))
    services.review_action_done(action_id=gone.pk, actor=manager)

    assert services.review_actions_sweep() == {"reminded": 1, "overdue": 1}
    assert services.review_actions_sweep() == {"reminded": 0, "overdue": 0}
    late.refresh_from_db()
    assert late.overdue_reported_at is not None
    told = Notification.objects.filter(key__contains=f"review-action:{late.pk}:overdue")
    assert set(told.values_list("recipient", flat=True)) == {manager.pk, engineer.pk}


def test_the_beat_task_runs_the_sweep(reviewed, engineer, manager):
    from emergency.tasks import review_actions

    add(reviewed(), manager, engineer, due=TODAY - datetime.timedelta(days=1))
    assert review_actions() == 1
    assert review_actions() == 0


# --- API ---------------------------------------------------------------------------------------


def test_api_lists_adds_changes_and_marks_done(api, reviewed, engineer, manager, django_assert_max_num_queries):
    incident = reviewed()
    client = api.as_user(manager)
    answer = client.post(
        "/api/v1/review-actions/",
        {
            "incident": incident.pk,
            "description": "Keep a spare controller",
            "owner": engineer.pk,
            "due_date": "2026-03-20",
        },
        format="json",
    )
    assert answer.status_code == 201, answer.json()
    created = answer.json()
    assert (created["owner_name"], created["done"], created["incident_reference"]) == (
        str(engineer),
        False,
        incident.reference,
    )
    pk = created["id"]
    answer = client.patch(f"/api/v1/review-actions/{pk}/", {"due_date": "2026-03-25"}, format="json")
    assert answer.status_code == 200 and answer.json()["due_date"] == "2026-03-25"
    assert client.post(f"/api/v1/review-actions/{pk}/done/").json()["done"] is True
    assert client.post(f"/api/v1/review-actions/{pk}/done/").status_code == 400
    assert client.post(f"/api/v1/review-actions/{pk}/reopen/").json()["done"] is False
    for number in range(3):
        add(incident, manager, engineer, description=f"Action {number}")
    with django_assert_max_num_queries(6):
        rows = client.get("/api/v1/review-actions/?open=true").json()["results"]
    assert len(rows) == 4
    assert client.get(f"/api/v1/review-actions/?incident={incident.pk}&overdue=true").json()["results"] == []


def test_api_refuses_bad_input_and_customers(api, reviewed, engineer, customer_a):
    incident = reviewed(Incident.Status.VERIFIED)
    client = api.as_user(engineer)
    answer = client.post(
        "/api/v1/review-actions/",
        {"incident": incident.pk, "description": "x", "owner": engineer.pk, "due_date": "2026-03-20"},
        format="json",
    )
    assert answer.status_code == 400 and answer.json()["detail"]
    answer = client.post("/api/v1/review-actions/", {"incident": incident.pk}, format="json")
    assert set(answer.json()["errors"]) >= {"description", "owner", "due_date"}
    action = ReviewAction.objects.create(incident=incident, description="x", owner=engineer, due_date=TODAY)
    customer = api.as_user(customer_a)
    assert customer.get("/api/v1/review-actions/").status_code == 403
    assert customer.post(f"/api/v1/review-actions/{action.pk}/done/").status_code == 403


# --- the incident page and the admin ----------------------------------------------------------


def test_the_page_adds_marks_done_and_undoes(client, reviewed, manager, engineer):
    incident = reviewed()
    client.force_login(manager)
    url = reverse("emergency:detail", args=[incident.pk])
    page = client.get(url)
    assert b'id="review-action-add"' in page.content
    answer = client.post(
        reverse("emergency:review_action_add", args=[incident.pk]),
        {
            "new-action-description": "Zephyr spare",
            "new-action-owner": engineer.pk,
            "new-action-due_date": "2026-03-12",
        },
    )
    assert answer.status_code == 302
    action = incident.review_actions.get()
    assert b"Zephyr spare" in client.get(url).content
    client.post(
        reverse("emergency:review_action_edit", args=[incident.pk, action.pk]),
        {
            f"action-{action.pk}-description": "Zephyr spare, two of them",
            f"action-{action.pk}-owner": manager.pk,
            f"action-{action.pk}-due_date": "2026-03-14",
        },
    )
    action.refresh_from_db()
    assert (action.description, action.owner, action.due_date) == (
        "Zephyr spare, two of them",
        manager,
        datetime.date(2026, 3, 14),
    )
    client.post(reverse("emergency:review_action_done", args=[incident.pk, action.pk]))
    action.refresh_from_db()
    assert action.done_at is not None
    client.post(reverse("emergency:review_action_done", args=[incident.pk, action.pk]), {"undo": "1"})
    action.refresh_from_db()
    assert action.done_at is None
    assert changes(incident) == ["created", "changed", "done", "reopened"]


def test_customers_do_not_see_or_touch_the_actions(client, reviewed, engineer, customer_a):
    incident = reviewed()
    action = ReviewAction.objects.create(
        incident=incident, description="Zephyr internal", owner=engineer, due_date=TODAY
    )
    client.force_login(customer_a)
    assert b"Zephyr internal" not in client.get(reverse("emergency:detail", args=[incident.pk])).content
    answer = client.post(reverse("emergency:review_action_done", args=[incident.pk, action.pk]))
    assert answer.status_code == 403
    action.refresh_from_db()
    assert action.done_at is None


def test_the_admin_saves_through_the_services(client, reviewed, admin_user, engineer):
    incident = reviewed()
    client.force_login(admin_user)
    answer = client.post(
        reverse("admin:emergency_reviewaction_add"),
        {"incident": incident.pk, "description": "From the admin", "owner": engineer.pk, "due_date": "2026-03-20"},
    )
    assert answer.status_code == 302, answer.content[:2000]
    action = ReviewAction.objects.get()
    assert changes(incident) == ["created"]
    client.post(
        reverse("admin:emergency_reviewaction_changelist"),
        {"action": "mark_done", "_selected_action": [action.pk]},
    )
    action.refresh_from_db()
    assert action.done_at is not None
    assert changes(incident) == ["created", "done"]


# --- the dashboard -----------------------------------------------------------------------------


def _tiles(client) -> dict:
    response = client.get(reverse("reports:dashboard"), {"from": "2026-03-01", "to": "2026-03-31"})
    assert response.status_code == 200
    return {tile["id"]: tile["value"] for tile in response.context["count_tiles"]}


def test_the_dashboards_open_actions_empty_as_they_are_done(client, reviewed, manager, engineer, customer_a):
    incident = reviewed()
    first = add(incident, manager, engineer, description="Zephyr first")
    add(incident, manager, engineer, description="Zephyr second", due=TODAY - datetime.timedelta(days=1))
    client.force_login(manager)
    assert _tiles(client)["review_actions"] == 2
    services.review_action_done(action_id=first.pk, actor=engineer)
    assert _tiles(client)["review_actions"] == 1
    page = client.get(reverse("reports:dashboard"), {"from": "2026-03-01", "to": "2026-03-31"})
    assert b"Zephyr second" in page.content and b"Zephyr first" not in page.content
    # the vendor's working notes: a customer sees neither the tile nor the list, nor its export
    client.force_login(customer_a)
    assert "review_actions" not in _tiles(client)
    assert client.get(reverse("reports:export", args=["review_actions", "csv"])).status_code == 404


def test_the_timeline_says_what_happened_to_the_action(reviewed, engineer, manager):
    from emergency import presenters

    incident = reviewed()
    action = add(incident, manager, engineer, due=datetime.date(2026, 3, 20))
    services.review_action_done(action_id=action.pk, actor=manager)
    entries = incident.entries.filter(kind="review_action")
    details = [presenters.entry_view(entry, manager).detail for entry in entries]
    assert details == [f"{engineer}, 2026-03-20", f"done, {engineer}, 2026-03-20"]
    assert not any(entry.public for entry in entries)  # the vendor's working notes
