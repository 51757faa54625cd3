"""Telling people: one call writes the in-app notification, the email and the webhook messages
of an event, each in its reader's language, in the caller's transaction; they are sent after
commit, once (``notifications.services.sending``).

``notify`` is the entry point for one event; ``notify_many`` does the same for many at once (a
burst of breaches). Both go through ``_tell``, the one owner of who gets what on which channel:
the bell for every active recipient; email and their personal webhooks as each prefers, held
through their quiet hours unless the message is urgent; the webhooks of the teams and of
everyone (``Webhook.wants``). The event's ``key`` with the recipient (or webhook) makes each
row's unique key, and the rows are written with ``INSERT ... ON CONFLICT (key) DO NOTHING
RETURNING``: reporting the same event twice, from two workers at the same moment, writes and
sends nothing twice, without a savepoint or a look-up first.

Texts are rendered once per message (or ``share``), language, time zone and kind of reader,
never per row: a shared message's per-event parts are markers (``mark("reference")``) filled
from ``Message.fill``, and its reader's own link (``READER_LINK``) is ``Message.reader_link``
plus the notification's random ``token``. The footer's hotline numbers (``footer.HOTLINE``)
are filled in the same way, per language and reader's organisation.
"""

import datetime
import json
import logging
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from accounts.models import Team, User
from core.text import one_line
from notifications import channels
from notifications.models import Delivery, Notification, Preference, Webhook
from notifications.services import sending
from notifications.services.footer import HOTLINE, HOTLINE_LINES, hotline_texts

logger = logging.getLogger(__name__)


def mark(name: str) -> str:
    """A per-event part of a shared text, filled after rendering (``Message.fill``)."""
    return f"\ue000{name}\ue001"


READER_LINK = mark("reader_link")


@dataclass
class Message:
    """What to tell. ``subject`` is a translatable format string (marked with ``gettext_noop``)
    filled with ``context``; ``template`` renders the body with the recipient in its context."""

    reason: str
    subject: str
    template: str
    context: dict = field(default_factory=dict)
    url: str = ""
    ticket_id: int | None = None
    reference: str = ""
    urgent: bool = False
    headers: dict = field(default_factory=dict)
    # text files attached to the email (a calendar invitation): {"filename", "content", "mimetype"}
    attachments: list[dict] = field(default_factory=list)
    # messages with the same ``share`` (and template) read alike in a language and time zone
    # but for their markers: rendered once for all of them, without a recipient in the context
    share: str = ""
    # the text of each marker in the context, for a language and a time zone
    fill: Callable[[str, str], dict[str, str]] | None = None
    # where the text shows READER_LINK: this prefix plus each notification's token and "/" (a
    # link that acts as its reader); the ticket's link where no notification is written
    reader_link: str = ""

    def render(self, language: str, recipient: User | str | None = None) -> tuple[str, str]:
        """Subject and body for ``recipient``: a user (in their time zone), an email address
        (someone on a CC list, in the desk's), or nobody (a team's webhook)."""
        title, body = _Texts().get(self, language, recipient)
        return title, body.replace(READER_LINK, self.link)  # no notification, no reader's link

    @property
    def link(self) -> str:
        return f"{settings.SITE_URL.rstrip('/')}{self.url}" if self.url else ""


@dataclass
class Notice:
    """One event to tell, for ``notify_many``: what ``notify``'s arguments say for one call."""

    key: str
    message: Message
    users: list[User] = field(default_factory=list)
    teams: list[Team] = field(default_factory=list)


def notify(
    *,
    users: Iterable[User | None] = (),
    teams: Iterable[Team] = (),
    addresses: Iterable[str] = (),
    key: str,
    message: Message,
) -> int:
    """Tell ``users`` (in the bell, and by email and webhook as each prefers), mail
    ``addresses`` (people without an account, a ticket's CC list: in the desk's language), and
    post to the webhooks of ``teams`` and to the webhooks that take every message of this
    reason. Returns how many people were newly told."""
    return _tell([Notice(key=key, message=message, users=list(users), teams=list(teams))], addresses)


def notify_many(notices: list[Notice]) -> int:
    """``notify`` for many events at once (a burst of breaches): the same rules and rows, in a
    few statements whatever their number; the deliveries due are queued after commit,
    ``BATCH_SEND`` to a task, the urgent ones on their own queue first. Returns how many people
    were newly told. Addresses outside accounts are ``notify``'s alone."""
    return _tell(notices)


