"""Telling people: one call writes the in-app notification, the email and the webhook messages
of an event, each in its reader's language, in the caller's transaction; they are sent after
commit, once (``notifications.services.sending``).

``notify`` is the entry point; ``notify_many`` does the same for many events at once. Its
``key`` names the event (``ticket:12:comment:34``); with the recipient (or webhook) it makes each
row's unique key, so reporting the same event twice, from two workers at the same moment,
writes and sends nothing twice: the database refuses the second row.
"""

import datetime
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from accounts.models import Team, User
from core.text import one_line
from notifications import channels
from notifications.models import Delivery, Notification, Preference, Webhook
from notifications.services import sending

logger = logging.getLogger(__name__)


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
    # for notify_many: messages with the same ``share`` render the same body in a language and
    # time zone, but for what ``personalise(body, rendered_for, user)`` changes for each user
    share: str = ""
    personalise: Callable[[str, User, User], str] | None = None

    def render(self, language: str, recipient: User | str | None = None) -> tuple[str, str]:
        """Subject and body for ``recipient``: a user (in their time zone), an email address
        (someone on a CC list, in the desk's), or nobody (a team's webhook)."""
        return self.render_subject(language), self.render_body(language, recipient)

    def render_subject(self, language: str) -> str:
        with translation.override(language or settings.LANGUAGE_CODE):
            return one_line(translation.gettext(self.subject) % self.context)[:255]  # a header is one line

    def render_body(self, language: str, recipient: User | str | None = None) -> str:
        zone = getattr(recipient, "time_zone", "") or settings.TIME_ZONE
        with translation.override(language or settings.LANGUAGE_CODE), timezone.override(zone):
            return render_to_string(self.template, {**self.context, "recipient": recipient, "link": self.link})

    @property
    def link(self) -> str:
        return f"{settings.SITE_URL.rstrip('/')}{self.url}" if self.url else ""


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
    now = timezone.now()
    told = 0
    recipients = {u.pk: u for u in users if u is not None and u.is_active}
    # an address that is also a recipient's is mailed once, as that user
    told_addresses = {u.email.lower() for u in recipients.values() if u.email}
    # each recipient's channels in two queries, not two per recipient
    preferences = {p.user_id: p for p in Preference.objects.filter(user__in=recipients)}
    personal_hooks: dict[int, list[Webhook]] = {}
    for webhook in Webhook.objects.filter(user__in=recipients):
        personal_hooks.setdefault(webhook.user_id, []).append(webhook)
    for user in recipients.values():
        title, body = message.render(user.language, user)
        _notification, created = _create_once(
            Notification,
            key=f"{key}:user:{user.pk}",
            defaults={
                "recipient": user,
                "reason": message.reason,
                "title": title,
                "body": body,
                "url": message.url,
                "ticket_id": message.ticket_id,
                "reference": message.reference,
                "urgent": message.urgent,
            },
        )
        if not created:
            continue
        told += 1
        preference = preferences.get(user.pk) or Preference(user=user)
        send_at = now if message.urgent else _after_quiet_hours(user, preference, now)
        if user.email and preference.email:
            _deliver(
                key=f"{key}:user:{user.pk}",
                send_at=send_at,
                urgent=message.urgent,
                recipient=user,
                channel=Delivery.Channel.EMAIL,
                address=user.email,
                subject=title,
                body=body,
                headers=message.headers,
                attachments=message.attachments,
                ticket_id=message.ticket_id,
            )
        if preference.webhook:
            for webhook in personal_hooks.get(user.pk, []):
                _post(webhook, key, message, send_at, title, body, recipient=user)
    for address in dict.fromkeys(a.lower() for a in addresses if a and a.lower() not in told_addresses):
        title, body = message.render(settings.LANGUAGE_CODE, address)
        if _deliver(
            key=f"{key}:address:{address}"[:200],
            send_at=now,
            channel=Delivery.Channel.EMAIL,
            address=address,
            subject=title,
            body=body,
            headers=message.headers,
            attachments=message.attachments,
            ticket_id=message.ticket_id,
        ):
            told += 1
    hooks = Webhook.objects.filter(Q(team__in=[t.pk for t in teams]) | Q(team=None, user=None))
    for webhook in hooks:
        title, body = message.render(webhook.language)
        _post(webhook, key, message, now, title, body)
    return told


