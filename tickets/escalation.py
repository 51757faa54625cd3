"""Escalation policies at work: which policy a breach starts, what each step does, and the
acknowledgement that stops the chain.

Higher modules add what only they can do, at start-up (``AppConfig.ready``), so the arrow of
imports still points down: ``register_action("open_incident", handler)`` offers the step
that opens an emergency incident (until then it is not offered), ``register_on_duty(finder)``
answers "who is the liaison on duty now" (until then: the liaison group's members).
"""

import datetime
import functools
import json
from collections.abc import Callable
from zoneinfo import ZoneInfo

from django.core import signing
from django.db import IntegrityError, connection, models, transaction
from django.db.models import F, Q, QuerySet
from django.utils import dateformat, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import Team, TeamMembership, User
from accounts.selectors import team_members
from core.errors import NotAllowed, ServiceDeskError
from notifications.models import Notification, Reason
from notifications.services import READER_LINK, Message, Notice, mark, notify
from tickets import sla
from tickets.models import (
    EscalationFire,
    EscalationPolicy,
    EscalationStep,
    Metric,
    Priority,
    SLAClock,
    Ticket,
    TicketEvent,
)

Action = EscalationStep.Action
ACK_SALT = "tickets.acknowledge"
ACK_MAX_AGE = 7 * 24 * 3600

_ACTIONS: dict[str, Callable[..., None]] = {}
_on_duty: list[Callable[[datetime.datetime], QuerySet[User]]] = []
_reserved: list[Callable[[], QuerySet]] = []
OPTIONAL_ACTIONS = {Action.OPEN_INCIDENT}
LEAD_POSITIONS = [TeamMembership.Position.PROJECT_LEAD, TeamMembership.Position.TECHNICAL_LEAD]
URGENT_GROUPS = {Team.Kind.LEADERSHIP, Team.Kind.TECHNICAL, Team.Kind.LIAISON}


def register_action(action: str, handler: Callable[..., None]) -> None:
    """``handler(ticket=..., clock=..., step=...)`` runs inside the escalation's transaction."""
    _ACTIONS[action] = handler


def register_on_duty(finder: Callable[[datetime.datetime], QuerySet[User]]) -> None:
    _on_duty[:] = [finder]


def register_reserved_policies(finder: Callable[[], QuerySet]) -> None:
    """``finder()``: a query of the ids of policies a higher module keeps for its own chains
    (the emergency response plans'); a ticket's breach never picks them."""
    _reserved[:] = [finder]


def action_offered(action: str) -> bool:
    return action not in OPTIONAL_ACTIONS or action in _ACTIONS


def offered_actions() -> list[tuple[str, str]]:
    return [(value, label) for value, label in Action.choices if action_offered(value)]


class Policies:
    """The active escalation policies, read once: a breach pass asks for many tickets, and
    each distinct (project, priority, metric) would otherwise cost its own queries."""

    def __init__(self) -> None:
        active = EscalationPolicy.objects.filter(is_active=True)
        if _reserved:
            active = active.exclude(pk__in=_reserved[0]())  # a subquery: still one query
        self._active = list(active.order_by("name"))
        self._steps: dict[int, list[EscalationStep]] = {}

    def for_breach(self, project_id: int, priority: str, metric: str) -> EscalationPolicy | None:
        """The most specific: the project before any project, the priority before any
        priority, the metric before any metric; the first by name among equals."""
        best, best_score = None, -1
        for policy in self._active:
            if policy.project_id not in (None, project_id) or policy.priority not in ("", priority):
                continue
            if policy.metric not in ("", metric):
                continue
            score = 4 * (policy.project_id is not None) + 2 * (policy.priority != "") + (policy.metric != "")
            if score > best_score:
                best, best_score = policy, score
        return best

    def steps(self, policy: EscalationPolicy) -> list[EscalationStep]:
        if policy.pk not in self._steps:
            self._steps[policy.pk] = _steps(policy)
        return self._steps[policy.pk]


def policy_for_breach(ticket: Ticket, metric: str) -> EscalationPolicy | None:
    """The policy a breach of ``metric`` on the ticket starts (``Policies.for_breach``)."""
    return Policies().for_breach(ticket.project_id, ticket.priority, metric)


def _steps(policy: EscalationPolicy) -> list[EscalationStep]:
    return [step for step in policy.steps.select_related("team") if action_offered(step.action)]


