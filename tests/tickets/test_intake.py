"""Filing a ticket through the API at speed (docs/benchmarks.md, "Intake through the API"): the
POST's queries are bounded, its answer is the ticket as a later read shows it, the yearly
reference is taken last and never lost to a failed filing, and the policy's targets come in one
query."""

from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.references import counter_take
from core.serializer_cache import FieldsBuiltOnce
from notifications.models import Delivery
from tests.customers.factories import ProjectFactory
from tests.tickets.helpers import sh, travel
from tickets import services, sla
from tickets.api import TicketCreateInput, TicketOutput
from tickets.models import SLAClock, Ticket, TicketCounter, TicketEvent
from tickets.policies import policy_save
from tickets.selectors import schedule_for

pytestmark = pytest.mark.django_db

TICKETS = "/api/v1/tickets/"


def payload(project, **extra) -> dict:
    return {"project": project.pk, "title": "Pump station offline", "description": "No data since 08:00.", **extra}


def test_filing_runs_a_bounded_number_of_queries(api, customer_a, project_a, sla_setup, django_assert_max_num_queries):
    client = api.as_user(customer_a)
    # the first filing reads the calendar's schedule, which the process keeps until it changes
    client.post(TICKETS, payload(project_a, priority="urgent"), format="json", HTTP_IDEMPOTENCY_KEY="warm-up")
    # token, project, the key's check, the transaction (a savepoint here, in the test's
    # transaction), the targets, the ticket (no savepoint of its own), its history line, its two
    # clocks, the reference (counter and row), the acknowledgement: preferences, webhooks, the
    # notification and its delivery each written in a savepoint, the shared webhooks. 41, then
    # 22 before.
    with django_assert_max_num_queries(20):
        response = client.post(TICKETS, payload(project_a, priority="urgent"), format="json", HTTP_IDEMPOTENCY_KEY="k2")
    assert response.status_code == 201, response.json()
    assert set(response.json()["sla"]) == {"first_response", "resolution"}


def test_the_answer_is_the_ticket_as_read_back(api, customer_a, project_a, sla_setup):
    client = api.as_user(customer_a)
    with travel(sh(2026, 2, 13, 16, 30)):
        filed = client.post(
            TICKETS,
            payload(project_a, priority="urgent", occurred_at="2026-02-13T16:10:00+08:00", cc=["Ops@Example.com"]),
            format="json",
            HTTP_IDEMPOTENCY_KEY="read-back",
        )
        assert filed.status_code == 201, filed.json()
        read = client.get(f"{TICKETS}{filed.json()['id']}/")
        again = client.post(TICKETS, payload(project_a), format="json", HTTP_IDEMPOTENCY_KEY="read-back")
    assert filed.json() == read.json() == again.json()
    assert filed.json()["reference"].startswith("SD-2026-")
    assert filed.json()["next_due_at"] == filed.json()["sla"]["first_response"]["due_at"]


def test_the_reference_is_the_next_of_the_year_and_a_failed_filing_takes_none(customer_a, project_a, sla_setup):
    with travel(sh(2026, 3, 2, 10)):
        first = services.ticket_create(actor=customer_a, project=project_a, title="One", description="x")
        with (
            mock.patch("tickets.services.lifecycle._notify", side_effect=RuntimeError("mail down")),
            pytest.raises(RuntimeError),
        ):
            services.ticket_create(actor=customer_a, project=project_a, title="Lost", description="x")
        second = services.ticket_create(actor=customer_a, project=project_a, title="Two", description="x")
    number = int(first.reference.rsplit("-", 1)[1])
    assert second.reference == f"SD-2026-{number + 1:06d}"
    assert first.reference == Ticket.objects.get(pk=first.pk).reference
    assert not Ticket.objects.filter(title="Lost").exists()
    assert not Ticket.objects.filter(reference__startswith="~").exists()  # no placeholder committed
    assert TicketCounter.objects.get(year=2026).value == number + 1


