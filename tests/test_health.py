import datetime

import pytest
import time_machine
from django.conf import settings
from django.test import override_settings
from django.utils import timezone

from servicedesk import health
from servicedesk.celery import app

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_and_broker(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["database"], body["broker"]) == ("ok", "ok", "ok")
    assert response["Cache-Control"].startswith("max-age=0")


def test_healthz_is_503_when_the_broker_does_not_answer(client, monkeypatch):
    # a port where nothing listens
    monkeypatch.setattr(app.conf, "broker_url", "redis://127.0.0.1:9/0")
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"] == "unavailable"
    assert response.json()["database"] == "ok"


def test_healthz_is_503_when_the_database_does_not_answer(client, monkeypatch):
    monkeypatch.setattr(health, "database_ok", lambda: False)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"


@override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}})
def test_the_worker_heartbeat_is_reported(client):
    from servicedesk.tasks import heartbeat

    assert client.get("/healthz").json()["worker"] == "none"
    for queue in settings.WORKER_QUEUES:
        heartbeat.run(queue)
    body = client.get("/healthz").json()
    assert body["worker_heartbeat"] is not None and body["worker"] == "ok"
    assert body["queues"] == {"urgent": "ok", "emergency": "ok", "default": "ok"}
    # three missed beats (three minutes by default) and the worker or beat is late
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=181)):
        assert client.get("/healthz").json()["worker"] == "late"
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=179)):
        assert client.get("/healthz").json()["worker"] == "ok"


@override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}})
def test_a_queue_no_worker_consumes_makes_the_worker_late(client):
    """A worker started with the old --queues=default,emergency: no deadline is enforced, and
    /healthz says so although two queues are served."""
    from servicedesk.tasks import heartbeat

    heartbeat.run("default")
    heartbeat.run("emergency")
    body = client.get("/healthz").json()
    assert body["worker"] == "late"
    assert body["queues"] == {"urgent": "none", "emergency": "ok", "default": "ok"}
    assert client.get("/healthz").status_code == 200  # pages are still served
