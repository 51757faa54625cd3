"""Telling people: one call writes the in-app notification, the email and the webhook messages
of an event, each in its reader's language, in the caller's transaction; they are sent after
commit, once.

``notify`` is the entry point. Its ``key`` names the event (``ticket:12:comment:34``); with the
recipient (or webhook) it makes each row's unique key, so reporting the same event twice, from
two workers at the same moment, writes and sends nothing twice: the database refuses the
second row.

Sending a delivery: claim it (a token on the row, under lock), send, mark it sent. A second
attempt finds it claimed or sent and does nothing; a claim older than
``DELIVERY_CLAIM_TIMEOUT_SECONDS`` is taken as a lost attempt (the worker died) and sent
again. A failed send goes back to pending with a later ``next_attempt_at`` (exponential
backoff) until ``MAX_ATTEMPTS``, then stays failed, with its error, for admins to see; a webhook
whose address the desk may not call (``core.outbound``) fails at once.
"""

import datetime
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import get_connection
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from accounts.models import Team, User
from core.errors import NotAllowed
from core.outbound import OutboundRefused
from core.text import one_line
from notifications import channels
from notifications.models import Delivery, Notification, Preference, Webhook

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
BACKOFF_FIRST_SECONDS = 30
BACKOFF_MAX_SECONDS = 3600


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
                deliveries_enqueue(urgent_ids, urgent=True)
                deliveries_enqueue(other_ids)

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
        transaction.on_commit(lambda pk=delivery.pk: delivery_enqueue(pk, urgent=urgent))
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


def _sweep_after() -> int:
    return settings.DELIVERY_SWEEP_AFTER_SECONDS


def _claim_timeout() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.DELIVERY_CLAIM_TIMEOUT_SECONDS)


URGENT_QUEUE = "urgent"
BATCH_SEND = 20


def delivery_enqueue(delivery_id: int, *, urgent: bool = False) -> None:
    """Hand the delivery to a worker: an urgent one (an emergency group's alert) on the
    ``urgent`` queue, which bulk mail never stands in front of. The row is committed already: if
    the broker is down, the sweeper sends it later, and the request that caused it still succeeds."""
    from notifications.tasks import deliver

    try:
        deliver.apply_async((delivery_id,), queue=URGENT_QUEUE if urgent else None)
    except Exception:
        logger.warning(
            "delivery %s not queued (broker unavailable); the sweeper will send it", delivery_id, exc_info=True
        )


def deliveries_enqueue(delivery_ids: list[int], *, urgent: bool = False) -> None:
    """Hand many deliveries to the workers, ``BATCH_SEND`` to a task (a burst of breaches)."""
    from notifications.tasks import deliver_batch

    for start in range(0, len(delivery_ids), BATCH_SEND):
        chunk = delivery_ids[start : start + BATCH_SEND]
        try:
            deliver_batch.apply_async((chunk,), queue=URGENT_QUEUE if urgent else None)
        except Exception:
            logger.warning("deliveries %s not queued (broker unavailable); the sweeper will send them", chunk)
            return


def _claim(delivery_id: int) -> tuple[Delivery, object] | None:
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().filter(pk=delivery_id).first()
        if delivery is None or delivery.status in (Delivery.Status.SENT, Delivery.Status.FAILED):
            return None
        now = timezone.now()
        if (
            delivery.status == Delivery.Status.SENDING
            and delivery.claimed_at
            and now - delivery.claimed_at < _claim_timeout()
        ):
            return None  # another attempt is sending it right now
        if delivery.status == Delivery.Status.PENDING and delivery.next_attempt_at > now:
            return None  # held for quiet hours, or backing off after a failure
        delivery.status, delivery.claim, delivery.claimed_at = Delivery.Status.SENDING, Delivery.new_claim(), now
        delivery.attempts += 1
        delivery.save(update_fields=["status", "claim", "claimed_at", "attempts"])
        return delivery, delivery.claim


def backoff(attempts: int) -> datetime.timedelta:
    """30 s after the first failure, doubling, at most an hour."""
    return datetime.timedelta(seconds=min(BACKOFF_FIRST_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_MAX_SECONDS))


def delivery_send(*, delivery_id: int) -> bool:
    """Send one delivery unless it is sent, being sent, or not due. True when this call sent
    it; a failure is recorded on the row (error, next attempt) and does not raise."""
    claimed = _claim(delivery_id)
    if claimed is None:
        return False
    delivery, claim = claimed
    try:
        channels.send(delivery)
    except Exception as error:
        _failed(delivery, claim, error)
        return False
    Delivery.objects.filter(pk=delivery.pk, claim=claim).update(status=Delivery.Status.SENT, sent_at=timezone.now())
    return True


