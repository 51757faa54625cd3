"""API tests: /api/v1/tickets/ (filing, workflow, SLA clocks, replies, dispatch, assignment, the
queue), /api/v1/calendars/ and /api/v1/sla-policies/.

The SLA fixture: a business calendar (Mon-Fri 09:00-12:00 and 13:00-18:00 Asia/Shanghai, with
Saturday 2026-02-14 a make-up working day) and a 24x7 calendar; the default policy targets
normal tickets on business hours and urgent tickets round the clock. Low and high tickets have
no targets, hence no clocks. "Now" is always set with time-machine.
"""

import re
from datetime import datetime
from operator import itemgetter
from types import SimpleNamespace

import pytest

from customers.models import Project
from tests.accounts.factories import CustomerFactory, UserFactory
from tests.customers.factories import ProjectFactory
from tests.tickets.helpers import sh, travel
from tickets import services
from tickets.models import BusinessCalendar, Comment, OnsiteVisit, SLAPolicy, Ticket, TicketEvent
from tickets.policies import policy_save

pytestmark = pytest.mark.django_db

TICKETS = "/api/v1/tickets/"


def parse(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    assert moment.utcoffset() is not None, f"{value} has no UTC offset"
    return moment


def url(ticket: Ticket, action: str = "") -> str:
    return f"{TICKETS}{ticket.pk}/{action + '/' if action else ''}"


def ids(response) -> list[int]:
    assert response.status_code == 200, response.json()
    return [row["id"] for row in response.json()["results"]]


def clock(response, metric: str) -> dict:
    return response.json()["sla"][metric]


def file_ticket(actor, project, *, at: datetime, priority: str = "normal", title: str = "Gateway restarts") -> Ticket:
    """A ticket filed through the service at ``at`` (the setup of most tests)."""
    with travel(at):
        return services.ticket_create(
            actor=actor, project=project, title=title, description="It restarts every hour.", priority=priority
        )


def move(ticket: Ticket, actor, status: str, *, at: datetime) -> None:
    with travel(at):
        services.ticket_update(ticket_id=ticket.pk, actor=actor, status=status)


def payload(project, **extra) -> dict:
    return {
        "project": project.pk,
        "title": "Gateway restarts",
        "description": "The gateway restarts every hour; the log says watchdog timeout.",
        "priority": "normal",
        **extra,
    }


# --- filing a ticket ----------------------------------------------------------------------


class TestCreate:
    def test_a_customer_files_a_ticket_for_their_organisation(self, api, customer_a, project_a, sla_setup):
        extra = {
            "category": "fault",
            "occurred_at": "2026-02-13T16:40:00+08:00",
            "location": "Server room 2",
            "impact": "Three wards without paging",
            "measures_taken": "Restarted the gateway",
        }
        with travel(sh(2026, 2, 13, 17)):
            response = api.as_user(customer_a).post(TICKETS, payload(project_a, **extra), format="json")

        assert response.status_code == 201, response.json()
        body = response.json()
        assert body["reference"] == "SD-2026-000001"
        assert body["status"] == "new"
        assert body["organisation"] == customer_a.organisation_id
        assert body["reporter"] == customer_a.pk
        assert body["channel"] == "portal"
        assert parse(body["received_at"]) == sh(2026, 2, 13, 17)
        assert parse(body["occurred_at"]) == sh(2026, 2, 13, 16, 40)
        assert {key: body[key] for key in ("category", "location", "impact", "measures_taken")} == {
            key: extra[key] for key in ("category", "location", "impact", "measures_taken")
        }
        ticket = Ticket.objects.get()
        assert ticket.organisation_id == customer_a.organisation_id
        assert set(ticket.clocks.values_list("metric", flat=True)) == {"first_response", "resolution"}

    def test_references_count_up_within_the_year_of_receipt(self, api, engineer, customer_a, project_a, sla_setup):
        with travel(sh(2026, 2, 13, 17)):
            first = api.as_user(customer_a).post(TICKETS, payload(project_a), format="json").json()
            second = api.as_user(customer_a).post(TICKETS, payload(project_a), format="json").json()
            logged = api.as_user(engineer).post(
                TICKETS, payload(project_a, received_at="2025-12-30T10:00:00+08:00"), format="json"
            )
        assert [first["reference"], second["reference"]] == ["SD-2026-000001", "SD-2026-000002"]
        assert logged.status_code == 201, logged.json()
        assert logged.json()["reference"] == "SD-2025-000001"

    def test_the_reference_year_is_the_local_year_of_receipt(self, api, customer_a, project_a, sla_setup):
        # 00:30 on New Year's Day in Shanghai is still 2025 in UTC
        with travel(sh(2026, 1, 1, 0, 30)):
            response = api.as_user(customer_a).post(TICKETS, payload(project_a), format="json")
        assert response.status_code == 201, response.json()
        assert re.fullmatch(r"SD-2026-\d{6}", response.json()["reference"]), response.json()["reference"]

    def test_a_customer_cannot_file_for_another_organisations_project(self, api, customer_a, project_b, sla_setup):
        response = api.as_user(customer_a).post(TICKETS, payload(project_b), format="json")
        assert response.status_code == 400
        assert list(response.json()["errors"]) == ["project"]
        assert not Ticket.objects.exists()

    def test_a_customer_cannot_set_when_the_report_was_received(self, api, customer_a, project_a, sla_setup):
        response = api.as_user(customer_a).post(
            TICKETS, payload(project_a, received_at="2026-02-13T09:00:00+08:00"), format="json"
        )
        assert response.status_code == 403
        assert response.json()["detail"]
        assert not Ticket.objects.exists()

    def test_a_customer_cannot_file_on_someone_elses_behalf(self, api, customer_a, project_a, sla_setup):
        colleague = CustomerFactory(username="cust-a2", organisation=customer_a.organisation)
        response = api.as_user(customer_a).post(TICKETS, payload(project_a, reporter=colleague.pk), format="json")
        assert response.status_code == 400
        assert "reporter" in response.json()["errors"]
        assert not Ticket.objects.exists()

    def test_a_customer_cannot_choose_the_channel(self, api, customer_a, project_a, sla_setup):
        # the channel says how staff took a report in: a customer's own report is a portal one
        response = api.as_user(customer_a).post(TICKETS, payload(project_a, channel="hotline"), format="json")
        if response.status_code == 201:
            assert Ticket.objects.get().channel == "portal"
        else:
            assert response.status_code in (400, 403)
            assert not Ticket.objects.exists()

    def test_staff_log_a_call_received_earlier_for_a_customer(self, api, engineer, customer_a, project_a, sla_setup):
        data = payload(project_a, received_at="2026-02-13T17:00:00+08:00", reporter=customer_a.pk, channel="hotline")
        response = api.as_user(engineer).post(TICKETS, data, format="json")

        assert response.status_code == 201, response.json()
        body = response.json()
        assert parse(body["received_at"]) == sh(2026, 2, 13, 17)
        assert (body["reporter"], body["channel"]) == (customer_a.pk, "hotline")
        assert parse(clock(response, "first_response")["due_at"]) == sh(2026, 2, 14, 12)

    def test_staff_cannot_log_a_report_received_in_the_future(self, api, engineer, project_a, sla_setup):
        with travel(sh(2026, 2, 13, 17)):
            response = api.as_user(engineer).post(
                TICKETS, payload(project_a, received_at="2026-02-13T17:05:00+08:00"), format="json"
            )
        assert response.status_code == 400
        assert list(response.json()["errors"]) == ["received_at"]
        assert not Ticket.objects.exists()

    def test_the_reporter_must_be_a_contact_of_the_projects_organisation(
        self, api, engineer, customer_b, project_a, sla_setup
    ):
        response = api.as_user(engineer).post(TICKETS, payload(project_a, reporter=customer_b.pk), format="json")
        assert response.status_code == 400
        assert list(response.json()["errors"]) == ["reporter"]
        assert not Ticket.objects.exists()

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("priority", 3),
            ("priority", "critical"),
            ("project", "project-pk-as-string"),
            ("project", True),
            ("title", 42),
            ("description", ["a", "list"]),
            ("occurred_at", "yesterday"),
        ],
    )
    def test_wrong_types_and_values_are_refused(self, api, customer_a, project_a, sla_setup, field, value):
        if value == "project-pk-as-string":
            value = str(project_a.pk)
        response = api.as_user(customer_a).post(TICKETS, {**payload(project_a), field: value}, format="json")
        assert response.status_code == 400
        assert list(response.json()["errors"]) == [field]
        assert response.json()["detail"]
        assert not Ticket.objects.exists()

    def test_missing_fields_are_named(self, api, customer_a, project_a, sla_setup):
        response = api.as_user(customer_a).post(TICKETS, {"project": project_a.pk}, format="json")
        assert response.status_code == 400
        assert set(response.json()["errors"]) == {"title", "description"}

    def test_an_inactive_project_takes_no_new_tickets(self, api, customer_a, project_a, sla_setup):
        Project.objects.filter(pk=project_a.pk).update(is_active=False)
        response = api.as_user(customer_a).post(TICKETS, payload(project_a), format="json")
        assert response.status_code == 400
        assert list(response.json()["errors"]) == ["project"]
        assert not Ticket.objects.exists()


