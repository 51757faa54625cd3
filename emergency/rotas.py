"""Who is on duty: the turns of a rota, overrides laid over them, and the iCalendar feeds.

A turn ``k`` starts at the hand-over time (wall clock, in the rota's time zone) on
``starts_on + k * shift_days`` and ends where turn ``k + 1`` starts; members take turns in
their order. An override covers whatever turn it overlaps; of two overlapping overrides the
later-created wins.
"""

import datetime
import itertools
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import icalendar
from django.core.cache import cache
from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import services as accounts_services
from accounts.models import User
from core import feeds
from core.errors import ServiceDeskError
from emergency.models import Rota, RotaMember, RotaOverride

logger = logging.getLogger(__name__)

# the feeds of ``accounts.CalendarLink``: a rota's shifts, and the link's own person's shifts
FEED_ROTA = "emergency.rota"
FEED_MINE = "emergency.user"
FEED_PAST = datetime.timedelta(days=30)
FEED_AHEAD = datetime.timedelta(days=120)
# the years a rota and a shift query may reach: far from the ends of ``datetime``'s range
FIRST_YEAR, LAST_YEAR = 2000, 2200


@dataclass(frozen=True)
class Shift:
    rota: Rota
    user: User
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    override: RotaOverride | None = None


def active_rotas() -> QuerySet[Rota]:
    return Rota.objects.filter(is_active=True).prefetch_related(
        Prefetch("members", queryset=RotaMember.objects.select_related("user").order_by("position"))
    )


def _turn_start(rota: Rota, turn: int) -> datetime.datetime:
    day = rota.starts_on + datetime.timedelta(days=turn * rota.shift_days)
    local = datetime.datetime.combine(day, rota.handover, tzinfo=ZoneInfo(rota.timezone))
    return local.astimezone(datetime.UTC)


def _turn_at(rota: Rota, at: datetime.datetime) -> int:
    local = at.astimezone(ZoneInfo(rota.timezone))
    days = (local.date() - rota.starts_on).days - (1 if local.time() < rota.handover else 0)
    return days // rota.shift_days


def _turns(rota: Rota, start: datetime.datetime, end: datetime.datetime) -> list[Shift]:
    members = [m.user for m in rota.members.all()]
    if not members:
        return []
    shifts = []
    turn = max(_turn_at(rota, start), 0)
    while (turn_start := _turn_start(rota, turn)) < end:
        turn_end = _turn_start(rota, turn + 1)
        if turn_end > start:
            shifts.append(Shift(rota, members[turn % len(members)], max(turn_start, start), min(turn_end, end)))
        turn += 1
    return shifts


def rota_shifts(
    rota: Rota, start: datetime.datetime, end: datetime.datetime, overrides: Iterable[RotaOverride] | None = None
) -> list[Shift]:
    """The rota's shifts between ``start`` and ``end``, overrides applied, adjacent pieces of
    the same person's duty joined."""
    if overrides is None:
        overrides = rota.overrides.filter(starts_at__lt=end, ends_at__gt=start).select_related("user")
    overrides = sorted(overrides, key=lambda o: (o.created_at or start, o.pk or 0))
    turns = _turns(rota, start, end)
    cuts = {start, end}
    cuts.update(s.starts_at for s in turns)
    for override in overrides:
        cuts.update(t for t in (override.starts_at, override.ends_at) if start < t < end)
    points = sorted(cuts)
    pieces: list[Shift] = []
    for piece_start, piece_end in itertools.pairwise(points):
        covering = [o for o in overrides if o.starts_at <= piece_start and o.ends_at >= piece_end]
        if covering:
            shift = Shift(rota, covering[-1].user, piece_start, piece_end, covering[-1])
        else:
            turn = next((s for s in turns if s.starts_at <= piece_start < s.ends_at), None)
            if turn is None:
                continue
            shift = Shift(rota, turn.user, piece_start, piece_end)
        last = pieces[-1] if pieces else None
        if last and last.user == shift.user and last.override == shift.override and last.ends_at == piece_start:
            pieces[-1] = Shift(rota, last.user, last.starts_at, piece_end, last.override)
        else:
            pieces.append(shift)
    return pieces


