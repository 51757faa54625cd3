"""Deadline enforcement: the warning and due moments of every SLA clock, and the escalation
steps after a breach, acted on within seconds, once.

- Each moment gets an ETA task only when it is within the horizon (``SLA_HORIZON_SECONDS``):
  at once when a clock starts or moves close to it (``schedule``), otherwise when the watchdog
  sees it enter the horizon. Nothing is queued hours ahead, so a broker's visibility timeout
  never redelivers a task that is merely waiting.
- The task is per moment, not per clock (``queue``: one ``sweep`` per ``MOMENT_GRAIN`` of due
  time, whatever number of clocks fall in it). It handles every clock due by then set-based
  (``breach_due``, ``warn_due``, ``escalate_due``): batches of ``BATCH`` tickets locked
  ``FOR UPDATE SKIP LOCKED`` in id order (a reply holding a ticket is not waited on: its clocks
  go to the per-clock path), one UPDATE per batch marking the clocks, history, escalation
  fires, notifications and deliveries written in bulk, the deliveries queued after commit.
  Clocks due together are breached together: a thousand in one second cost a few statements
  per batch, not a task and eighty queries each.
- ``clock_check`` is the per-clock path (a task carries the clock's id): it re-reads the clock
  under the ticket's lock and does what the clock says is due now; a task for a moment that has
  moved (a pause, a priority change, a reply) finds nothing due and does nothing.
- The watchdog (beat, every ``SLA_WATCHDOG_SECONDS``, and each worker as it starts) asks three
  indexed questions: are moments past and not handled (a lost task: worker killed, broker
  flushed; then one sweep handles them all), and which enter the horizon. A lost task costs at
  most one period, and nothing when a worker starts.
- Side effects are rows with unique natural keys, written in the same transaction as the mark
  they report: the breach mark, each escalation step (``EscalationFire``), each notification
  and delivery. Running any of this twice changes nothing the second time.
"""

import datetime
import logging
import math
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_noop

from accounts.models import Team, User
from accounts.selectors import team_members
from notifications.models import Reason
from notifications.services import Notice, notify, notify_many
from tickets import escalation
from tickets.models import SLAClock, Ticket, TicketEvent

logger = logging.getLogger(__name__)

HORIZON_KEY = "sla:watchdog:horizon"
MOMENT_KEY = "sla:moment:{:.2f}"
RUNNING = {"stopped_at__isnull": True, "paused_at__isnull": True, "breached_at__isnull": True}
LATE_BATCH = 2000
BATCH = 100  # tickets locked and handled per transaction by the set-based passes
MOMENT_GRAIN = 0.25  # seconds: moments this close share one sweep task
SPREAD_OVER = 2  # sweeps started for a burst, so every worker process takes a share


def horizon() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.SLA_HORIZON_SECONDS)


def next_moment(clock: SLAClock) -> datetime.datetime | None:
    """The clock's next moment to act on: its warning, its due moment, or its next escalation step."""
    moments = []
    if clock.is_running and clock.breached_at is None:
        if clock.warn_at and clock.warned_at is None and clock.warn_at < clock.due_at:
            moments.append(clock.warn_at)
        moments.append(clock.due_at)
    if clock.escalation_next_at:
        moments.append(clock.escalation_next_at)
    return min(moments, default=None)


def schedule(clock: SLAClock) -> None:
    """After a clock starts or moves: queue its next moment if it lies within the horizon."""
    moment = next_moment(clock)
    if moment is not None and moment <= timezone.now() + horizon():
        transaction.on_commit(lambda: queue(clock.pk, moment))


def _grain(moment: datetime.datetime) -> datetime.datetime:
    """The end of the ``MOMENT_GRAIN`` the moment falls in: the sweep for it runs then."""
    stamp = math.ceil(moment.timestamp() / MOMENT_GRAIN) * MOMENT_GRAIN
    return datetime.datetime.fromtimestamp(stamp, tz=datetime.UTC)


