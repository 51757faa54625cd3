"""In-app notifications, channels and webhooks: the bell, the API, quiet hours, and the
message formats of the generic, DingTalk, WeCom and Feishu webhooks against a real HTTP server."""

import base64
import datetime
import hashlib
import hmac
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from notifications.models import Delivery, Notification, Preference, Webhook
from notifications.services import Message, deliveries_due, delivery_send, notify, preference_save
from notifications.tasks import sweep
from tests.accounts.factories import TeamFactory, UserFactory
from tests.fake_dns import fake_dns

pytestmark = pytest.mark.django_db


class Receiver(BaseHTTPRequestHandler):
    answer: dict = {}
    status = 200
    received: list = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append({"path": self.path, "headers": dict(self.headers), "body": body})
        self.send_response(type(self).status)
        self.send_header("Content-Type", "application/json")
        for name, value in type(self).headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(json.dumps(type(self).answer).encode())

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver(settings):
    # the receiver is on the loopback address: only a listed host may be (core.outbound)
    settings.OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1"]
    handler = type("Handler", (Receiver,), {"received": [], "answer": {}, "status": 200, "headers": {}})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    handler.url = f"http://127.0.0.1:{server.server_port}/hook?access_token=abc"
    yield handler
    server.shutdown()


def alert(reason="escalation", urgent=False) -> Message:
    return Message(
        reason=reason,
        subject="[%(reference)s] Escalation",
        template="notifications/email/_footer.txt",
        context={"reference": "SD-2026-000001"},
        url="/tickets/1/",
        ticket_id=1,
        reference="SD-2026-000001",
        urgent=urgent,
    )


def send_all():
    for delivery in Delivery.objects.filter(status="pending"):
        delivery_send(delivery_id=delivery.pk)


# --- the webhook formats ------------------------------------------------------------------


def test_a_generic_webhook_gets_the_json_signed_with_hmac(receiver, engineer):
    Webhook.objects.create(name="Ops", url=receiver.url, format="generic", secret="s3cret")
    notify(users=[engineer], key="e1", message=alert())
    send_all()
    [request] = receiver.received
    body = json.loads(request["body"])
    assert (body["reason"], body["ticket"], body["reference"]) == ("escalation", 1, "SD-2026-000001")
    assert body["url"].endswith("/tickets/1/") and body["title"] == "[SD-2026-000001] Escalation"
    stamp, signature = (part.split("=", 1)[1] for part in request["headers"]["X-Service-Desk-Signature"].split(","))
    expected = hmac.new(b"s3cret", stamp.encode() + b"." + request["body"], hashlib.sha256).hexdigest()
    assert hmac.compare_digest(signature, expected)
    assert Delivery.objects.get(channel="webhook").status == "sent"


def test_dingtalk_is_signed_in_the_query_and_speaks_markdown(receiver, engineer):
    receiver.answer = {"errcode": 0, "errmsg": "ok"}
    Webhook.objects.create(name="DingTalk", url=receiver.url, format="dingtalk", secret="SECabc")
    notify(users=[engineer], key="e1", message=alert())
    send_all()
    [request] = receiver.received
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(request["path"]).query)
    assert query["access_token"] == ["abc"]
    timestamp = query["timestamp"][0]
    digest = hmac.new(b"SECabc", f"{timestamp}\nSECabc".encode(), hashlib.sha256).digest()
    assert query["sign"] == [base64.b64encode(digest).decode()]
    body = json.loads(request["body"])
    assert body["msgtype"] == "markdown" and "SD-2026-000001" in body["markdown"]["text"]


def test_wecom_gets_markdown_content(receiver, engineer):
    receiver.answer = {"errcode": 0, "errmsg": "ok"}
    Webhook.objects.create(name="WeCom", url=receiver.url, format="wecom")
    notify(users=[engineer], key="e1", message=alert())
    send_all()
    body = json.loads(receiver.received[0]["body"])
    assert body["msgtype"] == "markdown" and body["markdown"]["content"].startswith("### [SD-2026-000001]")


def test_feishu_is_signed_in_the_body(receiver, engineer):
    receiver.answer = {"code": 0, "msg": "success"}
    Webhook.objects.create(name="Feishu", url=receiver.url, format="feishu", secret="fs")
    notify(users=[engineer], key="e1", message=alert())
    send_all()
    body = json.loads(receiver.received[0]["body"])
    key = f"{body['timestamp']}\nfs".encode()
    assert body["sign"] == base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
    assert body["msg_type"] == "text" and "SD-2026-000001" in body["content"]["text"]