@dataclass
class Notice:
    """One event to tell, for ``notify_many``: what ``notify``'s arguments say for one call."""

    key: str
    message: Message
    users: list[User] = field(default_factory=list)
    teams: list[Team] = field(default_factory=list)


def notify_many(notices: list[Notice]) -> int:
    """``notify`` for many events at once (a burst of breaches): the same rows, in a few
    statements. Recipients' preferences and webhooks are read once for all; notifications and
    deliveries are written with one INSERT each (``ON CONFLICT DO NOTHING`` on their unique
    keys, so whatever exists already is neither written nor sent again); the deliveries due are
    queued after commit, ``BATCH_SEND`` to a task, the urgent ones on their own queue first.
    Returns how many people were newly told. Addresses outside accounts are ``notify``'s alone."""
    if not notices:
        return 0
    now = timezone.now()
    users = {u.pk: u for notice in notices for u in notice.users if u is not None and u.is_active}
    preferences = {p.user_id: p for p in Preference.objects.filter(user__in=users)}
    personal_hooks: dict[int, list[Webhook]] = {}
    for webhook in Webhook.objects.filter(user__in=users):
        personal_hooks.setdefault(webhook.user_id, []).append(webhook)
    team_ids = {t.pk for notice in notices for t in notice.teams}
    shared_hooks = list(Webhook.objects.filter(Q(team__in=team_ids) | Q(team=None, user=None)))

    keys = [f"{n.key}:user:{u.pk}" for n in notices for u in {u.pk: u for u in n.users if u is not None}.values()]
    existing = set(Notification.objects.filter(key__in=keys).values_list("key", flat=True))
    notifications: list[Notification] = []
    deliveries: list[tuple[Delivery, bool]] = []  # (row, urgent)
    subjects: dict[tuple, str] = {}
    bodies: dict[tuple, tuple[User, str]] = {}  # rendered once per share, language and zone

    def render(message: Message, user: User) -> tuple[str, str]:
        language = user.language
        if (id(message), language) not in subjects:
            subjects[id(message), language] = message.render_subject(language)
        key = (message.template, message.share or id(message), language, user.time_zone or settings.TIME_ZONE)
        if message.personalise is None or key not in bodies:
            bodies[key] = (user, message.render_body(language, user))
            return subjects[id(message), language], bodies[key][1]
        first, body = bodies[key]
        return subjects[id(message), language], message.personalise(body, first, user)

    def post(webhook, notice, send_at, title, body, recipient=None):
        if webhook.wants(notice.message.reason):
            deliveries.append(
                (
                    _webhook_delivery(webhook, notice.key, notice.message, send_at, title, body, recipient),
                    notice.message.urgent,
                )
            )

    for notice in notices:
        message, seen = notice.message, set()
        for user in notice.users:
            if user is None or not user.is_active or user.pk in seen:
                continue
            seen.add(user.pk)
            key = f"{notice.key}:user:{user.pk}"
            if key in existing:
                continue
            title, body = render(message, user)
            notifications.append(
                Notification(
                    key=key,
                    recipient=user,
                    reason=message.reason,
                    title=title,
                    body=body,
                    url=message.url,
                    ticket_id=message.ticket_id,
                    reference=message.reference,
                    urgent=message.urgent,
                )
            )
            preference = preferences.get(user.pk) or Preference(user=user)
            send_at = now if message.urgent else _after_quiet_hours(user, preference, now)
            if user.email and preference.email:
                delivery = Delivery(
                    key=key,
                    next_attempt_at=send_at,
                    recipient=user,
                    channel=Delivery.Channel.EMAIL,
                    address=user.email,
                    subject=title,
                    body=body,
                    headers=message.headers,
                    attachments=message.attachments,
                    ticket_id=message.ticket_id,
                    message_id=channels.new_message_id(key),
                )
                deliveries.append((delivery, message.urgent))
            if preference.webhook:
                for webhook in personal_hooks.get(user.pk, []):
                    post(webhook, notice, send_at, title, body, recipient=user)
        team_ids = {t.pk for t in notice.teams}
        rendered: dict[str, tuple[str, str]] = {}
        for webhook in shared_hooks:
            if webhook.team_id is None or webhook.team_id in team_ids:
                if webhook.language not in rendered:
                    rendered[webhook.language] = message.render(webhook.language)
                post(webhook, notice, now, *rendered[webhook.language])

    Notification.objects.bulk_create(notifications, ignore_conflicts=True)
    if deliveries:
        known = set(Delivery.objects.filter(key__in=[d.key for d, _u in deliveries]).values_list("key", flat=True))
        fresh = [(d, urgent) for d, urgent in deliveries if d.key not in known]
        Delivery.objects.bulk_create([d for d, _u in fresh], ignore_conflicts=True)
        due = {d.key: urgent for d, urgent in fresh if d.next_attempt_at <= now}
        if due:
            ids = dict(Delivery.objects.filter(key__in=due).values_list("key", "pk"))
            # the urgent ones first, and among them the groups' chat posts (one reaches a group)
            webhooks = {d.key for d, _u in fresh if d.channel == Delivery.Channel.WEBHOOK}
            urgent_ids = [
                ids[k] for k, urgent in sorted(due.items(), key=lambda i: i[0] not in webhooks) if urgent and k in ids
            ]
            other_ids = [ids[k] for k, urgent in due.items() if not urgent and k in ids]

            def fan_out():
                sending.deliveries_enqueue(urgent_ids, urgent=True)
                sending.deliveries_enqueue(other_ids)

            transaction.on_commit(fan_out)
    return len(notifications)


