"""Deliveries go out once: written with the change, sent after commit, safe to send twice,
picked up by the sweeper when their task was lost."""

import datetime
import smtplib
from types import SimpleNamespace

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from notifications import channels
from notifications.models import Delivery, Notification
from notifications.services import Message, deliveries_due, delivery_send, notify
from notifications.tasks import sweep

pytestmark = pytest.mark.django_db


def _queue(user, key="ticket:1:created", *, capture):
    with capture(execute=False) as callbacks:
        notify(
            users=[user],
            key=key,
            message=Message(
                reason="ticket_created",
                subject="[%(reference)s] Hello",
                template="notifications/email/_footer.txt",
                context={"reference": "SD-1"},
            ),
        )
    return callbacks


def test_an_event_is_written_once_per_recipient_and_sent_after_commit(engineer, django_capture_on_commit_callbacks):
    callbacks = _queue(engineer, capture=django_capture_on_commit_callbacks)
    assert len(callbacks) == 1 and mail.outbox == []  # nothing leaves before the commit
    again = _queue(engineer, capture=django_capture_on_commit_callbacks)
    assert again == [] and Delivery.objects.count() == 1  # the same event twice: one delivery
    callbacks[0]()  # the commit happens; the task runs (eagerly in unit tests)
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, len(mail.outbox)) == ("sent", 1, 1)
    assert mail.outbox[0].subject == "[SD-1] Hello" and mail.outbox[0].to == [engineer.email]
    # the Message-ID is stored: a reply naming it is matched to the ticket (the email intake)
    assert delivery.message_id.startswith("<sd.") and mail.outbox[0].extra_headers["Message-ID"] == delivery.message_id


def test_a_resent_copy_carries_the_same_message_id(engineer, django_capture_on_commit_callbacks):
    _queue(engineer, capture=django_capture_on_commit_callbacks)
    delivery = Delivery.objects.get()
    delivery_send(delivery_id=delivery.pk)
    # the worker died before recording "sent": the claim goes stale and the sweeper sends again
    Delivery.objects.filter(pk=delivery.pk).update(status="sending", claimed_at=timezone.now())
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=6)):
        sweep()
    assert len(mail.outbox) == 2
    assert mail.outbox[0].extra_headers["Message-ID"] == mail.outbox[1].extra_headers["Message-ID"]


def test_sending_twice_sends_once(engineer, django_capture_on_commit_callbacks):
    _queue(engineer, capture=django_capture_on_commit_callbacks)
    delivery = Delivery.objects.get()
    assert delivery_send(delivery_id=delivery.pk) is True
    assert delivery_send(delivery_id=delivery.pk) is False  # a redelivered task
    assert len(mail.outbox) == 1


def test_a_batch_is_sent_once_over_one_connection_and_a_failure_stays_its_own(
    engineer, manager, django_capture_on_commit_callbacks, monkeypatch, django_assert_max_num_queries
):
    from notifications.services import deliveries_send

    for n in range(5):
        _queue(engineer, key=f"ticket:{n}:created", capture=django_capture_on_commit_callbacks)
    _queue(manager, key="ticket:9:created", capture=django_capture_on_commit_callbacks)
    ids = list(Delivery.objects.order_by("pk").values_list("pk", flat=True))
    failing = Delivery.objects.get(recipient=manager).pk
    original = channels.send

    def send(delivery, connection=None):
        if delivery.pk == failing:
            raise smtplib.SMTPServerDisconnected("gone")
        original(delivery, connection=connection)

    monkeypatch.setattr(channels, "send", send)
    with django_assert_max_num_queries(4 + len(ids)):  # the claim (in a savepoint here), one UPDATE each
        assert deliveries_send(delivery_ids=ids) == 5
    assert deliveries_send(delivery_ids=ids) == 0  # a redelivered task: nothing twice
    assert len(mail.outbox) == 5
    failed = Delivery.objects.get(pk=failing)
    assert failed.status == "pending" and failed.attempts == 1 and "gone" in failed.last_error
    assert set(Delivery.objects.exclude(pk=failing).values_list("status", flat=True)) == {"sent"}


def test_a_claim_in_progress_is_left_alone_and_a_stale_one_is_taken_over(engineer, django_capture_on_commit_callbacks):
    _queue(engineer, capture=django_capture_on_commit_callbacks)
    delivery = Delivery.objects.get()
    Delivery.objects.filter(pk=delivery.pk).update(
        status="sending", claimed_at=timezone.now(), claim=Delivery.new_claim()
    )
    assert delivery_send(delivery_id=delivery.pk) is False  # another worker is on it
    assert deliveries_due() == []
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=6)):
        assert deliveries_due() == [delivery.pk]  # that worker died
        sweep()
    assert Delivery.objects.get().status == "sent" and len(mail.outbox) == 1


def test_the_sweeper_sends_what_a_lost_task_left_behind(engineer, django_capture_on_commit_callbacks):
    _queue(engineer, capture=django_capture_on_commit_callbacks)  # the task is never run
    assert deliveries_due() == []  # younger than a minute: its task may still come
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=2)):
        sweep()
    assert Delivery.objects.get().status == "sent" and len(mail.outbox) == 1


