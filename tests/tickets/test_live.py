"""The live ticket page and queue (tickets/views_live.py, tickets/live.py): conditional polling
that answers 204/304 from one query when nothing changed, the new entries for the reader's
eyes only, the queue's changed rows as its filters show them, scoping, and bounded queries."""

import datetime
import json

import pytest
from django.conf import settings
from django.urls import reverse

from tests.accounts.factories import UserFactory
from tests.customers.factories import ProjectFactory
from tests.tickets.helpers import sh, travel
from tickets import live, services
from tickets.models import TicketEvent

pytestmark = pytest.mark.django_db

FILED = sh(2026, 3, 2, 9)


@pytest.fixture
def colleague(db):
    return UserFactory(username="eng2", role="engineer")


@pytest.fixture
def ticket(customer_a, project_a):
    with travel(FILED):
        return services.ticket_create(
            actor=customer_a, project=project_a, title="Gateway restarts", description="It restarts every hour."
        )


def newest(ticket) -> int:
    return TicketEvent.objects.filter(ticket=ticket).order_by("-pk").values_list("pk", flat=True)[0]


def changes(client, ticket, since, **headers):
    return client.get(reverse("tickets:changes", args=[ticket.pk]), {"since": since}, headers=headers)


class TestTicketChanges:
    def test_nothing_new_is_a_204_and_an_unchanged_etag_a_304(self, client, engineer, ticket):
        # given the engineer's page shows every entry
        client.force_login(engineer)
        seen = newest(ticket)
        # when it asks for what came after
        response = changes(client, ticket, seen)
        # then nothing, and an ETag to ask with next time
        assert response.status_code == 204
        assert response.content == b""
        assert "no-cache" in response["Cache-Control"]
        assert changes(client, ticket, 0, **{"If-None-Match": response["ETag"]}).status_code == 304

    def test_since_is_required(self, client, engineer, ticket):
        client.force_login(engineer)
        assert client.get(reverse("tickets:changes", args=[ticket.pk])).status_code == 400
        assert changes(client, ticket, "yesterday").status_code == 400

    def test_a_colleagues_reply_arrives_rendered_with_what_changed(self, client, engineer, colleague, ticket):
        # given engineer A's page, drawn before a colleague replies and takes the ticket
        client.force_login(engineer)
        page = client.get(reverse("tickets:detail", args=[ticket.pk]))
        seen = page.context["live_seen"]
        assert seen == newest(ticket)
        assert f'data-last="{seen}"' in page.text
        assert f'name="seen" value="{seen}"' in page.text
        etag = changes(client, ticket, seen)["ETag"]
        with travel(FILED + datetime.timedelta(minutes=5)):
            services.comment_add(ticket_id=ticket.pk, actor=colleague, body="Restarting the historian now.")
            services.ticket_assign(ticket_id=ticket.pk, actor=colleague, assignee=colleague)
        # when A's page asks (with the old ETag: it no longer matches)
        response = changes(client, ticket, seen, **{"If-None-Match": etag})
        # then the reply as the page shows it, the assignment, and the ticket's state now
        assert response.status_code == 200
        data = response.json()
        assert data["last"] == newest(ticket)
        kinds = [TicketEvent.objects.get(pk=entry["id"]).kind for entry in data["entries"]]
        assert kinds == ["reply", "assigned"]
        reply = data["entries"][0]
        assert "Restarting the historian now." in reply["html"]
        assert f'data-event-id="{reply["id"]}"' in reply["html"]
        assert reply["announcement"] == f"New reply from {colleague}"
        assert all(entry["warns"] for entry in data["entries"])
        assert data["ticket"]["assignee"] == str(colleague)
        assert data["ticket"]["status_label"] == "New"
        assert response["ETag"] != etag
        # and once seen, nothing more
        assert changes(client, ticket, data["last"]).status_code == 204

    def test_my_own_entries_do_not_warn(self, client, engineer, ticket):
        client.force_login(engineer)
        seen = newest(ticket)
        services.comment_add(ticket_id=ticket.pk, actor=engineer, body="On it.")
        entry = changes(client, ticket, seen).json()["entries"][0]
        assert entry["warns"] is False

    def test_a_customer_never_gets_an_internal_note(self, client, customer_a, colleague, ticket):
        # given the customer's page
        client.force_login(customer_a)
        seen = client.get(reverse("tickets:detail", args=[ticket.pk])).context["live_seen"]
        # when staff write an internal note
        services.comment_add(ticket_id=ticket.pk, actor=colleague, body="Zephyr secret: the vendor's bug", public=False)
        # then the customer's page learns nothing, not even that something happened
        response = changes(client, ticket, seen)
        assert response.status_code == 204
        assert response["ETag"] == changes(client, ticket, 0)["ETag"]
        # a public reply after it comes, alone
        services.comment_add(ticket_id=ticket.pk, actor=colleague, body="We are on it.")
        data = changes(client, ticket, seen).json()
        assert len(data["entries"]) == 1
        assert "We are on it." in data["entries"][0]["html"]
        assert "Zephyr secret" not in json.dumps(data)

    def test_another_organisations_ticket_is_not_found(self, client, customer_b, ticket):
        client.force_login(customer_b)
        assert changes(client, ticket, 0).status_code == 404
        assert client.get(reverse("tickets:changes", args=[999999]), {"since": 0}).status_code == 404

    def test_the_answers_run_few_queries(
        self, client, engineer, colleague, ticket, django_assert_max_num_queries, django_assert_num_queries
    ):
        client.force_login(engineer)
        seen = newest(ticket)
        client.get(reverse("home"))  # the session is warm
        # nothing new: the session, the user and one query
        with django_assert_num_queries(3):
            assert changes(client, ticket, seen).status_code == 204
        for n in range(10):
            services.comment_add(ticket_id=ticket.pk, actor=colleague, body=f"Step {n}")
        with django_assert_max_num_queries(8):
            assert len(changes(client, ticket, seen).json()["entries"]) == 10