def chain_first(ticket: Ticket, metric: str, policies: Policies | None = None) -> tuple[EscalationPolicy, int] | None:
    """The policy a breach of ``metric`` starts on the ticket and its first step's delay in
    minutes; None when no chain starts (no policy, no step offered, the ticket closed)."""
    if not ticket.is_open:
        return None
    policies = policies or Policies()
    policy = policies.for_breach(ticket.project_id, ticket.priority, metric)
    steps = policies.steps(policy) if policy else []
    return (policy, steps[0].delay_minutes) if steps else None


def chain_start(ticket: Ticket, clock: SLAClock, first: tuple[EscalationPolicy, int] | None = None) -> None:
    """At the breach: the policy's first step is due its delay after the due moment. ``first``
    is ``chain_first``'s answer when the caller has it already."""
    first = first if first is not None else chain_first(ticket, clock.metric)
    if first is None:
        return
    policy, delay = first
    clock.escalation_policy, clock.escalation_position = policy, 0
    clock.escalation_next_at = clock.due_at + datetime.timedelta(minutes=delay)
    clock.acknowledged_at = clock.acknowledged_by = None


def chain_advance(ticket: Ticket, clock: SLAClock, now: datetime.datetime) -> int:
    """Take every step due by ``now``; each (clock run, step, repetition) at most once, whoever
    else tries at the same time. The chain ends when someone acknowledges, when the clock stops
    or when the ticket is resolved. Returns the number of steps this call took."""
    taken = 0
    for step, repetition in _due_steps(ticket, clock, now):
        try:
            with transaction.atomic():
                EscalationFire.objects.create(
                    clock=clock, clock_started_at=clock.started_at, step=step, repetition=repetition, fired_at=now
                )
        except IntegrityError:
            continue  # taken already by another attempt
        notice, data = _take(ticket, clock, step, repetition)
        if notice is not None:
            notify(users=notice.users, teams=notice.teams, key=notice.key, message=notice.message)
        TicketEvent.objects.create(ticket=ticket, kind=TicketEvent.Kind.ESCALATED, public=False, data=data)
        taken += 1
    clock.save(update_fields=["escalation_position", "escalation_next_at"])
    return taken


def chains_advance(pairs: list[tuple[Ticket, SLAClock]], now: datetime.datetime, notices: list[Notice]) -> int:
    """``chain_advance`` for many clocks at once, their tickets locked by the caller: the fires
    and history in one INSERT each (a fire that exists already is not taken again), the
    positions in one UPDATE; the notices of the steps are appended to ``notices`` for
    ``notify_many``. Returns the number of steps taken."""
    memo: dict = {}  # steps per policy, recipients per step (and team): read once per batch
    before = {clock.pk: (clock.escalation_position, clock.escalation_next_at) for _t, clock in pairs}
    planned = [
        (ticket, clock, step, rep) for ticket, clock in pairs for step, rep in _due_steps(ticket, clock, now, memo)
    ]
    moved = [clock for _t, clock in pairs if before[clock.pk] != (clock.escalation_position, clock.escalation_next_at)]
    # a chain that ended (acknowledged, closed) moves too, without a step; one UPDATE per
    # distinct new position and next step's distance from the due moment (a burst on one
    # chain: one), not one per clock
    positions: dict[tuple, list[int]] = {}
    for clock in moved:
        offset = clock.escalation_next_at - clock.due_at if clock.escalation_next_at else None
        positions.setdefault((clock.escalation_position, offset), []).append(clock.pk)
    for (position, offset), ids in positions.items():
        SLAClock.objects.filter(pk__in=ids).update(
            escalation_position=position, escalation_next_at=None if offset is None else F("due_at") + offset
        )
    if not planned:
        return 0
    done = set(
        EscalationFire.objects.filter(clock__in=[clock.pk for _t, clock, _s, _r in planned]).values_list(
            "clock_id", "clock_started_at", "step_id", "repetition"
        )
    )
    fires, events = [], []
    for ticket, clock, step, repetition in planned:
        if (clock.pk, clock.started_at, step.pk, repetition) in done:
            continue
        done.add((clock.pk, clock.started_at, step.pk, repetition))
        fires.append((clock.pk, clock.started_at, step.pk, repetition, now))
        notice, data = _take(ticket, clock, step, repetition, memo)
        if notice is not None:
            notices.append(notice)
        events.append((ticket.pk, None, TicketEvent.Kind.ESCALATED, False, data))
    rows_insert(EscalationFire, FIRE_COLUMNS, fires, ignore_conflicts=True)
    recorded = timezone.now()  # the history's time of writing, as ``auto_now_add`` gives it
    rows_insert(TicketEvent, EVENT_COLUMNS, [(*event, recorded) for event in events])
    return len(fires)