def queue(clock_id: int, eta: datetime.datetime | None = None) -> None:
    """See that the clock's moment ``eta`` (None: now) is handled: one sweep at the end of the
    ``MOMENT_GRAIN`` the moment falls in, for every clock whose moment falls in it (a past
    moment: the grain of now). Deduplicated in the cache; were the cache lost, a second sweep
    for the same moment finds nothing to do. Called after commit, so the sweep, which runs at
    the grain's end, sees the clock."""
    from tickets.tasks import sweep

    moment = _grain(max(eta or timezone.now(), timezone.now()))
    key = MOMENT_KEY.format(moment.timestamp())
    try:
        if cache.add(key, clock_id, timeout=settings.SLA_HORIZON_SECONDS + 120):
            sweep.apply_async(kwargs={"moment": moment.isoformat(), "spread": True}, eta=moment)
    except Exception:  # the broker is down: the watchdog handles the moment when it comes
        cache.delete(key)
        logger.warning("deadline of clock %s not queued; the watchdog will handle it", clock_id, exc_info=True)


def queue_clock(clock_id: int, eta: datetime.datetime | None = None) -> None:
    """The per-clock path: a task for one clock (one whose ticket a sweep found locked)."""
    from tickets.tasks import deadline

    try:
        deadline.apply_async(args=[clock_id], eta=eta if eta and eta > timezone.now() else None)
    except Exception:
        logger.warning("deadline of clock %s not queued; the watchdog will handle it", clock_id, exc_info=True)


@transaction.atomic
def clock_check(*, clock_id: int, now: datetime.datetime | None = None) -> list[str]:
    """Do what is due on the clock at ``now``: warn, mark the breach, take escalation steps.
    Returns what it did (empty for a stale or repeated call)."""
    ticket_id = SLAClock.objects.filter(pk=clock_id).values_list("ticket_id", flat=True).first()
    if ticket_id is None:
        return []
    # the ticket's lock, as every ticket service takes it: a reply and a breach do not cross
    ticket = (
        Ticket.objects.select_for_update(of=("self",)).select_related("project", "assignee", "team").get(pk=ticket_id)
    )
    clock = SLAClock.objects.select_related("calendar", "escalation_policy").get(pk=clock_id)
    now = now or timezone.now()
    done = []
    if clock.is_running and clock.breached_at is None:
        if clock.due_at <= now:
            _breach(ticket, clock)
            done.append("breached")
        elif clock.warn_at and clock.warned_at is None and clock.warn_at <= now:
            _warn(ticket, clock, now)
            done.append("warned")
    if clock.escalation_next_at and clock.escalation_next_at <= now:
        taken = escalation.chain_advance(ticket, clock, now)
        done += ["escalated"] * taken
    if done:
        schedule(clock)  # the next moment (the breach after a warning, the next step), if close
    return done


def requeue_if_early(clock_id: int, within: float = 5.0) -> None:
    """A task that found nothing due because it ran a moment early (clocks of two machines)
    queues itself again for the moment, rather than leaving it to the watchdog's next run."""
    clock = SLAClock.objects.filter(pk=clock_id).first()
    moment = next_moment(clock) if clock else None
    now = timezone.now()
    if moment is not None and now < moment <= now + datetime.timedelta(seconds=within):
        queue(clock_id, moment)


class FirstLine:
    """Who hears about a clock first: the assignee, else the ticket's team, else the engineers;
    each team's members read once however many tickets ask."""

    def __init__(self):
        self.teams: dict[str | None, list[User]] = {}

    def __call__(self, ticket: Ticket) -> list[User]:
        if ticket.assignee_id:
            return [ticket.assignee]
        slug = ticket.team.slug if ticket.team_id else None
        if slug not in self.teams:
            self.teams[slug] = list(team_members(slug=slug) if slug else team_members(kind=Team.Kind.SUPPORT))
        return self.teams[slug]


def _first_line(ticket: Ticket) -> list[User]:
    return FirstLine()(ticket)


def _key(clock: SLAClock, what: str) -> str:
    return f"sla:{clock.pk}:{clock.started_at.timestamp():.0f}:{what}"


WARNING_SUBJECT = gettext_noop("[%(reference)s] %(metric)s due soon: %(title)s")
BREACH_SUBJECT = gettext_noop("[%(reference)s] %(metric)s target breached: %(title)s")