# --- the ticket and its clocks ------------------------------------------------------------


class TestDetail:
    def test_first_response_due_counts_business_hours_into_the_make_up_saturday(
        self, api, customer_a, project_a, sla_setup
    ):
        # Friday 17:00: one working hour on Friday, three on the make-up Saturday morning
        ticket = file_ticket(customer_a, project_a, at=sh(2026, 2, 13, 17))
        with travel(sh(2026, 2, 13, 17)):
            response = api.as_user(customer_a).get(url(ticket))

        assert response.status_code == 200
        body = response.json()
        assert body["reference"] == ticket.reference
        assert (body["status"], body["priority"]) == ("new", "normal")
        assert parse(body["received_at"]) == sh(2026, 2, 13, 17)
        assert set(body["sla"]) == {"first_response", "resolution"}
        first_response = clock(response, "first_response")
        assert set(first_response) == {"due_at", "breached", "paused", "stopped_at", "remaining_seconds"} | {
            "escalating",
            "acknowledged_at",
            "cycle",
            "breaches",
            "cancelled",
        }
        assert body["cycle"] == 1
        assert parse(first_response["due_at"]) == sh(2026, 2, 14, 12)
        assert first_response["breached"] is False
        assert first_response["paused"] is False
        assert first_response["stopped_at"] is None
        assert first_response["remaining_seconds"] == 19 * 3600
        # 16 working hours: 1 on Friday, 8 on Saturday, 7 on Monday
        assert parse(clock(response, "resolution")["due_at"]) == sh(2026, 2, 16, 17)
        assert parse(body["next_due_at"]) == sh(2026, 2, 14, 12)

    def test_a_ticket_without_targets_has_no_clocks(self, api, customer_a, project_a, sla_setup):
        ticket = file_ticket(customer_a, project_a, at=sh(2026, 2, 2, 9), priority="low")
        response = api.as_user(customer_a).get(url(ticket))
        assert response.json()["sla"] == {}
        assert response.json()["next_due_at"] is None

    def test_another_organisation_gets_404_everywhere(self, api, customer_a, customer_b, project_a, sla_setup):
        ticket = file_ticket(customer_a, project_a, at=sh(2026, 2, 2, 9))
        client = api.as_user(customer_b)
        assert client.get(url(ticket)).status_code == 404
        assert client.get(url(ticket, "comments")).status_code == 404
        assert client.post(url(ticket, "comments"), {"body": "Hello?"}, format="json").status_code == 404
        assert client.patch(url(ticket), {"status": "closed"}, format="json").status_code == 404
        response = client.get(TICKETS)
        assert response.json()["results"] == []
        assert ticket.reference not in response.content.decode()
        assert not Comment.objects.exists()


# --- status workflow ----------------------------------------------------------------------


class TestStatus:
    def test_staff_walk_the_whole_workflow_and_the_customer_reopens(
        self, api, engineer, customer_a, project_a, sla_setup
    ):
        ticket = file_ticket(customer_a, project_a, at=sh(2026, 2, 2, 9))
        for status in ("acknowledged", "in_progress", "waiting_on_customer", "in_progress", "resolved", "closed"):
            response = api.as_user(engineer).patch(url(ticket), {"status": status}, format="json")
            assert response.status_code == 200, (status, response.json())
            assert response.json()["status"] == status
        assert response.json()["closed_at"] is not None
        assert response.json()["resolved_at"] is not None

        response = api.as_user(customer_a).patch(url(ticket), {"status": "in_progress"}, format="json")
        assert response.status_code == 200, response.json()
        assert response.json()["status"] == "in_progress"
        assert (response.json()["resolved_at"], response.json()["closed_at"]) == (None, None)
        moves = [(e.data["old"], e.data["new"]) for e in ticket.events.filter(kind=TicketEvent.Kind.STATUS)]
        assert moves[-1] == ("closed", "in_progress")
        assert len(moves) == 7

    @pytest.mark.parametrize(
        ("path", "impossible"),
        [
            ([], "closed"),
            (["in_progress"], "new"),
            (["in_progress"], "acknowledged"),
            (["resolved"], "waiting_on_customer"),
            (["resolved", "closed"], "resolved"),
        ],
    )
    def test_an_impossible_move_is_a_400_and_changes_nothing(
        self, api, engineer, customer_a, project_a, sla_setup, path, impossible
    ):
        ticket = file_ticket(customer_a, project_a, at=sh(2026, 2, 2, 9))
        for status in path:
            move(ticket, engineer, status, at=sh(2026, 2, 2, 10))
        before = Ticket.objects.get(pk=ticket.pk)
        events = ticket.events.count()

        response = api.as_user(engineer).patch(url(ticket), {"status": impossible}, format="json")

        assert response.status_code == 400
        body = response.json()
        assert "cannot go from" in body["detail"]
        assert str(Ticket.Status(impossible).label) in body["detail"]
        assert list(body["errors"]) == ["status"]
        after = Ticket.objects.get(pk=ticket.pk)
        assert (after.status, after.updated_at) == (before.status, before.updated_at)
        assert ticket.events.count() == events

    def test_new_to_closed_explains_itself(self, api, engineer, customer_a, project_a, sla_setup):
        ticket = file_ticket(customer_a, project_a, at=sh(2026, 2, 2, 9))
        response = api.as_user(engineer).patch(url(ticket), {"status": "closed"}, format="json")
        assert response.status_code == 400
        assert response.json()["detail"] == "A ticket cannot go from New to Closed."
        assert Ticket.objects.get(pk=ticket.pk).status == "new"

    def test_an_unknown_status_is_a_400(self, api, engineer, customer_a, project_a, sla_setup):
        ticket = file_ticket(customer_a, project_a, at=sh(2026, 2, 2, 9))
        response = api.as_user(engineer).patch(url(ticket), {"status": "done"}, format="json")
        assert response.status_code == 400
        assert list(response.json()["errors"]) == ["status"]

    def test_a_customer_closes_a_resolved_ticket_and_reopens_it(self, api, engineer, customer_a, project_a, sla_setup):
        ticket = file_ticket(customer_a, project_a, at=sh(2026, 2, 2, 9))
        move(ticket, engineer, "resolved", at=sh(2026, 2, 2, 10))
        client = api.as_user(customer_a)
        assert client.patch(url(ticket), {"status": "closed"}, format="json").json()["status"] == "closed"
        assert client.patch(url(ticket), {"status": "in_progress"}, format="json").json()["status"] == "in_progress"
        move(ticket, engineer, "resolved", at=sh(2026, 2, 2, 11))
        response = api.as_user(customer_a).patch(url(ticket), {"status": "in_progress"}, format="json")
        assert response.json()["status"] == "in_progress"

    @pytest.mark.parametrize(
        ("path", "attempt"),
        [
            ([], "acknowledged"),
            ([], "resolved"),
            (["in_progress"], "waiting_on_customer"),
            (["in_progress"], "resolved"),
            (["waiting_on_customer"], "in_progress"),
        ],
    )
    def test_a_customer_may_not_make_the_engineers_moves(
        self, api, engineer, customer_a, project_a, sla_setup, path, attempt
    ):
        ticket = file_ticket(customer_a, project_a, at=sh(2026, 2, 2, 9))
        for status in path:
            move(ticket, engineer, status, at=sh(2026, 2, 2, 10))
        expected = Ticket.objects.get(pk=ticket.pk).status

        response = api.as_user(customer_a).patch(url(ticket), {"status": attempt}, format="json")

        assert response.status_code == 403
        assert response.json()["detail"]
        assert Ticket.objects.get(pk=ticket.pk).status == expected


