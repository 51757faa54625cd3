"""Saved queue views: what their filters, columns and sort may hold, who sees and changes them,
the tickets a view holds (the same on the page and in the API), the counts of the navigation."""

from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError

from accounts.models import TeamMembership
from core.errors import NotAllowed, ServiceDeskError
from tests.accounts.factories import TeamFactory, UserFactory
from tests.tickets.helpers import sh, travel
from tickets import queue_views, selectors, services
from tickets.models import QueueView

pytestmark = pytest.mark.django_db

NOW = sh(2026, 2, 2, 13, 30)  # a Monday: see ``desk``


def file(customer, project, *, at, priority="normal", **fields):
    fields.setdefault("title", "Gateway restarts")
    fields.setdefault("description", "It restarts every hour.")
    with travel(at):
        return services.ticket_create(actor=customer, project=project, priority=priority, **fields)


@pytest.fixture
def team(engineer):
    team = TeamFactory(name="Support")
    TeamMembership.objects.create(team=team, user=engineer)
    return team


@pytest.fixture
def mate(team):
    mate = UserFactory(username="mate")
    TeamMembership.objects.create(team=team, user=mate)
    return mate


@pytest.fixture
def outsider(db):
    return UserFactory(username="outsider")


@pytest.fixture
def desk(customer_a, customer_b, project_a, project_b, engineer, sla_setup):
    """Monday 2026-02-02: urgent (breached at 13:30), high, normal (breaching), B's normal, a
    resolved urgent, one of mine."""
    t = SimpleNamespace(
        urgent=file(customer_a, project_a, at=sh(2026, 2, 2, 10), priority="urgent"),
        high=file(customer_a, project_a, at=sh(2026, 2, 2, 9, 5), priority="high", title="Disk full"),
        normal=file(customer_a, project_a, at=sh(2026, 2, 2, 9)),
        other_org=file(customer_b, project_b, at=sh(2026, 2, 2, 9, 15)),
        done=file(customer_a, project_a, at=sh(2026, 2, 2, 9, 1), priority="urgent"),
        mine=file(customer_a, project_a, at=sh(2026, 2, 2, 11), priority="high"),
    )
    with travel(sh(2026, 2, 2, 11, 30)):
        services.ticket_assign(ticket_id=t.mine.pk, actor=engineer, assignee=engineer)
        services.ticket_update(ticket_id=t.done.pk, actor=engineer, status="resolved")
    return t


def ids(tickets) -> list[int]:
    return [ticket.pk for ticket in tickets]


# --- what a view may hold ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        ({"colour": "red"}, "Unknown filter: colour"),
        ({"statuses": ["open"]}, "statuses: open is not one of"),
        ({"priorities": "critical"}, "priorities: critical is not one of"),
        ({"organisations": ["x"]}, "organisations: a list of ids"),
        ({"assignee": "someone"}, 'assignee: "me", "unassigned" or a user id'),
        ({"sla": "late"}, 'sla: "breaching" or "breached"'),
        ({"sla": {"a": 1}}, 'sla: "breaching" or "breached"'),
        ({"organisations": [2**40]}, "organisations: a list of ids"),
        ({"assignee": ["me"]}, 'assignee: "me", "unassigned" or a user id'),
        ({"team": True}, "team: a team id"),
        ({"q": "x" * 201}, "q: text of at most 200"),
        (["statuses"], "Filters are an object"),
    ],
)
def test_filters_outside_the_whitelist_are_refused_with_a_clear_message(filters, message):
    with pytest.raises(ValidationError) as error:
        queue_views.validate_filters(filters)
    assert message in error.value.message_dict["filters"][0]


def test_filters_are_stored_in_one_form():
    assert queue_views.validate_filters(
        {"statuses": ["new", "new"], "organisations": ["3", 4], "assignee": "7", "q": "  disk ", "sla": ""}
    ) == {"statuses": ["new"], "organisations": [3, 4], "assignee": 7, "q": "disk"}