def _warning_notice(ticket: Ticket, clock: SLAClock, users: list[User]) -> Notice:
    message = escalation.clock_message(ticket, clock, Reason.SLA_WARNING, WARNING_SUBJECT)
    return Notice(users=users, key=_key(clock, "warning"), message=message)


def _breach_notice(ticket: Ticket, clock: SLAClock, users: list[User]) -> Notice:
    message = escalation.clock_message(ticket, clock, Reason.SLA_BREACH, BREACH_SUBJECT)
    return Notice(users=users, key=_key(clock, "breach"), message=message)


def _warn(ticket: Ticket, clock: SLAClock, now: datetime.datetime) -> None:
    clock.warned_at = now
    clock.save(update_fields=["warned_at"])
    TicketEvent.objects.create(
        ticket=ticket,
        kind=TicketEvent.Kind.WARNED,
        public=False,
        data={"metric": clock.metric, "due_at": clock.due_at.isoformat()},
    )
    notice = _warning_notice(ticket, clock, _first_line(ticket))
    notify(users=notice.users, key=notice.key, message=notice.message)


def _breach(ticket: Ticket, clock: SLAClock) -> None:
    clock.breached_at = clock.due_at
    escalation.chain_start(ticket, clock)
    clock.save(
        update_fields=[
            "breached_at",
            "escalation_policy",
            "escalation_position",
            "escalation_next_at",
            "acknowledged_at",
            "acknowledged_by",
        ]
    )
    TicketEvent.objects.create(
        ticket=ticket,
        kind=TicketEvent.Kind.BREACHED,
        data={"metric": clock.metric, "due_at": clock.due_at.isoformat()},
    )
    notice = _breach_notice(ticket, clock, _first_line(ticket))
    notify(users=notice.users, key=notice.key, message=notice.message)


# --- set-based: every clock due by now, in batches ----------------------------------------


def _passes(
    due: QuerySet[SLAClock], handle: Callable[[list[Ticket], list[SLAClock]], int], limit: int | None
) -> tuple[int, list[int]]:
    """Run ``handle`` over the clocks of ``due`` in transactions of up to ``BATCH`` tickets, each
    ticket locked ``FOR UPDATE SKIP LOCKED`` in id order and its clocks read again under the lock.
    Returns what ``handle`` counted and the clocks left because their ticket was locked."""
    total = 0
    while limit is None or total < limit:
        size = BATCH if limit is None else max(1, min(BATCH, limit - total))
        with transaction.atomic():
            ids = list(
                Ticket.objects.filter(pk__in=due.values("ticket_id"))
                .order_by("pk")
                .select_for_update(skip_locked=True)
                .values_list("pk", flat=True)[:size]
            )
            if not ids:
                break
            tickets = {
                t.pk: t
                for t in Ticket.objects.filter(pk__in=ids).select_related("project", "assignee", "team", "organisation")
            }
            clocks = list(due.filter(ticket_id__in=ids).select_related("escalation_policy").order_by("due_at", "pk"))
            for clock in clocks:
                clock.ticket = tickets[clock.ticket_id]
            total += handle(list(tickets.values()), clocks)
        if len(ids) < size:
            break
    # what is still due now sits on tickets someone else holds: the per-clock path waits for them
    left = list(due.values_list("pk", flat=True)[:LATE_BATCH]) if limit is None else []
    return total, left


def breach_due(*, now: datetime.datetime | None = None, limit: int | None = None, left: list | None = None) -> int:
    """Mark every running clock due by ``now`` (at most ``limit``) breached, start its
    escalation chain and take the steps due at once, tell the first line: set-based, in
    batches. Returns how many clocks it breached. A clock whose ticket is locked (a reply in
    progress) is left to a per-clock task, which waits for the lock and sees what the reply did
    (or, with ``left``, added to that list for the caller to decide)."""
    now = now or timezone.now()
    due = SLAClock.objects.filter(**RUNNING, due_at__lte=now)
    breached, locked = _passes(due, lambda tickets, clocks: _breach_batch(clocks, now), limit)
    _leave(locked, left)
    return breached