# --- priority -----------------------------------------------------------------------------


class TestPriority:
    def test_a_priority_change_applies_the_new_targets_from_the_original_start(
        self, api, engineer, customer_a, project_a, sla_setup
    ):
        ticket = file_ticket(customer_a, project_a, at=sh(2026, 2, 2, 10))
        before = api.as_user(engineer).get(url(ticket))
        assert parse(clock(before, "first_response")["due_at"]) == sh(2026, 2, 2, 15)

        with travel(sh(2026, 2, 2, 10, 20)):
            response = api.as_user(engineer).patch(url(ticket), {"priority": "urgent"}, format="json")

        assert response.status_code == 200, response.json()
        assert response.json()["priority"] == "urgent"
        # urgent: 60 and 240 minutes round the clock, from 10:00 (not from the change at 10:20)
        assert parse(clock(response, "first_response")["due_at"]) == sh(2026, 2, 2, 11)
        assert parse(clock(response, "resolution")["due_at"]) == sh(2026, 2, 2, 14)
        assert "onsite_arrival" not in response.json()["sla"]  # that one starts with a dispatch
        assert parse(response.json()["next_due_at"]) == sh(2026, 2, 2, 11)
        event = ticket.events.get(kind=TicketEvent.Kind.PRIORITY)
        assert (event.data, event.actor) == ({"old": "normal", "new": "urgent"}, engineer)

    def test_a_lower_priority_moves_the_due_moment_later(self, api, engineer, customer_a, project_a, sla_setup):
        ticket = file_ticket(customer_a, project_a, at=sh(2026, 2, 2, 10), priority="urgent")
        with travel(sh(2026, 2, 2, 10, 20)):
            response = api.as_user(engineer).patch(url(ticket), {"priority": "normal"}, format="json")
        assert parse(clock(response, "first_response")["due_at"]) == sh(2026, 2, 2, 15)

    def test_a_customer_cannot_change_the_priority(self, api, customer_a, project_a, sla_setup):
        ticket = file_ticket(customer_a, project_a, at=sh(2026, 2, 2, 10))
        response = api.as_user(customer_a).patch(url(ticket), {"priority": "urgent"}, format="json")
        assert response.status_code == 403
        ticket.refresh_from_db()
        assert ticket.priority == "normal"
        assert ticket.clocks.get(metric="first_response").due_at == sh(2026, 2, 2, 15)

    def test_an_unknown_priority_is_a_400(self, api, engineer, customer_a, project_a, sla_setup):
        ticket = file_ticket(customer_a, project_a, at=sh(2026, 2, 2, 10))
        response = api.as_user(engineer).patch(url(ticket), {"priority": "critical"}, format="json")
        assert response.status_code == 400
        assert list(response.json()["errors"]) == ["priority"]


# --- replies and the first-response clock -------------------------------------------------