def test_a_robot_that_refuses_is_a_failure_retried_with_backoff_and_visible(receiver, engineer):
    receiver.answer = {"errcode": 310000, "errmsg": "sign not match"}
    Webhook.objects.create(name="DingTalk", url=receiver.url, format="dingtalk", secret="wrong")
    notify(users=[engineer], key="e1", message=alert())
    send_all()
    delivery = Delivery.objects.get(channel="webhook")
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    assert "310000" in delivery.last_error and "sign not match" in delivery.last_error
    assert Delivery.objects.get(channel="email").status == "sent"  # the other channels went on


def test_an_unreachable_webhook_does_not_hold_up_the_rest(engineer, manager, settings):
    settings.OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1"]
    Webhook.objects.create(name="Down", url="http://127.0.0.1:9/nothing", format="generic")
    notify(users=[engineer, manager], key="e1", message=alert())
    send_all()
    assert Delivery.objects.get(channel="webhook").status == "pending"
    assert sorted(m.to[0] for m in mail.outbox) == sorted([engineer.email, manager.email])


def test_team_webhooks_get_alerts_and_everyones_webhooks_only_alerts(receiver, engineer):
    team = TeamFactory()
    Webhook.objects.create(name="Team robot", url=receiver.url, team=team)
    Webhook.objects.create(name="Everyone", url=receiver.url)
    notify(users=[engineer], teams=[team], key="e1", message=alert())
    notify(users=[engineer], key="e2", message=alert(reason="ticket_reply"))  # not an alert
    send_all()
    assert len(receiver.received) == 2  # e1 to both webhooks; e2 to neither


def test_a_personal_webhook_gets_its_users_messages(receiver, engineer, manager):
    Webhook.objects.create(name="Mine", url=receiver.url, user=engineer)
    notify(users=[engineer, manager], key="e1", message=alert(reason="ticket_reply"))
    send_all()
    assert len(receiver.received) == 1
    preference_save(user=engineer, email=True, webhook=False, quiet_from=None, quiet_until=None)
    notify(users=[engineer], key="e2", message=alert())
    send_all()
    assert len(receiver.received) == 1  # switched off


# --- channels and quiet hours -------------------------------------------------------------


def test_email_off_leaves_the_bell(engineer):
    preference_save(user=engineer, email=False, webhook=True, quiet_from=None, quiet_until=None)
    notify(users=[engineer], key="e1", message=alert())
    assert Notification.objects.filter(recipient=engineer).count() == 1
    assert not Delivery.objects.exists()


def test_quiet_hours_hold_email_until_they_end_but_not_urgent_alerts(engineer):
    engineer.time_zone = "Asia/Shanghai"
    engineer.save()
    Preference.objects.create(user=engineer, quiet_from=datetime.time(22), quiet_until=datetime.time(7))
    night = datetime.datetime(2026, 3, 2, 23, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))
    with time_machine.travel(night, tick=False):
        notify(users=[engineer], key="e1", message=alert(reason="ticket_reply"))
        notify(users=[engineer], key="e2", message=alert(urgent=True))
    held = Delivery.objects.get(key=f"e1:user:{engineer.pk}")
    assert held.next_attempt_at == night.replace(hour=7, minute=0) + datetime.timedelta(days=1)
    with time_machine.travel(night, tick=False):
        assert delivery_send(delivery_id=held.pk) is False  # a task would not send it early
        assert delivery_send(delivery_id=Delivery.objects.get(key=f"e2:user:{engineer.pk}").pk) is True
    with time_machine.travel(held.next_attempt_at + datetime.timedelta(seconds=61), tick=False):
        assert deliveries_due() == [held.pk]
        sweep()
    assert Delivery.objects.get(pk=held.pk).status == "sent"
    assert Notification.objects.filter(recipient=engineer).count() == 2  # the bell had both at once


def test_the_same_event_tells_each_person_once(engineer):
    assert notify(users=[engineer, engineer], key="e1", message=alert()) == 1
    assert notify(users=[engineer], key="e1", message=alert()) == 0
    assert Notification.objects.count() == 1 and Delivery.objects.count() == 1


# --- the API and the pages ----------------------------------------------------------------


