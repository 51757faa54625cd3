"""The queue page's filter bar, chips and saved views, the navigation's menu of views, and
/api/v1/queue-views/."""

# ruff: noqa: F811  (the fixtures of test_queue_views.py, imported, are the tests' arguments)

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from tests.tickets.helpers import sh, travel
from tests.tickets.test_queue_views import NOW, desk, mate, outsider, team  # noqa: F401  (fixtures)
from tickets import services
from tickets.models import QueueView

pytestmark = pytest.mark.django_db

QUEUE = "/tickets/"


def listed(response) -> list[int]:
    assert response.status_code == 200
    return [ticket.pk for ticket in response.context["page"]]


def chips(response) -> dict[str, str]:
    """The chips as {label: the link that removes it}."""
    html = response.content.decode()
    found = re.findall(r'<a class="badge[^"]*queue-chip" href="([^"]*)"[^>]*>(.*?) <span', html)
    return {unescape(label): unescape(url) for url, label in found}


# --- the filter bar and its chips ----------------------------------------------------------


def test_a_chip_removes_one_value_and_keeps_the_others(client, desk, engineer):
    client.force_login(engineer)
    with travel(NOW):
        response = client.get(QUEUE, {"priority": ["urgent", "high"], "q": "disk", "filtered": "1"})
        assert listed(response) == [desk.high.pk]
        shown = chips(response)
        assert set(shown) == {"Priority: Urgent", "Priority: High", "Search: “disk”"}
        without_disk = client.get(QUEUE + shown["Search: “disk”"])
        assert set(listed(without_disk)) == {desk.urgent.pk, desk.high.pk, desk.mine.pk}
        without_high = client.get(QUEUE + chips(without_disk)["Priority: High"])
    assert listed(without_high) == [desk.urgent.pk]
    assert set(chips(without_high)) == {"Priority: Urgent"}


def test_the_old_view_parameters_still_work_and_their_chip_leaves_the_view(client, desk, engineer):
    client.force_login(engineer)
    with travel(NOW):
        response = client.get(QUEUE, {"view": "unassigned", "priority": "normal"})
        assert set(listed(response)) == {desk.normal.pk, desk.other_org.pk}
        link = chips(response)["Assignee: Unassigned"]
        assert parse_qs(urlsplit(link).query).get("view") is None
        assert set(listed(client.get(QUEUE + link))) == {desk.normal.pk, desk.other_org.pk}


def test_a_wrong_filter_value_is_a_message_not_an_error(client, desk, engineer):
    client.force_login(engineer)
    response = client.get(QUEUE, {"priority": "critical", "view": "nonsense"})
    assert response.status_code == 200
    text = response.content.decode()
    assert "priorities: critical is not one of" in text and "There is no such view" in text


def test_pages_keep_the_filters(client, desk, engineer, customer_a, project_a):
    for n in range(51):
        services.ticket_create(actor=customer_a, project=project_a, title=f"Noise {n}", description="-", priority="low")
    client.force_login(engineer)
    response = client.get(QUEUE, {"priority": "low", "filtered": "1"})
    link = re.search(r'<a class="page-link" href="([^"]*)">Next', response.content.decode()).group(1)
    second = client.get(QUEUE + unescape(link))
    assert parse_qs(urlsplit(unescape(link)).query)["priority"] == ["low"]
    assert len(listed(response)) == 50 and len(listed(second)) == 1


# --- saving, changing, deleting a view -----------------------------------------------------


def test_save_as_view_shared_with_the_team_then_a_mate_sees_it_with_its_count(client, desk, engineer, mate, team):
    client.force_login(engineer)
    query = "view=&shown=&filtered=1&priority=urgent&priority=high&sort=-created"
    with travel(NOW):
        response = client.post(reverse("tickets:queue_view_save"), {"name": "Hot", "team": team.pk, "query": query})
    view = QueueView.objects.get()
    assert response.status_code == 302 and response.url == f"{QUEUE}?view={view.pk}"
    assert (view.owner, view.team, view.filters, view.sort) == (
        engineer,
        team,
        {"priorities": ["urgent", "high"]},
        "-created",
    )
    client.force_login(mate)
    with travel(NOW):
        page = client.get(QUEUE)
        assert re.search(rf'href="\?view={view.pk}">Hot .*?queue-view-count">3<', page.content.decode())
        assert listed(client.get(QUEUE, {"view": view.pk})) == [desk.mine.pk, desk.urgent.pk, desk.high.pk]
        assert "Edit the view" not in client.get(QUEUE, {"view": view.pk}).content.decode()


def test_a_bad_save_changes_nothing(client, engineer):
    client.force_login(engineer)
    response = client.post(reverse("tickets:queue_view_save"), {"name": "", "query": "priority=urgent"}, follow=True)
    assert response.status_code == 200 and not QueueView.objects.exists()