class TestFirstResponse:
    def test_the_first_public_staff_reply_stops_the_clock(self, api, engineer, customer_a, project_a, sla_setup):
        ticket = file_ticket(customer_a, project_a, at=sh(2026, 2, 2, 9))
        with travel(sh(2026, 2, 2, 10)):
            response = api.as_user(engineer).post(
                url(ticket, "comments"), {"body": "We are looking into it.", "public": True}, format="json"
            )
            assert response.status_code == 201, response.json()
            detail = api.as_user(customer_a).get(url(ticket))

        first_response = clock(detail, "first_response")
        assert parse(first_response["stopped_at"]) == sh(2026, 2, 2, 10)
        assert parse(first_response["due_at"]) == sh(2026, 2, 2, 14)
        assert first_response["breached"] is False
        assert first_response["remaining_seconds"] == 4 * 3600
        assert parse(detail.json()["first_response_at"]) == sh(2026, 2, 2, 10)
        assert clock(detail, "resolution")["stopped_at"] is None
        # the queue now orders the ticket by its resolution clock
        assert parse(detail.json()["next_due_at"]) == parse(clock(detail, "resolution")["due_at"])

    def test_a_later_reply_does_not_move_the_stop(self, api, engineer, customer_a, project_a, sla_setup):
        ticket = file_ticket(customer_a, project_a, at=sh(2026, 2, 2, 9))
        for hour in (10, 11):
            with travel(sh(2026, 2, 2, hour)):
                api.as_user(engineer).post(url(ticket, "comments"), {"body": f"Update {hour}"}, format="json")
        stopped = clock(api.as_user(engineer).get(url(ticket)), "first_response")["stopped_at"]
        assert parse(stopped) == sh(2026, 2, 2, 10)

    def test_an_internal_note_does_not_stop_the_clock_and_stays_internal(
        self, api, engineer, customer_a, project_a, sla_setup
    ):
        ticket = file_ticket(customer_a, project_a, at=sh(2026, 2, 2, 9))
        with travel(sh(2026, 2, 2, 10)):
            note = api.as_user(engineer).post(
                url(ticket, "comments"), {"body": "Firmware 3.1 bug, see KB-77", "public": False}, format="json"
            )
            second = api.as_user(engineer).post(
                url(ticket, "comments"), {"body": "Could you send the log?", "public": False}, format="json"
            )
        assert (note.status_code, second.status_code) == (201, 201)
        assert note.json()["public"] is False

        detail = api.as_user(customer_a).get(url(ticket))
        assert clock(detail, "first_response")["stopped_at"] is None
        assert detail.json()["first_response_at"] is None
        customer_view = api.as_user(customer_a).get(url(ticket, "comments"))
        assert customer_view.status_code == 200
        assert customer_view.json()["results"] == [] and customer_view.json()["count"] == 0
        assert "KB-77" not in customer_view.content.decode()
        staff_view = api.as_user(engineer).get(url(ticket, "comments"))
        assert [c["body"] for c in staff_view.json()["results"]] == [
            "Firmware 3.1 bug, see KB-77",
            "Could you send the log?",
        ]

    def test_customers_see_public_replies_but_not_notes(self, api, engineer, customer_a, project_a, sla_setup):
        ticket = file_ticket(customer_a, project_a, at=sh(2026, 2, 2, 9))
        with travel(sh(2026, 2, 2, 10)):
            api.as_user(engineer).post(url(ticket, "comments"), {"body": "Internal", "public": False}, format="json")
            api.as_user(engineer).post(url(ticket, "comments"), {"body": "Public", "public": True}, format="json")
            api.as_user(customer_a).post(url(ticket, "comments"), {"body": "Thanks"}, format="json")
        customer_view = api.as_user(customer_a).get(url(ticket, "comments")).json()["results"]
        assert [(c["body"], c["public"]) for c in customer_view] == [("Public", True), ("Thanks", True)]
        assert api.as_user(engineer).get(url(ticket, "comments")).json()["count"] == 3

    def test_a_customer_reply_does_not_stop_the_clock(self, api, customer_a, project_a, sla_setup):
        ticket = file_ticket(customer_a, project_a, at=sh(2026, 2, 2, 9))
        with travel(sh(2026, 2, 2, 10)):
            response = api.as_user(customer_a).post(url(ticket, "comments"), {"body": "Any news?"}, format="json")
        assert response.status_code == 201
        detail = api.as_user(customer_a).get(url(ticket))
        assert clock(detail, "first_response")["stopped_at"] is None
        assert detail.json()["first_response_at"] is None

    def test_a_bare_status_change_out_of_new_does_not_stop_the_clock(
        self, api, engineer, customer_a, project_a, sla_setup
    ):
        ticket = file_ticket(customer_a, project_a, at=sh(2026, 2, 2, 9))
        with travel(sh(2026, 2, 2, 9, 30)):
            response = api.as_user(engineer).patch(url(ticket), {"status": "acknowledged"}, format="json")
        assert clock(response, "first_response")["stopped_at"] is None
        assert response.json()["first_response_at"] is None

    def test_acknowledging_stops_the_clock_where_the_policy_says_so(
        self, api, engineer, customer_a, project_a, sla_setup
    ):
        SLAPolicy.objects.update(acknowledgement_stops_first_response=True)
        ticket = file_ticket(customer_a, project_a, at=sh(2026, 2, 2, 9))
        with travel(sh(2026, 2, 2, 9, 30)):
            response = api.as_user(engineer).patch(url(ticket), {"status": "acknowledged"}, format="json")
        assert parse(clock(response, "first_response")["stopped_at"]) == sh(2026, 2, 2, 9, 30)
        assert parse(response.json()["first_response_at"]) == sh(2026, 2, 2, 9, 30)

    def test_a_customer_cannot_write_an_internal_note(self, api, customer_a, project_a, sla_setup):
        ticket = file_ticket(customer_a, project_a, at=sh(2026, 2, 2, 9))
        response = api.as_user(customer_a).post(
            url(ticket, "comments"), {"body": "Hidden?", "public": False}, format="json"
        )
        assert response.status_code == 403
        assert not Comment.objects.exists()

    @pytest.mark.parametrize("body", [{"body": ""}, {"body": "   \n"}, {}, {"body": 7}, {"body": "Hi", "public": "no"}])
    def test_bad_replies_are_refused(self, api, engineer, customer_a, project_a, sla_setup, body):
        ticket = file_ticket(customer_a, project_a, at=sh(2026, 2, 2, 9))
        response = api.as_user(engineer).post(url(ticket, "comments"), body, format="json")
        assert response.status_code == 400
        assert set(response.json()["errors"]) <= {"body", "public"}
        assert response.json()["errors"]
        assert not Comment.objects.exists()
        assert Ticket.objects.get(pk=ticket.pk).first_response_at is None

    def test_a_closed_ticket_takes_no_replies(self, api, engineer, customer_a, project_a, sla_setup):
        ticket = file_ticket(customer_a, project_a, at=sh(2026, 2, 2, 9))
        move(ticket, engineer, "resolved", at=sh(2026, 2, 2, 10))
        move(ticket, engineer, "closed", at=sh(2026, 2, 2, 11))
        response = api.as_user(customer_a).post(url(ticket, "comments"), {"body": "One more thing"}, format="json")
        assert response.status_code == 400
        assert list(response.json()["errors"]) == ["body"]


# --- the resolution clock -----------------------------------------------------------------


class TestResolutionClock:
    def test_it_pauses_while_waiting_on_the_customer_and_the_due_moves_by_the_pause(
        self, api, engineer, customer_a, project_a, sla_setup
    ):
        # 16 working hours from Monday 09:00: Tuesday 18:00
        ticket = file_ticket(customer_a, project_a, at=sh(2026, 2, 2, 9))
        with travel(sh(2026, 2, 2, 10)):
            waiting = api.as_user(engineer).patch(url(ticket), {"status": "waiting_on_customer"}, format="json")
        resolution = clock(waiting, "resolution")
        assert resolution["paused"] is True
        assert parse(resolution["due_at"]) == sh(2026, 2, 3, 18)
        assert resolution["remaining_seconds"] == 15 * 3600  # frozen: the working time left at 10:00

        with travel(sh(2026, 2, 2, 13, 30)):
            still = api.as_user(engineer).get(url(ticket))
        assert clock(still, "resolution")["paused"] is True
        assert clock(still, "resolution")["remaining_seconds"] == 15 * 3600
        # resolution paused; the first response still runs: a status change is no answer
        assert parse(still.json()["next_due_at"]) == sh(2026, 2, 2, 14)

        with travel(sh(2026, 2, 2, 14)):
            resumed = api.as_user(engineer).patch(url(ticket), {"status": "in_progress"}, format="json")
        resolution = clock(resumed, "resolution")
        assert resolution["paused"] is False
        # paused 10:00-14:00 holds 3 working hours (lunch does not count): due moves to Wednesday 12:00
        assert parse(resolution["due_at"]) == sh(2026, 2, 4, 12)
        assert parse(resumed.json()["next_due_at"]) == sh(2026, 2, 2, 14)  # the first response, still due

    def test_a_customer_reply_ends_the_wait(self, api, engineer, customer_a, project_a, sla_setup):
        ticket = file_ticket(customer_a, project_a, at=sh(2026, 2, 2, 9))
        move(ticket, engineer, "waiting_on_customer", at=sh(2026, 2, 2, 10))
        with travel(sh(2026, 2, 2, 11)):
            response = api.as_user(customer_a).post(url(ticket, "comments"), {"body": "Log attached."}, format="json")
            detail = api.as_user(customer_a).get(url(ticket))
        assert response.status_code == 201
        assert detail.json()["status"] == "in_progress"
        assert clock(detail, "resolution")["paused"] is False
        # one working hour paused: Tuesday 18:00 becomes Wednesday 10:00
        assert parse(clock(detail, "resolution")["due_at"]) == sh(2026, 2, 4, 10)

    def test_it_stops_at_resolved_and_runs_again_after_reopening(self, api, engineer, customer_a, project_a, sla_setup):
        ticket = file_ticket(customer_a, project_a, at=sh(2026, 2, 2, 9))
        with travel(sh(2026, 2, 3, 10)):
            resolved = api.as_user(engineer).patch(url(ticket), {"status": "resolved"}, format="json")
        resolution = clock(resolved, "resolution")
        assert parse(resolution["stopped_at"]) == sh(2026, 2, 3, 10)
        assert parse(resolution["due_at"]) == sh(2026, 2, 3, 18)
        assert resolution["breached"] is False
        assert resolution["remaining_seconds"] == 8 * 3600
        assert resolved.json()["next_due_at"] is None

        with travel(sh(2026, 2, 4, 10)):
            reopened = api.as_user(customer_a).patch(url(ticket), {"status": "in_progress"}, format="json")
        resolution = clock(reopened, "resolution")
        assert resolution["stopped_at"] is None
        assert reopened.json()["cycle"] == 2 and resolution["cycle"] == 2
        # a new cycle: the full 16 working hours from Wednesday 10:00 (7 + 8 + 1): Friday 10:00
        assert parse(resolution["due_at"]) == sh(2026, 2, 6, 10)
        assert parse(reopened.json()["next_due_at"]) == sh(2026, 2, 6, 10)

        with travel(sh(2026, 2, 4, 11)):
            again = api.as_user(engineer).patch(url(ticket), {"status": "resolved"}, format="json")
        assert parse(clock(again, "resolution")["stopped_at"]) == sh(2026, 2, 4, 11)