FIRE_COLUMNS = ["clock_id", "clock_started_at", "step_id", "repetition", "fired_at"]
EVENT_COLUMNS = ["ticket_id", "actor_id", "kind", "public", "data", "created_at"]


def rows_insert(
    model: type[models.Model], columns: list[str], rows: list[tuple], ignore_conflicts: bool = False
) -> None:
    """``bulk_create`` of plain tuples, without a model instance per row (a burst's history and
    fires: thousands): ``columns`` are the model's column names, each value adapted by its field
    type (dates, JSON); 500 rows to a statement."""
    if not rows:
        return
    fields = [
        model._meta.get_field(column.removesuffix("_id") if column.endswith("_id") else column) for column in columns
    ]
    adapt = [
        connection.ops.adapt_datetimefield_value
        if isinstance(field, models.DateTimeField)
        else json.dumps
        if isinstance(field, models.JSONField)
        else None
        for field in fields
    ]
    qn = connection.ops.quote_name
    head = f"INSERT INTO {qn(model._meta.db_table)} ({', '.join(qn(c) for c in columns)}) VALUES "  # noqa: S608
    tail = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
    row_sql = f"({', '.join(['%s'] * len(columns))})"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 500):
            chunk = rows[start : start + 500]
            params = [f(v) if f else v for row in chunk for f, v in zip(adapt, row, strict=True)]
            cursor.execute(head + ", ".join([row_sql] * len(chunk)) + tail, params)


def _due_steps(
    ticket: Ticket, clock: SLAClock, now: datetime.datetime, memo: dict | None = None
) -> list[tuple[EscalationStep, int]]:
    """The steps due by ``now`` as (step, repetition), moving the clock's position and next
    moment past them (in memory; the caller saves)."""
    policy = clock.escalation_policy
    if policy and policy.is_active:
        memo = {} if memo is None else memo
        if ("steps", policy.pk) not in memo:
            memo["steps", policy.pk] = _steps(policy)
        steps = memo["steps", policy.pk]
    else:
        steps = []
    due = []
    while clock.escalation_next_at is not None and clock.escalation_next_at <= now:
        repetition, index = divmod(clock.escalation_position, len(steps) or 1)
        ended = clock.acknowledged_at or clock.stopped_at or not ticket.is_open
        if not steps or ended or repetition > policy.repeat_count:
            clock.escalation_next_at = None
            break
        due.append((steps[index], repetition))
        clock.escalation_position += 1
        repetition, index = divmod(clock.escalation_position, len(steps))
        if repetition > policy.repeat_count:
            clock.escalation_next_at = None
        else:
            delay = steps[index].delay_minutes + (policy.repeat_after_minutes if index == 0 else 0)
            clock.escalation_next_at += datetime.timedelta(minutes=delay)
    return due


def _recipients(ticket: Ticket, clock: SLAClock, step: EscalationStep) -> tuple[list[User], list[Team]]:
    if step.action == Action.NOTIFY_ASSIGNEE:
        return [ticket.assignee] if ticket.assignee else [], []
    if step.action == Action.NOTIFY_TEAM:
        return list(team_members(slug=step.team.slug)), [step.team]
    if step.action == Action.NOTIFY_GROUP:
        teams = list(Team.objects.filter(is_active=True, kind=step.group))
        return list(team_members(kind=step.group)), teams
    if step.action == Action.NOTIFY_TEAM_LEAD:
        teams = [ticket.team] if ticket.team_id else list(Team.objects.filter(is_active=True, kind=Team.Kind.SUPPORT))
        members = User.objects.filter(is_active=True, memberships__team__in=teams).distinct()
        leads = members.filter(memberships__position__in=LEAD_POSITIONS)
        return list(leads if leads.exists() else members), []
    if step.action == Action.NOTIFY_MANAGERS:
        return list(User.objects.managers()), []
    if step.action == Action.NOTIFY_LIAISON:
        finder = _on_duty[0] if _on_duty else (lambda _now: team_members(kind=Team.Kind.LIAISON))
        return list(finder(timezone.now())), list(Team.objects.filter(is_active=True, kind=Team.Kind.LIAISON))
    return [], []