class _Texts:
    """Subjects and bodies, each rendered once per message (a shared message: once per share),
    language, time zone and reader (a shared message: kind of reader), its markers filled once
    per message."""

    def __init__(self) -> None:
        self.fills: dict[tuple, list[tuple[str, str]]] = {}
        self.rendered: dict[tuple, tuple[str, str]] = {}
        self.bodies: dict[tuple, tuple[str, str]] = {}
        self.hotlines: dict[tuple, dict[str, str]] = {}

    def get(self, message: Message, language: str, recipient: User | str | None) -> tuple[str, str]:
        language = language or settings.LANGUAGE_CODE
        zone = getattr(recipient, "time_zone", "") or settings.TIME_ZONE
        reader = type(recipient) if message.share else getattr(recipient, "pk", recipient)
        # a customer's footer shows its organisation's hotline (the desk's for everyone else)
        organisation = recipient.organisation_id if isinstance(recipient, User) and recipient.is_customer else None
        key = (id(message), language, zone, reader, organisation)
        if key not in self.bodies:
            fills = self._fills(message, language, zone)
            shared = (message.template, message.subject, message.share or id(message), language, zone, reader)
            if shared not in self.rendered:
                context = {**message.context, "recipient": recipient, "link": message.link}
                context |= {"hotline": HOTLINE, "hotline_lines": HOTLINE_LINES}
                if message.share:  # what differs between the messages of a share is filled later
                    context |= {"recipient": None, "link": mark("link")}
                with translation.override(language), timezone.override(zone):
                    subject = translation.gettext(message.subject) % message.context
                    self.rendered[shared] = (subject, render_to_string(message.template, context))
            subject, body = self.rendered[shared]
            body = _filled(body, fills)
            if HOTLINE in body or HOTLINE_LINES in body:
                if (organisation, language) not in self.hotlines:
                    with translation.override(language):
                        self.hotlines[organisation, language] = hotline_texts(organisation)
                for marker, text in self.hotlines[organisation, language].items():
                    body = body.replace(marker, text)
            self.bodies[key] = (one_line(_filled(subject, fills))[:255], body)  # a header: one line
        return self.bodies[key]

    def _fills(self, message: Message, language: str, zone: str) -> list[tuple[str, str]]:
        if (id(message), language, zone) not in self.fills:
            fills = {}
            if message.fill is not None:
                with translation.override(language):
                    fills = message.fill(language, zone)
            if message.share:
                fills = {**fills, "link": message.link}
            self.fills[id(message), language, zone] = [(mark(name), value) for name, value in fills.items()]
        return self.fills[id(message), language, zone]


def _filled(text: str, fills: list[tuple[str, str]]) -> str:
    if fills and "\ue000" in text:
        for marker, value in fills:
            text = text.replace(marker, value)
    return text