# --- breaches -----------------------------------------------------------------------------


class TestBreach:
    def test_a_clock_stopped_after_its_due_moment_is_breached(self, api, engineer, customer_a, project_a, sla_setup):
        ticket = file_ticket(customer_a, project_a, at=sh(2026, 2, 2, 9))  # first response due 14:00
        with travel(sh(2026, 2, 2, 15)):
            api.as_user(engineer).post(url(ticket, "comments"), {"body": "Sorry for the wait."}, format="json")
        with travel(sh(2026, 2, 3, 9)):
            response = api.as_user(customer_a).get(url(ticket))
        first_response = clock(response, "first_response")
        assert first_response["breached"] is True
        assert parse(first_response["stopped_at"]) == sh(2026, 2, 2, 15)
        assert first_response["remaining_seconds"] == -3600
        assert ticket.events.filter(kind=TicketEvent.Kind.BREACHED, data__metric="first_response").count() == 1

    def test_a_running_clock_past_its_due_moment_is_breached(self, api, customer_a, project_a, sla_setup):
        ticket = file_ticket(customer_a, project_a, at=sh(2026, 2, 2, 9))
        with travel(sh(2026, 2, 2, 13, 59)):
            before = clock(api.as_user(customer_a).get(url(ticket)), "first_response")
        with travel(sh(2026, 2, 2, 14, 30)):
            after = clock(api.as_user(customer_a).get(url(ticket)), "first_response")
        assert (before["breached"], before["remaining_seconds"]) == (False, 60)
        assert after["breached"] is True
        assert after["remaining_seconds"] == -1800
        assert after["stopped_at"] is None

    def test_a_clock_in_time_is_not_breached(self, api, engineer, customer_a, project_a, sla_setup):
        ticket = file_ticket(customer_a, project_a, at=sh(2026, 2, 2, 9))
        with travel(sh(2026, 2, 2, 13, 59)):
            api.as_user(engineer).post(url(ticket, "comments"), {"body": "On it."}, format="json")
        with travel(sh(2026, 2, 5, 9)):
            first_response = clock(api.as_user(customer_a).get(url(ticket)), "first_response")
        assert first_response["breached"] is False
        assert first_response["remaining_seconds"] == 60

    def test_a_clock_paused_after_its_due_moment_stays_breached(self, api, engineer, customer_a, project_a, sla_setup):
        # urgent: resolution due 13:00 round the clock; the engineer asks the customer at 14:00
        ticket = file_ticket(customer_a, project_a, at=sh(2026, 2, 2, 9), priority="urgent")
        with travel(sh(2026, 2, 2, 9, 30)):
            services.comment_add(ticket_id=ticket.pk, actor=engineer, body="We are on it.")  # first response in time
        with travel(sh(2026, 2, 2, 13, 30)):
            running = clock(api.as_user(engineer).get(url(ticket)), "resolution")
        assert running["breached"] is True
        move(ticket, engineer, "waiting_on_customer", at=sh(2026, 2, 2, 14))
        with travel(sh(2026, 2, 2, 14, 30)):
            paused = clock(api.as_user(engineer).get(url(ticket)), "resolution")
            breached = api.as_user(engineer).get(TICKETS, {"breached": "true"})
        assert paused["paused"] is True
        assert paused["remaining_seconds"] == -3600
        assert paused["breached"] is True, "the target was missed before the pause; waiting cannot undo that"
        assert ids(breached) == [ticket.pk]


# --- on-site visits -----------------------------------------------------------------------


class TestOnsite:
    def test_a_dispatch_starts_the_onsite_clock_and_the_arrival_stops_it(
        self, api, engineer, customer_a, project_a, sla_setup
    ):
        field_engineer = UserFactory(username="field", role="engineer")
        ticket = file_ticket(customer_a, project_a, at=sh(2026, 2, 2, 9), priority="urgent")
        with travel(sh(2026, 2, 2, 10)):
            response = api.as_user(engineer).post(
                url(ticket, "dispatch"),
                {"engineer": field_engineer.pk, "expected_arrival_at": "2026-02-02T11:30:00+08:00"},
                format="json",
            )
            detail = api.as_user(customer_a).get(url(ticket))

        assert response.status_code == 201, response.json()
        assert response.json()["engineer"] == field_engineer.pk
        assert parse(response.json()["expected_arrival_at"]) == sh(2026, 2, 2, 11, 30)
        onsite = clock(detail, "onsite_arrival")
        assert parse(onsite["due_at"]) == sh(2026, 2, 2, 12)
        assert onsite["stopped_at"] is None
        assert onsite["remaining_seconds"] == 2 * 3600

        with travel(sh(2026, 2, 2, 11, 40)):
            arrived = api.as_user(engineer).post(url(ticket, "arrive"), {}, format="json")
            detail = api.as_user(customer_a).get(url(ticket))
        assert arrived.status_code == 200, arrived.json()
        assert parse(arrived.json()["arrived_at"]) == sh(2026, 2, 2, 11, 40)
        onsite = clock(detail, "onsite_arrival")
        assert parse(onsite["stopped_at"]) == sh(2026, 2, 2, 11, 40)
        assert onsite["breached"] is False

    def test_a_late_arrival_breaches_the_onsite_target(self, api, engineer, customer_a, project_a, sla_setup):
        ticket = file_ticket(customer_a, project_a, at=sh(2026, 2, 2, 9), priority="urgent")
        with travel(sh(2026, 2, 2, 10)):
            api.as_user(engineer).post(url(ticket, "dispatch"), {"engineer": engineer.pk}, format="json")
        with travel(sh(2026, 2, 2, 12, 30)):
            api.as_user(engineer).post(url(ticket, "arrive"), {}, format="json")
            onsite = clock(api.as_user(engineer).get(url(ticket)), "onsite_arrival")
        assert onsite["breached"] is True
        assert onsite["remaining_seconds"] == -1800

    def test_without_an_onsite_target_a_dispatch_starts_no_clock(self, api, engineer, customer_a, project_a, sla_setup):
        ticket = file_ticket(customer_a, project_a, at=sh(2026, 2, 2, 9))
        with travel(sh(2026, 2, 2, 10)):
            response = api.as_user(engineer).post(url(ticket, "dispatch"), {"engineer": engineer.pk}, format="json")
        assert response.status_code == 201
        assert "onsite_arrival" not in api.as_user(engineer).get(url(ticket)).json()["sla"]
        assert OnsiteVisit.objects.filter(ticket=ticket).count() == 1

    def test_an_arrival_without_a_dispatch_is_a_400(self, api, engineer, customer_a, project_a, sla_setup):
        ticket = file_ticket(customer_a, project_a, at=sh(2026, 2, 2, 9), priority="urgent")
        response = api.as_user(engineer).post(url(ticket, "arrive"), {}, format="json")
        assert response.status_code == 400
        assert list(response.json()["errors"]) == ["arrived_at"]
        assert not ticket.events.filter(kind=TicketEvent.Kind.ARRIVED).exists()

    def test_a_second_dispatch_waits_for_the_first_arrival(self, api, engineer, customer_a, project_a, sla_setup):
        ticket = file_ticket(customer_a, project_a, at=sh(2026, 2, 2, 9), priority="urgent")
        client = api.as_user(engineer)
        assert client.post(url(ticket, "dispatch"), {"engineer": engineer.pk}, format="json").status_code == 201
        response = client.post(url(ticket, "dispatch"), {"engineer": engineer.pk}, format="json")
        assert response.status_code == 400
        assert list(response.json()["errors"]) == ["engineer"]
        assert OnsiteVisit.objects.count() == 1

    def test_only_engineers_are_dispatched(self, api, engineer, customer_a, project_a, sla_setup):
        ticket = file_ticket(customer_a, project_a, at=sh(2026, 2, 2, 9), priority="urgent")
        response = api.as_user(engineer).post(url(ticket, "dispatch"), {"engineer": customer_a.pk}, format="json")
        assert response.status_code == 400
        assert list(response.json()["errors"]) == ["engineer"]
        assert not OnsiteVisit.objects.exists()

    def test_customers_may_neither_dispatch_nor_record_arrivals(self, api, engineer, customer_a, project_a, sla_setup):
        ticket = file_ticket(customer_a, project_a, at=sh(2026, 2, 2, 9), priority="urgent")
        response = api.as_user(customer_a).post(url(ticket, "dispatch"), {"engineer": engineer.pk}, format="json")
        assert response.status_code == 403
        assert not OnsiteVisit.objects.exists()

        api.as_user(engineer).post(url(ticket, "dispatch"), {"engineer": engineer.pk}, format="json")
        response = api.as_user(customer_a).post(url(ticket, "arrive"), {}, format="json")
        assert response.status_code == 403
        assert OnsiteVisit.objects.get().arrived_at is None


