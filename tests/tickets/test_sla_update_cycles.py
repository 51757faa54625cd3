"""Issue 22's SLA measures: what meets the first response (a reply, a logged call, an arrival;
acknowledging only where the policy says so), the update target (due after each public update,
paused while waiting on the customer, its breaches counted across restarts) and the cycles a
reopening starts (kept, listed by /sla-history/).

Calendars: tests/tickets/conftest.py's ``sla_setup`` (normal tickets on business hours, Mon-Fri
09:00-12:00 and 13:00-18:00 Shanghai; urgent ones round the clock), with update targets added:
normal 120 working minutes, urgent 60. 2026-03-02 is a Monday."""

import pytest
from django.core import mail
from django.urls import reverse

from tests.tickets.helpers import sh, travel
from tickets import deadlines, services
from tickets.models import Metric, SLAClock, SLACycle, SLATarget, Ticket, TicketEvent

pytestmark = pytest.mark.django_db

TICKETS = "/api/v1/tickets/"


@pytest.fixture
def update_targets(sla_setup):
    SLATarget.objects.create(
        policy=sla_setup.policy, priority="normal", metric="update", minutes=120, calendar=sla_setup.business
    )
    SLATarget.objects.create(
        policy=sla_setup.policy, priority="urgent", metric="update", minutes=60, calendar=sla_setup.always
    )
    return sla_setup


def file(customer, project, when, priority="normal") -> Ticket:
    with travel(when):
        return services.ticket_create(
            actor=customer, project=project, title="Fault", description="x", priority=priority
        )


def reply(ticket, actor, when, body="Working on it.") -> None:
    with travel(when):
        services.comment_add(ticket_id=ticket.pk, actor=actor, body=body)


def move(ticket, actor, when, status) -> None:
    with travel(when):
        services.ticket_update(ticket_id=ticket.pk, actor=actor, status=status)


def clock(ticket, metric=Metric.UPDATE) -> SLAClock:
    return SLAClock.objects.get(ticket=ticket, metric=metric)


# --- the first response ---------------------------------------------------------------------


def test_a_logged_call_meets_the_first_response_and_is_not_mailed(update_targets, customer_a, engineer, project_a):
    ticket = file(customer_a, project_a, sh(2026, 3, 2, 9, 0))
    mail.outbox.clear()
    with travel(sh(2026, 3, 2, 10, 0)):
        comment = services.ticket_log_call(
            ticket_id=ticket.pk,
            actor=engineer,
            summary="Called Li: the pump restarts every hour.",
            at=sh(2026, 3, 2, 9, 45),
        )
    assert comment.public
    first = clock(ticket, Metric.FIRST_RESPONSE)
    assert first.stopped_at == sh(2026, 3, 2, 9, 45) and first.breached_at is None
    assert ticket.events.get(kind=TicketEvent.Kind.REPLY).data["call"] is True
    assert mail.outbox == []
    # the update target runs from the call: 120 working minutes
    assert (clock(ticket).started_at, clock(ticket).due_at) == (sh(2026, 3, 2, 9, 45), sh(2026, 3, 2, 11, 45))


def test_an_arrival_on_site_meets_the_first_response(update_targets, customer_a, engineer, project_a):
    ticket = file(customer_a, project_a, sh(2026, 3, 2, 3, 0), priority="urgent")
    with travel(sh(2026, 3, 2, 3, 10)):
        services.ticket_dispatch(ticket_id=ticket.pk, actor=engineer, engineer=engineer)
    assert clock(ticket, Metric.FIRST_RESPONSE).stopped_at is None  # a dispatch alone is no answer
    with travel(sh(2026, 3, 2, 3, 50)):
        services.ticket_arrive(ticket_id=ticket.pk, actor=engineer)
    assert clock(ticket, Metric.FIRST_RESPONSE).stopped_at == sh(2026, 3, 2, 3, 50)
    assert clock(ticket).due_at == sh(2026, 3, 2, 4, 50)


def test_a_customer_or_a_note_is_no_update(update_targets, customer_a, engineer, project_a):
    ticket = file(customer_a, project_a, sh(2026, 3, 2, 9, 0))
    reply(ticket, engineer, sh(2026, 3, 2, 9, 30))
    with travel(sh(2026, 3, 2, 10, 0)):
        services.comment_add(ticket_id=ticket.pk, actor=engineer, body="internal", public=False)
        services.comment_add(ticket_id=ticket.pk, actor=customer_a, body="any news?")
    assert clock(ticket).started_at == sh(2026, 3, 2, 9, 30)