@pytest.mark.parametrize(
    ("columns", "sort", "field", "message"),
    [
        (["reference", "colour"], "due", "columns", "Unknown column: colour"),
        (["priority", "status"], "due", "columns", "Show the reference or the title"),
        (["reference"], "colour", "sort", "Sort by one of due, priority"),
        (["reference"], "--due", "sort", "Sort by one of"),
    ],
)
def test_columns_and_sort_outside_the_whitelist_are_refused(engineer, columns, sort, field, message):
    with pytest.raises(ServiceDeskError) as error:
        services.queue_view_create(actor=engineer, name="Odd", columns=columns, sort=sort)
    assert error.value.field == field and message in error.value.message
    assert not QueueView.objects.exists()


def test_a_name_is_unique_per_owner(engineer, mate):
    services.queue_view_create(actor=engineer, name="Urgent")
    services.queue_view_create(actor=mate, name="Urgent")
    with pytest.raises(ServiceDeskError):
        services.queue_view_create(actor=engineer, name="Urgent")


def test_customers_cannot_save_views(customer_a):
    with pytest.raises(NotAllowed):
        services.queue_view_create(actor=customer_a, name="Mine")


# --- sharing -------------------------------------------------------------------------------


def test_a_shared_view_is_seen_by_the_team_and_changed_by_its_owner_or_a_manager(
    engineer, mate, outsider, manager, team
):
    view = services.queue_view_create(actor=engineer, name="Urgent", team=team, filters={"priorities": ["urgent"]})
    personal = services.queue_view_create(actor=engineer, name="Mine", filters={"assignee": "me"})
    assert list(queue_views.visible_views(user=engineer)) == [personal, view]
    assert list(queue_views.visible_views(user=mate)) == [view]
    assert list(queue_views.visible_views(user=outsider)) == []
    with pytest.raises(NotAllowed):
        services.queue_view_update(actor=mate, view=view, name="Mine now")
    services.queue_view_update(actor=manager, view=view, name="Urgent only")
    with pytest.raises(NotAllowed):
        services.queue_view_update(actor=manager, view=personal, name="Not yours")
    services.queue_view_delete(actor=engineer, view=view)
    assert list(queue_views.visible_views(user=mate)) == []


def test_a_view_is_shared_only_with_a_team_of_the_owner(engineer, manager, team):
    other = TeamFactory(name="Elsewhere")
    with pytest.raises(ServiceDeskError) as error:
        services.queue_view_create(actor=engineer, name="Theirs", team=other)
    assert error.value.field == "team"
    assert services.queue_view_create(actor=manager, name="Theirs", team=other).team == other


# --- the tickets a view holds --------------------------------------------------------------


def test_each_filter_holds_its_tickets(desk, engineer, project_a, org_b, team):
    tickets = selectors.ticket_list(user=engineer)

    def held(**filters):
        with travel(NOW):
            return set(ids(queue_views.view_tickets(tickets, user=engineer, filters=filters, sort="due")))

    open_ = {desk.urgent.pk, desk.high.pk, desk.normal.pk, desk.other_org.pk, desk.mine.pk}
    assert held() == open_
    assert held(statuses=["resolved"]) == {desk.done.pk}
    assert held(priorities=["urgent", "high"]) == {desk.urgent.pk, desk.high.pk, desk.mine.pk}
    assert held(organisations=[org_b.pk]) == {desk.other_org.pk}
    assert held(projects=[project_a.pk]) == open_ - {desk.other_org.pk}
    assert held(assignee="me") == {desk.mine.pk}
    assert held(assignee=engineer.pk) == {desk.mine.pk}
    assert held(assignee="unassigned") == open_ - {desk.mine.pk}
    assert held(sla="breached") == {desk.urgent.pk}
    assert held(sla="breaching") == {desk.normal.pk, desk.other_org.pk}
    assert held(q="disk") == {desk.high.pk}
    assert held(q=desk.urgent.reference) == {desk.urgent.pk}
    assert held(categories=["question"]) == set()
    assert held(channels=["portal"]) == open_
    assert held(team=team.pk) == set()


@pytest.mark.parametrize(
    ("sort", "first"),
    [("priority", ["urgent", "mine", "high"]), ("-created", ["mine", "urgent"]), ("reference", ["urgent", "high"])],
)
def test_the_sort_orders_the_tickets(desk, engineer, sort, first):
    with travel(NOW):
        tickets = queue_views.view_tickets(selectors.ticket_list(user=engineer), user=engineer, filters={}, sort=sort)
        shown = ids(tickets)
    assert shown[: len(first)] == [getattr(desk, name).pk for name in first]