# --- assignment ---------------------------------------------------------------------------


class TestAssign:
    def test_staff_assign_an_engineer(self, api, manager, engineer, customer_a, project_a, sla_setup):
        ticket = file_ticket(customer_a, project_a, at=sh(2026, 2, 2, 9))
        response = api.as_user(manager).post(url(ticket, "assign"), {"assignee": engineer.pk}, format="json")
        assert response.status_code == 200, response.json()
        assert (response.json()["assignee"], response.json()["assignee_name"]) == (engineer.pk, str(engineer))
        assert Ticket.objects.get(pk=ticket.pk).assignee == engineer
        event = ticket.events.get(kind=TicketEvent.Kind.ASSIGNED)
        assert (event.public, event.data["assignee"]) == (False, engineer.pk)

    def test_a_customer_user_is_not_an_assignee(self, api, manager, customer_a, project_a, sla_setup):
        ticket = file_ticket(customer_a, project_a, at=sh(2026, 2, 2, 9))
        response = api.as_user(manager).post(url(ticket, "assign"), {"assignee": customer_a.pk}, format="json")
        assert response.status_code == 400
        assert list(response.json()["errors"]) == ["assignee"]
        assert Ticket.objects.get(pk=ticket.pk).assignee is None

    def test_customers_cannot_assign(self, api, engineer, customer_a, project_a, sla_setup):
        ticket = file_ticket(customer_a, project_a, at=sh(2026, 2, 2, 9))
        response = api.as_user(customer_a).post(url(ticket, "assign"), {"assignee": engineer.pk}, format="json")
        assert response.status_code == 403
        assert Ticket.objects.get(pk=ticket.pk).assignee is None

    def test_a_resolved_ticket_is_not_reassigned(self, api, manager, engineer, customer_a, project_a, sla_setup):
        ticket = file_ticket(customer_a, project_a, at=sh(2026, 2, 2, 9))
        move(ticket, engineer, "resolved", at=sh(2026, 2, 2, 10))
        response = api.as_user(manager).post(url(ticket, "assign"), {"assignee": engineer.pk}, format="json")
        assert response.status_code == 400
        assert Ticket.objects.get(pk=ticket.pk).assignee is None


# --- the list: scope, filters, order, queries ---------------------------------------------


@pytest.fixture
def queue(customer_a, customer_b, project_a, project_b, sla_setup):
    """Monday 2026-02-02: five tickets with their nearest due moments."""
    return SimpleNamespace(
        urgent=file_ticket(customer_a, project_a, at=sh(2026, 2, 2, 10), priority="urgent"),  # 11:00
        normal=file_ticket(customer_a, project_a, at=sh(2026, 2, 2, 9)),  # 14:00
        other_org=file_ticket(customer_b, project_b, at=sh(2026, 2, 2, 9, 15)),  # 14:15
        late=file_ticket(customer_a, project_a, at=sh(2026, 2, 2, 11)),  # 16:00
        low=file_ticket(customer_a, project_a, at=sh(2026, 2, 2, 9, 30), priority="low"),  # no clock
    )


class TestList:
    def test_customers_see_only_their_organisations_tickets(self, api, customer_a, customer_b, engineer, queue):
        assert set(ids(api.as_user(customer_a).get(TICKETS))) == {
            queue.urgent.pk,
            queue.normal.pk,
            queue.late.pk,
            queue.low.pk,
        }
        assert ids(api.as_user(customer_b).get(TICKETS)) == [queue.other_org.pk]
        # asking for another organisation filters nothing in
        org_a = queue.urgent.organisation_id
        assert ids(api.as_user(customer_b).get(TICKETS, {"organisation": org_a})) == []
        assert len(ids(api.as_user(engineer).get(TICKETS))) == 5

    def test_the_default_order_is_the_nearest_due_moment_then_tickets_without_running_clocks(
        self, api, engineer, queue
    ):
        with travel(sh(2026, 2, 2, 12)):
            response = api.as_user(engineer).get(TICKETS)
        assert ids(response) == [queue.urgent.pk, queue.normal.pk, queue.other_org.pk, queue.late.pk, queue.low.pk]
        assert [parse(row["next_due_at"]) if row["next_due_at"] else None for row in response.json()["results"]] == [
            sh(2026, 2, 2, 11),
            sh(2026, 2, 2, 14),
            sh(2026, 2, 2, 14, 15),
            sh(2026, 2, 2, 16),
            None,
        ]

    def test_a_stopped_clock_moves_the_ticket_down_the_queue(self, api, engineer, queue):
        with travel(sh(2026, 2, 2, 10, 30)):
            api.as_user(engineer).post(url(queue.urgent, "comments"), {"body": "Calling you now."}, format="json")
        response = api.as_user(engineer).get(TICKETS)
        # urgent: resolution due 14:00, equal to normal's first response; the later-received ticket first
        assert ids(response)[:2] == [queue.urgent.pk, queue.normal.pk]
        assert parse(response.json()["results"][0]["next_due_at"]) == sh(2026, 2, 2, 14)
        move(queue.urgent, engineer, "waiting_on_customer", at=sh(2026, 2, 2, 10, 45))
        assert ids(api.as_user(engineer).get(TICKETS))[-2:] == [queue.urgent.pk, queue.low.pk]

    def test_filters(self, api, engineer, queue):
        services.ticket_assign(ticket_id=queue.late.pk, actor=engineer, assignee=engineer)
        with travel(sh(2026, 2, 2, 9, 30)):  # answered, so its first response no longer runs
            services.comment_add(ticket_id=queue.other_org.pk, actor=engineer, body="Looking into it.")
        move(queue.other_org, engineer, "acknowledged", at=sh(2026, 2, 2, 9, 30))
        client = api.as_user(engineer)

        def listed(**params):
            with travel(sh(2026, 2, 2, 12)):
                return ids(client.get(TICKETS, params))

        assert listed(status="acknowledged") == [queue.other_org.pk]
        assert listed(status=["new", "acknowledged"]) == [
            queue.urgent.pk,
            queue.normal.pk,
            queue.late.pk,
            queue.other_org.pk,
            queue.low.pk,
        ]
        assert listed(priority="urgent") == [queue.urgent.pk]
        assert listed(priority="low") == [queue.low.pk]
        assert listed(assignee=engineer.pk) == [queue.late.pk]
        assert listed(organisation=queue.other_org.organisation_id) == [queue.other_org.pk]
        assert listed(breached="true") == [queue.urgent.pk]
        assert listed(breached="false") == [queue.normal.pk, queue.late.pk, queue.other_org.pk, queue.low.pk]
        assert listed(due_before="2026-02-02T15:00:00+08:00") == [queue.urgent.pk, queue.normal.pk]
        assert listed(due_before="2026-02-02T07:00:00Z") == [queue.urgent.pk, queue.normal.pk]
        assert listed(priority="normal", due_before="2026-02-02T15:00:00+08:00") == [queue.normal.pk]

    @pytest.mark.parametrize(
        "params",
        [
            {"breached": "maybe"},
            {"status": "done"},
            {"priority": "critical"},
            {"due_before": "tomorrow"},
            {"organisation": "org-a"},
        ],
    )
    def test_bad_filters_are_a_400(self, api, engineer, queue, params):
        response = api.as_user(engineer).get(TICKETS, params)
        assert response.status_code == 400
        assert list(response.json()["errors"]) == list(params)

    def test_a_customer_cannot_be_an_assignee_filter(self, api, engineer, customer_a, queue):
        response = api.as_user(engineer).get(TICKETS, {"assignee": customer_a.pk})
        assert response.status_code == 400
        assert list(response.json()["errors"]) == ["assignee"]