# --- the update target ----------------------------------------------------------------------


def test_each_public_update_restarts_it_with_the_full_target(update_targets, customer_a, engineer, project_a):
    ticket = file(customer_a, project_a, sh(2026, 3, 2, 9, 0))
    assert not SLAClock.objects.filter(ticket=ticket, metric="update").exists()  # starts with the first response
    reply(ticket, engineer, sh(2026, 3, 2, 9, 30))
    assert clock(ticket).due_at == sh(2026, 3, 2, 11, 30)
    reply(ticket, engineer, sh(2026, 3, 2, 11, 0))
    # 11:00 + 2 working hours: lunch 12-13 does not count
    update = clock(ticket)
    assert (update.started_at, update.due_at, update.breaches) == (sh(2026, 3, 2, 11, 0), sh(2026, 3, 2, 14, 0), 0)
    ticket.refresh_from_db()
    assert ticket.next_due_at == sh(2026, 3, 2, 14, 0)


def test_it_pauses_while_waiting_on_the_customer_and_stops_at_resolution(
    update_targets, customer_a, engineer, project_a
):
    ticket = file(customer_a, project_a, sh(2026, 3, 2, 9, 0))
    reply(ticket, engineer, sh(2026, 3, 2, 9, 30))  # due 11:30
    move(ticket, engineer, sh(2026, 3, 2, 10, 0), "waiting_on_customer")
    assert clock(ticket).paused_at == sh(2026, 3, 2, 10, 0)
    with travel(sh(2026, 3, 2, 14, 0)):  # the customer answers: 3 working hours paused (10-12, 13-14)
        services.comment_add(ticket_id=ticket.pk, actor=customer_a, body="logs attached")
    assert (clock(ticket).paused_at, clock(ticket).due_at) == (None, sh(2026, 3, 2, 15, 30))
    move(ticket, engineer, sh(2026, 3, 2, 15, 0), "resolved")
    assert clock(ticket).stopped_at == sh(2026, 3, 2, 15, 0)
    ticket.refresh_from_db()
    assert ticket.next_due_at is None


def test_a_late_update_stays_counted_after_the_restart(update_targets, customer_a, engineer, project_a):
    ticket = file(customer_a, project_a, sh(2026, 3, 2, 9, 0))
    reply(ticket, engineer, sh(2026, 3, 2, 9, 30))  # next update due 11:30
    reply(ticket, engineer, sh(2026, 3, 2, 14, 0), body="Sorry, still on it.")  # late
    update = clock(ticket)
    assert (update.breached_at, update.earlier_breaches, update.breaches) == (None, 1, 1)
    assert update.due_at == sh(2026, 3, 2, 16, 0)
    breached = ticket.events.filter(kind=TicketEvent.Kind.BREACHED)
    assert [event.data["metric"] for event in breached] == ["update"]


def test_the_watchdog_breaches_an_overdue_update_and_the_next_reply_keeps_the_count(
    update_targets, customer_a, engineer, project_a
):
    ticket = file(customer_a, project_a, sh(2026, 3, 2, 9, 0))
    reply(ticket, engineer, sh(2026, 3, 2, 9, 30))
    with travel(sh(2026, 3, 2, 11, 31)):
        assert deadlines.breach_due(now=sh(2026, 3, 2, 11, 31)) >= 1
    assert clock(ticket).breached_at == sh(2026, 3, 2, 11, 30)
    reply(ticket, engineer, sh(2026, 3, 2, 11, 40))
    update = clock(ticket)
    assert (update.breached_at, update.breaches) == (None, 1)
    assert ticket.events.filter(kind=TicketEvent.Kind.BREACHED, data__metric="update").count() == 1


def test_a_priority_change_starts_an_update_target_only_for_an_answered_ticket(
    update_targets, customer_a, engineer, project_a
):
    SLATarget.objects.filter(priority="normal", metric="update").delete()
    ticket = file(customer_a, project_a, sh(2026, 3, 2, 9, 0))
    reply(ticket, engineer, sh(2026, 3, 2, 9, 30))
    assert not SLAClock.objects.filter(ticket=ticket, metric="update").exists()
    with travel(sh(2026, 3, 2, 10, 0)):
        services.ticket_update(ticket_id=ticket.pk, actor=engineer, priority="urgent")
    assert clock(ticket).due_at == sh(2026, 3, 2, 11, 0)


