"""The queue's lists read fast without reading differently: the API's list and the queue page
page through a deferred join (``selectors.PagedByIds``), the list is represented through a plan
(``core.representation``), the clocks' badges are built in Python (``presenters.clock_badge``)
and the queue's filter fields are kept rendered under everything they are made of."""

import json
import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from rest_framework.renderers import JSONRenderer

from accounts.models import User
from customers.models import Organisation
from tests.accounts.factories import UserFactory
from tests.customers.factories import ProjectFactory
from tests.tickets.helpers import sh, travel
from tickets import presenters, selectors, services
from tickets.api.tickets import TicketOutput
from tickets.models import Metric, Priority, SLAClock, Ticket

pytestmark = pytest.mark.django_db

TICKETS = "/api/v1/tickets/"


def file_ticket(actor, project, *, at, priority: str = "normal") -> Ticket:
    with travel(at):
        return services.ticket_create(
            actor=actor, project=project, title="Gateway restarts", description="It restarts.", priority=priority
        )


@pytest.fixture
def busy_queue(customer_a, engineer, sla_setup):
    """Twelve tickets in every clock state; eight filed in the same second, so that the
    queue's order has ties on its first keys (next due moment, received) and only the id
    decides, as on the benchmark's generated tickets."""
    priorities = ["normal", "urgent", "low", "high"]
    tickets = []
    for n in range(12):
        at = sh(2026, 2, 2, 9, 0) if n < 8 else sh(2026, 2, 2, 9, n)
        ticket = file_ticket(customer_a, ProjectFactory(organisation=customer_a.organisation), at=at,
                             priority=priorities[n % 4])  # fmt: skip
        if n % 3 == 0:
            services.ticket_assign(ticket_id=ticket.pk, actor=engineer, assignee=engineer)
        with travel(sh(2026, 2, 2, 10)):
            if n % 4 == 1:
                services.ticket_update(ticket_id=ticket.pk, actor=engineer, status="waiting_on_customer")
            elif n % 4 == 2:
                services.ticket_update(ticket_id=ticket.pk, actor=engineer, status="resolved")
        tickets.append(ticket)
    return tickets


# --- the deferred join ---------------------------------------------------------------------


@pytest.mark.parametrize("window", [slice(0, 5), slice(5, 10), slice(3, 12), slice(10, 20), slice(0, 50)])
def test_a_page_read_by_ids_is_the_plain_slice(busy_queue, engineer, window):
    ordered = selectors.queue_order(selectors.ticket_list(user=engineer))
    assert [ticket.pk for ticket in selectors.PagedByIds(ordered)[window]] == [ticket.pk for ticket in ordered[window]]
    assert selectors.PagedByIds(ordered).count() == len(busy_queue)


def test_a_page_read_by_ids_keeps_the_scope_and_the_filters(busy_queue, customer_b, engineer):
    open_ones = selectors.ticket_list(user=engineer).filter(status__in=Ticket.OPEN_STATUSES).order_by("-pk")
    assert [ticket.pk for ticket in selectors.PagedByIds(open_ones)[0:50]] == [ticket.pk for ticket in open_ones]
    assert selectors.PagedByIds(selectors.ticket_list(user=customer_b).order_by("pk"))[0:50] == []


def test_api_pages_with_ties_neither_repeat_nor_skip_a_ticket(api, busy_queue, engineer):
    client = api.as_user(engineer)
    seen = []
    with travel(sh(2026, 2, 2, 12)):
        for page in (1, 2, 3):
            response = client.get(TICKETS, {"page_size": 5, "page": page})
            assert response.status_code == 200
            seen += [row["id"] for row in response.json()["results"]]
        assert response.json()["count"] == 12
    ordered = selectors.queue_order(selectors.ticket_list(user=engineer))
    assert seen == [ticket.pk for ticket in ordered]


# --- the list's representation ---------------------------------------------------------------


@pytest.mark.parametrize("query", [{}, {"status": ["new", "waiting_on_customer"]}, {"ordering": "-priority"}])
def test_the_list_answers_what_the_ticket_serializer_says(api, busy_queue, engineer, query):
    """Every field of every row equals DRF's own representation of the same tickets at the same
    moment: the plan reads columns, relations' ids, names and clocks as DRF does."""
    client = api.as_user(engineer)
    moment = sh(2026, 2, 2, 16, 30)  # some clocks overdue, some paused, some stopped
    with travel(moment):
        response = client.get(TICKETS, {"page_size": 50, **query})
        rows = response.json()["results"]
        tickets = selectors.ticket_list(user=engineer).in_bulk([row["id"] for row in rows])
        expected = TicketOutput([tickets[row["id"]] for row in rows], many=True, context={"now": timezone.now()}).data
    assert rows and rows == json.loads(JSONRenderer().render(expected))
    states = {
        (clock["breached"], clock["paused"], clock["stopped_at"] is None)
        for row in rows
        for clock in row["sla"].values()
    }
    assert len(states) >= 3  # running, paused and stopped clocks were compared


# --- the clocks' badges ----------------------------------------------------------------------


def _state(**changes) -> dict:
    state = {
        "due_at": sh(2026, 2, 2, 18),
        "breached": False,
        "paused": False,
        "stopped_at": None,
        "remaining_seconds": 3 * 3600 + 20 * 60,
        "escalating": False,
        "acknowledged_at": None,
    }
    return {**state, **changes}


