"""Sending one delivery on its channel: email, or an HTTP POST in the webhook's format.

Webhook formats:
- ``generic``: the delivery's JSON payload; with a secret, ``X-Service-Desk-Signature:
  t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`` (receivers recompute it and reject
  old timestamps);
- ``dingtalk``: a markdown message; with a secret, ``timestamp`` (ms) and ``sign`` =
  base64(HMAC-SHA256(secret, "<timestamp>\\n<secret>")) in the query string;
- ``wecom``: a markdown message (the robot's key is in its URL);
- ``feishu``: a text message; with a secret, ``timestamp`` (s) and ``sign`` =
  base64(HMAC-SHA256(key="<timestamp>\\n<secret>", message="")) in the body.
The robots answer HTTP 200 with an error code in the body; anything but 0 is a failure.
"""

import base64
import hashlib
import hmac
import json
import time
import urllib.parse

from django.conf import settings
from django.core.mail import EmailMessage

from core import outbound
from notifications.models import Delivery, Webhook


class WebhookRefused(Exception):
    pass


def send(delivery: Delivery, connection=None) -> None:
    """Send on the delivery's channel; an email over ``connection`` if given (one for a batch)."""
    if delivery.channel == Delivery.Channel.EMAIL:
        email = EmailMessage(
            subject=delivery.subject,
            body=delivery.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[delivery.address],
            headers=email_headers(delivery),
            connection=connection,
        )
        for attachment in delivery.attachments:
            email.attach(attachment["filename"], attachment["content"], attachment["mimetype"])
        email.send()
    else:
        post(delivery)


def email_headers(delivery: Delivery) -> dict[str, str]:
    """Message-ID; Reply-To the support mailbox (``MAIL_REPLY_TO``), so an answer reaches the
    intake; and, as RFC 3834 asks of automatic mail, ``Auto-Submitted: auto-generated`` (with
    Exchange's ``X-Auto-Response-Suppress``), so no out-of-office robot answers it. The
    caller's headers win: an engineer's reply says ``Auto-Submitted: no``."""
    headers = {"Message-ID": message_id(delivery), "Auto-Submitted": "auto-generated"}
    if settings.MAIL_REPLY_TO:
        headers["Reply-To"] = settings.MAIL_REPLY_TO
    headers |= delivery.headers
    if headers["Auto-Submitted"] == "auto-generated":
        headers["X-Auto-Response-Suppress"] = "All"
    return headers


def _domain() -> str:
    return settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip("> ") or "servicedesk"


def new_message_id(key: str) -> str:
    """A delivery's Message-ID, from its unique key: the same for every attempt, so a copy
    sent again after a lost "sent" record is the same message to the receiving mail system,
    which keeps one."""
    return f"<sd.{hashlib.sha256(key.encode()).hexdigest()[:32]}@{_domain()}>"


def message_id(delivery: Delivery) -> str:
    # deliveries written before Message-IDs were stored keep the id they were first sent with
    if delivery.message_id:
        return delivery.message_id
    return f"<delivery-{delivery.pk}-{hashlib.sha256(delivery.key.encode()).hexdigest()[:16]}@{_domain()}>"


def _text(payload: dict) -> str:
    lines = [payload["title"], "", payload["text"].strip()]
    if payload.get("url"):
        lines += ["", payload["url"]]
    return "\n".join(lines)


def _markdown(payload: dict) -> str:
    text = f"### {payload['title']}\n\n{payload['text'].strip()}"
    if payload.get("url"):
        text += f"\n\n[{payload.get('reference') or payload['url']}]({payload['url']})"
    return text


def _hmac_b64(key: str, message: str) -> str:
    return base64.b64encode(hmac.new(key.encode(), message.encode(), hashlib.sha256).digest()).decode()


def request_for(delivery: Delivery, now: float | None = None) -> tuple[str, bytes, dict[str, str]]:
    """The URL, body and headers of a webhook delivery's POST, signed at ``now``."""
    now = time.time() if now is None else now
    webhook = delivery.webhook
    fmt = webhook.format if webhook else Webhook.Format.GENERIC
    secret = webhook.secret if webhook else ""
    payload = delivery.payload
    url = delivery.address
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "servicedesk-webhook/1"}
    if fmt == Webhook.Format.DINGTALK:
        body = {"msgtype": "markdown", "markdown": {"title": payload["title"], "text": _markdown(payload)}}
        if secret:
            timestamp = str(int(now * 1000))
            sign = urllib.parse.quote_plus(_hmac_b64(secret, f"{timestamp}\n{secret}"))
            url += ("&" if "?" in url else "?") + f"timestamp={timestamp}&sign={sign}"
    elif fmt == Webhook.Format.WECOM:
        body = {"msgtype": "markdown", "markdown": {"content": _markdown(payload)}}
    elif fmt == Webhook.Format.FEISHU:
        body = {"msg_type": "text", "content": {"text": _text(payload)}}
        if secret:
            timestamp = str(int(now))
            body |= {"timestamp": timestamp, "sign": _hmac_b64(f"{timestamp}\n{secret}", "")}
    else:
        body = {**payload, "id": delivery.key}
    data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    if fmt == Webhook.Format.GENERIC and secret:
        timestamp = str(int(now))
        digest = hmac.new(secret.encode(), timestamp.encode() + b"." + data, hashlib.sha256).hexdigest()
        headers["X-Service-Desk-Signature"] = f"t={timestamp},v1={digest}"
    return url, data, headers


def post(delivery: Delivery) -> None:
    """POST through ``core.outbound``: the address is resolved and checked now (not only when
    the webhook was saved), so a name that has come to point inside the network raises
    ``OutboundRefused``; a redirect is not followed and counts as a failure."""
    url, data, headers = request_for(delivery)
    response = outbound.post_json(url, data, headers=headers, timeout=settings.WEBHOOK_TIMEOUT_SECONDS)
    response.raise_for_status()
    if delivery.webhook and delivery.webhook.format != Webhook.Format.GENERIC:
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        code = answer.get("errcode", answer.get("code", answer.get("StatusCode", 0)))
        if code not in (0, None):
            raise WebhookRefused(f"{code}: {answer.get('errmsg') or answer.get('msg') or answer}")