def _fill_queue(count: int, customer, engineer) -> None:
    """``count`` tickets on their own projects, in every clock state: running, paused, stopped, none."""
    priorities = ["normal", "urgent", "low", "high"]
    for n in range(count):
        project = ProjectFactory(organisation=customer.organisation)
        ticket = file_ticket(customer, project, at=sh(2026, 2, 2, 9, n), priority=priorities[n % 4])
        if n % 3 == 0:
            services.ticket_assign(ticket_id=ticket.pk, actor=engineer, assignee=engineer)
        if n % 5 == 1:
            move(ticket, engineer, "waiting_on_customer", at=sh(2026, 2, 2, 10))
        elif n % 5 == 2:
            move(ticket, engineer, "resolved", at=sh(2026, 2, 2, 10))


@pytest.mark.parametrize("count", [15, 30])
def test_the_list_runs_a_fixed_number_of_queries(
    api, engineer, customer_a, sla_setup, count, django_assert_max_num_queries
):
    _fill_queue(count, customer_a, engineer)
    client = api.as_user(engineer)
    with travel(sh(2026, 2, 2, 12)), django_assert_max_num_queries(5):
        response = client.get(TICKETS)
    assert len(ids(response)) == count
    assert all(row["sla"] for row in response.json()["results"] if row["priority"] in ("normal", "urgent"))


# --- calendars ----------------------------------------------------------------------------

CALENDARS = "/api/v1/calendars/"


def calendar_payload(**extra) -> dict:
    return {
        "name": "China office hours",
        "timezone": "Asia/Shanghai",
        "hours": [
            {"weekday": 0, "start": "09:00", "end": "12:00"},
            {"weekday": 0, "start": "13:00", "end": "18:00"},
            {"weekday": 5, "start": "00:00", "end": "24:00"},
        ],
        "days": [{"date": "2026-02-14", "kind": "workday", "name": "Make-up working day"}],
        **extra,
    }


class TestCalendars:
    def test_an_admin_creates_a_calendar_and_reads_it_back(self, api, admin_user):
        response = api.as_user(admin_user).post(CALENDARS, calendar_payload(), format="json")
        assert response.status_code == 201, response.json()
        created = response.json()
        fetched = api.as_user(admin_user).get(f"{CALENDARS}{created['id']}/").json()
        for body in (created, fetched):
            assert body["hours"] == calendar_payload()["hours"]
            assert body["days"] == calendar_payload()["days"]
            assert (body["name"], body["timezone"]) == ("China office hours", "Asia/Shanghai")
        calendar = BusinessCalendar.objects.get()
        assert list(calendar.hours.values_list("weekday", "start_minute", "end_minute")) == [
            (0, 540, 720),
            (0, 780, 1080),
            (5, 0, 1440),
        ]

    def test_an_admin_changes_the_hours(self, api, admin_user):
        created = api.as_user(admin_user).post(CALENDARS, calendar_payload(), format="json").json()
        hours = [{"weekday": 1, "start": "08:30", "end": "17:30"}]
        response = api.as_user(admin_user).patch(f"{CALENDARS}{created['id']}/", {"hours": hours}, format="json")
        assert response.status_code == 200, response.json()
        assert response.json()["hours"] == hours
        assert response.json()["days"] == created["days"]
        assert response.json()["name"] == created["name"]

    def test_engineers_read_but_do_not_write(self, api, engineer, sla_setup):
        response = api.as_user(engineer).get(CALENDARS)
        assert response.status_code == 200
        assert {row["name"] for row in response.json()["results"]} == {"Business hours", "Round the clock"}
        assert api.as_user(engineer).post(CALENDARS, calendar_payload(), format="json").status_code == 403
        assert BusinessCalendar.objects.count() == 2

    def test_customers_do_not_even_read(self, api, customer_a, sla_setup):
        assert api.as_user(customer_a).get(CALENDARS).status_code == 403
        assert api.as_user(customer_a).get(f"{CALENDARS}{sla_setup.business.pk}/").status_code == 403

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"hours": [{"weekday": 0, "start": "25:00", "end": "26:00"}]}, "hours"),
            ({"hours": [{"weekday": 0, "start": "09:00", "end": "24:01"}]}, "hours"),
            ({"hours": [{"weekday": 0, "start": "9:00", "end": "18:00"}]}, "hours"),
            ({"hours": [{"weekday": 0, "start": 540, "end": "18:00"}]}, "hours"),
            ({"hours": [{"weekday": 0, "start": "18:00", "end": "09:00"}]}, "hours"),
            ({"hours": [{"weekday": 0, "start": "09:00", "end": "09:00"}]}, "hours"),
            ({"hours": [{"weekday": 7, "start": "09:00", "end": "18:00"}]}, "hours"),
            (
                {
                    "hours": [
                        {"weekday": 2, "start": "09:00", "end": "12:30"},
                        {"weekday": 2, "start": "12:00", "end": "18:00"},
                    ]
                },
                "hours",
            ),
            ({"timezone": "Mars/Base"}, "timezone"),
            ({"days": [{"date": "2026-02-14", "kind": "festival"}]}, "days"),
            (
                {"days": [{"date": "2026-02-14", "kind": "workday"}, {"date": "2026-02-14", "kind": "holiday"}]},
                "days",
            ),
            ({"name": ""}, "name"),
            ({"hours": []}, "hours"),  # found by fuzzing the demo desk: a 500 once
            ({"description": 0}, "description"),  # found by fuzzing the demo desk: taken as "0"
            ({"country": "XX"}, "country"),
            ({"country": 86}, "country"),
        ],
    )
    def test_bad_input_is_a_400_and_saves_nothing(self, api, admin_user, change, field):
        response = api.as_user(admin_user).post(CALENDARS, calendar_payload(**change), format="json")
        assert response.status_code == 400
        assert list(response.json()["errors"]) == [field]
        assert response.json()["detail"]
        assert not BusinessCalendar.objects.exists()

    def test_a_calendar_cannot_lose_all_its_hours(self, api, admin_user):
        created = api.as_user(admin_user).post(CALENDARS, calendar_payload(), format="json").json()
        response = api.as_user(admin_user).patch(f"{CALENDARS}{created['id']}/", {"hours": []}, format="json")
        assert response.status_code == 400
        assert list(response.json()["errors"]) == ["hours"]
        assert BusinessCalendar.objects.get().hours.count() == 3

    def test_a_country_is_kept_across_a_change(self, api, admin_user):
        created = api.as_user(admin_user).post(CALENDARS, calendar_payload(country="CN"), format="json").json()
        assert created["country"] == "CN"
        response = api.as_user(admin_user).patch(f"{CALENDARS}{created['id']}/", {"name": "Shanghai"}, format="json")
        assert response.json()["country"] == "CN"
        assert BusinessCalendar.objects.get().country == "CN"

    def test_a_duplicate_name_is_a_400(self, api, admin_user, sla_setup):
        response = api.as_user(admin_user).post(CALENDARS, calendar_payload(name="Business hours"), format="json")
        assert response.status_code == 400
        assert list(response.json()["errors"]) == ["name"]
        assert BusinessCalendar.objects.count() == 2