def _webhook_delivery(webhook, key, message, send_at, title, body, recipient=None) -> Delivery:
    return Delivery(
        key=f"{key}:webhook:{webhook.pk}",
        next_attempt_at=send_at,
        recipient=recipient,
        channel=Delivery.Channel.WEBHOOK,
        webhook=webhook,
        address=webhook.url,
        subject=title,
        body=body,
        payload=_payload(message, title, body),
    )


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


def _post(webhook: Webhook, key: str, message: Message, send_at, title: str, body: str, recipient=None) -> None:
    if not webhook.wants(message.reason):
        return
    _deliver(
        key=f"{key}:webhook:{webhook.pk}",
        send_at=send_at,
        urgent=message.urgent,
        recipient=recipient,
        channel=Delivery.Channel.WEBHOOK,
        webhook=webhook,
        address=webhook.url,
        subject=title,
        body=body,
        payload=_payload(message, title, body),
    )


def _create_once(model, *, key: str, defaults: dict):
    """``get_or_create`` by the unique ``key`` for a row that is new nearly every time: the insert
    first (in a savepoint), the look-up only when the key exists (saves a query per row)."""
    try:
        with transaction.atomic():
            return model.objects.create(key=key, **defaults), True
    except IntegrityError as error:
        try:
            return model.objects.get(key=key), False
        except model.DoesNotExist:
            raise error from None


def _deliver(*, key: str, send_at: datetime.datetime, urgent: bool = False, **fields) -> bool:
    """Write the delivery once (True when it is new); send it after commit if it is due."""
    if fields.get("channel", Delivery.Channel.EMAIL) == Delivery.Channel.EMAIL:
        fields["message_id"] = channels.new_message_id(key)
    delivery, created = _create_once(Delivery, key=key, defaults={**fields, "next_attempt_at": send_at})
    if created and send_at <= timezone.now():
        transaction.on_commit(lambda pk=delivery.pk: sending.delivery_enqueue(pk, urgent=urgent))
    return created


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