@pytest.mark.parametrize(
    ("changes", "colour", "text", "live"),
    [
        ({}, "text-bg-light border", "due in 3 h 20 min", True),
        ({"remaining_seconds": 25 * 60}, "text-bg-warning", "due in 25 min", True),
        (
            {"remaining_seconds": -(2 * 86400 + 4 * 3600), "breached": True},
            "text-bg-danger",
            "overdue by 2 d 4 h",
            True,
        ),
        ({"paused": True, "remaining_seconds": 3600}, "text-bg-secondary", "paused, 1 h 00 min left", False),
        ({"stopped_at": sh(2026, 2, 2, 11)}, "text-bg-success", "met", False),
        ({"stopped_at": sh(2026, 2, 2, 19), "breached": True}, "text-bg-danger", "missed", False),
    ],
)
def test_a_clock_badge_says_its_state(changes, colour, text, live):
    with translation.override("en"), timezone.override("Asia/Shanghai"):
        html = presenters.clock_badge(SLAClock(metric="resolution"), _state(**changes))
    assert html.startswith(f'<span class="sla-clock badge {colour}" data-metric="resolution"')
    assert f'<span class="sla-text">{text}</span>' in html
    assert 'title="Resolution: ' in html and ">Resolution: <" in html
    assert ('data-due="2026-02-02T18:00:00+08:00"' in html) is live
    assert ('data-label-overdue="overdue by"' in html) is live


def test_a_clock_badge_reads_in_the_page_language():
    with translation.override("zh-hans"), timezone.override("Asia/Shanghai"):
        html = presenters.clock_badge(SLAClock(metric="first_response"), _state())
        due_in, label = translation.gettext("due in"), str(Metric.FIRST_RESPONSE.label)
    assert due_in != "due in" and f'<span class="sla-text">{due_in} ' in html
    assert f">{label}: <" in html


def test_the_same_moment_reads_in_each_zone_and_language():
    """The badges' formatted moments are kept per instant, zone and language: an instant shown
    first in Shanghai must not come back in Shanghai's wall time for a reader in Berlin."""
    clock, state = SLAClock(metric="resolution"), _state()
    titles = []
    for zone, language in (("Asia/Shanghai", "en"), ("Europe/Berlin", "en"), ("Asia/Shanghai", "zh-hans")):
        with translation.override(language), timezone.override(zone):
            titles.append(re.search(r'title="([^"]*)"', presenters.clock_badge(clock, state)).group(1))
    assert titles[0].endswith("18:00") and titles[1].endswith("11:00"), titles
    moments = [title.split(": ", 1)[1] for title in titles]
    assert moments[2] != moments[0], moments  # the Chinese short format, not the English one kept


def test_the_sla_cell_holds_each_clock_badge_followed_by_a_space():
    states = [
        (SLAClock(metric="first_response"), _state(stopped_at=sh(2026, 2, 2, 11))),
        (SLAClock(metric="resolution"), _state()),
    ]
    with translation.override("en"), timezone.override("Asia/Shanghai"):
        cell = presenters.clock_badges(states)
        assert cell == "".join(f"{presenters.clock_badge(clock, state)} " for clock, state in states)
    assert cell.count('class="sla-clock') == 2


def test_labels_are_the_models_display_values():
    for language in ("en", "zh-hans"):
        with translation.override(language):
            for value, _label in Priority.choices:
                assert presenters.priority_label(value) == Ticket(priority=value).get_priority_display()
            for value, _label in Ticket.Status.choices:
                assert presenters.status_label(value) == Ticket(status=value).get_status_display()


# --- the queue page's filter fields ----------------------------------------------------------


def _options(page: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}".*?</select>', page, re.S).group(0)
    return re.findall(r"<option[^>]*>(.*?)</option>", select)


def test_the_filter_fields_show_the_choices_as_they_are_now(client, busy_queue, engineer, customer_a):
    client.force_login(engineer)
    first = client.get(reverse("tickets:list")).content.decode()
    organisation = customer_a.organisation
    assert organisation.name in _options(first, "organisation")
    Organisation.objects.filter(pk=organisation.pk).update(name="Renamed Ltd")  # no service: no signal either
    newcomer = UserFactory(role=User.Role.ENGINEER, first_name="Neu", last_name="Kollege")
    second = client.get(reverse("tickets:list")).content.decode()
    assert "Renamed Ltd" in _options(second, "organisation")
    assert organisation.name not in _options(second, "organisation")
    assert str(newcomer) in _options(second, "assignee")


def test_the_filter_fields_keep_what_was_asked_and_the_language(client, busy_queue, engineer):
    client.force_login(engineer)
    for _ in range(2):  # rendered, then kept
        page = client.get(reverse("tickets:list"), {"priority": "high"}).content.decode()
        assert re.search(r'<input[^>]*name="priority" value="high"[^>]*checked', page)  # the priority dropdown
        assert not re.search(r'<input[^>]*name="priority" value="low"[^>]*checked', page)
    plain = client.get(reverse("tickets:list")).content.decode()
    assert not re.search(r'<input[^>]*name="priority" value="high"[^>]*checked', plain)
    chinese = client.get(reverse("tickets:list"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    with translation.override("zh-hans"):
        view = translation.gettext("View")
    label = re.search(r'<label\s+for="id_view"[^>]*>(.*?)</label>', chinese, re.S).group(1)
    assert view != "View" and label.strip() == view, label


def test_the_queue_page_runs_as_many_queries_when_its_fields_are_kept(
    client, busy_queue, engineer, django_assert_max_num_queries
):
    client.force_login(engineer)
    with travel(sh(2026, 2, 2, 12)):
        # rendered, then kept: the second time the saved views and their counts come from the cache
        for limit in (13, 11):
            with django_assert_max_num_queries(limit):
                response = client.get(reverse("tickets:list"))
            assert len(response.context["page"]) == 12 - 3  # the resolved ones are not in the queue