def on_duty(now: datetime.datetime | None = None) -> list[Shift]:
    """Who is on duty now on each active rota, and until when (the real hand-over: the search
    looks a whole turn ahead)."""
    now = now or timezone.now()
    duties = []
    for rota in active_rotas():
        shifts = rota_shifts(rota, now, now + datetime.timedelta(days=rota.shift_days + 1))
        if shifts and shifts[0].starts_at == now:
            duties.append(shifts[0])
    return duties


DUTY_KEY = "emergency:on-duty"
DUTY_KEPT = datetime.timedelta(seconds=60)


def on_duty_now() -> list[Shift]:
    """``on_duty()`` for the bar of every staff page: kept in the cache until the first
    hand-over or for ``DUTY_KEPT``, whichever comes first, and dropped when a rota or an
    override is saved (``_duty_changed``). A renamed or deactivated person shows within it."""
    now = timezone.now()
    try:
        kept = cache.get(DUTY_KEY)
    except Exception:  # the cache (Redis) is down: every page still shows who is on duty
        logger.warning("on-duty look-up not cached: the cache is unavailable", exc_info=True)
        return on_duty(now)
    if kept is not None and now < kept[0]:
        return kept[1]
    duties = on_duty(now)
    until = min([shift.ends_at for shift in duties] + [now + DUTY_KEPT])
    try:
        cache.set(DUTY_KEY, (until, duties), timeout=DUTY_KEPT.total_seconds())
    except Exception:
        logger.warning("on-duty look-up not cached: the cache is unavailable", exc_info=True)
    return duties


def _duty_changed() -> None:
    # robust: a cache that is down fails no rota write (what it kept went with it, or ends within DUTY_KEPT)
    transaction.on_commit(lambda: cache.delete(DUTY_KEY), robust=True)


@dataclass(frozen=True)
class Duty:
    """A liaison on duty now, and the projects their rota covers that the viewer may see
    (``None``: the rota covers every project)."""

    shift: Shift
    projects: list[tuple[int, str]] | None


def on_duty_for(*, user: User, project_id: int | None = None) -> list[Duty]:
    """The liaisons on duty now whom ``user`` may call: a customer those of the rotas covering
    one of its organisation's projects (``Rota.projects``; none named: every project), staff
    every one; ``project_id`` keeps those covering that project. Reuses ``on_duty_now()``
    (cached) and reads the rotas' projects in one query."""
    duties = on_duty_now()
    if not duties or not getattr(user, "is_authenticated", False):
        return []
    covered: dict[int, list[tuple[int, str, int]]] = {}
    rows = Rota.projects.through.objects.filter(rota_id__in={shift.rota.pk for shift in duties})
    for rota_id, pk, name, organisation_id in rows.values_list(
        "rota_id", "project_id", "project__name", "project__organisation_id"
    ).order_by("project__name", "project_id"):
        covered.setdefault(rota_id, []).append((pk, name, organisation_id))
    found = []
    for shift in duties:
        projects = covered.get(shift.rota.pk)
        if projects is None:  # every project
            found.append(Duty(shift, None))
            continue
        if user.is_customer:
            projects = [p for p in projects if p[2] == user.organisation_id]
        if project_id is not None:
            projects = [p for p in projects if p[0] == project_id]
        if projects or (user.is_staff_member and project_id is None):
            found.append(Duty(shift, [(pk, name) for pk, name, _org in projects]))
    return found


def on_duty_users(now: datetime.datetime) -> QuerySet[User]:
    """The liaison(s) on duty: registered with the escalation engine as the on-duty finder."""
    return User.objects.filter(pk__in=[shift.user.pk for shift in on_duty(now)], is_active=True)


# --- writes -------------------------------------------------------------------------------


@transaction.atomic
def rota_save(
    *, rota: Rota | None = None, members: list[User] | None = None, projects: Iterable | None = None, **fields
) -> Rota:
    """Create or change a rota; ``members`` in turn order, ``projects`` the projects whose
    customers see its liaison on duty (empty: every project), each replacing what was there
    when given."""
    rota = rota or Rota()
    if "timezone" in fields:
        try:
            ZoneInfo(fields["timezone"])
        except (ValueError, KeyError):
            raise ServiceDeskError(_("Unknown time zone."), field="timezone") from None
    starts_on = fields.get("starts_on")
    if starts_on is not None and not FIRST_YEAR <= starts_on.year <= LAST_YEAR:
        raise ServiceDeskError(
            _("The first shift must start between %(first)s and %(last)s.") % {"first": FIRST_YEAR, "last": LAST_YEAR},
            field="starts_on",
        )
    for name, value in fields.items():
        setattr(rota, name, value)
    rota.full_clean()
    rota.save()
    if members is not None:
        if any(not user.is_staff_member for user in members):
            raise ServiceDeskError(_("Only staff users can be on a rota."), field="members")
        rota.members.all().delete()
        RotaMember.objects.bulk_create(
            RotaMember(rota=rota, position=index, user=user) for index, user in enumerate(members)
        )
    if projects is not None:
        rota.projects.set(projects)
    _duty_changed()
    return rota


