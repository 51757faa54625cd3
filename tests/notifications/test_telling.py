"""Telling people through one owner of the rules (``notify`` for one event, ``notify_many`` for a
burst): the same rows either way, written with ``INSERT ... ON CONFLICT DO NOTHING RETURNING``
(no savepoint, no look-up first), texts rendered once per message kind, language and zone, and
each reader's own link made of a random token on the notification."""

import datetime
from unittest import mock

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from notifications.models import Delivery, Notification, Preference, Webhook
from notifications.services import READER_LINK, Message, Notice, mark, notify, notify_many
from notifications.services.footer import hotline_text
from tests.accounts.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

NOON_UTC = datetime.datetime(2026, 3, 2, 4, 0, tzinfo=datetime.UTC)  # 12:00 in Shanghai


def message(reason="escalation", urgent=False, **extra) -> Message:
    return Message(
        reason=reason,
        subject="[%(reference)s] Escalation",
        template="notifications/email/_footer.txt",
        context={"reference": "SD-1"},
        url="/tickets/1/",
        ticket_id=1,
        reference="SD-1",
        urgent=urgent,
        headers={"X-Service-Desk-Ticket": "SD-1"},
        **extra,
    )


@pytest.fixture
def people():
    """Readers with every kind of channel: plain; email off; quiet at noon in Shanghai; a
    personal webhook; in a team with a robot; plus a desk-wide webhook for alerts only."""
    team = TeamFactory(slug="night")
    plain = UserFactory(username="plain")
    no_email = UserFactory(username="no-email")
    Preference.objects.create(user=no_email, email=False)
    quiet = UserFactory(username="quiet", time_zone="Asia/Shanghai")
    Preference.objects.create(user=quiet, quiet_from=datetime.time(11), quiet_until=datetime.time(13))
    hooked = UserFactory(username="hooked")
    Webhook.objects.create(name="mine", url="https://hooks.example.com/me", user=hooked)
    Webhook.objects.create(name="team robot", url="https://hooks.example.com/team", team=team)
    Webhook.objects.create(name="desk", url="https://hooks.example.com/desk")
    return {"team": team, "users": [plain, no_email, quiet, hooked, UserFactory(username="gone", is_active=False)]}


def rows(prefix: str) -> list[tuple]:
    """What was written for the events under ``prefix``, with the prefix taken out of the keys."""
    deliveries = Delivery.objects.filter(key__startswith=prefix).order_by("key")
    notifications = Notification.objects.filter(key__startswith=prefix).order_by("key")
    return [(n.key.removeprefix(prefix), n.recipient_id, n.title, n.body, n.urgent) for n in notifications] + [
        (
            d.key.removeprefix(prefix),
            d.channel,
            d.recipient_id,
            d.address,
            d.next_attempt_at,
            d.subject,
            d.body,
            d.status,
        )
        for d in deliveries
    ]


def test_notify_and_notify_many_write_the_same_rows_by_the_same_rules(people):
    # given: the same event told to the same readers, once alone and once in a burst
    with time_machine.travel(NOON_UTC, tick=False):
        told_one = notify(users=people["users"], teams=[people["team"]], key="one:1", message=message())
        told_many = notify_many(
            [
                Notice(key="many:1", message=message(), users=people["users"], teams=[people["team"]]),
                Notice(key="many:2", message=message(reason="ticket_reply"), users=people["users"][:1]),
            ]
        )
    # then: the same rows (the inactive reader gets nothing)
    assert told_one == 4 and told_many == 5
    assert rows("one:1") == rows("many:1")
    plain, _no_email, quiet, hooked, _gone = people["users"]
    emails = Delivery.objects.filter(key__startswith="one:1", channel="email")
    assert {d.recipient_id for d in emails} == {plain.pk, quiet.pk, hooked.pk}  # not the one with email off
    # quiet hours hold the email until they end (13:00 in Shanghai); the others go now
    assert emails.get(recipient=quiet).next_attempt_at == NOON_UTC + datetime.timedelta(hours=1)
    assert emails.get(recipient=plain).next_attempt_at == NOON_UTC
    hooks = set(Delivery.objects.filter(key__startswith="one:1", channel="webhook").values_list("address", flat=True))
    assert hooks == {"https://hooks.example.com/me", "https://hooks.example.com/team", "https://hooks.example.com/desk"}
    assert Delivery.objects.get(key__startswith="one:1", channel="email", recipient=plain).headers == {
        "X-Service-Desk-Ticket": "SD-1"
    }
    assert (
        Delivery.objects.get(key__startswith="one:1", address="https://hooks.example.com/team").payload["title"]
        == "[SD-1] Escalation"
    )
    # a reply is not an alert: the desk-wide webhook does not take it, the team's is not asked
    assert not Delivery.objects.filter(key__startswith="many:2", channel="webhook").exists()