class TestStaleReply:
    def reply(self, client, ticket, **data):
        return client.post(reverse("tickets:reply", args=[ticket.pk]), data)

    def test_a_reply_over_a_colleagues_newer_reply_is_held_then_sent_anyway(self, client, engineer, colleague, ticket):
        # given engineer A opened the ticket, then a colleague answered
        client.force_login(engineer)
        seen = client.get(reverse("tickets:detail", args=[ticket.pk])).context["live_seen"]
        services.comment_add(ticket_id=ticket.pk, actor=colleague, body="Already restarted it.")
        # when A sends a reply written before that
        response = self.reply(client, ticket, body="Please restart the gateway.", public="on", seen=seen)
        # then it is not sent: the page again, the message kept, the new entry and "Send anyway"
        assert response.status_code == 200
        assert not ticket.comments.filter(body="Please restart the gateway.").exists()
        assert 'id="reply-stale"' in response.text
        assert "This ticket changed while you were writing" in response.text
        assert "Already restarted it." in response.text.split('id="reply-stale"')[1]
        assert "Please restart the gateway.</textarea>" in response.text
        assert "Send anyway" in response.text
        form = response.context["reply_form"]
        assert form["seen"].value() == str(newest(ticket))
        # when A sends it anyway (the form now says it saw the colleague's reply)
        response = self.reply(client, ticket, body="Please restart the gateway.", public="on", seen=newest(ticket))
        # then it goes
        assert response.status_code == 302
        assert ticket.comments.filter(body="Please restart the gateway.").exists()

    def test_an_sla_warning_or_my_own_entry_does_not_hold_it(self, client, engineer, ticket):
        client.force_login(engineer)
        seen = newest(ticket)
        services.comment_add(ticket_id=ticket.pk, actor=engineer, body="First.")
        services.ticket_set_cc(ticket_id=ticket.pk, actor=engineer, cc=["ops@example.com"])
        assert self.reply(client, ticket, body="Second.", public="on", seen=seen).status_code == 302

    def test_without_seen_it_goes_as_before(self, client, engineer, colleague, ticket):
        client.force_login(engineer)
        services.comment_add(ticket_id=ticket.pk, actor=colleague, body="Already restarted it.")
        assert self.reply(client, ticket, body="Thanks.", public="on").status_code == 302
        assert ticket.comments.filter(body="Thanks.").exists()

    def test_a_customer_is_not_held_by_an_internal_note(self, client, customer_a, colleague, ticket):
        client.force_login(customer_a)
        seen = client.get(reverse("tickets:detail", args=[ticket.pk])).context["live_seen"]
        services.comment_add(ticket_id=ticket.pk, actor=colleague, body="internal", public=False)
        assert self.reply(client, ticket, body="Any news?", seen=seen).status_code == 302
        services.comment_add(ticket_id=ticket.pk, actor=colleague, body="We found it.")
        response = self.reply(client, ticket, body="Any news now?", seen=seen)
        assert response.status_code == 200
        assert "We found it." in response.text
        assert "internal" not in response.text.split('id="reply-stale"')[1].split("</div>\n</div>")[0]

    def test_another_organisation_gets_404(self, client, customer_b, ticket):
        client.force_login(customer_b)
        assert self.reply(client, ticket, body="Hello", seen=0).status_code == 404