@transaction.atomic
def rota_delete(*, rota: Rota) -> None:
    rota.delete()
    _duty_changed()


@transaction.atomic
def override_add(
    *, rota: Rota, user: User, starts_at: datetime.datetime, ends_at: datetime.datetime, reason: str, actor: User
) -> RotaOverride:
    if not user.is_staff_member:
        raise ServiceDeskError(_("Only staff users can be on a rota."), field="user")
    override = RotaOverride(rota=rota, user=user, starts_at=starts_at, ends_at=ends_at, reason=reason, created_by=actor)
    override.full_clean()
    override.save()
    _duty_changed()
    return override


# --- iCalendar ----------------------------------------------------------------------------


def rota_feed_urls(*, viewer: User, rotas: Iterable[Rota]) -> dict[int, str]:
    """The viewer's own links to the feeds of these rotas, by rota id."""
    with accounts_services.in_language_of(viewer):
        labels = {rota.pk: _("Liaison rota: %(name)s") % {"name": rota.name} for rota in rotas}
    keys = accounts_services.calendar_link_keys(user=viewer, feed=FEED_ROTA, objects=labels)
    return {pk: feeds.feed_url("emergency:calendar_feed", key) for pk, key in keys.items()}


def my_feed_url(*, viewer: User) -> str:
    """The viewer's link to the feed of their own shifts on every rota."""
    with accounts_services.in_language_of(viewer):
        label = _("Your shifts on the liaison rotas")
    key = accounts_services.calendar_link_key(user=viewer, feed=FEED_MINE, object_id=viewer.pk, label=label)
    return feeds.feed_url("emergency:calendar_feed", key)


def feed_for_key(key: str, *, now: datetime.datetime | None = None) -> bytes | None:
    """The iCalendar a link opens; ``None`` (the view's 404) when the link is unknown or
    revoked, its person deactivated or no longer staff (the rotas are staff's), or the rota
    no longer active."""
    link = accounts_services.calendar_link_resolve(key=key, feeds=(FEED_ROTA, FEED_MINE))
    if link is None or not link.user.is_staff_member:
        return None
    if link.feed == FEED_ROTA:
        rota = Rota.objects.filter(pk=link.object_id, is_active=True).first()
        return calendar_feed(rota=rota, now=now) if rota is not None else None
    if link.object_id != link.user_id:
        return None
    return calendar_feed(user=link.user, now=now)


def calendar_feed(*, rota: Rota | None = None, user: User | None = None, now: datetime.datetime | None = None) -> bytes:
    """An iCalendar of a rota's shifts, or of one person's shifts on every active rota."""
    now = now or timezone.now()
    start, end = now - FEED_PAST, now + FEED_AHEAD
    rotas = [rota] if rota else list(active_rotas().filter(Q(members__user=user) | Q(overrides__user=user)).distinct())
    name = rota.name if rota else _("On duty: %(name)s") % {"name": user}
    calendar = feeds.calendar(product="Liaison rota", name=name)
    for each in rotas:
        for shift in rota_shifts(each, start, end):
            if user is not None and shift.user.pk != user.pk:
                continue
            event = icalendar.Event()
            event.add("uid", f"rota-{each.pk}-{shift.user.pk}-{int(shift.starts_at.timestamp())}@servicedesk")
            event.add("dtstamp", now.astimezone(datetime.UTC))
            # in UTC whatever zone ``now`` came in: a TZID would need a VTIMEZONE the feed lacks
            event.add("dtstart", shift.starts_at.astimezone(datetime.UTC))
            event.add("dtend", shift.ends_at.astimezone(datetime.UTC))
            event.add("summary", _("On duty: %(rota)s (%(name)s)") % {"rota": each.name, "name": shift.user})
            if shift.override and shift.override.reason:
                event.add("description", shift.override.reason)
            calendar.add_component(event)
    return calendar.to_ical()