def deliveries_send(*, delivery_ids: list[int]) -> int:
    """``delivery_send`` for a batch (a burst fanned out): the rows claimed together (one
    statement, rows another attempt holds skipped), the emails over one mail connection, each
    marked sent as soon as it is. A failure is recorded on its row as ``delivery_send`` does.
    Returns how many this call sent."""
    now = timezone.now()
    claim = Delivery.new_claim()
    with transaction.atomic():
        rows = list(
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pk__in=delivery_ids)
            .filter(
                Q(status=Delivery.Status.PENDING, next_attempt_at__lte=now)
                | Q(status=Delivery.Status.SENDING, claimed_at__lt=now - _claim_timeout())
            )
            .select_related("webhook")
            .order_by("pk")
        )
        Delivery.objects.filter(pk__in=[d.pk for d in rows]).update(
            status=Delivery.Status.SENDING, claim=claim, claimed_at=now, attempts=F("attempts") + 1
        )
    sent = 0
    connection = None
    try:
        for delivery in rows:
            delivery.attempts += 1
            try:
                if delivery.channel == Delivery.Channel.EMAIL and connection is None:
                    connection = get_connection()
                    connection.open()
                channels.send(delivery, connection=connection)
            except Exception as error:
                _failed(delivery, claim, error)
                continue
            Delivery.objects.filter(pk=delivery.pk, claim=claim).update(
                status=Delivery.Status.SENT, sent_at=timezone.now()
            )
            sent += 1
    finally:
        if connection is not None:
            connection.close()
    return sent


def _failed(delivery: Delivery, claim, error: Exception) -> None:
    # an address the desk may not call (it now resolves inside the network) will not get
    # better by retrying: the delivery fails at once, with the reason, for admins to see
    failed = delivery.attempts >= MAX_ATTEMPTS or isinstance(error, OutboundRefused)
    Delivery.objects.filter(pk=delivery.pk, claim=claim).update(
        status=Delivery.Status.FAILED if failed else Delivery.Status.PENDING,
        claim=None,
        next_attempt_at=timezone.now() + backoff(delivery.attempts),
        last_error=f"{type(error).__name__}: {error}"[:2000],
    )
    logger.warning("delivery %s failed (attempt %s): %s", delivery.pk, delivery.attempts, error)


def deliveries_due(limit: int = 500) -> list[int]:
    """What the sweeper sends: pending and due for ``DELIVERY_SWEEP_AFTER_SECONDS`` (a lost
    task, a retry after its backoff, the end of quiet hours: whatever a task has not picked up
    by then), or claimed too long ago (the worker died)."""
    now = timezone.now()
    return list(
        Delivery.objects.filter(
            Q(status=Delivery.Status.PENDING, next_attempt_at__lte=now - datetime.timedelta(seconds=_sweep_after()))
            | Q(status=Delivery.Status.SENDING, claimed_at__lt=now - _claim_timeout())
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


# --- the bell ------------------------------------------------------------------------------


def notification_read(*, user: User, notification_id: int) -> Notification:
    notification = Notification.objects.get(pk=notification_id, recipient=user)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_read_all(*, user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at=None).update(read_at=timezone.now())


@transaction.atomic
def preference_save(
    *,
    user: User,
    email: bool,
    webhook: bool,
    quiet_from: datetime.time | None,
    quiet_until: datetime.time | None,
) -> Preference:
    preference, _created = Preference.objects.get_or_create(user=user)
    preference.email, preference.webhook = email, webhook
    preference.quiet_from, preference.quiet_until = quiet_from, quiet_until
    preference.save()
    return preference


@transaction.atomic
def personal_webhook_save(*, user: User, url: str, format: str, secret: str) -> Webhook | None:
    """A staff user's own webhook (one): set, changed, or removed with an empty URL."""
    if not user.is_staff_member:
        raise NotAllowed(translation.gettext("Personal webhooks are for staff."))
    webhook = user.webhooks.first()
    if not url:
        if webhook is not None:
            webhook.delete()
        return None
    webhook = webhook or Webhook(user=user, name=str(user))
    webhook.url, webhook.format, webhook.secret = url, format, secret
    webhook.full_clean()
    webhook.save()
    return webhook


WEBHOOK_FIELDS = ("name", "url", "format", "secret", "team", "user", "reasons", "is_active")


@transaction.atomic
def webhook_save(*, webhook: Webhook | None = None, **fields) -> Webhook:
    """An administrator's webhook: a team's robot, or one that takes every message of its reasons."""
    webhook = webhook or Webhook()
    for name in WEBHOOK_FIELDS:
        if name in fields:
            setattr(webhook, name, fields[name])
    webhook.full_clean()
    webhook.save()
    return webhook