# --- cycles ---------------------------------------------------------------------------------


def test_reopening_keeps_the_cycle_and_starts_the_next(update_targets, customer_a, engineer, project_a):
    ticket = file(customer_a, project_a, sh(2026, 3, 2, 9, 0))
    reply(ticket, engineer, sh(2026, 3, 2, 9, 30))
    move(ticket, engineer, sh(2026, 3, 4, 10, 0), "resolved")  # resolution was due Tuesday 18:00: late
    move(ticket, customer_a, sh(2026, 3, 5, 9, 0), "in_progress")
    kept = {row.metric: row for row in SLACycle.objects.filter(ticket=ticket, number=1)}
    assert set(kept) == {"first_response", "resolution", "update"}
    assert kept["resolution"].breached_at == sh(2026, 3, 3, 18, 0) and kept["resolution"].breaches == 1
    assert kept["update"].breaches == 1  # 11:30 passed without an update
    assert kept["first_response"].breaches == 0
    resolution = clock(ticket, Metric.RESOLUTION)
    assert (resolution.cycle, resolution.started_at, resolution.breached_at) == (2, sh(2026, 3, 5, 9, 0), None)
    assert resolution.earlier_breaches == 1  # ever breached
    assert (clock(ticket).cycle, clock(ticket).started_at) == (2, sh(2026, 3, 5, 9, 0))
    assert clock(ticket, Metric.FIRST_RESPONSE).cycle == 1
    # a second reopening keeps cycle 2 without counting cycle 1's breaches again
    move(ticket, engineer, sh(2026, 3, 5, 10, 0), "resolved")
    move(ticket, customer_a, sh(2026, 3, 5, 11, 0), "in_progress")
    second = {row.metric: row for row in SLACycle.objects.filter(ticket=ticket, number=2)}
    assert set(second) == {"resolution", "update"}
    assert (second["resolution"].breaches, second["update"].breaches) == (0, 0)
    assert clock(ticket, Metric.RESOLUTION).cycle == 3


class TestAPI:
    def test_the_ticket_says_its_cycle_and_the_history_lists_each_cycle(
        self, api, update_targets, customer_a, engineer, project_a
    ):
        ticket = file(customer_a, project_a, sh(2026, 3, 2, 9, 0))
        reply(ticket, engineer, sh(2026, 3, 2, 9, 30))
        move(ticket, engineer, sh(2026, 3, 4, 10, 0), "resolved")
        move(ticket, customer_a, sh(2026, 3, 5, 9, 0), "in_progress")
        with travel(sh(2026, 3, 5, 9, 30)):
            detail = api.as_user(customer_a).get(f"{TICKETS}{ticket.pk}/").json()
            history = api.as_user(customer_a).get(f"{TICKETS}{ticket.pk}/sla-history/")
        assert detail["cycle"] == 2
        assert detail["sla"]["update"]["breaches"] == 1 and detail["sla"]["update"]["breached"] is False
        assert history.status_code == 200
        cycles = history.json()
        assert [(c["number"], c["current"], c["breached"]) for c in cycles] == [(1, False, True), (2, True, False)]
        assert [m["metric"] for m in cycles[0]["metrics"]] == ["first_response", "update", "resolution"]
        assert [m["metric"] for m in cycles[1]["metrics"]] == ["update", "resolution"]
        assert cycles[1]["started_at"] == cycles[0]["ended_at"]

    def test_another_organisation_gets_404(self, api, update_targets, customer_a, customer_b, project_a):
        ticket = file(customer_a, project_a, sh(2026, 3, 2, 9, 0))
        assert api.as_user(customer_b).get(f"{TICKETS}{ticket.pk}/sla-history/").status_code == 404
        response = api.as_user(customer_b).post(f"{TICKETS}{ticket.pk}/log-call/", {"summary": "x"}, format="json")
        assert response.status_code == 404

    def test_staff_log_a_call_and_customers_may_not(self, api, update_targets, customer_a, engineer, project_a):
        ticket = file(customer_a, project_a, sh(2026, 3, 2, 9, 0))
        path = f"{TICKETS}{ticket.pk}/log-call/"
        assert api.as_user(customer_a).post(path, {"summary": "x"}, format="json").status_code == 403
        bad = api.as_user(engineer).post(path, {"summary": ""}, format="json")
        assert bad.status_code == 400 and "summary" in bad.json()["errors"]
        with travel(sh(2026, 3, 2, 9, 20)):
            response = api.as_user(engineer).post(path, {"summary": "Called back."}, format="json")
            detail = api.as_user(engineer).get(f"{TICKETS}{ticket.pk}/").json()
        assert response.status_code == 201 and response.json()["public"] is True
        assert detail["sla"]["first_response"]["stopped_at"] is not None
        assert "update" in detail["sla"]

    def test_a_call_cannot_lie_in_the_future(self, api, update_targets, customer_a, engineer, project_a):
        ticket = file(customer_a, project_a, sh(2026, 3, 2, 9, 0))
        with travel(sh(2026, 3, 2, 9, 20)):
            response = api.as_user(engineer).post(
                f"{TICKETS}{ticket.pk}/log-call/", {"summary": "x", "at": "2026-03-02T10:00:00+08:00"}, format="json"
            )
        assert response.status_code == 400 and list(response.json()["errors"]) == ["at"]

    def test_the_policy_setting_is_read_and_written_through_the_api(self, api, sla_setup, admin_user):
        path = f"/api/v1/sla-policies/{sla_setup.policy.pk}/"
        assert api.as_user(admin_user).get(path).json()["acknowledgement_stops_first_response"] is False
        response = api.as_user(admin_user).patch(path, {"acknowledgement_stops_first_response": True}, format="json")
        assert response.status_code == 200, response.content
        sla_setup.policy.refresh_from_db()
        assert sla_setup.policy.acknowledgement_stops_first_response is True
        assert sla_setup.policy.targets.count() == 5  # the targets kept