# --- SLA policies -------------------------------------------------------------------------

POLICIES = "/api/v1/sla-policies/"


class TestPolicies:
    def test_an_admin_creates_a_policy(self, api, admin_user, sla_setup):
        targets = [
            {"priority": "urgent", "metric": "first_response", "minutes": 15, "calendar": sla_setup.always.pk},
            {"priority": "normal", "metric": "first_response", "minutes": 120, "calendar": sla_setup.business.pk},
        ]
        response = api.as_user(admin_user).post(POLICIES, {"name": "Gold", "targets": targets}, format="json")
        assert response.status_code == 201, response.json()
        body = response.json()
        assert (body["name"], body["is_default"]) == ("Gold", False)
        fetched = api.as_user(admin_user).get(f"{POLICIES}{body['id']}/").json()
        key = itemgetter("priority", "metric")
        assert sorted(fetched["targets"], key=key) == sorted(targets, key=key)
        assert SLAPolicy.objects.get(is_default=True) == sla_setup.policy

    def test_a_duplicate_priority_and_metric_is_a_400(self, api, admin_user, sla_setup):
        target = {"priority": "urgent", "metric": "first_response", "minutes": 15, "calendar": sla_setup.always.pk}
        response = api.as_user(admin_user).post(
            POLICIES, {"name": "Gold", "targets": [target, {**target, "minutes": 30}]}, format="json"
        )
        assert response.status_code == 400
        assert list(response.json()["errors"]) == ["targets"]
        assert not SLAPolicy.objects.filter(name="Gold").exists()

    @pytest.mark.parametrize(
        "change",
        [{"minutes": 0}, {"minutes": "15"}, {"priority": "critical"}, {"metric": "uptime"}, {"calendar": 999_999}],
    )
    def test_a_bad_target_is_a_400(self, api, admin_user, sla_setup, change):
        target = {"priority": "urgent", "metric": "first_response", "minutes": 15, "calendar": sla_setup.always.pk}
        response = api.as_user(admin_user).post(
            POLICIES, {"name": "Gold", "targets": [{**target, **change}]}, format="json"
        )
        assert response.status_code == 400
        assert list(response.json()["errors"]) == ["targets"]
        assert not SLAPolicy.objects.filter(name="Gold").exists()

    def test_engineers_and_customers_do_not_write(self, api, engineer, customer_a, sla_setup):
        data = {"name": "Gold", "targets": []}
        assert api.as_user(engineer).get(POLICIES).status_code == 200
        assert api.as_user(engineer).post(POLICIES, data, format="json").status_code == 403
        assert api.as_user(customer_a).get(POLICIES).status_code == 403
        assert not SLAPolicy.objects.filter(name="Gold").exists()

    def test_patching_a_policy_changes_only_what_is_sent(self, api, admin_user, sla_setup):
        api.raise_request_exception = False
        response = api.as_user(admin_user).patch(
            f"{POLICIES}{sla_setup.policy.pk}/", {"description": "For every project without its own"}, format="json"
        )
        assert response.status_code == 200
        policy = SLAPolicy.objects.get(pk=sla_setup.policy.pk)
        assert policy.description == "For every project without its own"
        assert (policy.name, policy.is_default, policy.targets.count()) == ("Standard", True, 5)

    def test_patching_the_targets_keeps_the_default_mark(self, api, admin_user, sla_setup):
        targets = [{"priority": "low", "metric": "resolution", "minutes": 4800, "calendar": sla_setup.business.pk}]
        response = api.as_user(admin_user).patch(
            f"{POLICIES}{sla_setup.policy.pk}/", {"name": "Standard", "targets": targets}, format="json"
        )
        assert response.status_code == 200, response.json()
        assert response.json()["targets"] == targets
        assert response.json()["is_default"] is True
        assert SLAPolicy.objects.get(pk=sla_setup.policy.pk).is_default is True

    def test_a_project_policy_set_by_a_manager_governs_new_tickets(
        self, api, manager, engineer, customer_a, project_a, project_b, sla_setup
    ):
        gold = policy_save(
            name="Gold",
            targets=[{"priority": "normal", "metric": "first_response", "minutes": 30, "calendar": sla_setup.always}],
        )
        assert (
            api.as_user(engineer)
            .patch(f"/api/v1/projects/{project_a.pk}/", {"sla_policy": gold.pk}, format="json")
            .status_code
            == 403
        )
        response = api.as_user(manager).patch(
            f"/api/v1/projects/{project_a.pk}/", {"sla_policy": gold.pk}, format="json"
        )
        assert response.status_code == 200, response.json()
        assert response.json()["sla_policy"] == gold.pk

        with travel(sh(2026, 2, 13, 17)):
            on_gold = api.as_user(customer_a).post(TICKETS, payload(project_a), format="json")
            on_default = api.as_user(engineer).post(TICKETS, payload(project_b), format="json")
        assert on_gold.status_code == 201, on_gold.json()
        assert set(on_gold.json()["sla"]) == {"first_response"}
        assert parse(clock(on_gold, "first_response")["due_at"]) == sh(2026, 2, 13, 17, 30)
        assert parse(clock(on_default, "first_response")["due_at"]) == sh(2026, 2, 14, 12)


class TestIdempotency:
    def test_the_same_key_twice_files_one_ticket_and_sends_one_email(self, api, customer_a, project_a, sla_setup):
        from notifications.models import Delivery

        client = api.as_user(customer_a)
        payload = {"project": project_a.pk, "title": "Gateway down", "description": "No data since 10:00."}
        first = client.post(TICKETS, payload, format="json", HTTP_IDEMPOTENCY_KEY="c0ffee-1")
        again = client.post(TICKETS, payload, format="json", HTTP_IDEMPOTENCY_KEY="c0ffee-1")
        assert first.status_code == again.status_code == 201
        assert first.json()["id"] == again.json()["id"]
        assert Ticket.objects.count() == 1
        assert Delivery.objects.filter(subject__contains="Gateway down").count() == 1
        other = client.post(TICKETS, payload, format="json", HTTP_IDEMPOTENCY_KEY="c0ffee-2")
        assert other.json()["id"] != first.json()["id"]

    def test_keys_belong_to_their_sender(self, api, customer_a, project_a, sla_setup):
        colleague = CustomerFactory(organisation=customer_a.organisation)
        payload = {"project": project_a.pk, "title": "Gateway down", "description": "x"}
        mine = api.as_user(customer_a).post(TICKETS, payload, format="json", HTTP_IDEMPOTENCY_KEY="shared")
        theirs = api.as_user(colleague).post(TICKETS, payload, format="json", HTTP_IDEMPOTENCY_KEY="shared")
        assert mine.json()["id"] != theirs.json()["id"]

    def test_a_key_that_is_too_long_is_a_400(self, api, customer_a, project_a, sla_setup):
        payload = {"project": project_a.pk, "title": "x", "description": "x"}
        response = api.as_user(customer_a).post(TICKETS, payload, format="json", HTTP_IDEMPOTENCY_KEY="k" * 101)
        assert response.status_code == 400
        assert "Idempotency-Key" in response.json()["errors"]
        assert not Ticket.objects.exists()