def test_the_api_lists_the_callers_notifications_and_marks_them_read(api, engineer, manager):
    notify(users=[engineer, manager], key="e1", message=alert())
    notify(users=[engineer], key="e2", message=alert(reason="sla_breach"))
    client = api.as_user(engineer)
    body = client.get("/api/v1/notifications/").json()
    assert body["count"] == 2
    first = body["results"][0]
    assert (first["reason"], first["ticket"], first["reference"], first["read"]) == (
        "sla_breach",
        1,
        "SD-2026-000001",
        False,
    )
    assert client.get("/api/v1/notifications/?reason=escalation").json()["count"] == 1
    assert client.post(f"/api/v1/notifications/{first['id']}/read/").json()["read"] is True
    assert client.get("/api/v1/notifications/?unread=true").json()["count"] == 1
    assert client.post("/api/v1/notifications/read-all/").json() == {"marked": 1}
    assert client.get("/api/v1/notifications/?unread=true").json()["count"] == 0
    theirs = Notification.objects.get(recipient=manager)
    assert client.get(f"/api/v1/notifications/{theirs.pk}/").status_code == 404
    assert client.get("/api/v1/notifications/?unread=maybe").status_code == 400
    assert client.get("/api/v1/notifications/?ticket=1").json()["count"] == 2
    assert client.get("/api/v1/notifications/?ticket=2").json()["count"] == 0
    assert client.get("/api/v1/notifications/?ticket=0.5").status_code == 400


def test_the_bell_counts_unread_and_opening_one_reads_it(client, engineer):
    notify(users=[engineer], key="e1", message=alert())
    client.force_login(engineer)
    page = client.get(reverse("home")).content.decode()
    assert 'id="bell-count">1<' in page
    notification = Notification.objects.get()
    response = client.get(reverse("notifications:open", args=[notification.pk]))
    assert response.status_code == 302 and response["Location"] == "/tickets/1/"
    assert 'id="bell-count"' not in client.get(reverse("notifications:bell")).content.decode()


def test_channels_are_chosen_in_a_page(client, engineer, monkeypatch):
    fake_dns(monkeypatch, {"oapi.dingtalk.com": "203.119.169.1"})
    client.force_login(engineer)
    response = client.post(
        reverse("notifications:preferences"),
        {
            "channels-email": "",
            "channels-webhook": "on",
            "channels-quiet_from": "22:00",
            "channels-quiet_until": "",
            "webhook-url": "",
            "webhook-format": "generic",
            "webhook-secret": "",
        },
    )
    assert response.status_code == 200 and "Give both ends" in response.content.decode()
    response = client.post(
        reverse("notifications:preferences"),
        {
            "channels-webhook": "on",
            "channels-quiet_from": "22:00",
            "channels-quiet_until": "07:00",
            "webhook-url": "https://oapi.dingtalk.com/robot/send?access_token=x",
            "webhook-format": "dingtalk",
            "webhook-secret": "SEC1",
        },
    )
    assert response.status_code == 302
    preference = Preference.objects.get(user=engineer)
    assert (preference.email, preference.quiet_from) == (False, datetime.time(22))
    assert engineer.webhooks.get().format == "dingtalk"


def test_customers_have_no_personal_webhook(client, customer_a):
    client.force_login(customer_a)
    page = client.get(reverse("notifications:preferences")).content.decode()
    assert "webhook-url" not in page


def test_a_delivery_of_a_deleted_user_goes_nowhere(engineer):
    user = UserFactory(username="gone")
    notify(users=[user], key="e1", message=alert())
    user.delete()
    assert not Delivery.objects.exists() and not Notification.objects.exists()


def test_channels_through_the_api(api, engineer):
    client = api.as_user(engineer)
    url = "/api/v1/me/notification-preferences/"
    assert client.get(url).json() == {"email": True, "webhook": True, "quiet_from": None, "quiet_until": None}
    answer = client.patch(url, {"quiet_from": "22:00", "quiet_until": "07:30", "email": False}, format="json")
    assert answer.json() == {"email": False, "webhook": True, "quiet_from": "22:00", "quiet_until": "07:30"}
    assert Preference.objects.get(user=engineer).quiet_until == datetime.time(7, 30)
    refused = client.patch(url, {"quiet_from": None}, format="json")
    assert refused.status_code == 400 and "quiet_until" in refused.json()["errors"]
    assert client.patch(url, {"email": "no"}, format="json").status_code == 400
    assert Preference.objects.get(user=engineer).quiet_from == datetime.time(22)  # nothing half-saved


# --- webhook addresses (core.outbound) ---------------------------------------------------------

HOOK_FORM = {
    "channels-email": "on",
    "channels-webhook": "on",
    "channels-quiet_from": "",
    "channels-quiet_until": "",
    "webhook-format": "generic",
    "webhook-secret": "",
}


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/admin/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:10.0.0.1]/",
        "http://intranet.example.com/hook",  # a name that resolves to a private address
    ],
)
def test_a_personal_webhook_on_a_private_address_is_a_form_error_and_nothing_is_saved(
    client, engineer, monkeypatch, url
):
    fake_dns(monkeypatch, {"intranet.example.com": "192.168.10.5"})
    client.force_login(engineer)
    response = client.post(
        reverse("notifications:preferences"), {**HOOK_FORM, "channels-email": "", "webhook-url": url}
    )
    assert response.status_code == 200
    errors = response.context["hook_form"].errors
    assert "url" in errors and "OUTBOUND_ALLOWED_HOSTS" in errors["url"][0]
    assert "non-public address" in response.content.decode()  # shown on the page
    assert not Webhook.objects.exists()
    assert not Preference.objects.filter(user=engineer).exists()  # the channels were not saved either


