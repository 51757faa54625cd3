"""Page tests: the customer portal and the engineer queue (tickets:list, create, detail and the
actions posted from the ticket page), attachments, ratings and the emails they send.

The SLA fixture is the one of test_api.py: business hours Mon-Fri 09:00-12:00 and 13:00-18:00
Asia/Shanghai for normal tickets, round the clock for urgent ones, no targets for low and high.
"""

import re
import struct
import zlib
from datetime import datetime
from types import SimpleNamespace

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.accounts.factories import UserFactory
from tests.customers.factories import ProjectFactory
from tests.tickets.helpers import sh, travel
from tickets import services
from tickets.models import Attachment, Comment, OnsiteVisit, Ticket, TicketEvent

pytestmark = pytest.mark.django_db

LOG = b"error at 10:00\n"


def _png() -> bytes:
    """A real 1x1 PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )


PNG = _png()


def log_file(name: str = "log.txt", content: bytes = LOG) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/plain")


def downloaded(response) -> bytes:
    return b"".join(response.streaming_content)


def listed(response) -> list[int]:
    assert response.status_code == 200
    return [ticket.pk for ticket in response.context["page"]]


def clock_text(page_text: str, metric: str) -> str:
    match = re.search(rf'data-metric="{metric}".*?<span class="sla-text">(.*?)</span>', page_text, re.S)
    assert match, f"no {metric} clock on the page"
    return match.group(1).strip()


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def file_ticket(actor, project, *, at: datetime | None = None, priority: str = "normal", **fields) -> Ticket:
    fields.setdefault("title", "Gateway restarts")
    fields.setdefault("description", "It restarts every hour.")
    if at is None:
        return services.ticket_create(actor=actor, project=project, priority=priority, **fields)
    with travel(at):
        return services.ticket_create(actor=actor, project=project, priority=priority, **fields)


@pytest.fixture
def ticket_a(customer_a, project_a, sla_setup):
    return file_ticket(customer_a, project_a, attachments=[log_file()])


def resolve(ticket: Ticket, engineer) -> None:
    services.ticket_update(ticket_id=ticket.pk, actor=engineer, status="resolved")


# --- filing a fault -----------------------------------------------------------------------


def report(project, **extra) -> dict:
    return {
        "project": project.pk,
        "title": "Paging system down",
        "priority": "urgent",
        "category": "fault",
        "description": "No pager receives calls since 10:00.",
        "occurred_at": "2026-02-13T10:00",
        "location": "Building 3, ward 2",
        "impact": "Three wards cannot page nurses",
        "measures_taken": "Restarted the paging server",
        **extra,
    }


class TestFiling:
    def test_a_customer_files_a_fault_with_attachments(
        self, client, customer_a, customer_b, engineer, project_a, sla_setup, django_capture_on_commit_callbacks
    ):
        client.force_login(customer_a)
        assert client.get(reverse("tickets:create")).status_code == 200

        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("tickets:create"),
                report(project_a, attachments=[log_file(), SimpleUploadedFile("screen.png", PNG, "image/png")]),
            )

        ticket = Ticket.objects.get()
        assert response.status_code == 302
        assert response.url == reverse("tickets:detail", args=[ticket.pk])
        assert (ticket.organisation, ticket.reporter, ticket.channel) == (project_a.organisation, customer_a, "portal")
        assert (ticket.location, ticket.impact, ticket.measures_taken) == (
            "Building 3, ward 2",
            "Three wards cannot page nurses",
            "Restarted the paging server",
        )
        assert ticket.occurred_at == sh(2026, 2, 13, 10)
        page = client.get(response.url)
        assert ticket.reference in page.text
        assert f"Ticket {ticket.reference} was filed." in messages_of(page)
        assert "log.txt" in page.text and "screen.png" in page.text
        assert ticket.pk in listed(client.get(reverse("tickets:list")))

        # the confirmation mail names the reference
        assert [(m.to, ticket.reference in m.subject) for m in mail.outbox] == [([customer_a.email], True)]

        # the files download for the customer and for staff, byte for byte; not for organisation B
        log = ticket.attachments.get(name="log.txt")
        png = ticket.attachments.get(name="screen.png")
        assert (log.content_type, png.content_type) == ("text/plain", "image/png")
        for user in (customer_a, engineer):
            client.force_login(user)
            for attachment, content in ((log, LOG), (png, PNG)):
                response = client.get(reverse("tickets:attachment", args=[ticket.pk, attachment.pk]))
                assert response.status_code == 200
                assert downloaded(response) == content
                assert response["Content-Type"] == attachment.content_type
                assert response["X-Content-Type-Options"] == "nosniff"
        client.force_login(customer_b)
        assert client.get(reverse("tickets:attachment", args=[ticket.pk, log.pk])).status_code == 404
        assert client.get(reverse("tickets:detail", args=[ticket.pk])).status_code == 404

    def test_a_text_file_named_png_is_refused_and_nothing_is_saved(self, client, customer_a, project_a, sla_setup):
        client.force_login(customer_a)
        fake = SimpleUploadedFile("photo.png", b"this is not a picture\n", content_type="image/png")
        response = client.post(reverse("tickets:create"), report(project_a, attachments=[log_file(), fake]))
        assert response.status_code == 200
        errors = response.context["form"].errors
        assert list(errors) == ["attachments"]
        assert "photo.png is not an accepted file type" in errors["attachments"][0]
        assert "photo.png is not an accepted file type" in response.text
        assert not Ticket.objects.exists()
        assert not Attachment.objects.exists()

    def test_an_oversized_file_is_refused(self, client, customer_a, project_a, sla_setup, settings):
        settings.ATTACHMENT_MAX_BYTES = len(LOG) - 1
        client.force_login(customer_a)
        response = client.post(reverse("tickets:create"), report(project_a, attachments=[log_file()]))
        assert response.status_code == 200
        assert "log.txt is larger than" in response.context["form"].errors["attachments"][0]
        assert not Ticket.objects.exists()
        settings.ATTACHMENT_MAX_BYTES = len(LOG)
        response = client.post(reverse("tickets:create"), report(project_a, attachments=[log_file()]))
        assert response.status_code == 302
        assert Attachment.objects.get().size == len(LOG)

    def test_a_customer_cannot_choose_another_organisations_project(
        self, client, customer_a, project_a, project_b, sla_setup
    ):
        client.force_login(customer_a)
        response = client.post(reverse("tickets:create"), report(project_b))
        assert response.status_code == 200
        assert "project" in response.context["form"].errors
        assert not Ticket.objects.exists()

    def test_the_customer_form_has_no_staff_fields(self, client, customer_a, engineer, project_a, sla_setup):
        client.force_login(customer_a)
        fields = set(client.get(reverse("tickets:create")).context["form"].fields)
        assert not fields & {"channel", "reporter", "received_at"}
        client.force_login(engineer)
        fields = set(client.get(reverse("tickets:create")).context["form"].fields)
        assert {"channel", "reporter", "received_at"} <= fields

    def test_staff_log_a_call_for_a_customer(self, client, engineer, customer_a, project_a, sla_setup):
        client.force_login(engineer)
        data = report(
            project_a, priority="normal", channel="hotline", reporter=customer_a.pk, received_at="2026-02-13T17:00"
        )
        response = client.post(reverse("tickets:create"), data)
        ticket = Ticket.objects.get()
        assert response.status_code == 302
        assert (ticket.reporter, ticket.channel, ticket.received_at) == (customer_a, "hotline", sh(2026, 2, 13, 17))
        assert ticket.clocks.get(metric="first_response").due_at == sh(2026, 2, 14, 12)


# --- the engineer's queue -----------------------------------------------------------------


@pytest.fixture
def queue(customer_a, customer_b, project_a, project_b, engineer, sla_setup):
    """Monday 2026-02-02: five tickets, the nearest due moment of each in the comment."""
    tickets = SimpleNamespace(
        urgent=file_ticket(customer_a, project_a, at=sh(2026, 2, 2, 10), priority="urgent"),  # 11:00
        normal=file_ticket(customer_a, project_a, at=sh(2026, 2, 2, 9)),  # 14:00
        other_org=file_ticket(customer_b, project_b, at=sh(2026, 2, 2, 9, 15)),  # 14:15
        mine=file_ticket(customer_a, project_a, at=sh(2026, 2, 2, 11)),  # 16:00
        low=file_ticket(customer_a, project_a, at=sh(2026, 2, 2, 9, 30), priority="low"),  # no clock
    )
    services.ticket_assign(ticket_id=tickets.mine.pk, actor=engineer, assignee=engineer)
    return tickets


class TestQueue:
    def test_the_queue_is_ordered_by_the_nearest_due_moment(self, client, engineer, queue):
        client.force_login(engineer)
        with travel(sh(2026, 2, 2, 12)):
            response = client.get(reverse("tickets:list"))
        assert listed(response) == [queue.urgent.pk, queue.normal.pk, queue.other_org.pk, queue.mine.pk, queue.low.pk]
        references = re.findall(r"SD-\d{4}-\d{6}", response.text)
        assert list(dict.fromkeys(references)) == [
            t.reference for t in (queue.urgent, queue.normal, queue.other_org, queue.mine, queue.low)
        ]

    @pytest.mark.parametrize(
        ("params", "expected"),
        [
            ({"view": "mine"}, ["mine"]),
            ({"view": "unassigned"}, ["urgent", "normal", "other_org", "low"]),
            ({"view": "breached"}, ["urgent"]),
            ({"view": "breaching"}, ["normal", "other_org"]),
            ({"priority": "urgent"}, ["urgent"]),
            ({"priority": ["low", "urgent"]}, ["urgent", "low"]),
            ({"view": "unassigned", "priority": "normal"}, ["normal", "other_org"]),
            ({"q": "SD-2026-000001"}, ["urgent"]),
        ],
    )
    def test_queue_filters(self, client, engineer, queue, params, expected):
        client.force_login(engineer)
        with travel(sh(2026, 2, 2, 13, 30)):
            response = client.get(reverse("tickets:list"), params)
        assert listed(response) == [getattr(queue, name).pk for name in expected]

    def test_the_organisation_filter(self, client, engineer, queue):
        client.force_login(engineer)
        response = client.get(reverse("tickets:list"), {"organisation": queue.other_org.organisation_id})
        assert listed(response) == [queue.other_org.pk]
        response = client.get(reverse("tickets:list"), {"organisation": queue.urgent.organisation_id})
        assert queue.other_org.pk not in listed(response)
        assert len(listed(response)) == 4

    def test_resolved_tickets_leave_the_queue_unless_asked_for(self, client, engineer, queue):
        resolve(queue.normal, engineer)
        client.force_login(engineer)
        assert queue.normal.pk not in listed(client.get(reverse("tickets:list")))
        assert listed(client.get(reverse("tickets:list"), {"status": "resolved"})) == [queue.normal.pk]

    def test_customers_see_their_organisations_tickets_only(self, client, customer_a, customer_b, queue):
        client.force_login(customer_b)
        response = client.get(reverse("tickets:list"))
        assert listed(response) == [queue.other_org.pk]
        assert queue.urgent.reference not in response.text
        # a customer's list ignores the staff filters
        assert listed(client.get(reverse("tickets:list"), {"organisation": queue.urgent.organisation_id})) == [
            queue.other_org.pk
        ]
        client.force_login(customer_a)
        assert len(listed(client.get(reverse("tickets:list")))) == 4


@pytest.mark.parametrize("count", [10, 30])
def test_the_queue_page_runs_a_fixed_number_of_queries(
    client, engineer, customer_a, sla_setup, count, django_assert_max_num_queries
):
    priorities = ["normal", "urgent", "low", "high"]
    for n in range(count):
        ticket = file_ticket(
            customer_a,
            ProjectFactory(organisation=customer_a.organisation),
            at=sh(2026, 2, 2, 9, n),
            priority=priorities[n % 4],
        )
        if n % 3 == 0:
            services.ticket_assign(ticket_id=ticket.pk, actor=engineer, assignee=engineer)
        if n % 5 == 1:
            with travel(sh(2026, 2, 2, 10)):
                services.ticket_update(ticket_id=ticket.pk, actor=engineer, status="waiting_on_customer")
    client.force_login(engineer)
    # thirteen: two of them ask who is on duty and how many emails wait for triage (the
    # navigation shows both to staff), two read the user's saved views and count their tickets
    # (kept 30 s, so the next page does not ask again)
    with travel(sh(2026, 2, 2, 12)), django_assert_max_num_queries(13):
        response = client.get(reverse("tickets:list"))
    assert len(listed(response)) == count
    assert response.text.count('class="sla-clock') >= count // 2


# --- the ticket page ----------------------------------------------------------------------


class TestConversation:
    def test_a_public_reply_reaches_the_customer_and_meets_the_first_response_target(
        self, client, engineer, customer_a, sla_setup, project_a, django_capture_on_commit_callbacks
    ):
        ticket = file_ticket(customer_a, project_a, at=sh(2026, 2, 2, 9))
        client.force_login(customer_a)
        with travel(sh(2026, 2, 2, 9, 30)):
            assert clock_text(client.get(reverse("tickets:detail", args=[ticket.pk])).text, "first_response") == (
                "due in 4 h 30 min"
            )

        client.force_login(engineer)
        with travel(sh(2026, 2, 2, 10)), django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("tickets:reply", args=[ticket.pk]), {"body": "We replaced the paging card.", "public": "on"}
            )
        assert response.status_code == 302
        assert response.url == reverse("tickets:detail", args=[ticket.pk])

        first_response = ticket.clocks.get(metric="first_response")
        assert first_response.stopped_at == sh(2026, 2, 2, 10)
        assert first_response.breached_at is None
        client.force_login(customer_a)
        page = client.get(reverse("tickets:detail", args=[ticket.pk]))
        assert "We replaced the paging card." in page.text
        assert clock_text(page.text, "first_response") == "met"
        [message] = mail.outbox
        assert message.to == [customer_a.email]
        assert ticket.reference in message.subject
        assert "We replaced the paging card." in message.body

    def test_an_internal_note_is_shown_to_staff_only(
        self, client, engineer, customer_a, ticket_a, django_capture_on_commit_callbacks
    ):
        client.force_login(engineer)
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("tickets:reply", args=[ticket_a.pk]), {"body": "Known firmware bug KB-77"})
        assert Comment.objects.get().public is False
        assert mail.outbox == []
        staff_page = client.get(reverse("tickets:detail", args=[ticket_a.pk]))
        assert "Known firmware bug KB-77" in staff_page.text
        assert "Internal note" in staff_page.text
        assert ticket_a.clocks.get(metric="first_response").stopped_at is None

        client.force_login(customer_a)
        customer_page = client.get(reverse("tickets:detail", args=[ticket_a.pk]))
        assert customer_page.status_code == 200
        assert "KB-77" not in customer_page.text
        assert clock_text(customer_page.text, "first_response") != "met"

    def test_a_customer_reply_is_always_public(self, client, customer_a, ticket_a):
        client.force_login(customer_a)
        client.post(reverse("tickets:reply", args=[ticket_a.pk]), {"body": "Still broken"})
        assert Comment.objects.get().public is True
        assert ticket_a.clocks.get(metric="first_response").stopped_at is None

    def test_an_empty_reply_shows_an_error(self, client, engineer, ticket_a):
        client.force_login(engineer)
        response = client.post(reverse("tickets:reply", args=[ticket_a.pk]), {"body": "", "public": "on"}, follow=True)
        assert response.status_code == 200
        assert messages_of(response) == ["This field is required."]
        assert not Comment.objects.exists()


class TestStatusButtons:
    def test_a_customer_closes_a_resolved_ticket_and_reopens_it(self, client, engineer, customer_a, ticket_a):
        resolve(ticket_a, engineer)
        client.force_login(customer_a)
        page = client.get(reverse("tickets:detail", args=[ticket_a.pk]))
        assert [value for value, _ in page.context["statuses"]] == ["in_progress", "closed"]
        assert "Reopen" in page.text

        response = client.post(reverse("tickets:status", args=[ticket_a.pk]), {"status": "closed"})
        assert response.status_code == 302
        assert Ticket.objects.get(pk=ticket_a.pk).status == "closed"
        response = client.post(reverse("tickets:status", args=[ticket_a.pk]), {"status": "in_progress"}, follow=True)
        assert Ticket.objects.get(pk=ticket_a.pk).status == "in_progress"
        assert "The status was changed." in messages_of(response)
        assert ticket_a.clocks.get(metric="resolution").stopped_at is None

    def test_an_open_ticket_offers_the_customer_no_buttons(self, client, customer_a, ticket_a):
        client.force_login(customer_a)
        page = client.get(reverse("tickets:detail", args=[ticket_a.pk]))
        assert page.context["statuses"] == []
        assert 'id="status-actions"' not in page.text

    @pytest.mark.parametrize(
        ("user", "path", "attempt"), [("engineer", [], "closed"), ("customer_a", ["resolved", "closed"], "resolved")]
    )
    def test_an_impossible_move_shows_an_error_and_changes_nothing(
        self, client, request, engineer, ticket_a, user, path, attempt
    ):
        for status in path:
            services.ticket_update(ticket_id=ticket_a.pk, actor=engineer, status=status)
        before = Ticket.objects.get(pk=ticket_a.pk).status
        client.force_login(request.getfixturevalue(user))

        response = client.post(reverse("tickets:status", args=[ticket_a.pk]), {"status": attempt}, follow=True)

        assert response.status_code == 200
        old, new = Ticket.Status(before).label, Ticket.Status(attempt).label
        assert messages_of(response) == [f"A ticket cannot go from {old} to {new}."]
        assert Ticket.objects.get(pk=ticket_a.pk).status == before

    def test_a_customer_may_not_make_the_engineers_moves(self, client, customer_a, ticket_a):
        client.force_login(customer_a)
        response = client.post(reverse("tickets:status", args=[ticket_a.pk]), {"status": "acknowledged"})
        assert response.status_code == 403
        assert Ticket.objects.get(pk=ticket_a.pk).status == "new"

    def test_staff_change_the_priority_from_the_page(self, client, engineer, customer_a, project_a, sla_setup):
        ticket = file_ticket(customer_a, project_a, at=sh(2026, 2, 2, 10))
        client.force_login(engineer)
        with travel(sh(2026, 2, 2, 10, 20)):
            response = client.post(reverse("tickets:priority", args=[ticket.pk]), {"priority": "urgent"})
        assert response.status_code == 302
        assert Ticket.objects.get(pk=ticket.pk).priority == "urgent"
        assert ticket.clocks.get(metric="first_response").due_at == sh(2026, 2, 2, 11)


class TestStaffOnly:
    def test_customers_get_403_for_staff_actions(self, client, engineer, customer_a, ticket_a):
        client.force_login(customer_a)
        actions = [
            ("tickets:assign", {"assignee": engineer.pk}),
            ("tickets:dispatch", {"engineer": engineer.pk}),
            ("tickets:priority", {"priority": "urgent"}),
            ("tickets:arrive", {}),
            ("tickets:leave_site", {"work_done": "Nothing"}),
        ]
        for name, data in actions:
            assert client.post(reverse(name, args=[ticket_a.pk]), data).status_code == 403, name
        ticket = Ticket.objects.get(pk=ticket_a.pk)
        assert (ticket.assignee, ticket.priority) == (None, "normal")
        assert not OnsiteVisit.objects.exists()
        assert client.post(reverse("tickets:bulk_assign"), {"tickets": [ticket_a.pk]}).status_code == 403

    def test_another_organisation_gets_404_for_pages_and_actions(self, client, engineer, customer_b, ticket_a):
        resolve(ticket_a, engineer)
        attachment = ticket_a.attachments.get()
        client.force_login(customer_b)
        assert client.get(reverse("tickets:detail", args=[ticket_a.pk])).status_code == 404
        assert client.get(reverse("tickets:attachment", args=[ticket_a.pk, attachment.pk])).status_code == 404
        actions = [
            ("tickets:reply", {"body": "Hello"}),
            ("tickets:status", {"status": "closed"}),
            ("tickets:rate", {"rating": 1}),
            ("tickets:assign", {"assignee": ""}),
            ("tickets:priority", {"priority": "urgent"}),
            ("tickets:dispatch", {"engineer": engineer.pk}),
            ("tickets:arrive", {}),
        ]
        for name, data in actions:
            assert client.post(reverse(name, args=[ticket_a.pk]), data).status_code == 404, name
        ticket = Ticket.objects.get(pk=ticket_a.pk)
        assert (ticket.status, ticket.rating) == ("resolved", None)
        assert not Comment.objects.exists()

    def test_an_engineer_is_dispatched_arrives_and_leaves_from_the_page(
        self, client, engineer, customer_a, project_a, sla_setup
    ):
        ticket = file_ticket(customer_a, project_a, at=sh(2026, 2, 2, 9), priority="urgent")
        client.force_login(engineer)
        with travel(sh(2026, 2, 2, 10)):
            response = client.post(
                reverse("tickets:dispatch", args=[ticket.pk]),
                {"engineer": engineer.pk, "expected_arrival_at": "2026-02-02T11:30"},
            )
        assert response.status_code == 302
        visit = OnsiteVisit.objects.get()
        assert (visit.engineer, visit.expected_arrival_at) == (engineer, sh(2026, 2, 2, 11, 30))
        assert ticket.clocks.get(metric="onsite_arrival").due_at == sh(2026, 2, 2, 12)
        with travel(sh(2026, 2, 2, 11)):
            client.post(reverse("tickets:arrive", args=[ticket.pk]))
            client.post(reverse("tickets:leave_site", args=[ticket.pk]), {"work_done": "Replaced the paging card"})
        visit.refresh_from_db()
        assert visit.arrived_at == sh(2026, 2, 2, 11)
        assert visit.work_done == "Replaced the paging card"
        assert ticket.clocks.get(metric="onsite_arrival").stopped_at == sh(2026, 2, 2, 11)
        client.force_login(customer_a)
        assert clock_text(client.get(reverse("tickets:detail", args=[ticket.pk])).text, "onsite_arrival") == "met"


class TestBulkAssign:
    def test_the_selected_tickets_are_assigned(self, client, manager, engineer, queue):
        client.force_login(manager)
        response = client.post(
            reverse("tickets:bulk_assign"),
            {"tickets": [queue.urgent.pk, queue.other_org.pk], "assignee": engineer.pk, "next": "/tickets/?view=mine"},
        )
        assert response.status_code == 302
        assert response.url == "/tickets/?view=mine"
        assignees = dict(Ticket.objects.values_list("pk", "assignee"))
        assert assignees[queue.urgent.pk] == engineer.pk
        assert assignees[queue.other_org.pk] == engineer.pk
        assert assignees[queue.normal.pk] is None
        assert assignees[queue.low.pk] is None

    def test_nothing_selected_is_an_error(self, client, manager, engineer, queue):
        client.force_login(manager)
        response = client.post(reverse("tickets:bulk_assign"), {"assignee": engineer.pk}, follow=True)
        assert messages_of(response) == ["Choose tickets and an engineer or team."]
        assert Ticket.objects.filter(assignee=engineer).count() == 1  # the fixture's own

    def test_bulk_assign_never_redirects_off_site(self, client, manager, engineer, queue):
        client.force_login(manager)
        response = client.post(
            reverse("tickets:bulk_assign"),
            {"tickets": [queue.urgent.pk], "assignee": engineer.pk, "next": "https://evil.example/phish"},
        )
        assert response.status_code == 302
        assert Ticket.objects.get(pk=queue.urgent.pk).assignee == engineer
        assert not response.url.startswith(("http://", "https://", "//")), response.url


class TestRating:
    def test_the_customer_rates_a_resolved_ticket(self, client, engineer, customer_a, ticket_a):
        resolve(ticket_a, engineer)
        client.force_login(customer_a)
        assert "rate_form" in client.get(reverse("tickets:detail", args=[ticket_a.pk])).context
        response = client.post(
            reverse("tickets:rate", args=[ticket_a.pk]), {"rating": "4", "comment": "Quick and friendly"}, follow=True
        )
        assert "Thank you for your rating." in messages_of(response)
        ticket = Ticket.objects.get(pk=ticket_a.pk)
        assert (ticket.rating, ticket.rating_comment) == (4, "Quick and friendly")
        assert ticket.events.get(kind=TicketEvent.Kind.RATED).data == {"rating": 4}

    @pytest.mark.parametrize("rating", ["0", "6", "five"])
    def test_a_rating_outside_one_to_five_is_refused(self, client, engineer, customer_a, ticket_a, rating):
        resolve(ticket_a, engineer)
        client.force_login(customer_a)
        response = client.post(reverse("tickets:rate", args=[ticket_a.pk]), {"rating": rating}, follow=True)
        assert messages_of(response)
        assert Ticket.objects.get(pk=ticket_a.pk).rating is None

    def test_an_open_ticket_is_not_rated(self, client, customer_a, ticket_a):
        client.force_login(customer_a)
        page = client.get(reverse("tickets:detail", args=[ticket_a.pk]))
        assert "rate_form" not in page.context
        response = client.post(reverse("tickets:rate", args=[ticket_a.pk]), {"rating": "5"}, follow=True)
        assert messages_of(response) == ["A ticket is rated once it is resolved."]
        assert Ticket.objects.get(pk=ticket_a.pk).rating is None

    def test_staff_cannot_rate(self, client, engineer, ticket_a):
        resolve(ticket_a, engineer)
        client.force_login(engineer)
        assert "rate_form" not in client.get(reverse("tickets:detail", args=[ticket_a.pk])).context
        response = client.post(reverse("tickets:rate", args=[ticket_a.pk]), {"rating": "5"})
        assert response.status_code == 403
        assert Ticket.objects.get(pk=ticket_a.pk).rating is None


def test_a_field_engineer_who_is_not_assigned_still_sees_the_queue(client, customer_a, project_a, sla_setup):
    colleague = UserFactory(username="field-eng", role="engineer")
    ticket = file_ticket(customer_a, project_a)
    client.force_login(colleague)
    assert listed(client.get(reverse("tickets:list"))) == [ticket.pk]
    assert listed(client.get(reverse("tickets:list"), {"view": "mine"})) == []


def test_a_refused_action_shows_the_403_page_with_the_reason(client, customer_a, project_a, sla_setup, engineer):
    ticket = services.ticket_create(actor=customer_a, project=project_a, title="x", description="x")
    client.force_login(customer_a)
    response = client.post(reverse("tickets:assign", args=[ticket.pk]), {"assignee": engineer.pk})
    assert response.status_code == 403
    assert "Only staff may assign tickets." in response.text
    assert 'lang="en"' in response.text  # the site's page, not a bare text answer
