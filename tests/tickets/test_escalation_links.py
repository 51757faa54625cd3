"""The acknowledgement link in a breach or escalation notice: each reader's own, a random token
on their notification (``Notification.token``), that lets them take the escalation from a phone
without signing in, for ``ACK_MAX_AGE``; GET asks, POST acknowledges as that reader."""

import datetime
import re

import pytest
from django.core import signing
from django.urls import reverse

from notifications.models import Notification
from tests.tickets.helpers import sh, travel
from tickets import deadlines, escalation, services
from tickets.models import SLAClock

pytestmark = pytest.mark.django_db

T0 = sh(2026, 3, 2, 10)
MINUTE = datetime.timedelta(minutes=1)


@pytest.fixture
def breached(sla_setup, escalation_defaults, groups, customer_a, project_a, monkeypatch):
    """An urgent ticket whose first response breached at 11:00: the technical and leadership
    groups were told, each reader with their own link."""
    monkeypatch.setattr(deadlines, "queue", lambda clock_id, eta=None: None)
    with travel(T0):
        ticket = services.ticket_create(
            actor=customer_a, project=project_a, title="Pump down", description="x", priority="urgent"
        )
    with travel(T0 + 61 * MINUTE):
        deadlines.breach_due()
    return ticket


def link_of(notification: Notification) -> str:
    return re.search(r"https?://\S+/acknowledge/[^/\s]+/", notification.body).group(0)


def path_of(notification: Notification) -> str:
    return reverse("tickets:acknowledge_link", args=[notification.token])


def test_each_reader_acknowledges_as_themselves_through_their_own_link(client, breached, groups):
    leader = Notification.objects.get(recipient=groups.leader, reason="escalation")
    tech = Notification.objects.get(recipient=groups.tech, reason="escalation")
    assert leader.token and tech.token and leader.token != tech.token
    assert link_of(leader).endswith(path_of(leader))
    with travel(T0 + 70 * MINUTE):
        asked = client.get(path_of(leader))
        assert asked.status_code == 200 and asked.context["person"] == groups.leader  # GET changes nothing
        assert SLAClock.objects.get(ticket=breached, metric="first_response").acknowledged_at is None
        done = client.post(path_of(leader))
    assert done.status_code == 200 and done.context["done"]
    clock = SLAClock.objects.get(ticket=breached, metric="first_response")
    assert clock.acknowledged_by == groups.leader and clock.escalation_next_at is None


def test_a_link_that_is_unknown_expired_or_not_an_alert_is_refused(client, breached, groups, customer_a):
    leader = Notification.objects.get(recipient=groups.leader, reason="escalation")
    receipt = Notification.objects.get(recipient=customer_a, reason="ticket_created")
    Notification.objects.filter(pk=receipt.pk).update(token="a-receipt-is-no-alert")
    with travel(T0 + 70 * MINUTE):
        assert client.get(reverse("tickets:acknowledge_link", args=["no-such-token"])).status_code == 400
        assert client.post(reverse("tickets:acknowledge_link", args=["a-receipt-is-no-alert"])).status_code == 400
    with travel(T0 + 61 * MINUTE + datetime.timedelta(seconds=escalation.ACK_MAX_AGE + 60)):
        assert client.post(path_of(leader)).status_code == 400  # a week later
    groups.tech.is_active = False
    groups.tech.save()
    tech = Notification.objects.get(recipient=groups.tech, reason="escalation")
    with travel(T0 + 70 * MINUTE):
        assert client.post(path_of(tech)).status_code == 400  # a reader who has left
    assert SLAClock.objects.get(ticket=breached, metric="first_response").acknowledged_at is None


def test_a_link_signed_before_tokens_still_works_until_it_expires(client, breached, groups):
    with travel(T0 + 61 * MINUTE):
        signed = signing.dumps({"t": breached.pk, "u": groups.leader.pk}, salt=escalation.ACK_SALT, compress=True)
    path = reverse("tickets:acknowledge_link", args=[signed])
    with travel(T0 + 61 * MINUTE + datetime.timedelta(seconds=escalation.ACK_MAX_AGE + 60)):
        assert client.get(path).status_code == 400
    with travel(T0 + 70 * MINUTE):
        assert client.post(path).context["done"]
    assert SLAClock.objects.get(ticket=breached, metric="first_response").acknowledged_by == groups.leader


def test_the_per_clock_path_gives_the_same_links(breached, groups, customer_a, project_a):
    with travel(T0):
        other = services.ticket_create(
            actor=customer_a, project=project_a, title="Valve stuck", description="x", priority="urgent"
        )
    with travel(T0 + 61 * MINUTE):
        deadlines.clock_check(clock_id=SLAClock.objects.get(ticket=other, metric="first_response").pk)
        notice = Notification.objects.get(recipient=groups.leader, reason="escalation", ticket_id=other.pk)
        assert escalation.acknowledge_reader(notice.token) == (other, groups.leader)
    assert "Valve stuck" in notice.body and notice.body.rstrip().endswith(f"/tickets/{other.pk}/")
