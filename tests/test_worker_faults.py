"""A real Celery worker killed while deliveries are queued: after a new worker and the sweeper
have run, every notification went out, each as exactly one message (one Message-ID)."""

import os
import signal
import time
from email import message_from_string
from pathlib import Path

import pytest

from notifications.models import Delivery
from notifications.services import Message, notify
from tests.accounts.factories import UserFactory
from tests.workers import database_url, sender_for, start_worker, stop_worker, wait_for, worker_env

N = 30


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_killed_worker_loses_and_doubles_nothing(tmp_path, monkeypatch):
    # given N notifications written and committed, their tasks queued to the real broker below
    monkeypatch.setattr("notifications.services.sending.delivery_enqueue", lambda delivery_id, **kwargs: None)
    users = [UserFactory(email=f"user{n}@example.com") for n in range(N)]
    for user in users:
        notify(
            users=[user],
            key="fault-test",
            message=Message(reason="ticket_created", subject="Fault test", template="notifications/email/_footer.txt"),
        )
    ids = list(Delivery.objects.values_list("pk", flat=True))
    assert len(ids) == N

    outbox = tmp_path / "outbox"
    env = worker_env(
        tmp_path / "var",
        redis_db=15 if os.environ.get("REDIS_URL") else None,
        DATABASE_URL=database_url(),
        EMAIL_URL=f"filemail:///{outbox}",  # django-environ drops one slash
        DELIVERY_CLAIM_TIMEOUT_SECONDS="2",
        DELIVERY_SWEEP_AFTER_SECONDS="1",
    )
    env["DJANGO_SETTINGS_MODULE"] = "tests.worker_settings"
    sender = sender_for(env)

    # when a worker starts on the queue and is killed (SIGKILL, no goodbye) part-way
    for pk in ids:
        sender.send_task("notifications.tasks.deliver", args=[pk], queue="default")
    worker = start_worker(env, concurrency=2)
    try:
        assert wait_for(lambda: Delivery.objects.filter(status="sent").count() >= 3, timeout=60), (
            "the worker sent nothing"
        )
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
        sent_before_restart = Delivery.objects.filter(status="sent").count()
        # and a new worker comes, with the sweeper running every second
        worker = start_worker(env, concurrency=2)
        done = wait_for(
            lambda: (
                sender.send_task("notifications.tasks.sweep", queue="default")
                and time.sleep(1) is None
                and Delivery.objects.filter(status="sent").count() == N
            ),
            timeout=90,
        )
    finally:
        stop_worker(worker)

    # then every notification went out exactly once
    assert done, f"{Delivery.objects.exclude(status='sent').count()} deliveries never went out"
    # Django's file backend appends messages to a file per connection, each ending in a rule
    rule = "\n" + "-" * 79 + "\n"
    chunks = [chunk for path in Path(outbox).iterdir() for chunk in path.read_text().split(rule) if chunk.strip()]
    messages = [message_from_string(chunk) for chunk in chunks]
    distinct = {message["Message-ID"]: message["To"] for message in messages}
    assert sorted(distinct.values()) == sorted(user.email for user in users), f"killed after {sent_before_restart}"
    # A copy can only come from an attempt the kill caught between the mail server and the
    # commit of "sent": at most one per worker process killed, and with the same Message-ID.
    assert len(messages) - len(distinct) <= 2