def _take(
    ticket: Ticket, clock: SLAClock, step: EscalationStep, repetition: int, memo: dict | None = None
) -> tuple[Notice | None, dict]:
    """Do the step; a notifying step returns its notice (the caller sends it, one at a time or in
    bulk) and the history event's data."""
    data = {"metric": clock.metric, "action": step.action, "step": step.position, "repetition": repetition}
    if step.action == Action.RAISE_PRIORITY:
        _raise_priority(ticket)
    elif step.action in _ACTIONS:
        _ACTIONS[step.action](ticket=ticket, clock=clock, step=step)
    else:
        if step.action == Action.NOTIFY_ASSIGNEE or memo is None:
            users, teams = _recipients(ticket, clock, step)
        else:  # the same for every ticket (of the same team) in a batch
            mkey = ("recipients", step.pk, ticket.team_id if step.action == Action.NOTIFY_TEAM_LEAD else None)
            if mkey not in memo:
                memo[mkey] = _recipients(ticket, clock, step)
            users, teams = memo[mkey]
        urgent = (
            step.action == Action.NOTIFY_LIAISON
            or step.group in URGENT_GROUPS
            or any(team.kind in URGENT_GROUPS for team in teams)
        )
        data["recipients"] = [str(user) for user in users if user is not None]
        return Notice(
            users=users,
            teams=teams,
            key=f"sla:{clock.pk}:{clock.started_at.timestamp():.0f}:step:{step.pk}:{repetition}",
            message=clock_message(
                ticket,
                clock,
                Reason.ESCALATION,
                gettext_noop("[%(reference)s] Escalation: %(metric)s target breached: %(title)s"),
                urgent=urgent,
            ),
        ), data
    return None, data


def _raise_priority(ticket: Ticket) -> None:
    order = list(Priority.values)
    if ticket.priority == order[-1]:
        return
    old, ticket.priority = ticket.priority, order[order.index(ticket.priority) + 1]
    ticket.save(update_fields=["priority", "updated_at"])
    TicketEvent.objects.create(
        ticket=ticket, kind=TicketEvent.Kind.PRIORITY, data={"old": old, "new": ticket.priority, "by": "escalation"}
    )
    sla.clocks_retarget(ticket=ticket)
    sla.ticket_refresh_next_due(ticket)


class _Marked:
    """The ticket of a clock's message as its shared text shows it: markers, filled per clock."""

    reference = mark("reference")
    organisation = mark("organisation")
    get_priority_display = mark("priority")
    assignee = mark("assignee")


ALERTS = {Reason.SLA_BREACH, Reason.ESCALATION}


def clock_message(
    ticket: Ticket, clock: SLAClock, reason: str, subject: str, urgent: bool = False, actor: str = ""
) -> Message:
    """A clock's warning, breach, escalation or acknowledgement notice. Its text is the same for
    every clock but for the markers (rendered once per reason, language and zone, filled per
    clock by ``_clock_fill``); a breach's or escalation's has each reader's acknowledgement link."""
    alert = reason in ALERTS
    return Message(
        reason=reason,
        subject=subject,
        template="notifications/email/sla_alert.txt",
        context={
            "reference": mark("reference"),
            "title": mark("title"),
            "ticket": _Marked,
            "reason": reason,
            "metric": mark("metric"),
            "due": mark("due"),
            "actor": mark("actor"),
            "acknowledge_link": READER_LINK if alert else "",
        },
        url=_ticket_path(ticket.pk),
        ticket_id=ticket.pk,
        reference=ticket.reference,
        urgent=urgent,
        headers={"X-Service-Desk-Ticket": ticket.reference},
        share=f"clock:{'alert' if alert else reason}",
        fill=functools.partial(_clock_fill, ticket, clock, actor),
        reader_link=_acknowledge_base() if alert else "",
    )