def test_a_counter_is_taken_in_one_statement_once_its_year_exists(django_assert_num_queries):
    with django_assert_num_queries(6):  # the update finds no row: the row is made under lock
        assert counter_take(TicketCounter, 2031) == 1
    with django_assert_num_queries(1):
        assert counter_take(TicketCounter, 2031, count=3) == 2
    with django_assert_num_queries(1):
        assert counter_take(TicketCounter, 2031) == 5
    assert TicketCounter.objects.get(year=2031).value == 5


def test_the_targets_come_in_one_query_from_the_projects_policy_or_the_default(
    customer_a, project_a, sla_setup, django_assert_num_queries
):
    own = policy_save(
        name="Own",
        targets=[{"priority": "normal", "metric": "resolution", "minutes": 30, "calendar": sla_setup.always}],
    )
    special = ProjectFactory(organisation=customer_a.organisation, sla_policy=own)
    for calendar in (sla_setup.business, sla_setup.always):
        schedule_for(calendar)  # kept by the process until the calendar changes
    for project, expected in ((project_a, {"first_response": 240, "resolution": 960}), (special, {"resolution": 30})):
        ticket = Ticket(project=project, priority="normal", received_at=sh(2026, 3, 2, 10))
        with django_assert_num_queries(1):
            clocks = sla.clocks_plan(ticket=ticket)
        assert {clock.metric: clock.target_minutes for clock in clocks} == expected


def test_fields_built_once_are_copied_for_each_serializer():
    for serializer in (TicketOutput, TicketCreateInput):
        assert issubclass(serializer, FieldsBuiltOnce)
        one, two = serializer().fields, serializer().fields
        assert list(one) == list(two)
        assert all(one[name] is not two[name] and one[name].parent is not two[name].parent for name in one)


def _retry_races_the_first(customer, project) -> tuple[Ticket, Ticket, list[str]]:
    """The same key filed twice, the second time as a parallel retry would: its check for the key
    runs before the first filing commits, so it misses it and meets the key's constraint."""
    first = services.ticket_create(actor=customer, project=project, title="One", description="x", request_key="k")
    with (
        mock.patch("tickets.services.lifecycle._filed_with_key", return_value=None),
        CaptureQueriesContext(connection) as queries,
    ):
        again = services.ticket_create(actor=customer, project=project, title="One", description="x", request_key="k")
    return first, again, [query["sql"] for query in queries.captured_queries]


def _filed_once(first: Ticket) -> None:
    assert Ticket.objects.get() == first
    assert SLAClock.objects.filter(ticket=first).count() == 2
    assert TicketEvent.objects.filter(kind=TicketEvent.Kind.CREATED).count() == 1
    assert Delivery.objects.count() == 1
    assert TicketCounter.objects.get().value == int(first.reference.rsplit("-", 1)[1])


def test_a_parallel_retry_inside_a_callers_transaction_answers_the_first_ticket(customer_a, project_a, sla_setup):
    # in the test's transaction, as in a caller's: the filing rolls back to its own savepoint
    first, again, sql = _retry_races_the_first(customer_a, project_a)
    assert again == first
    assert any(statement.startswith("ROLLBACK TO SAVEPOINT") for statement in sql)
    _filed_once(first)


@pytest.mark.django_db(transaction=True)
def test_a_parallel_retry_rolls_the_whole_transaction_back_and_answers_the_first_ticket(
    customer_a, project_a, sla_setup
):
    # the API's case: the filing's transaction is the outermost, the ticket's insert its first
    # write, without a savepoint; the duplicate key rolls the transaction back whole
    first, again, sql = _retry_races_the_first(customer_a, project_a)
    assert again == first
    assert not any("SAVEPOINT" in statement for statement in sql)
    _filed_once(first)


def test_an_insert_that_fails_for_another_reason_raises_its_error(customer_a, project_a, sla_setup):
    from django.db import IntegrityError

    taken = services.ticket_create(actor=customer_a, project=project_a, title="One", description="x")
    # a placeholder that collides (it never does: 19 random hex digits) with a committed reference
    with (
        mock.patch("tickets.services.lifecycle._reference_placeholder", return_value=taken.reference),
        pytest.raises(IntegrityError, match="reference"),
    ):
        services.ticket_create(actor=customer_a, project=project_a, title="Two", description="x", request_key="k")
    assert Ticket.objects.get() == taken