def test_one_notice_costs_three_statements_and_no_savepoint(people, django_capture_on_commit_callbacks):
    reader = people["users"][0]
    hotline_text(None)  # the footer's hotline numbers: kept in the cache, read once an hour at most
    with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks() as callbacks:
        assert notify(users=[reader], key="ticket:1:created", message=message(reason="ticket_created")) == 1
    sql = [q["sql"] for q in queries.captured_queries]
    # the channels (preferences and webhooks in one query), the notification, its deliveries
    assert len(sql) == 3, sql
    assert not [s for s in sql if "SAVEPOINT" in s.upper()]
    assert len(callbacks) == 1  # the email queued after commit
    # told again (a task run twice): nothing written, nothing queued, no error
    with CaptureQueriesContext(connection) as again, django_capture_on_commit_callbacks() as callbacks:
        assert notify(users=[reader], key="ticket:1:created", message=message(reason="ticket_created")) == 0
    assert len(again.captured_queries) == 2 and callbacks == []  # the delivery insert is not needed
    assert Delivery.objects.count() == Notification.objects.count() == 1


def test_addresses_are_mailed_once_and_not_when_they_are_a_readers(people):
    reader = people["users"][0]
    told = notify(
        users=[reader],
        addresses=["Ops@Example.com", "ops@example.com", reader.email.upper()],
        key="cc:1",
        message=message(),
    )
    assert told == 2  # the reader, and the address once
    assert sorted(Delivery.objects.filter(channel="email").values_list("address", flat=True)) == sorted(
        [reader.email, "ops@example.com"]
    )
    assert notify(users=[reader], addresses=["ops@example.com"], key="cc:1", message=message()) == 0


def test_a_shared_message_is_rendered_once_per_language_and_zone_and_filled_per_event():
    en = [UserFactory(language="en", time_zone="") for _ in range(3)]
    zh = [UserFactory(language="zh-hans", time_zone="") for _ in range(2)]
    ny = UserFactory(language="en", time_zone="America/New_York")
    everyone = [*en, *zh, ny]

    def shared(n: int) -> Message:
        return Message(
            reason="escalation",
            subject="[%(reference)s] Escalation",
            template="notifications/email/_footer.txt",
            context={"reference": mark("reference")},
            url=f"/tickets/{n}/",
            ticket_id=n,
            share="test",
            fill=lambda language, zone, n=n: {"reference": f"SD-{n}"},
        )

    from notifications.services import telling

    with mock.patch.object(telling, "render_to_string", wraps=telling.render_to_string) as render:
        notify_many([Notice(key=f"shared:{n}", message=shared(n), users=everyone) for n in range(20)])
    assert render.call_count == 3  # (en, Shanghai), (zh-hans, Shanghai), (en, New York): not 120
    assert Notification.objects.count() == 120
    titles = set(Notification.objects.filter(ticket_id=7).values_list("title", flat=True))
    assert titles == {"[SD-7] Escalation"}  # filled per event
    assert Notification.objects.filter(ticket_id=7, body__contains="/tickets/7/").count() == 6


def test_each_reader_gets_their_own_link_and_webhooks_the_tickets():
    readers = [UserFactory(), UserFactory()]
    Webhook.objects.create(name="desk", url="https://hooks.example.com/desk")
    alert = Message(
        reason="escalation",
        subject="Escalation",
        template="notifications/email/sla_alert.txt",
        context={"reason": "escalation", "acknowledge_link": READER_LINK, "ticket": None, "due": "x"},
        url="/tickets/9/",
        ticket_id=9,
        reader_link="https://desk.example.com/tickets/acknowledge/",
    )
    notify(users=readers, key="links:1", message=alert)
    tokens = set()
    for notification in Notification.objects.all():
        assert len(notification.token) >= 22 and notification.token not in tokens
        tokens.add(notification.token)
        assert f"https://desk.example.com/tickets/acknowledge/{notification.token}/" in notification.body
        assert Delivery.objects.get(key=notification.key).body == notification.body
    webhook = Delivery.objects.get(channel="webhook")
    assert "acknowledge" not in webhook.body and webhook.body.count("/tickets/9/") == 2  # the ticket's link
    # a message without the reader's link makes no token
    notify(users=readers, key="plain:1", message=message(reason="ticket_reply"))
    assert set(Notification.objects.filter(key__startswith="plain:").values_list("token", flat=True)) == {""}


def test_a_burst_queues_its_deliveries_in_batches_urgent_first(people, monkeypatch, django_capture_on_commit_callbacks):
    from notifications import tasks

    batches, singles = [], []
    monkeypatch.setattr(
        tasks.deliver_batch, "apply_async", lambda args, queue=None, **o: batches.append((queue, args[0]))
    )
    monkeypatch.setattr(tasks.deliver, "apply_async", lambda args, queue=None, **o: singles.append((queue, args[0])))
    readers = [UserFactory() for _ in range(30)]
    with django_capture_on_commit_callbacks(execute=True):
        notify_many(
            [
                Notice(key="b:urgent", message=message(urgent=True), users=readers),
                Notice(key="b:bulk", message=message(reason="ticket_reply"), users=readers),
            ]
        )
    urgent = Delivery.objects.filter(key__startswith="b:urgent").values_list("pk", flat=True)
    assert batches[0][0] == "urgent" and {pk for q, ids in batches if q == "urgent" for pk in ids} == set(urgent)
    assert sum(len(ids) for _q, ids in batches) == Delivery.objects.filter(next_attempt_at__lte=timezone.now()).count()
    assert singles == []