def _leave(locked: list[int], left: list | None) -> None:
    if left is not None:
        left.extend(locked)
        return
    for clock_id in locked:
        queue_clock(clock_id)


def _clock_events(clocks: list[SLAClock], kind: str, *, public: bool) -> None:
    """One history line per clock (its metric and due moment), written as one INSERT."""
    recorded = timezone.now()  # the history's time of writing, as ``auto_now_add`` gives it
    escalation.rows_insert(
        TicketEvent,
        escalation.EVENT_COLUMNS,
        [
            (
                clock.ticket_id,
                None,
                kind,
                public,
                {"metric": clock.metric, "due_at": clock.due_at.isoformat()},
                recorded,
            )
            for clock in clocks
        ],
    )


def _breach_batch(clocks: list[SLAClock], now: datetime.datetime) -> int:
    chains: dict[tuple, tuple | None] = {}  # (project, priority, metric, open) -> chain_first
    policies = escalation.Policies()
    groups: dict[tuple | None, list[SLAClock]] = {}
    for clock in clocks:
        ticket = clock.ticket
        key = (ticket.project_id, ticket.priority, clock.metric, ticket.is_open)
        if key not in chains:
            chains[key] = escalation.chain_first(ticket, clock.metric, policies)
        first = chains[key]
        clock.breached_at = clock.due_at
        if first is not None:
            escalation.chain_start(ticket, clock, first)
        groups.setdefault(first and (first[0].pk, first[1]), []).append(clock)
    # one UPDATE per distinct chain (a handful), whatever the number of clocks
    for group, members in groups.items():
        fields = {"breached_at": F("due_at")}
        if group is not None:
            policy_id, delay = group
            fields.update(
                escalation_policy_id=policy_id,
                escalation_position=0,
                escalation_next_at=F("due_at") + datetime.timedelta(minutes=delay),
                acknowledged_at=None,
                acknowledged_by=None,
            )
        SLAClock.objects.filter(pk__in=[c.pk for c in members]).update(**fields)
    _clock_events(clocks, TicketEvent.Kind.BREACHED, public=True)
    first_line, notices = FirstLine(), []
    # the steps due at the breach (the default chain's first two) in the same transaction
    escalation.chains_advance([(c.ticket, c) for c in clocks if c.escalation_next_at], now, notices)
    notices += [_breach_notice(clock.ticket, clock, first_line(clock.ticket)) for clock in clocks]
    notify_many(notices)
    _schedule_many(clocks, now)
    return len(clocks)


def warn_due(*, now: datetime.datetime | None = None, limit: int | None = None, left: list | None = None) -> int:
    """Warn every running clock whose warning is due by ``now`` and whose due moment is not
    (that one is breached instead): set-based, in batches. Returns how many it warned."""
    now = now or timezone.now()
    due = SLAClock.objects.filter(**RUNNING, warned_at__isnull=True, warn_at__lte=now, due_at__gt=now)
    warned, locked = _passes(due, lambda tickets, clocks: _warn_batch(clocks, now), limit)
    _leave(locked, left)
    return warned


def _warn_batch(clocks: list[SLAClock], now: datetime.datetime) -> int:
    SLAClock.objects.filter(pk__in=[c.pk for c in clocks]).update(warned_at=now)
    _clock_events(clocks, TicketEvent.Kind.WARNED, public=False)
    first_line = FirstLine()
    notify_many([_warning_notice(clock.ticket, clock, first_line(clock.ticket)) for clock in clocks])
    for clock in clocks:
        clock.warned_at = now
    _schedule_many(clocks, now)
    return len(clocks)


def escalate_due(*, now: datetime.datetime | None = None, limit: int | None = None, left: list | None = None) -> int:
    """Take every escalation step due by ``now`` on clocks already breached: set-based, in
    batches. Returns how many steps it took."""
    now = now or timezone.now()
    due = SLAClock.objects.filter(escalation_next_at__lte=now)

    def handle(tickets, clocks):
        notices: list[Notice] = []
        taken = escalation.chains_advance([(c.ticket, c) for c in clocks], now, notices)
        notify_many(notices)
        _schedule_many(clocks, now)
        return taken

    taken, locked = _passes(due, handle, limit)
    _leave(locked, left)
    return taken