class TestQueueChanges:
    def queue(self, client, since, **params):
        return client.get(reverse("tickets:queue_changes"), {"since": since.isoformat(), **params})

    def test_nothing_changed_is_a_204_with_the_next_cursor(self, client, engineer, ticket):
        client.force_login(engineer)
        with travel(FILED + datetime.timedelta(minutes=10)):
            response = self.queue(client, FILED + datetime.timedelta(minutes=1))
        assert response.status_code == 204
        assert response["X-Live-Cursor"].startswith("2026-03-02T01:10:00")

    def test_since_must_be_a_moment_with_its_offset(self, client, engineer):
        client.force_login(engineer)
        for since in ("", "yesterday", "2026-03-02T09:00:00"):
            assert client.get(reverse("tickets:queue_changes"), {"since": since}).status_code == 400

    def test_new_and_changed_rows_follow_the_filters(self, client, engineer, colleague, customer_a, project_a, ticket):
        # given the engineer's queue of urgent tickets, drawn at 09:01
        client.force_login(engineer)
        drawn = FILED + datetime.timedelta(minutes=1)
        with travel(FILED + datetime.timedelta(minutes=5)):
            urgent = services.ticket_create(
                actor=customer_a,
                project=project_a,
                title="Plant view lost",
                description="All screens.",
                priority="urgent",
            )
            services.ticket_assign(ticket_id=ticket.pk, actor=colleague, assignee=colleague)
        # when it asks what changed
        with travel(FILED + datetime.timedelta(minutes=6)):
            response = self.queue(client, drawn, priority="urgent")
        # then the new urgent ticket's row as the queue draws it; the normal one is not in this view
        assert response.status_code == 200
        data = response.json()
        assert [row["id"] for row in data["rows"]] == [urgent.pk]
        assert urgent.reference in data["rows"][0]["html"]
        assert data["rows"][0]["html"].startswith("<tr")
        assert data["rows"][0]["version"] == newest(urgent)
        assert data["order"] == [urgent.pk]
        assert data["gone"] == [ticket.pk]
        assert data["cursor"].startswith("2026-03-02T01:06:00")
        # the whole queue has both
        rows = self.queue(client, drawn).json()["rows"]
        assert {row["id"] for row in rows} == {urgent.pk, ticket.pk}
        assert str(colleague) in next(row["html"] for row in rows if row["id"] == ticket.pk)

    def test_a_customer_sees_only_their_organisations_changes(
        self, client, customer_a, customer_b, colleague, ticket, project_b
    ):
        drawn = FILED + datetime.timedelta(minutes=1)
        with travel(FILED + datetime.timedelta(minutes=5)):
            services.comment_add(ticket_id=ticket.pk, actor=colleague, body="Zephyr note", public=False)
        client.force_login(customer_a)
        assert self.queue(client, drawn).status_code == 204  # an internal note is no change to them
        with travel(FILED + datetime.timedelta(minutes=6)):
            services.comment_add(ticket_id=ticket.pk, actor=colleague, body="We are on it.")
        assert [row["id"] for row in self.queue(client, drawn).json()["rows"]] == [ticket.pk]
        client.force_login(customer_b)
        assert self.queue(client, drawn).status_code == 204

    def test_a_poll_leaves_the_readers_messages_for_their_next_page(self, client, engineer, ticket):
        # given a reply sent, its "added" message waiting for the page the redirect leads to
        client.force_login(engineer)
        client.post(reverse("tickets:reply", args=[ticket.pk]), {"body": "On it.", "public": "on"})
        # when the queue polls in between, and finds the change (with a filter error to say)
        response = self.queue(client, FILED, priority="nonsense")
        assert response.status_code == 200
        # then the message is still there for the page
        assert "Your message was added." in client.get(reverse("tickets:detail", args=[ticket.pk])).text

    def test_the_answer_runs_a_bounded_number_of_queries(
        self, client, engineer, customer_a, colleague, django_assert_max_num_queries
    ):
        client.force_login(engineer)
        client.get(reverse("home"))
        drawn = FILED + datetime.timedelta(minutes=1)
        with travel(FILED + datetime.timedelta(minutes=2)), django_assert_max_num_queries(3):
            assert self.queue(client, drawn).status_code == 204
        for n in range(12):
            with travel(FILED + datetime.timedelta(minutes=3, seconds=n)):
                services.ticket_create(
                    actor=customer_a,
                    project=ProjectFactory(organisation=customer_a.organisation),
                    title=f"Fault {n}",
                    description="x",
                )
        # the queue page's own queries (twelve today, with the navigation's) and one: not one per row
        with travel(FILED + datetime.timedelta(minutes=5)), django_assert_max_num_queries(16):
            assert len(self.queue(client, drawn).json()["rows"]) == 12


