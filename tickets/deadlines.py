"""Deadline enforcement: the warning and due moments of every SLA clock, and the escalation
steps after a breach, acted on within seconds, once.

- Each moment gets an ETA task only when it is within the horizon (``SLA_HORIZON_SECONDS``):
  at once when a clock starts or moves close to it (``schedule``), otherwise when the watchdog
  sees it enter the horizon. Nothing is queued hours ahead, so a broker's visibility timeout
  never redelivers a task that is merely waiting.
- A task carries only the clock's id. ``clock_check`` re-reads the clock under the ticket's
  lock and does what the clock says is due now; a task for a moment that has moved (a pause, a
  priority change, a reply) finds nothing due and does nothing.
- The watchdog (beat, every ``SLA_WATCHDOG_SECONDS``) asks three indexed questions: which
  moments are past and not handled (a lost task: worker killed, broker flushed), and which
  enter the horizon. A lost task costs at most one period.
- Side effects are rows with unique natural keys, written in the same transaction as the mark
  they report: the breach mark, each escalation step (``EscalationFire``), each notification
  and delivery. Running any of this twice changes nothing the second time.
"""

import datetime
import logging

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from accounts.models import Team, User
from accounts.selectors import team_members
from notifications.models import Reason
from notifications.services import notify
from tickets import escalation
from tickets.models import SLAClock, Ticket, TicketEvent

logger = logging.getLogger(__name__)

HORIZON_KEY = "sla:watchdog:horizon"
RUNNING = {"stopped_at__isnull": True, "paused_at__isnull": True, "breached_at__isnull": True}
LATE_BATCH = 2000


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


def queue(clock_id: int, eta: datetime.datetime | None = None) -> None:
    from tickets.tasks import deadline

    try:
        deadline.apply_async(args=[clock_id], eta=eta if eta and eta > timezone.now() else None)
    except Exception:  # the broker is down: the watchdog handles the moment when it comes
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


def _first_line(ticket: Ticket) -> list[User]:
    """Who hears about a clock first: the assignee, else the ticket's team, else the engineers."""
    if ticket.assignee_id:
        return [ticket.assignee]
    if ticket.team_id:
        return list(team_members(slug=ticket.team.slug))
    return list(team_members(kind=Team.Kind.SUPPORT))


def _key(clock: SLAClock, what: str) -> str:
    return f"sla:{clock.pk}:{clock.started_at.timestamp():.0f}:{what}"


def _warn(ticket: Ticket, clock: SLAClock, now: datetime.datetime) -> None:
    clock.warned_at = now
    clock.save(update_fields=["warned_at"])
    TicketEvent.objects.create(
        ticket=ticket,
        kind=TicketEvent.Kind.WARNED,
        public=False,
        data={"metric": clock.metric, "due_at": clock.due_at.isoformat()},
    )
    notify(
        users=_first_line(ticket),
        key=_key(clock, "warning"),
        message=escalation.clock_message(
            ticket, clock, Reason.SLA_WARNING, gettext_noop("[%(reference)s] %(metric)s due soon: %(title)s")
        ),
    )


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
    notify(
        users=_first_line(ticket),
        key=_key(clock, "breach"),
        message=escalation.clock_message(
            ticket, clock, Reason.SLA_BREACH, gettext_noop("[%(reference)s] %(metric)s target breached: %(title)s")
        ),
    )


def watchdog(now: datetime.datetime | None = None) -> dict[str, int]:
    """Handle what is past and was missed; queue what enters the horizon since the last run.

    Past moments are queued for immediate handling (one task each, so the workers share a
    burst); upcoming ones with their ETA. The end of the last run's horizon is kept in the
    cache, so each upcoming moment is queued once; without it (cache lost) the window starts
    now, and what it misses is handled late by the next run."""
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
    for clock_id in sorted(late):
        queue(clock_id)

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