def test_the_view_chooses_the_columns_and_the_sort(client, desk, engineer):
    view = services.queue_view_create(actor=engineer, name="Lean", columns=["title", "project", "updated"])
    client.force_login(engineer)
    response = client.post(
        reverse("tickets:queue_view_edit", args=[view.pk]),
        {"name": "Lean", "team": "", "columns": ["reference", "team", "created"], "sort": "-priority", "position": 2},
    )
    assert response.status_code == 302
    with travel(NOW):
        page = client.get(QUEUE, {"view": view.pk})
    head = re.search(r"<thead>(.*?)</thead>", page.content.decode(), re.S).group(1)
    assert re.findall(r'class="col-(\w+)"', head) == ["reference", "team", "created"]
    assert listed(page)[-1] == desk.urgent.pk  # least important first, urgent last


def test_a_view_can_take_the_filters_shown(client, desk, engineer):
    view = services.queue_view_create(actor=engineer, name="Hot", filters={"priorities": ["urgent"]})
    client.force_login(engineer)
    url = (
        reverse("tickets:queue_view_edit", args=[view.pk]) + f"?view={view.pk}&shown={view.pk}&filtered=1&priority=low"
    )
    form = {"name": "Hot", "columns": ["reference"], "sort": "due", "position": 0, "take_filters": "on"}
    assert client.post(url, form).status_code == 302
    view.refresh_from_db()
    assert view.filters == {"priorities": ["low"]}


def test_only_the_owner_deletes_a_personal_view(client, engineer, manager, customer_a):
    view = services.queue_view_create(actor=engineer, name="Mine", filters={"assignee": "me"})
    url = reverse("tickets:queue_view_delete", args=[view.pk])
    client.force_login(manager)
    assert client.post(url).status_code == 404  # not shared with them: not there
    client.force_login(customer_a)
    assert client.post(url).status_code == 403
    client.force_login(engineer)
    assert client.post(url).status_code == 302
    assert not QueueView.objects.exists()


def test_a_team_mate_may_not_change_a_shared_view_but_a_manager_may(client, engineer, mate, manager, team):
    view = services.queue_view_create(actor=engineer, name="Hot", team=team)
    url = reverse("tickets:queue_view_edit", args=[view.pk])
    client.force_login(mate)
    assert client.get(url).status_code == 403
    from accounts.models import TeamMembership

    TeamMembership.objects.create(team=team, user=manager)
    client.force_login(manager)
    assert client.get(url).status_code == 200


# --- the navigation --------------------------------------------------------------------------


def test_the_navigation_lists_the_views_with_counts_once_the_queue_read_them(client, desk, engineer, team):
    services.queue_view_create(actor=engineer, name="Hot", team=team, filters={"priorities": ["urgent", "high"]})
    client.force_login(engineer)
    with travel(NOW):
        cold = client.get(reverse("reports:dashboard")).content.decode()
        assert 'hx-get="/tickets/views/nav/"' in cold
        menu = client.get(reverse("tickets:queue_nav")).content.decode()
        assert re.search(r"Hot.*?>3</span>", menu, re.S)
        warm = client.get(reverse("reports:dashboard")).content.decode()
    nav = re.search(r'<ul class="dropdown-menu" id="queue-nav-menu">(.*?)</ul>', warm, re.S).group(1)
    assert "hx-get" not in warm.split('id="queue-nav"')[1][:600]
    assert re.search(r"Mine.*?>1</span>", nav, re.S) and re.search(r"Hot.*?>3</span>", nav, re.S)


def test_customers_get_no_views(client, customer_a):
    client.force_login(customer_a)
    assert client.get(reverse("tickets:queue_nav")).status_code == 403
    assert client.post(reverse("tickets:queue_view_save"), {"name": "x"}).status_code == 403
    assert 'id="queue-nav"' not in client.get(QUEUE).content.decode()


def test_the_queue_page_reads_a_bounded_number_of_queries_with_saved_views(
    client, desk, engineer, team, django_assert_max_num_queries
):
    for n in range(6):
        services.queue_view_create(actor=engineer, name=f"View {n}", team=team, filters={"priorities": ["high"]})
    client.force_login(engineer)
    with travel(NOW):
        with django_assert_max_num_queries(13):  # the views and their counts once, then kept
            client.get(QUEUE)
        with django_assert_max_num_queries(12):  # a saved view: read once more
            response = client.get(QUEUE, {"view": QueueView.objects.first().pk})
    assert len(listed(response)) == 2