def test_a_personal_webhook_whose_name_does_not_resolve_is_a_form_error(client, engineer, monkeypatch):
    fake_dns(monkeypatch, {})
    client.force_login(engineer)
    response = client.post(
        reverse("notifications:preferences"), {**HOOK_FORM, "webhook-url": "https://hooks.no-such.example/x"}
    )
    assert "could not be resolved" in response.context["hook_form"].errors["url"][0]
    assert not Webhook.objects.exists()


def test_a_listed_host_may_be_on_a_private_address(client, engineer, monkeypatch, settings):
    fake_dns(monkeypatch, {"robot.intranet.example.com": "10.1.2.3"})
    settings.OUTBOUND_ALLOWED_HOSTS = ["robot.intranet.example.com"]
    client.force_login(engineer)
    url = "http://robot.intranet.example.com/hook"
    assert client.post(reverse("notifications:preferences"), {**HOOK_FORM, "webhook-url": url}).status_code == 302
    assert engineer.webhooks.get().url == url


def test_the_admin_refuses_a_webhook_on_a_private_address(client, admin_user, monkeypatch):
    fake_dns(monkeypatch, {"oapi.dingtalk.com": "203.119.169.1"})
    client.force_login(admin_user)
    form = {"name": "Ops", "format": "dingtalk", "secret": "", "reasons": "[]", "language": "", "is_active": "on"}
    url = reverse("admin:notifications_webhook_add")
    response = client.post(url, {**form, "url": "http://10.0.0.8/robot"})
    assert response.status_code == 200
    assert "OUTBOUND_ALLOWED_HOSTS" in response.context["adminform"].form.errors["url"][0]
    assert not Webhook.objects.exists()
    response = client.post(url, {**form, "url": "https://oapi.dingtalk.com/robot/send?access_token=x"})
    assert response.status_code == 302 and Webhook.objects.get().name == "Ops"


def test_the_services_refuse_a_webhook_on_a_private_address(engineer):
    from django.core.exceptions import ValidationError

    from notifications.services import personal_webhook_save, webhook_save

    with pytest.raises(ValidationError) as refused:
        webhook_save(name="Ops", url="http://localhost:6379/", format="generic")
    assert "url" in refused.value.message_dict
    with pytest.raises(ValidationError):
        personal_webhook_save(user=engineer, url="http://[::1]:8080/", format="generic", secret="")
    assert not Webhook.objects.exists()


def test_a_webhook_whose_name_now_points_inside_the_network_fails_once_with_its_error(
    receiver, engineer, monkeypatch, settings
):
    """Saved while the name was public; the DNS answer changed since: the delivery is an error
    row, sent nowhere and not retried."""
    settings.OUTBOUND_ALLOWED_HOSTS = []
    answers = iter(["93.184.216.34", "127.0.0.1"])
    fake_dns(monkeypatch, {"hooks.example.com": lambda: next(answers, "127.0.0.1")})
    port = urllib.parse.urlsplit(receiver.url).port
    webhook = Webhook(name="Ops", url=f"http://hooks.example.com:{port}/hook", format="generic")
    webhook.full_clean()  # public when saved
    webhook.save()
    notify(users=[engineer], key="e1", message=alert())
    send_all()
    delivery = Delivery.objects.get(channel="webhook")
    assert (delivery.status, delivery.attempts) == ("failed", 1)
    assert delivery.last_error.startswith("OutboundRefused:") and "127.0.0.1" in delivery.last_error
    assert receiver.received == []
    assert delivery.pk not in deliveries_due()  # no retries
    assert Delivery.objects.get(channel="email").status == "sent"


def test_a_webhook_that_redirects_is_a_failure_and_the_redirect_is_not_followed(receiver, engineer):
    port = urllib.parse.urlsplit(receiver.url).port
    receiver.status = 307
    receiver.headers = {"Location": f"http://127.0.0.1:{port}/elsewhere"}
    Webhook.objects.create(name="Ops", url=receiver.url, format="generic")
    notify(users=[engineer], key="e1", message=alert())
    send_all()
    assert [urllib.parse.urlsplit(request["path"]).path for request in receiver.received] == ["/hook"]
    delivery = Delivery.objects.get(channel="webhook")
    assert delivery.status == "pending" and "redirects are not followed" in delivery.last_error
