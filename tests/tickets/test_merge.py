"""Merging a ticket into another (tickets.services.merge): what moves, what closes, the clocks
cancelled (neither met nor breached, out of the reports), the reporter told, the refusals; the
API and the pages. "Now" is always set with time-machine (fixed dates, Asia/Shanghai)."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.errors import NotAllowed, ServiceDeskError
from notifications.models import Notification
from reports import selectors as report_selectors
from reports.filters import ReportFilter
from tests.accounts.factories import CustomerFactory
from tests.customers.factories import ProjectFactory
from tests.tickets.helpers import sh, travel
from tickets import deadlines, selectors, services
from tickets.models import Attachment, Comment, SLAClock, Ticket, TicketEvent
from tickets.services.merge import ticket_merge, tickets_merge

pytestmark = pytest.mark.django_db

MONDAY = sh(2026, 3, 2, 10, 0)  # a working Monday morning


def file(actor, project, *, at=MONDAY, title="Gateway restarts", **fields) -> Ticket:
    with travel(at):
        return services.ticket_create(
            actor=actor, project=project, title=title, description="It restarts every hour.", **fields
        )


def events_snapshot(*tickets: Ticket) -> list[tuple]:
    return list(
        TicketEvent.objects.filter(ticket__in=tickets)
        .order_by("pk")
        .values_list("pk", "ticket_id", "kind", "public", "data", "created_at", "actor_id")
    )


@pytest.fixture
def pair(sla_setup, customer_a, project_a, engineer):
    """Two tickets of organisation A: the duplicate (with a public reply with a file, an
    internal note, a ticket-level file and a CC address) and the survivor."""
    duplicate = file(
        customer_a,
        project_a,
        title="Gateway down again",
        attachments=[SimpleUploadedFile("first.txt", b"boot log\n", content_type="text/plain")],
        cc=["ops@example.com"],
    )
    survivor = file(customer_a, project_a, at=MONDAY - datetime.timedelta(minutes=30))
    with travel(MONDAY + datetime.timedelta(minutes=5)):
        reply = services.comment_add(
            ticket_id=duplicate.pk,
            actor=customer_a,
            body="Here is the log",
            attachments=[SimpleUploadedFile("reply.txt", b"more log\n", content_type="text/plain")],
        )
    with travel(MONDAY + datetime.timedelta(minutes=10)):
        note = services.comment_add(ticket_id=duplicate.pk, actor=engineer, body="Same as the other", public=False)
    return duplicate, survivor, reply, note


def merge(engineer, duplicate, survivor, *, at=MONDAY + datetime.timedelta(hours=1)) -> Ticket:
    with travel(at):
        return ticket_merge(actor=engineer, ticket=duplicate, into=survivor)


class TestWhatMoves:
    def test_comments_attachments_and_cc_move_and_the_merged_ticket_closes(self, pair, engineer, customer_a):
        duplicate, survivor, reply, note = pair
        before = events_snapshot(duplicate, survivor)

        merged = merge(engineer, duplicate, survivor)

        assert merged.status == "closed" and merged.merged_into_id == survivor.pk
        assert merged.closed_at == MONDAY + datetime.timedelta(hours=1)
        # replies and notes keep their authors, times and public/internal
        moved = {comment.pk: comment for comment in Comment.objects.filter(ticket=survivor)}
        assert moved[reply.pk].author == customer_a and moved[reply.pk].public is True
        assert moved[reply.pk].created_at == reply.created_at
        assert moved[note.pk].author == engineer and moved[note.pk].public is False
        assert not Comment.objects.filter(ticket=duplicate).exists()
        assert set(Attachment.objects.filter(ticket=survivor).values_list("name", flat=True)) == {
            "first.txt",
            "reply.txt",
        }
        survivor.refresh_from_db()
        assert "ops@example.com" in survivor.cc
        # the history is append-only: every earlier event is unchanged, new ones were added
        after = events_snapshot(duplicate, survivor)
        assert after[: len(before)] == before
        kinds = TicketEvent.objects.filter(ticket=duplicate).values_list("kind", flat=True)
        assert "merged" in kinds
        merged_in = TicketEvent.objects.get(ticket=survivor, kind="merged_in")
        assert merged_in.data["reference"] == duplicate.reference
        assert merged_in.data["comments"] == 2 and merged_in.data["attachments"] == 2

    def test_a_moved_comment_shows_on_the_survivors_page_and_api_with_its_file(
        self, pair, engineer, customer_a, client, api
    ):
        duplicate, survivor, reply, note = pair
        merge(engineer, duplicate, survivor)

        timeline = selectors.ticket_timeline(ticket=survivor, user=customer_a)
        shown = [event.comment.pk for event in timeline if event.comment]
        assert shown == [reply.pk]  # the customer does not see the internal note
        staff_timeline = selectors.ticket_timeline(ticket=survivor, user=engineer)
        assert {event.comment.pk for event in staff_timeline if event.comment} == {reply.pk, note.pk}

        client.force_login(customer_a)
        page = client.get(reverse("tickets:detail", args=[survivor.pk]))
        assert "Here is the log" in page.text and "Same as the other" not in page.text
        assert f"from {duplicate.reference}" in page.text
        attachment = Attachment.objects.get(name="reply.txt")
        download = client.get(reverse("tickets:attachment", args=[survivor.pk, attachment.pk]))
        assert download.status_code == 200 and b"".join(download.streaming_content) == b"more log\n"
        # not from the merged ticket any more
        assert client.get(reverse("tickets:attachment", args=[duplicate.pk, attachment.pk])).status_code == 404
        merged_page = client.get(reverse("tickets:detail", args=[duplicate.pk]))
        assert 'id="merged-into"' in merged_page.text and survivor.reference in merged_page.text

        answer = api.as_user(customer_a).get(f"/api/v1/tickets/{survivor.pk}/comments/")
        assert [row["id"] for row in answer.json()["results"]] == [reply.pk]

    def test_the_reporter_is_told_where_it_continues(self, pair, engineer, customer_a):
        duplicate, survivor, _reply, _note = pair
        merge(engineer, duplicate, survivor)
        notice = Notification.objects.get(recipient=customer_a, key__startswith=f"ticket:{duplicate.pk}:event:")
        assert survivor.reference in notice.title and duplicate.reference in notice.title
        assert survivor.reference in notice.body


class TestClocks:
    def test_running_clocks_are_cancelled_neither_met_nor_breached(self, pair, engineer):
        duplicate, survivor, _reply, _note = pair
        merge(engineer, duplicate, survivor)
        clocks = {clock.metric: clock for clock in SLAClock.objects.filter(ticket=duplicate)}
        # the first response was met by the engineer's... no: a note is no response; both ran
        for metric in ("first_response", "resolution"):
            clock = clocks[metric]
            assert clock.cancelled_at == clock.stopped_at == MONDAY + datetime.timedelta(hours=1)
            assert clock.breached_at is None and clock.escalation_next_at is None
        duplicate.refresh_from_db()
        assert duplicate.next_due_at is None
        line = TicketEvent.objects.filter(ticket=duplicate, kind="clock_stopped").last()
        assert line.data["cancelled"] is True

    def test_a_queued_deadline_task_sees_the_clock_stopped(self, pair, engineer):
        duplicate, survivor, _reply, _note = pair
        merge(engineer, duplicate, survivor)
        clock = SLAClock.objects.get(ticket=duplicate, metric="resolution")
        deadlines.clock_check(clock_id=clock.pk, now=MONDAY + datetime.timedelta(days=30))
        clock.refresh_from_db()
        assert clock.breached_at is None and clock.warned_at is None
        assert not TicketEvent.objects.filter(ticket=duplicate, kind__in=["breached", "escalated"]).exists()

    def test_a_clock_already_past_due_keeps_its_breach(self, sla_setup, customer_a, project_a, engineer):
        late = file(customer_a, project_a)
        survivor = file(customer_a, project_a, title="The first report")
        # the first response (4 working hours) is overdue by Tuesday
        merge(engineer, late, survivor, at=sh(2026, 3, 3, 15, 0))
        first = SLAClock.objects.get(ticket=late, metric="first_response")
        assert first.cancelled_at is None and first.breached_at is not None
        resolution = SLAClock.objects.get(ticket=late, metric="resolution")  # 16 working hours: in time
        assert resolution.cancelled_at is not None and resolution.breached_at is None

    def test_the_reports_leave_cancelled_clocks_out(self, pair, engineer, customer_a, project_a):
        duplicate, survivor, _reply, _note = pair
        report = ReportFilter(start=datetime.date(2026, 3, 1), end=datetime.date(2026, 3, 31))
        now = MONDAY + datetime.timedelta(days=20)  # every running clock overdue by then
        merge(engineer, duplicate, survivor)
        with travel(MONDAY + datetime.timedelta(hours=2)):
            services.comment_add(ticket_id=survivor.pk, actor=engineer, body="On it")  # first response met

        def figures(rows):
            return {row["metric"]: (row["clocks"], row["met"], row["breached"], row["pending"]) for row in rows}

        live = figures(report_selectors.attainment_live(report, now=now))
        # the survivor's two clocks only: its first response met, its resolution overdue
        assert live["first_response"] == (1, 1, 0, 0)
        assert live["resolution"] == (1, 0, 1, 0)
        # the roll-up (PostgreSQL) agrees, before and after its refresh
        assert figures(report_selectors.attainment(report, now=now)) == live
        from reports import rollup

        rollup.rollup_refresh()
        assert figures(report_selectors.attainment(report, now=now)) == live
        assert duplicate.pk not in {clock.ticket_id for clock in report_selectors.breaches(report, now=now)}


class TestRefusals:
    def test_across_organisations(self, sla_setup, customer_a, project_a, customer_b, project_b, engineer):
        mine, theirs = file(customer_a, project_a), file(customer_b, project_b)
        with pytest.raises(ServiceDeskError, match="across organisations is refused") as refused:
            merge(engineer, mine, theirs)
        assert refused.value.field == "into"
        mine.refresh_from_db()
        assert mine.status == "new" and mine.merged_into_id is None

    def test_into_itself_closed_or_merged_tickets(self, pair, engineer, customer_a, project_a):
        duplicate, survivor, _reply, _note = pair
        with pytest.raises(ServiceDeskError, match="into itself"):
            merge(engineer, survivor, survivor)
        third = file(customer_a, project_a, title="Third")
        merge(engineer, duplicate, survivor)
        # into a merged ticket: refused, naming where it continues
        with pytest.raises(ServiceDeskError, match=f"merge into {survivor.reference} instead"):
            merge(engineer, third, duplicate)
        # a merged ticket again
        with pytest.raises(ServiceDeskError, match="already merged"):
            merge(engineer, duplicate, third)
        # into a closed ticket
        with travel(MONDAY + datetime.timedelta(hours=2)):
            services.ticket_update(ticket_id=third.pk, actor=engineer, status="resolved")
            services.ticket_update(ticket_id=third.pk, actor=engineer, status="closed")
        fourth = file(customer_a, project_a, title="Fourth")
        with pytest.raises(ServiceDeskError, match="closed"):
            merge(engineer, fourth, third)
        with pytest.raises(ServiceDeskError, match="closed"):
            merge(engineer, third, fourth)

    def test_customers_may_not_merge(self, pair, customer_a):
        duplicate, survivor, _reply, _note = pair
        with pytest.raises(NotAllowed):
            ticket_merge(actor=customer_a, ticket=duplicate, into=survivor)

    def test_bulk_merge_lists_done_and_refused(self, sla_setup, customer_a, project_a, customer_b, project_b, engineer):
        survivor = file(customer_a, project_a, title="Outage")
        same = [file(customer_a, project_a, title=f"Outage {n}") for n in range(2)]
        other = file(customer_b, project_b, title="Elsewhere")
        with travel(MONDAY + datetime.timedelta(hours=1)):
            done, refused = tickets_merge(actor=engineer, tickets=[*same, other, survivor], into=survivor)
        assert [ticket.pk for ticket in done] == [ticket.pk for ticket in same]
        assert [(ticket.pk, "across organisations" in reason) for ticket, reason in refused] == [(other.pk, True)]
        other.refresh_from_db()
        assert other.status == "new"


class TestApi:
    def test_merge(self, pair, engineer, api):
        duplicate, survivor, _reply, _note = pair
        with travel(MONDAY + datetime.timedelta(hours=1)):
            answer = api.as_user(engineer).post(
                f"/api/v1/tickets/{duplicate.pk}/merge/", {"into": survivor.pk}, format="json"
            )
        assert answer.status_code == 200, answer.json()
        body = answer.json()
        assert body["id"] == duplicate.pk and body["status"] == "closed" and body["merged_into"] == survivor.pk
        assert body["sla"]["resolution"]["cancelled"] is True and body["sla"]["resolution"]["breached"] is False

    def test_refusals_answer_400_with_a_message(
        self, sla_setup, customer_a, project_a, customer_b, project_b, engineer, api
    ):
        mine, theirs = file(customer_a, project_a), file(customer_b, project_b)
        client = api.as_user(engineer)
        answer = client.post(f"/api/v1/tickets/{mine.pk}/merge/", {"into": theirs.pk}, format="json")
        assert answer.status_code == 400
        assert "across organisations" in answer.json()["errors"]["into"][0]
        assert client.post(f"/api/v1/tickets/{mine.pk}/merge/", {"into": 0}, format="json").status_code == 400
        assert client.post(f"/api/v1/tickets/{mine.pk}/merge/", {"into": 99999999}, format="json").status_code == 400
        assert client.post(f"/api/v1/tickets/{mine.pk}/merge/", {}, format="json").status_code == 400

    def test_customers_403_on_their_own_404_on_others(
        self, sla_setup, customer_a, project_a, customer_b, project_b, api
    ):
        mine, other = file(customer_a, project_a), file(customer_a, project_a, title="Other")
        theirs = file(customer_b, project_b)
        client = api.as_user(customer_a)
        assert client.post(f"/api/v1/tickets/{mine.pk}/merge/", {"into": other.pk}, format="json").status_code == 403
        assert client.post(f"/api/v1/tickets/{theirs.pk}/merge/", {"into": mine.pk}, format="json").status_code == 404
        mine.refresh_from_db()
        assert mine.merged_into_id is None


class TestPages:
    def test_merge_from_the_ticket_page_needs_the_confirmation(self, pair, engineer, client):
        duplicate, survivor, _reply, _note = pair
        client.force_login(engineer)
        page = client.get(reverse("tickets:detail", args=[duplicate.pk]))
        assert 'id="merge-form"' in page.text
        url = reverse("tickets:merge", args=[duplicate.pk])
        refused = client.post(url, {"into": survivor.reference}, follow=True)
        assert "Tick the box to confirm the merge." in refused.text
        duplicate.refresh_from_db()
        assert duplicate.merged_into_id is None
        with travel(MONDAY + datetime.timedelta(hours=1)):
            done = client.post(url, {"into": survivor.reference.lower(), "confirm": "on"})
        assert done.status_code == 302 and done.url == reverse("tickets:detail", args=[survivor.pk])
        duplicate.refresh_from_db()
        assert duplicate.merged_into_id == survivor.pk

    def test_bulk_merge_from_the_queue(self, sla_setup, customer_a, project_a, customer_b, project_b, engineer, client):
        survivor = file(customer_a, project_a, title="Outage")
        same = file(customer_a, project_a, title="Outage too")
        other = file(customer_b, project_b, title="Elsewhere")
        client.force_login(engineer)
        queue = client.get(reverse("tickets:list"))
        assert 'id="bulk-merge-button"' in queue.text and 'id="bulk-link-button"' in queue.text
        form = {"tickets": [same.pk, other.pk], "merge_into": survivor.reference, "next": "/tickets/"}
        answer = client.post(reverse("tickets:bulk_merge"), form, follow=True)
        assert "Tick the box to confirm the merge." in answer.text
        with travel(MONDAY + datetime.timedelta(hours=1)):
            answer = client.post(reverse("tickets:bulk_merge"), {**form, "confirm_merge": "on"}, follow=True)
        text = answer.text
        assert f"Merged into {survivor.reference}: {same.reference}." in text
        assert f"{other.reference}: A merge across organisations is refused" in text

    def test_customers_get_no_merge_form_and_403(self, pair, customer_a, client):
        duplicate, survivor, _reply, _note = pair
        client.force_login(customer_a)
        page = client.get(reverse("tickets:detail", args=[duplicate.pk]))
        assert 'id="merge-form"' not in page.text and 'id="link-form"' not in page.text
        answer = client.post(
            reverse("tickets:merge", args=[duplicate.pk]), {"into": survivor.reference, "confirm": "on"}
        )
        assert answer.status_code == 403
        other_customer = CustomerFactory(organisation=ProjectFactory().organisation)
        client.force_login(other_customer)
        assert client.post(reverse("tickets:merge", args=[duplicate.pk]), {}).status_code == 404


def test_a_merged_ticket_cannot_be_reopened(pair, engineer, customer_a):
    duplicate, survivor, _reply, _note = pair
    merge(engineer, duplicate, survivor)
    for actor in (engineer, customer_a):
        with pytest.raises(ServiceDeskError, match="merged into another"):
            services.ticket_update(ticket_id=duplicate.pk, actor=actor, status="in_progress")
    duplicate.refresh_from_db()
    assert duplicate.status == "closed"
