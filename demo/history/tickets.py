"""The tickets of the demo history: each made in memory with its SLA clocks, visits and
events, then all written in bulk (see ``demo/history/__init__.py``)."""

import datetime
import random
from collections import Counter
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import Team, User
from core.references import counter_take
from customers.models import Organisation, Project
from demo.history.data import (
    ASSIGNEES,
    CHANNELS,
    HISTORY_DAYS,
    PRIORITIES,
    RATING_COMMENTS,
    SEED,
    STAFF,
    TITLES,
)
from maintenance.models import SurveyInvitation
from tickets.models import Metric, OnsiteVisit, SLAClock, SLAPolicy, SLATarget, Ticket, TicketCounter, TicketEvent
from tickets.selectors import schedule_for

Status = Ticket.Status
Channel = Ticket.Channel
Category = Ticket.Category


@dataclass
class History:
    """The rows of one organisation's history, made in memory, then written in bulk."""

    tickets: list[Ticket] = field(default_factory=list)
    clocks: list[list[SLAClock]] = field(default_factory=list)  # per ticket
    visits: list[list[OnsiteVisit]] = field(default_factory=list)  # per ticket
    events: list[list[tuple[str, datetime.datetime, User | None, dict]]] = field(default_factory=list)


def local_moment(day: datetime.date, hour: float) -> datetime.datetime:
    zone = ZoneInfo(settings.TIME_ZONE)
    return datetime.datetime.combine(day, datetime.time(), tzinfo=zone) + datetime.timedelta(hours=hour)


def month_windows(now: datetime.datetime, count: int) -> list[tuple[datetime.datetime, datetime.datetime]]:
    """The last ``count`` calendar months in the desk's time zone, oldest first, each as
    (its first moment, its end or ``now``): the months of the dashboard's default range, the
    current one only as far as it has gone."""
    zone = ZoneInfo(settings.TIME_ZONE)
    first = timezone.localtime(now, zone).date().replace(day=1)
    windows = []
    for back in range(count - 1, -1, -1):
        start = first - relativedelta(months=back)
        end = min(local_moment(start + relativedelta(months=1), 0), now)
        windows.append((local_moment(start, 0), end))
    return windows


def pick(rng: random.Random, weighted):
    return rng.choices([item[0] for item in weighted], weights=[item[1] for item in weighted])[0]