def _schedule_many(clocks: list[SLAClock], now: datetime.datetime) -> None:
    """The next moments of handled clocks within the horizon: one sweep per distinct moment."""
    moments = {}
    for clock in clocks:
        moment = next_moment(clock)
        if moment is not None and moment <= now + horizon():
            moments.setdefault(_grain(moment), clock.pk)
    if moments:
        transaction.on_commit(lambda: [queue(clock_id, moment) for moment, clock_id in sorted(moments.items())])


def sweep(now: datetime.datetime | None = None, *, retry: bool = False) -> dict[str, int]:
    """Everything due by ``now``: breaches first (with the steps they start), then the
    escalation steps that came due later, then the warnings.

    Clocks left because their ticket was locked are most often in a batch of another sweep
    sharing the burst: a second sweep a second later (``retry``) finds them done. What that one
    still finds locked is held by someone else (a reply): the per-clock path waits for it."""
    now = now or timezone.now()
    left: list[int] = []
    done = {
        "breached": breach_due(now=now, left=left),
        "escalated": escalate_due(now=now, left=left),
        "warned": warn_due(now=now, left=left),
    }
    if left and retry:
        for clock_id in sorted(set(left)):
            queue_clock(clock_id)
    elif left:
        _queue_retry()
    done["left"] = len(set(left))
    return done


def _queue_retry(after: float = 1.0) -> None:
    from tickets.tasks import sweep as task

    try:
        task.apply_async(kwargs={"retry": True}, countdown=after)
    except Exception:
        logger.warning("deadline sweep retry not queued; the watchdog will handle it", exc_info=True)


def due_count(now: datetime.datetime | None = None, cap: int = BATCH + 1) -> int:
    """How many moments are due by ``now`` (counted up to ``cap``): is a burst coming?"""
    now = now or timezone.now()
    clocks = SLAClock.objects.filter(**RUNNING)
    return len(clocks.filter(due_at__lte=now).values_list("pk", flat=True)[:cap]) + len(
        clocks.filter(warned_at__isnull=True, warn_at__lte=now).values_list("pk", flat=True)[:cap]
    )


def watchdog(now: datetime.datetime | None = None) -> dict[str, int]:
    """Handle what is past and was missed; queue what enters the horizon since the last run.

    Past moments are handled by one sweep queued at once (it shares a burst out among the
    workers); upcoming ones with their ETA, one sweep per distinct moment. The end of the last
    run's horizon is kept in the cache, so each upcoming moment is queued once; without it
    (cache lost) the window starts now, and what it misses is handled late by the next run."""
    now = now or timezone.now()
    clocks = SLAClock.objects.all()
    late = set(clocks.filter(**RUNNING, due_at__lte=now).order_by("due_at").values_list("pk", flat=True)[:LATE_BATCH])
    late |= set(
        clocks.filter(**RUNNING, warned_at__isnull=True, warn_at__lte=now)
        .order_by("warn_at")
        .values_list("pk", flat=True)[:LATE_BATCH]
    )
    escalating = clocks.filter(escalation_next_at__lte=now).order_by("escalation_next_at")
    late |= set(escalating.values_list("pk", flat=True)[:LATE_BATCH])
    if late:
        queue(min(late))

    start = max(cache.get(HORIZON_KEY) or now, now)
    end = now + horizon()
    upcoming = set()
    for field, rows in (
        ("due_at", clocks.filter(**RUNNING)),
        ("warn_at", clocks.filter(**RUNNING, warned_at__isnull=True)),
        ("escalation_next_at", clocks),
    ):
        upcoming |= set(rows.filter(**{f"{field}__gt": start, f"{field}__lte": end}).values_list("pk", field))
    for clock_id, moment in sorted(upcoming, key=lambda row: row[1]):
        queue(clock_id, moment)
    cache.set(HORIZON_KEY, end, timeout=None)
    return {"late": len(late), "queued": len(upcoming)}