def _plans(user_ids: list[int], team_ids: set[int]) -> tuple[dict[int, Preference], dict[int, list], list]:
    """The one query for the channels: the users' preferences, their personal webhooks, and the
    webhooks of the teams and of everyone. Returns (preferences, personal webhooks by user,
    shared webhooks)."""
    qn = connection.ops.quote_name
    hook_fields = ["id", "name", "url", "format", "secret", "team_id", "user_id", "reasons", "language", "is_active"]
    hook_columns = ", ".join(f"w.{qn(f)}" for f in hook_fields)
    users_in = ", ".join(["%s"] * len(user_ids)) or "NULL"
    teams_in = ", ".join(["%s"] * len(team_ids)) or "NULL"
    sql = (
        f"SELECT p.user_id, p.email, p.webhook, p.quiet_from, p.quiet_until, {', '.join(['NULL'] * len(hook_fields))} "  # noqa: S608 (names; values are parameters)
        f"FROM {Preference._meta.db_table} p WHERE p.user_id IN ({users_in}) UNION ALL "
        f"SELECT NULL, NULL, NULL, NULL, NULL, {hook_columns} FROM {Webhook._meta.db_table} w "
        f"WHERE w.user_id IN ({users_in}) OR w.team_id IN ({teams_in}) OR (w.team_id IS NULL AND w.user_id IS NULL)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*user_ids, *user_ids, *team_ids])
        rows = cursor.fetchall()
    preferences, personal, shared = {}, {}, []
    times = Preference._meta.get_field("quiet_from")
    reasons = Webhook._meta.get_field("reasons")
    for row in rows:
        if row[0] is not None:
            preferences[row[0]] = Preference(
                user_id=row[0],
                email=bool(row[1]),
                webhook=bool(row[2]),
                quiet_from=times.to_python(row[3]),
                quiet_until=times.to_python(row[4]),
            )
            continue
        values = dict(zip(hook_fields, row[5:], strict=True))
        values["reasons"] = reasons.from_db_value(values["reasons"], None, connection)
        values["is_active"] = bool(values["is_active"])
        webhook = Webhook(**values)
        if webhook.user_id:
            personal.setdefault(webhook.user_id, []).append(webhook)
        else:
            shared.append(webhook)
    return preferences, personal, shared


def _tell(notices: list[Notice], addresses: Iterable[str] = ()) -> int:
    """Write the notifications and deliveries of ``notices`` (and mail ``addresses``, for one
    notice) and queue what is due after commit. Returns how many people were newly told."""
    if not notices:
        return 0
    now = timezone.now()
    users = {u.pk: u for n in notices for u in n.users if u is not None and u.is_active}
    team_ids = {t.pk for n in notices for t in n.teams}
    preferences, personal, shared = _plans(list(users), team_ids)
    texts = _Texts()
    send_after: dict[int, datetime.datetime] = {}  # each user's end of quiet hours, if now is in them
    # the notifications, each with its deliveries waiting for the insert to say it is new
    notifications: list[tuple] = []
    waiting: dict[str, list[tuple]] = {}
    deliveries: list[tuple] = []
    urgent_keys: set[str] = set()
    webhook_keys: set[str] = set()
    held: set[str] = set()  # not due yet (quiet hours): the sweeper sends them when they are
    mails: dict[str, tuple] = {}  # the notifications' emails, by key
    extras: dict[int, tuple[str, str]] = {}  # a message's headers and attachments, as JSON

    def delivery(key, message, *, channel, address, subject, body, send_at, recipient_id=None, webhook=None):
        row = (
            key,
            channel,
            recipient_id,
            address,
            webhook.pk if webhook else None,
            json.dumps(_payload(message, subject, body) if webhook else {}),
            subject,
            body,
            json.dumps(message.headers if channel == Delivery.Channel.EMAIL else {}),
            json.dumps(message.attachments if channel == Delivery.Channel.EMAIL else []),
            send_at,
            channels.new_message_id(key) if channel == Delivery.Channel.EMAIL else "",
            message.ticket_id if channel == Delivery.Channel.EMAIL else None,
        )
        note(key, message, send_at, webhook)
        return row

    def note(key, message, send_at, webhook=None):
        if message.urgent:
            urgent_keys.add(key)
        if send_at > now:
            held.add(key)
        if webhook:
            webhook_keys.add(key)

    for notice in notices:
        message, seen = notice.message, set()
        for user in notice.users:
            if user is None or not user.is_active or user.pk in seen:
                continue
            seen.add(user.pk)
            key = f"{notice.key}:user:{user.pk}"
            title, body = texts.get(message, user.language, user)
            token = ""
            if READER_LINK in body:
                token = secrets.token_urlsafe(16)
                body = body.replace(READER_LINK, f"{message.reader_link}{token}/" if message.reader_link else "")
            notifications.append(
                (
                    key,
                    user.pk,
                    message.reason,
                    title,
                    body,
                    message.url,
                    message.ticket_id,
                    message.reference,
                    message.urgent,
                    token,
                )
            )
            preference = preferences.get(user.pk) or Preference(user=user)
            if message.urgent:
                send_at = now
            else:
                if user.pk not in send_after:
                    send_after[user.pk] = _after_quiet_hours(user, preference, now)
                send_at = send_after[user.pk]
            rows = waiting.setdefault(key, [])
            if user.email and preference.email:  # the notification's own text, copied by the database
                note(key, message, send_at)
                if id(message) not in extras:
                    extras[id(message)] = (json.dumps(message.headers), json.dumps(message.attachments))
                mails[key] = (key, user.email, *extras[id(message)], send_at, channels.new_message_id(key))
            if preference.webhook:
                for webhook in personal.get(user.pk, []):
                    if webhook.wants(message.reason):
                        rows.append(
                            delivery(
                                f"{notice.key}:webhook:{webhook.pk}",
                                message,
                                channel=Delivery.Channel.WEBHOOK,
                                address=webhook.url,
                                subject=title,
                                body=body,
                                send_at=send_at,
                                recipient_id=user.pk,
                                webhook=webhook,
                            )
                        )
        notice_teams = {t.pk for t in notice.teams}
        for webhook in shared:
            if (webhook.team_id is None or webhook.team_id in notice_teams) and webhook.wants(message.reason):
                title, body = texts.get(message, webhook.language, None)
                body = body.replace(READER_LINK, message.link)
                deliveries.append(
                    delivery(
                        f"{notice.key}:webhook:{webhook.pk}",
                        message,
                        channel=Delivery.Channel.WEBHOOK,
                        address=webhook.url,
                        subject=title,
                        body=body,
                        send_at=now,
                        webhook=webhook,
                    )
                )
    told_addresses = {u.email.lower() for u in users.values() if u.email}  # mailed once, as that user
    message, address_keys = notices[0].message, set()
    for address in dict.fromkeys(a.lower() for a in addresses if a and a.lower() not in told_addresses):
        title, body = texts.get(message, settings.LANGUAGE_CODE, address)
        body = body.replace(READER_LINK, message.link)
        address_keys.add(f"{notices[0].key}:address:{address}"[:200])
        deliveries.append(
            delivery(
                f"{notices[0].key}:address:{address}"[:200],
                message,
                channel=Delivery.Channel.EMAIL,
                address=address,
                subject=title,
                body=body,
                send_at=now,
            )
        )

    new = _insert_new(Notification, NOTIFICATION_COLUMNS, notifications, now)
    for key in new:
        deliveries += waiting.get(key, [])
    written = _insert_new(Delivery, DELIVERY_COLUMNS, deliveries, now)
    written |= _insert_mails([mails[key] for key in new if key in mails], now)
    due = [(key, pk) for key, pk in written.items() if key not in held]
    if due:
        # the urgent ones first, and among them the groups' chat posts (one reaches a group)
        urgent_ids = [pk for key, pk in sorted(due, key=lambda i: i[0] not in webhook_keys) if key in urgent_keys]
        other_ids = [pk for key, pk in due if key not in urgent_keys]
        transaction.on_commit(lambda: _fan_out(urgent_ids, other_ids))
    return len(new) + len(address_keys & written.keys())


def _fan_out(urgent_ids: list[int], other_ids: list[int]) -> None:
    """One event's delivery goes in a task of its own; a burst's, ``BATCH_SEND`` to a task."""
    for ids, urgent in ((urgent_ids, True), (other_ids, False)):
        if len(ids) == 1:
            sending.delivery_enqueue(ids[0], urgent=urgent)
        elif ids:
            sending.deliveries_enqueue(ids, urgent=urgent)


NOTIFICATION_COLUMNS = ["key", "recipient_id", "reason", "title", "body", "url", "ticket_id", "reference", "urgent"]
NOTIFICATION_COLUMNS += ["token", "created_at"]
DELIVERY_COLUMNS = ["key", "channel", "recipient_id", "address", "webhook_id", "payload", "subject", "body"]
DELIVERY_COLUMNS += ["headers", "attachments", "next_attempt_at", "message_id", "ticket_id", "status", "attempts"]
DELIVERY_COLUMNS += ["last_error", "created_at"]
INSERT_CHUNK = 500


def _insert_new(model, columns: list[str], rows: list[tuple], now: datetime.datetime) -> dict[str, int]:
    """Insert ``rows`` (without their trailing defaults), skipping those whose ``key`` exists:
    one ``INSERT ... ON CONFLICT (key) DO NOTHING RETURNING`` per ``INSERT_CHUNK`` rows, no
    savepoint, no look-up first. Returns the new rows' ids by key."""
    if not rows:
        return {}
    qn = connection.ops.quote_name
    stamp = connection.ops.adapt_datetimefield_value(now)
    tail = (Delivery.Status.PENDING, 0, "", stamp) if model is Delivery else (stamp,)
    dates = [i for i, column in enumerate(columns) if column == "next_attempt_at"]
    head = ", ".join(qn(c) for c in columns)
    new: dict[str, int] = {}
    with connection.cursor() as cursor:
        for start in range(0, len(rows), INSERT_CHUNK):
            chunk = rows[start : start + INSERT_CHUNK]
            values = ", ".join([f"({', '.join(['%s'] * len(columns))})"] * len(chunk))
            params = []
            for row in chunk:
                row = row + tail
                if dates:
                    row = list(row)
                    for i in dates:
                        row[i] = connection.ops.adapt_datetimefield_value(row[i])
                params.extend(row)
            cursor.execute(
                f"INSERT INTO {qn(model._meta.db_table)} ({head}) VALUES {values} "  # noqa: S608 (names)
                f"ON CONFLICT ({qn('key')}) DO NOTHING RETURNING {qn('key')}, {qn('id')}",
                params,
            )
            new.update(cursor.fetchall())
    return new


def _insert_mails(rows: list[tuple], now: datetime.datetime) -> dict[str, int]:
    """The emails of new notifications: their subject, body, reader and ticket copied from the
    notification by the database (``INSERT ... SELECT``), the rest (key, address, headers and
    attachments as JSON, when, Message-ID) given per row. Returns the new rows' ids by key."""
    if not rows:
        return {}
    qn = connection.ops.quote_name
    json_type = Delivery._meta.get_field("headers").db_type(connection)
    columns = ", ".join(qn(c) for c in DELIVERY_COLUMNS)
    select = (
        f"n.{qn('key')}, %s, n.recipient_id, v.column2, NULL, %s, n.title, n.body, CAST(v.column3 AS {json_type}), "
        f"CAST(v.column4 AS {json_type}), v.column5, v.column6, n.ticket_id, %s, 0, '', %s"
    )
    stamp = connection.ops.adapt_datetimefield_value(now)
    new: dict[str, int] = {}
    with connection.cursor() as cursor:
        for start in range(0, len(rows), INSERT_CHUNK):
            chunk = rows[start : start + INSERT_CHUNK]
            params: list = [Delivery.Channel.EMAIL, "{}", Delivery.Status.PENDING, stamp]
            for key, address, headers, attachments, send_at, message_id in chunk:
                params += [key, address, headers, attachments, connection.ops.adapt_datetimefield_value(send_at)]
                params.append(message_id)
            cursor.execute(
                f"INSERT INTO {qn(Delivery._meta.db_table)} ({columns}) SELECT {select} "  # noqa: S608 (names)
                f"FROM (VALUES {', '.join(['(%s, %s, %s, %s, %s, %s)'] * len(chunk))}) v "
                f"JOIN {qn(Notification._meta.db_table)} n ON n.{qn('key')} = v.column1 "
                f"WHERE 1 = 1 ON CONFLICT ({qn('key')}) DO NOTHING RETURNING {qn('key')}, {qn('id')}",
                params,
            )
            new.update(cursor.fetchall())
    return new


def _payload(message: Message, title: str, body: str) -> dict:
    return {
        "reason": message.reason,
        "title": title,
        "text": body,
        "url": message.link,
        "ticket": message.ticket_id,
        "reference": message.reference,
        "urgent": message.urgent,
    }


def preference_for(user: User) -> Preference:
    try:
        return user.notification_preference
    except Preference.DoesNotExist:
        return Preference(user=user)


def _after_quiet_hours(user: User, preference: Preference, now: datetime.datetime) -> datetime.datetime:
    """``now``, or the end of the user's quiet hours if ``now`` falls inside them."""
    start, end = preference.quiet_from, preference.quiet_until
    if start is None or end is None or start == end:
        return now
    local = timezone.localtime(now, _zone(user))
    today_end = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    t = local.time()
    if start < end:  # e.g. 12:00-14:00
        quiet = start <= t < end
        until = today_end
    else:  # across midnight, e.g. 22:00-07:00
        quiet = t >= start or t < end
        until = today_end if t < end else today_end + datetime.timedelta(days=1)
    return until if quiet else now


def _zone(user: User) -> ZoneInfo:
    return ZoneInfo(user.time_zone or settings.TIME_ZONE)