class TicketWriter:
    """One run of the history: the staff, the targets and the calendars, loaded once; the tickets."""

    def __init__(self, now: datetime.datetime) -> None:
        self.now = now.replace(microsecond=0)
        self.rng = random.Random(SEED)  # noqa: S311 (demo data, not secrets)
        self.staff = {user.username: user for user in User.objects.filter(username__in=STAFF)}
        self.team = Team.objects.filter(kind=Team.Kind.SUPPORT).first()
        self.targets: dict[int, dict[tuple[str, str], SLATarget]] = {}
        self.warn_percent: dict[int, int | None] = {}

    def targets_of(self, project: Project) -> dict[tuple[str, str], SLATarget]:
        policy = project.sla_policy or SLAPolicy.objects.filter(is_default=True).first()
        if policy is None:
            return {}
        if policy.pk not in self.targets:
            self.targets[policy.pk] = {
                (target.priority, target.metric): target for target in policy.targets.select_related("calendar")
            }
            self.warn_percent[policy.pk] = policy.warn_at_percent
        return self.targets[policy.pk]

    # --- one clock -----------------------------------------------------------------------

    def clock(
        self,
        ticket: Ticket,
        target: SLATarget,
        started_at: datetime.datetime,
        *,
        share: float | None,
        paused_minutes: float = 0,
        not_before: datetime.datetime | None = None,
    ) -> SLAClock:
        """A clock of ``target`` from ``started_at``. ``share`` is the part of the target's
        working time it ran until it stopped (above 1: late); None leaves it running."""
        schedule = schedule_for(target.calendar)
        paused = datetime.timedelta(seconds=round(paused_minutes * 60))
        target_time = datetime.timedelta(minutes=target.minutes)
        clock = SLAClock(
            ticket=ticket,
            metric=target.metric,
            target_minutes=target.minutes,
            calendar=target.calendar,
            started_at=started_at,
            due_at=schedule.add(started_at, target_time + paused),
            paused_seconds=int(paused.total_seconds()),
            warn_percent=self.warn_percent.get(target.policy_id),
            version=1,
        )
        if share is not None:
            ran = datetime.timedelta(seconds=round(target.minutes * 60 * share))
            stopped_at = schedule.add(started_at, ran + paused)
            if not_before is not None and stopped_at < not_before:
                stopped_at = not_before
            clock.stopped_at = stopped_at.replace(microsecond=0)
            clock.working_seconds = max(
                0, round(schedule.between(started_at, clock.stopped_at).total_seconds()) - clock.paused_seconds
            )
            if clock.stopped_at > clock.due_at:
                clock.breached_at = clock.due_at
        else:
            if clock.warn_percent:
                clock.warn_at = schedule.add(started_at, target_time * clock.warn_percent / 100 + paused)
                if clock.warn_at <= self.now:
                    clock.warned_at = clock.warn_at  # the warning went out back then
            if clock.due_at <= self.now:
                clock.breached_at = clock.due_at  # and so did the breach
        return clock

    def share(self, met_chance: float, speed: float) -> float:
        """How much of a target a clock used: within it by ``met_chance``, else late."""
        if self.rng.random() < met_chance:
            return min(0.97, self.rng.uniform(0.05, 0.9) * speed)
        return self.rng.uniform(1.05, 2.2)

    # --- tickets ---------------------------------------------------------------------------

    def received_at(self, days_ago: float, priority: str) -> datetime.datetime:
        """Mostly on working days during the day; urgent faults come at any hour."""
        moment = self.now - datetime.timedelta(days=days_ago)
        day = timezone.localtime(moment, ZoneInfo(settings.TIME_ZONE)).date()
        if priority != "urgent":
            while day.weekday() >= 5 and self.rng.random() < 0.85:
                day -= datetime.timedelta(days=1)
            hour = self.rng.uniform(8.5, 17.5) if self.rng.random() < 0.85 else self.rng.uniform(0, 24)
        else:
            hour = self.rng.uniform(0, 24)
        received = local_moment(day, hour).astimezone(datetime.UTC).replace(microsecond=0)
        return min(received, self.now - datetime.timedelta(minutes=30))

    def new_ticket(self, organisation: Organisation, project: Project, contacts: list[User], **fields) -> Ticket:
        reporter = self.rng.choice(contacts)
        channel = fields.pop("channel", None) or pick(self.rng, CHANNELS)
        assignee = fields.pop("assignee", None)
        return Ticket(
            organisation=organisation,
            project=project,
            reporter=reporter,
            created_by=reporter if channel == Channel.PORTAL else (assignee or self.staff["engineer"]),
            channel=channel,
            assignee=assignee,
            team=self.team,
            description=fields.pop("description", "Reported to the service desk; details in the first reply."),
            **fields,
        )

    def closed_ticket(
        self, history: History, organisation: Organisation, project: Project, contacts: list[User], days_ago: float
    ) -> None:
        targets = self.targets_of(project)
        category, title = self.rng.choice(TITLES[organisation.code])
        priority = pick(self.rng, PRIORITIES[category])
        username, _weight, speed = self.rng.choices(ASSIGNEES, weights=[a[1] for a in ASSIGNEES])[0]
        assignee = self.staff[username]
        received = self.received_at(days_ago, priority)
        # better over the year: from about 75% in time a year ago to about 92% lately
        met_chance = 0.92 - 0.17 * days_ago / HISTORY_DAYS
        ticket = self.new_ticket(
            organisation,
            project,
            contacts,
            category=category,
            priority=priority,
            title=title,
            received_at=received,
            assignee=assignee,
        )
        clocks, visits, events = [], [], [("created", received, ticket.created_by, {})]
        first_response = targets.get((priority, Metric.FIRST_RESPONSE))
        responded = received + datetime.timedelta(minutes=10)
        if first_response:
            clock = self.clock(ticket, first_response, received, share=self.share(met_chance + 0.03, speed))
            clocks.append(clock)
            responded = clock.stopped_at
        ticket.first_response_at = responded
        left_site = None
        onsite = targets.get((priority, Metric.ONSITE_ARRIVAL))
        if onsite and category == Category.FAULT and self.rng.random() < (0.6 if priority == "urgent" else 0.35):
            dispatched = responded + datetime.timedelta(minutes=self.rng.randint(5, 45))
            clock = self.clock(ticket, onsite, dispatched, share=self.share(met_chance, speed))
            clocks.append(clock)
            left_site = clock.stopped_at + datetime.timedelta(minutes=self.rng.randint(60, 240))
            engineer = assignee if assignee.role == User.Role.ENGINEER else self.staff["tech"]
            visits.append(
                OnsiteVisit(
                    ticket=ticket,
                    engineer=engineer,
                    dispatched_at=dispatched,
                    departed_at=dispatched + datetime.timedelta(minutes=5),
                    expected_arrival_at=clock.due_at,
                    arrived_at=clock.stopped_at,
                    left_site_at=left_site,
                    work_done="Diagnosed on site and repaired; tested with the operators.",
                )
            )
            events.append(
                ("dispatched", dispatched, assignee, {"engineer": engineer.pk, "engineer_name": str(engineer)})
            )
            events.append(("arrived", clock.stopped_at, engineer, {"engineer_name": str(engineer)}))
        resolution = targets.get((priority, Metric.RESOLUTION))
        resolved = max(responded, left_site or responded) + datetime.timedelta(minutes=30)
        if resolution:
            # a quarter of them waited on the customer for a while
            paused = resolution.minutes * self.rng.uniform(0.1, 0.6) if self.rng.random() < 0.25 else 0
            clock = self.clock(
                ticket,
                resolution,
                received,
                share=self.share(met_chance - 0.05, speed),
                paused_minutes=paused,
                not_before=resolved,
            )
            clocks.append(clock)
            resolved = clock.stopped_at
        if resolved > self.now - datetime.timedelta(hours=1):
            return  # would end in the future: the backlog's open tickets are made apart
        ticket.resolved_at = resolved
        ticket.status = Status.RESOLVED
        events.append(("status", resolved, assignee, {"old": Status.IN_PROGRESS, "new": Status.RESOLVED}))
        closed = resolved + datetime.timedelta(days=self.rng.uniform(1, 5))
        if closed < self.now:
            ticket.status, ticket.closed_at = Status.CLOSED, closed
            events.append(("status", closed, ticket.reporter, {"old": Status.RESOLVED, "new": Status.CLOSED}))
        if self.rng.random() < 0.7:
            late = any(clock.breached_at for clock in clocks)
            ticket.rating = self.rng.choice([1, 2, 3, 3, 4, 4, 5] if late else [3, 4, 4, 5, 5, 5, 5])
            ticket.rating_comment = self.rng.choice(RATING_COMMENTS[ticket.rating])
            events.append(("rated", resolved + datetime.timedelta(hours=6), ticket.reporter, {"rating": ticket.rating}))
        history.tickets.append(ticket)
        history.clocks.append(clocks)
        history.visits.append(visits)
        history.events.append(events)

    def open_ticket(
        self,
        history: History,
        organisation: Organisation,
        project: Project,
        contacts: list[User],
        days_ago: float,
        status: str,
        priority: str,
        category: str,
        title: str,
    ) -> None:
        targets = self.targets_of(project)
        received = self.now - datetime.timedelta(days=days_ago)
        if days_ago < 1:  # today's: within the current month too, however little of it has gone
            month_start = month_windows(self.now, 1)[0][0]
            received = max(received, self.now - (self.now - month_start) / 2)
        username = "tech" if priority in ("urgent", "high") else "engineer"
        ticket = self.new_ticket(
            organisation,
            project,
            contacts,
            category=category,
            priority=priority,
            title=title,
            received_at=received.replace(microsecond=0),
            status=status,
            assignee=None if status == Status.NEW else self.staff[username],
        )
        received = ticket.received_at
        clocks, events = [], [("created", received, ticket.created_by, {})]
        first_response = targets.get((priority, Metric.FIRST_RESPONSE))
        if first_response:
            if status == Status.NEW:
                clocks.append(self.clock(ticket, first_response, received, share=None))
            else:
                clock = self.clock(ticket, first_response, received, share=self.rng.uniform(0.2, 0.8))
                clock.stopped_at = max(received, min(clock.stopped_at, self.now - datetime.timedelta(minutes=5)))
                clock.working_seconds = max(
                    0, round(schedule_for(clock.calendar).between(received, clock.stopped_at).total_seconds())
                )
                clock.breached_at = clock.due_at if clock.stopped_at > clock.due_at else None
                ticket.first_response_at = clock.stopped_at
                clocks.append(clock)
                events.append(("status", clock.stopped_at, ticket.assignee, {"old": Status.NEW, "new": status}))
        resolution = targets.get((priority, Metric.RESOLUTION))
        if resolution:
            clock = self.clock(ticket, resolution, received, share=None)
            if status == Status.WAITING_ON_CUSTOMER:
                # waiting since a day after the first response (or since it was received)
                clock.paused_at = max(received, (ticket.first_response_at or received) + datetime.timedelta(days=1))
                clock.paused_at = min(clock.paused_at, self.now - datetime.timedelta(hours=2))
                clock.breached_at = clock.due_at if clock.due_at < clock.paused_at else None
            clocks.append(clock)
        running = [clock.due_at for clock in clocks if clock.stopped_at is None and clock.paused_at is None]
        ticket.next_due_at = min(running) if running else None
        history.tickets.append(ticket)
        history.clocks.append(clocks)
        history.visits.append([])
        history.events.append(events)

    def write_tickets(self, history: History) -> None:
        """References in order of receipt from the yearly counters, then everything in bulk;
        the timestamps the models stamp with "now" are set to their moments afterwards."""
        zone = ZoneInfo(settings.TIME_ZONE)
        order = sorted(range(len(history.tickets)), key=lambda i: history.tickets[i].received_at)
        years = Counter(timezone.localtime(ticket.received_at, zone).year for ticket in history.tickets)
        numbers = {year: counter_take(TicketCounter, year, count) for year, count in sorted(years.items())}
        for index in order:
            ticket = history.tickets[index]
            year = timezone.localtime(ticket.received_at, zone).year
            ticket.reference = f"SD-{year}-{numbers[year]:06d}"
            numbers[year] += 1
        Ticket.objects.bulk_create(history.tickets)
        Ticket.objects.filter(pk__in=[ticket.pk for ticket in history.tickets]).update(
            created_at=F("received_at"),
            updated_at=Coalesce("closed_at", "resolved_at", "first_response_at", "received_at"),
        )
        for ticket, clocks, visits in zip(history.tickets, history.clocks, history.visits, strict=True):
            for row in (*clocks, *visits):
                row.ticket = ticket
        SLAClock.objects.bulk_create([clock for clocks in history.clocks for clock in clocks])
        OnsiteVisit.objects.bulk_create([visit for visits in history.visits for visit in visits])
        events, moments = [], []
        for ticket, rows in zip(history.tickets, history.events, strict=True):
            for kind, at, actor, data in rows:
                if kind == "created":
                    data = {"channel": ticket.channel, "priority": ticket.priority}
                events.append(TicketEvent(ticket=ticket, actor=actor, kind=kind, data=data, public=True))
                moments.append(at)
        TicketEvent.objects.bulk_create(events)
        restamp(TicketEvent, events, moments)
        # the satisfaction survey went out for the resolved tickets nobody rated (beat must
        # not send it now)
        unrated = [ticket for ticket in history.tickets if ticket.resolved_at and ticket.rating is None]
        invitations = SurveyInvitation.objects.bulk_create(SurveyInvitation(ticket=ticket) for ticket in unrated)
        restamp(
            SurveyInvitation, invitations, [t.resolved_at + datetime.timedelta(hours=1) for t in unrated], "sent_at"
        )

    # --- incidents -----------------------------------------------------------------------


def restamp(model, rows: list, moments: list[datetime.datetime], name: str = "created_at") -> None:
    """Give bulk-created rows their moments back (``auto_now_add`` stamped them with now)."""
    for row, moment in zip(rows, moments, strict=True):
        setattr(row, name, moment)
    model.objects.bulk_update(rows, [name], batch_size=500)