def _clock_fill(ticket: Ticket, clock: SLAClock, actor: str, language: str, zone: str) -> dict[str, str]:
    """The per-clock parts of its message, in ``language`` (active) and ``zone``; kept on the
    clock, whose breach and escalation notices read alike."""
    fills = clock.__dict__.setdefault("_message_fills", {})
    if (actor, language, zone) not in fills:
        fills[actor, language, zone] = {
            "reference": ticket.reference,
            "title": ticket.title,
            "metric": str(Metric(clock.metric).label),
            "due": dateformat.format(timezone.localtime(clock.due_at, ZoneInfo(zone)), "Y-m-d H:i T"),
            "organisation": str(ticket.organisation),
            "priority": str(Priority(ticket.priority).label),
            "assignee": str(ticket.assignee) if ticket.assignee_id else _("nobody"),
            "actor": actor,
        }
    return fills[actor, language, zone]


@functools.cache
def _path_pattern() -> str:
    from django.urls import reverse

    return reverse("tickets:detail", args=[987654321])


def _ticket_path(ticket_id: int) -> str:
    """``reverse("tickets:detail", args=[ticket_id])``, reversed once."""
    return _path_pattern().replace("987654321", str(ticket_id))


@transaction.atomic
def ticket_acknowledge(*, ticket_id: int, actor: User) -> Ticket:
    """Someone takes the escalation: its chain stops, and the history and the people told so
    far learn who and when."""
    from tickets.services import _lock

    if not actor.is_staff_member:
        raise NotAllowed(_("Only staff acknowledge an escalation."))
    ticket = _lock(ticket_id)
    clocks = list(SLAClock.objects.filter(ticket=ticket, escalation_policy__isnull=False, acknowledged_at=None))
    if not clocks:
        raise ServiceDeskError(_("Nothing on this ticket is escalating."))
    now = timezone.now()
    SLAClock.objects.filter(pk__in=[c.pk for c in clocks]).update(
        acknowledged_at=now, acknowledged_by=actor, escalation_next_at=None
    )
    event = TicketEvent.objects.create(
        ticket=ticket,
        actor=actor,
        kind=TicketEvent.Kind.ESCALATION_ACKNOWLEDGED,
        public=False,
        data={"metrics": [c.metric for c in clocks]},
    )
    told = User.objects.filter(
        pk__in=Notification.objects.filter(
            Q(*[Q(key__startswith=f"sla:{c.pk}:") for c in clocks], _connector=Q.OR)
        ).values("recipient")
    ).exclude(pk=actor.pk)
    message = clock_message(
        ticket,
        clocks[0],
        Reason.ACKNOWLEDGED,
        gettext_noop("[%(reference)s] %(actor)s acknowledged the escalation"),
        actor=str(actor),
    )
    notify(users=told, key=f"ticket:{ticket.pk}:event:{event.pk}", message=message)
    return ticket


def acknowledge_reader(token: str) -> tuple[Ticket, User] | None:
    """Whose acknowledgement link this is, and for which ticket: the breach or escalation notice
    that carries ``token`` (``Notification.token``, random, made with the row), not older than
    ``ACK_MAX_AGE``, its recipient still active. A link signed before tokens existed
    (``ACK_SALT``, a colon in it) is read as it was, until it expires. None: no such link."""
    if ":" in token:
        try:
            data = signing.loads(token, salt=ACK_SALT, max_age=ACK_MAX_AGE)
            return Ticket.objects.get(pk=data["t"]), User.objects.get(pk=data["u"], is_active=True)
        except (signing.BadSignature, KeyError, TypeError, User.DoesNotExist, Ticket.DoesNotExist):
            return None
    since = timezone.now() - datetime.timedelta(seconds=ACK_MAX_AGE)
    notice = (
        Notification.objects.filter(token=token, reason__in=ALERTS, created_at__gte=since, recipient__is_active=True)
        .exclude(token="")
        .select_related("recipient")
        .first()
    )
    ticket = Ticket.objects.filter(pk=notice.ticket_id).first() if notice and notice.ticket_id else None
    return (ticket, notice.recipient) if ticket else None


def _acknowledge_base() -> str:
    """The acknowledgement links' common start, to which each notice adds its token and "/"
    (the URL is reversed once per site address)."""
    from django.conf import settings

    return _link_prefix(settings.SITE_URL.rstrip("/"))


@functools.cache
def _link_prefix(site: str) -> str:
    from django.urls import reverse

    return site + reverse("tickets:acknowledge_link", args=["-"])[:-2]