def test_the_queue_reads_in_chinese(client, desk, engineer):
    client.force_login(engineer)
    page = client.get(QUEUE, {"priority": "urgent", "filtered": "1"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200 and '<html lang="zh-Hans">' in page.content.decode()


# --- the API ---------------------------------------------------------------------------------


def test_the_api_lists_own_and_team_views_with_counts_in_bounded_queries(
    api, desk, engineer, mate, outsider, team, django_assert_max_num_queries
):
    services.queue_view_create(actor=engineer, name="Hot", team=team, filters={"priorities": ["urgent", "high"]})
    services.queue_view_create(actor=engineer, name="Mine", filters={"assignee": "me"})
    services.queue_view_create(actor=outsider, name="Theirs")
    client = api.as_user(mate)
    with travel(NOW), django_assert_max_num_queries(5):  # token, views, their count, counts of the tickets
        answer = client.get("/api/v1/queue-views/").json()
    assert [(row["name"], row["count"], row["can_change"]) for row in answer["results"]] == [("Hot", 3, False)]
    with travel(NOW):
        answer = api.as_user(engineer).get("/api/v1/queue-views/").json()
    assert [(row["name"], row["count"], row["can_change"]) for row in answer["results"]] == [
        ("Hot", 3, True),
        ("Mine", 1, True),
    ]


def test_the_api_creates_changes_and_deletes_through_the_rules(api, engineer, mate, outsider, team):
    client = api.as_user(engineer)
    bad = client.post("/api/v1/queue-views/", {"name": "X", "filters": {"colour": "red"}}, format="json")
    assert bad.status_code == 400 and "Unknown filter: colour" in bad.json()["detail"]
    bad = client.post("/api/v1/queue-views/", {"name": "X", "columns": ["colour"]}, format="json")
    assert bad.status_code == 400 and "columns" in bad.json()["errors"]
    made = client.post(
        "/api/v1/queue-views/",
        {"name": "Hot", "team": team.pk, "filters": {"priorities": ["urgent"]}, "columns": ["reference", "sla"]},
        format="json",
    )
    assert made.status_code == 201, made.json()
    pk = made.json()["id"]
    assert made.json()["filters"] == {"priorities": ["urgent"]} and made.json()["sort"] == "due"
    assert api.as_user(mate).patch(f"/api/v1/queue-views/{pk}/", {"name": "Mine"}, format="json").status_code == 403
    assert api.as_user(outsider).get(f"/api/v1/queue-views/{pk}/").status_code == 404
    changed = api.as_user(engineer).patch(f"/api/v1/queue-views/{pk}/", {"sort": "-priority"}, format="json")
    assert changed.status_code == 200 and changed.json()["sort"] == "-priority"
    assert api.as_user(engineer).delete(f"/api/v1/queue-views/{pk}/").status_code == 204
    assert not QueueView.objects.exists()


def test_customers_get_403_from_the_api(api, customer_a):
    assert api.as_user(customer_a).get("/api/v1/queue-views/").status_code == 403


def test_sharing_with_a_team_of_someone_else_is_a_400(api, engineer):
    from tests.accounts.factories import TeamFactory

    other = TeamFactory(name="Elsewhere")
    answer = api.as_user(engineer).post("/api/v1/queue-views/", {"name": "X", "team": other.pk}, format="json")
    assert answer.status_code == 400 and answer.json()["errors"] == {"team": [answer.json()["detail"]]}


@pytest.mark.parametrize("moment", [sh(2026, 12, 31, 23, 30), sh(2026, 7, 1, 9)])
def test_the_counts_do_not_depend_on_the_day(api, engineer, moment):
    with travel(moment):
        services.queue_view_create(actor=engineer, name="Any")
        assert api.as_user(engineer).get("/api/v1/queue-views/").json()["results"][0]["count"] == 0


@pytest.mark.parametrize(
    "body",
    [
        {"name": "X", "filters": {"sla": {"a": 1}}},
        {"name": "X", "filters": {"statuses": [["new"]]}},
        {"name": "X", "filters": {"organisations": [99999999999]}},
        {"name": "X", "filters": "priorities"},
        {"name": "X", "columns": "reference"},
        {"name": "X", "sort": "--due"},
        {"name": "X", "team": 99999999999},
        {"name": "X", "position": -1},
        {"name": ["X"]},
        {"name": "x" * 81},
    ],
)
def test_odd_input_is_a_400(api, engineer, body):
    answer = api.as_user(engineer).post("/api/v1/queue-views/", body, format="json")
    assert answer.status_code == 400 and answer.json()["detail"]
    assert not QueueView.objects.exists()


@pytest.mark.parametrize(
    "query",
    [
        {"view": "99999999999999"},
        {"organisation": "99999999999"},
        {"assignee": "nobody"},
        {"sort": "colour"},
        {"page": "x"},
        {"status": "gone", "filtered": "1"},
    ],
)
def test_odd_queue_parameters_are_a_message(client, engineer, query):
    client.force_login(engineer)
    assert client.get(QUEUE, query).status_code == 200