# --- the ticket page and the reports ----------------------------------------------------------


class TestPageAndReports:
    def test_staff_log_a_call_from_the_page_and_see_the_cycles(
        self, client, update_targets, customer_a, engineer, project_a
    ):
        ticket = file(customer_a, project_a, sh(2026, 3, 2, 9, 0))
        client.force_login(engineer)
        with travel(sh(2026, 3, 2, 9, 40)):
            response = client.post(reverse("tickets:log_call", args=[ticket.pk]), {"summary": "Called back."})
        assert response.status_code == 302
        assert clock(ticket, Metric.FIRST_RESPONSE).stopped_at == sh(2026, 3, 2, 9, 40)
        move(ticket, engineer, sh(2026, 3, 4, 10, 0), "resolved")
        move(ticket, customer_a, sh(2026, 3, 5, 9, 0), "in_progress")
        with travel(sh(2026, 3, 5, 9, 30)):
            page = client.get(reverse("tickets:detail", args=[ticket.pk])).text
        assert 'data-cycle="2">Cycle 2</span>' in page
        assert 'data-cycle="1" data-metric="resolution"' in page and 'data-cycle="2" data-metric="update"' in page
        assert 'class="sla-clock badge' in page and 'data-metric="update"' in page
        assert "logged call" in page

    def test_a_customer_cannot_log_a_call_from_the_page(self, client, update_targets, customer_a, project_a):
        ticket = file(customer_a, project_a, sh(2026, 3, 2, 9, 0))
        client.force_login(customer_a)
        assert client.post(reverse("tickets:log_call", args=[ticket.pk]), {"summary": "x"}).status_code == 403
        assert not ticket.comments.exists()

    def test_the_sla_report_counts_a_breach_of_any_cycle_beside_the_last(
        self, api, update_targets, customer_a, engineer, manager, project_a
    ):
        ticket = file(customer_a, project_a, sh(2026, 3, 2, 9, 0))
        reply(ticket, engineer, sh(2026, 3, 2, 9, 30))
        move(ticket, engineer, sh(2026, 3, 4, 10, 0), "resolved")  # resolution late in cycle 1
        move(ticket, customer_a, sh(2026, 3, 5, 9, 0), "in_progress")  # cycle 2 runs in time
        with travel(sh(2026, 3, 5, 9, 30)):
            response = api.as_user(manager).get("/api/v1/reports/sla/", {"from": "2026-03-01", "to": "2026-03-31"})
        assert response.status_code == 200, response.content
        rows = {row["metric"]: row for row in response.json()["rows"]}
        assert (rows["resolution"]["breached"], rows["resolution"]["ever_breached"]) == (0, 1)
        assert (rows["update"]["breached"], rows["update"]["ever_breached"]) == (0, 1)
        assert (rows["first_response"]["breached"], rows["first_response"]["ever_breached"]) == (0, 0)