def test_a_failure_is_recorded_and_retried_until_it_gives_up(engineer, django_capture_on_commit_callbacks, monkeypatch):
    _queue(engineer, capture=django_capture_on_commit_callbacks)
    delivery = Delivery.objects.get()

    def refuse(self, *args, **kwargs):
        raise smtplib.SMTPServerDisconnected("connection lost")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    assert delivery_send(delivery_id=delivery.pk) is False
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    assert "connection lost" in delivery.last_error
    # it backs off: not sent again before its next attempt, then by the sweeper
    assert delivery.next_attempt_at - timezone.now() == pytest.approx(
        datetime.timedelta(seconds=30), abs=datetime.timedelta(seconds=5)
    )
    assert delivery_send(delivery_id=delivery.pk) is False and delivery.attempts == 1
    with time_machine.travel(delivery.next_attempt_at + datetime.timedelta(seconds=61)):
        assert deliveries_due() == [delivery.pk]
        sweep()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("pending", 2)
    assert delivery.next_attempt_at - delivery.claimed_at == pytest.approx(
        datetime.timedelta(seconds=60), abs=datetime.timedelta(seconds=5)
    )
    Delivery.objects.filter(pk=delivery.pk).update(attempts=7, next_attempt_at=timezone.now())
    assert delivery_send(delivery_id=delivery.pk) is False
    assert Delivery.objects.get().status == "failed"  # visible to admins with its error


def test_users_without_an_address_get_nothing(engineer, django_capture_on_commit_callbacks):
    engineer.email = ""
    engineer.save()
    _queue(engineer, capture=django_capture_on_commit_callbacks)
    assert not Delivery.objects.exists()


def test_a_broker_outage_does_not_fail_the_request_and_the_sweeper_sends_later(
    engineer, django_capture_on_commit_callbacks, monkeypatch
):
    from kombu.exceptions import OperationalError

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    with monkeypatch.context() as patch:
        patch.setattr("notifications.tasks.deliver.apply_async", broker_down)
        callbacks = _queue(engineer, capture=django_capture_on_commit_callbacks)
        callbacks[0]()  # the commit's callback runs and must not raise
    assert Delivery.objects.get().status == "pending" and mail.outbox == []
    # the broker is back: the sweeper, running on a worker, queues what was left
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=2)):
        sweep()
    assert Delivery.objects.get().status == "sent" and len(mail.outbox) == 1


# --- attachments and time zones ---------------------------------------------------------------

INVITE = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n"


def test_an_email_carries_its_attachments_on_every_attempt(engineer, django_capture_on_commit_callbacks):
    attachment = {"filename": "invite.ics", "content": INVITE, "mimetype": "text/calendar; method=REQUEST"}
    message = Message(
        reason="training",
        subject="Invitation",
        template="notifications/email/_footer.txt",
        attachments=[attachment],
    )
    with django_capture_on_commit_callbacks(execute=True):
        notify(users=[engineer], key="invite:1", message=message)
    delivery = Delivery.objects.get()
    assert delivery.attachments == [attachment]  # kept on the row: a retry sends the same file
    (sent,) = mail.outbox
    (part,) = [part for part in sent.message().walk() if part.get_content_type() == "text/calendar"]
    assert part.get_param("method") == "REQUEST" and part.get_filename() == "invite.ics"
    assert part.get_payload(decode=True).decode() == INVITE
    # a resent copy (the "sent" record was lost) carries it again
    Delivery.objects.filter(pk=delivery.pk).update(status="sending", claimed_at=timezone.now())
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=6)):
        sweep()
    assert [p.get_filename() for p in mail.outbox[1].message().walk() if p.get_filename()] == ["invite.ics"]


def test_a_message_without_attachments_is_plain_text(engineer, django_capture_on_commit_callbacks):
    _queue(engineer, capture=django_capture_on_commit_callbacks)[0]()
    assert mail.outbox[0].message().get_content_type() == "text/plain"
    assert Delivery.objects.get().attachments == []


def test_a_message_is_rendered_in_each_recipients_time_zone(engineer, manager):
    # given: one reader in New York, one with no zone of their own (the desk's, Asia/Shanghai)
    engineer.time_zone, engineer.language = "America/New_York", "en"
    engineer.save()
    manager.time_zone, manager.language = "", "en"
    manager.save()
    ticket = SimpleNamespace(reference="SD-1", organisation="Org", get_priority_display="Normal", assignee="x")
    message = Message(
        reason="sla_warning",
        subject="[%(reference)s] Due soon",
        template="notifications/email/sla_alert.txt",
        context={
            "reference": "SD-1",
            "reason": "sla_warning",
            "ticket": ticket,
            "clock": SimpleNamespace(due_at=datetime.datetime(2026, 3, 1, 14, 30, tzinfo=datetime.UTC)),
            "metric": "resolution",
            "title": "Printer",
        },
    )
    zone_before = timezone.get_current_timezone_name()
    # when
    notify(users=[engineer, manager], key="zones:1", message=message)
    # then: each body in its reader's zone, and the caller's zone is left as it was
    bodies = {row.recipient: row.body for row in Notification.objects.all()}
    assert "is due at 2026-03-01 09:30 EST." in bodies[engineer]
    assert "is due at 2026-03-01 22:30 CST." in bodies[manager]
    assert Delivery.objects.get(recipient=engineer).body == bodies[engineer]
    assert timezone.get_current_timezone_name() == zone_before
    # without a recipient (a team's webhook): the desk's zone
    assert "22:30 CST" in message.render("en")[1]