def test_queue_rows_finds_each_ticket_row_by_its_link():
    html = (
        '<table class="t" id="tickets"><thead><tr><th>x</th></tr></thead><tbody>\n'
        '<tr><td><a href="/tickets/7/">SD-7</a></td></tr>\n'
        '<tr class="a"><td><input type="checkbox"></td>'
        '<td><a href="/tickets/3/">SD-3</a> <a href="/projects/1/">P</a></td></tr>\n'
        '<tr><td colspan="8">No tickets.</td></tr>\n</tbody></table>'
    )
    from tickets.views_live import queue_rows

    assert [ticket_id for ticket_id, _row in queue_rows(html)] == [7, 3]
    assert queue_rows("<p>nothing</p>") == []


def test_stale_kinds_leave_out_what_does_not_change_a_reply():
    assert TicketEvent.Kind.REPLY in live.STALE_KINDS
    assert TicketEvent.Kind.WARNED not in live.STALE_KINDS
    assert TicketEvent.Kind.CC not in live.STALE_KINDS


class TestPages:
    def test_the_ticket_page_carries_one_polite_region_and_the_shortcuts(self, client, engineer, customer_a, ticket):
        client.force_login(engineer)
        page = client.get(reverse("tickets:detail", args=[ticket.pk])).text
        assert page.count('aria-live="polite"') == 1
        assert 'id="shortcuts-dialog"' in page
        assert "Keyboard shortcuts (?)" in page
        assert "Assign the ticket to me" in page
        assert f'data-user-id="{engineer.pk}"' in page
        assert "js/live.js" in page and "js/shortcuts.js" in page
        # a customer's page goes live too, without the staff's shortcuts
        client.force_login(customer_a)
        page = client.get(reverse("tickets:detail", args=[ticket.pk])).text
        assert reverse("tickets:changes", args=[ticket.pk]) in page
        assert "Assign the ticket to me" not in page
        assert "Write an internal note" not in page

    def test_the_queue_page_carries_its_cursor_and_one_polite_region(self, client, engineer, ticket):
        client.force_login(engineer)
        with travel(FILED + datetime.timedelta(minutes=1)):
            page = client.get(reverse("tickets:list")).text
        assert page.count('aria-live="polite"') == 1
        assert 'data-since="2026-03-02T09:01:00' in page
        assert 'data-one="1 ticket changed"' in page
        assert 'data-many="2 tickets changed"' in page

    def test_the_pages_draw_in_chinese(self, client, engineer, ticket):
        client.force_login(engineer)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
        page = client.get(reverse("tickets:detail", args=[ticket.pk])).text
        assert '<html lang="zh-Hans">' in page
        shown = page.split('id="ticket-status">')[1].split("<")[0]
        assert client.get(reverse("tickets:list")).status_code == 200
        services.comment_add(ticket_id=ticket.pk, actor=engineer, body="好的")
        response = changes(client, ticket, 0)
        assert response.json()["ticket"]["status_label"] == shown  # as the page says it, in its language
        assert response["ETag"].endswith('-zh-hans"')