def test_the_page_and_the_api_give_the_same_tickets_for_a_view(client, api, desk, engineer, team):
    view = services.queue_view_create(
        actor=engineer, name="Hot", team=team, filters={"priorities": ["urgent", "high"]}, sort="-created"
    )
    client.force_login(engineer)
    with travel(NOW):
        page = client.get("/tickets/", {"view": view.pk})
        by_view = api.as_user(engineer).get("/api/v1/tickets/", {"view": view.pk})
        by_queue_view = api.get("/api/v1/tickets/", {"queue_view": view.pk})
    listed = ids(page.context["page"])
    assert listed == [desk.mine.pk, desk.urgent.pk, desk.high.pk]
    assert [row["id"] for row in by_view.json()["results"]] == listed
    assert [row["id"] for row in by_queue_view.json()["results"]] == listed


@pytest.mark.parametrize("name", ["mine", "unassigned", "breaching", "breached"])
def test_the_built_in_views_read_the_same_on_the_page_and_in_the_api(client, api, desk, engineer, name):
    client.force_login(engineer)
    with travel(NOW):
        page = ids(client.get("/tickets/", {"view": name}).context["page"])
        answer = api.as_user(engineer).get("/api/v1/tickets/", {"view": name}).json()
    assert page and [row["id"] for row in answer["results"]] == page


def test_an_unknown_or_unshared_view_is_a_400_in_the_api(api, desk, engineer, outsider):
    view = services.queue_view_create(actor=engineer, name="Private")
    client = api.as_user(outsider)
    for query in ({"view": "everything"}, {"view": view.pk}, {"queue_view": view.pk}):
        response = client.get("/api/v1/tickets/", query)
        assert response.status_code == 400, query
        assert "No such view" in response.json()["detail"]
    assert client.get("/api/v1/tickets/", {"queue_view": "mine"}).status_code == 400


def test_an_explicit_ordering_wins_over_the_views_sort(api, desk, engineer):
    view = services.queue_view_create(actor=engineer, name="By created", sort="-created")
    with travel(NOW):
        answer = api.as_user(engineer).get("/api/v1/tickets/", {"view": view.pk, "ordering": "received_at"}).json()
    assert answer["results"][0]["id"] == desk.normal.pk


# --- counts for the navigation -------------------------------------------------------------


def test_the_navigation_counts_every_view_in_one_query_and_keeps_them(desk, engineer, team, django_assert_num_queries):
    services.queue_view_create(actor=engineer, name="Hot", team=team, filters={"priorities": ["urgent", "high"]})
    services.queue_view_create(actor=engineer, name="Done", filters={"statuses": ["resolved", "closed"]})
    cache.clear()
    with travel(NOW):
        with django_assert_num_queries(2):  # the views, then every count
            entries = queue_views.nav_views(user=engineer)
        with django_assert_num_queries(0):
            assert queue_views.nav_views(user=engineer) == entries
    counts = {entry["name"] or entry["key"]: entry["count"] for entry in entries}
    assert counts == {"": 5, "mine": 1, "unassigned": 4, "breaching": 2, "breached": 1, "Done": 1, "Hot": 3}


def test_a_saved_view_shows_in_the_navigation_at_once(desk, engineer, mate, team, django_capture_on_commit_callbacks):
    with travel(NOW):
        before = queue_views.nav_views(user=mate)
        with django_capture_on_commit_callbacks(execute=True):
            services.queue_view_create(actor=engineer, name="Hot", team=team, filters={"priorities": ["high"]})
        after = queue_views.nav_views(user=mate)
    assert [entry["name"] for entry in before if entry["name"]] == []
    assert [(entry["name"], entry["count"], entry["shared"]) for entry in after if entry["name"]] == [("Hot", 2, True)]


def test_a_status_asked_in_the_api_narrows_a_view_without_statuses(api, desk, engineer):
    view = services.queue_view_create(actor=engineer, name="Urgent", filters={"priorities": ["urgent"]})
    client = api.as_user(engineer)
    with travel(NOW):
        resolved = client.get("/api/v1/tickets/", {"view": view.pk, "status": "resolved"}).json()
        held = client.get("/api/v1/tickets/", {"view": view.pk}).json()
    assert [row["id"] for row in resolved["results"]] == [desk.done.pk]
    assert [row["id"] for row in held["results"]] == [desk.urgent.pk]
