"""Read queries for tickets, scoped to the user; the queue's filters and order."""

import datetime
import zoneinfo
from collections import defaultdict
from collections.abc import Mapping
from functools import lru_cache

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import User
from accounts.scoping import scope_to_user
from tickets.models import (
    Attachment,
    BusinessCalendar,
    CalendarDay,
    Comment,
    SLAClock,
    SLAPolicy,
    Ticket,
    TicketEvent,
    WorkingHours,
)
from tickets.worktime import WorkSchedule

_clocks = SLAClock.objects.select_related("calendar", "escalation_policy", "acknowledged_by").order_by("metric")
# what a list shows of a clock: its state (the calendar for a paused one's time left)
_listed_clocks = SLAClock.objects.select_related("calendar").order_by("metric")


def ticket_list(*, user: User) -> QuerySet[Ticket]:
    queryset = Ticket.objects.select_related(
        "organisation", "project", "reporter", "assignee", "team"
    ).prefetch_related(Prefetch("clocks", queryset=_clocks))
    return scope_to_user(queryset, user)


def listed(queryset: QuerySet[Ticket], *, related: tuple[str, ...]) -> QuerySet[Ticket]:
    """``ticket_list``'s tickets for a list (the queue page, the API's list): only the related
    rows the list shows (``related``, for ``select_related``), and the clocks without their
    escalation policy and who acknowledged it, which only the ticket's own page names."""
    queryset = queryset.select_related(None).select_related(*related)
    return queryset.prefetch_related(None).prefetch_related(Prefetch("clocks", queryset=_listed_clocks))


def ticket_get(*, user: User, pk: int) -> Ticket:
    """The ticket, or 404 when it is outside the user's scope."""
    return get_object_or_404(ticket_list(user=user), pk=pk)


def breached_clocks() -> QuerySet[SLAClock]:
    now = timezone.now()
    return SLAClock.objects.filter(
        Q(breached_at__isnull=False)
        | Q(stopped_at__isnull=True, paused_at__isnull=True, due_at__lt=now)
        | Q(stopped_at__gt=F("due_at"))
    )


def breaching_within_an_hour(now: datetime.datetime) -> Q:
    return Q(next_due_at__gte=now, next_due_at__lte=now + datetime.timedelta(hours=1))


def ticket_filter(queryset: QuerySet[Ticket], *, user: User, params: Mapping[str, str]) -> QuerySet[Ticket]:
    """The queue's filters, shared by the page and the API (values already validated)."""
    now = timezone.now()
    view = params.get("view")
    if view == "mine":
        queryset = queryset.filter(assignee=user)
    elif view == "unassigned":
        queryset = queryset.filter(assignee__isnull=True)
    elif view == "breaching":
        queryset = queryset.filter(breaching_within_an_hour(now))
    elif view == "breached":
        queryset = queryset.filter(Exists(breached_clocks().filter(ticket=OuterRef("pk"))))
    return queryset


def queue_order(queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """Nearest due moment first; tickets without a running clock after them, newest first."""
    return queryset.order_by(F("next_due_at").asc(nulls_last=True), "-received_at", "-pk")


class PagedByIds:
    """``queryset`` for a paginator (Django's or DRF's: ``count()`` and slicing), a page read as a
    deferred join: the page's ids are found by the ordered, filtered query on the ticket table
    alone, in a subquery, and only those rows are joined to their organisation, project, people
    and clocks. The plain slice joins every row the sort has to look at before the limit: on the
    queue's index ties of ``next_due_at`` (tickets received in the same second) that was 1,400
    rows joined for 50 shown. The same rows in the same order where the order is total (the
    queue's ends on the id); tickets tied on a partial order (``?ordering=priority``) may come in
    another order within their page, as the database may give them anyway. As many queries."""

    def __init__(self, queryset: QuerySet[Ticket]) -> None:
        self.queryset = queryset

    def count(self) -> int:
        return self.queryset.count()

    def __getitem__(self, window: slice) -> list[Ticket]:
        if not isinstance(window, slice):
            raise TypeError("a page is read by slice")
        ids = self.queryset.values("pk")[window]
        return list(self.queryset.filter(pk__in=ids))


def ticket_timeline(*, ticket: Ticket, user: User) -> list[TicketEvent]:
    """The ticket's history; customers see only what is public. Replies and attachments ride along."""
    events = ticket.events.select_related("actor").order_by("created_at", "pk")
    comments = ticket.comments.select_related("author")
    attachments = ticket.attachments.all()
    if user.is_customer:
        events, comments, attachments = (
            events.filter(public=True),
            comments.filter(public=True),
            attachments.filter(public=True),
        )
    by_comment: dict[int | None, list[Attachment]] = {}
    for attachment in attachments:
        by_comment.setdefault(attachment.comment_id, []).append(attachment)
    comment_map: dict[int, Comment] = {comment.pk: comment for comment in comments}
    for comment in comment_map.values():
        comment.files = by_comment.get(comment.pk, [])
    timeline = []
    for event in events:
        event.comment = comment_map.get(event.data.get("comment"))
        if event.kind in (TicketEvent.Kind.REPLY, TicketEvent.Kind.NOTE) and event.comment is None:
            continue
        timeline.append(event)
    return timeline


def ticket_attachments(*, ticket: Ticket, user: User) -> QuerySet[Attachment]:
    attachments = ticket.attachments.all()
    return attachments.filter(public=True) if user.is_customer else attachments


def calendar_list() -> QuerySet[BusinessCalendar]:
    return BusinessCalendar.objects.prefetch_related("hours", "days")


def policy_list() -> QuerySet[SLAPolicy]:
    return SLAPolicy.objects.prefetch_related("targets")


def queue_counts(*, user: User) -> dict[str, int]:
    """The queue's headline numbers, in one query: open, mine, unassigned, breaching, breached."""
    now = timezone.now()
    open_tickets = ticket_list(user=user).filter(status__in=Ticket.OPEN_STATUSES)
    breached = Exists(breached_clocks().filter(ticket=OuterRef("pk")))
    return open_tickets.aggregate(
        open=Count("pk"),
        mine=Count("pk", filter=Q(assignee=user)),
        unassigned=Count("pk", filter=Q(assignee__isnull=True)),
        breaching=Count("pk", filter=breaching_within_an_hour(now)),
        breached=Count("pk", filter=Q(breached)),
    )


# --- business calendars -------------------------------------------------------------------


def schedule_for(calendar: BusinessCalendar) -> WorkSchedule:
    """The calendar's schedule; cached until the calendar changes (services touch ``updated_at``)."""
    return _schedule(calendar.pk, calendar.updated_at)


@lru_cache(maxsize=64)
def _schedule(calendar_id: int, _updated_at: datetime.datetime) -> WorkSchedule:
    calendar = BusinessCalendar.objects.get(pk=calendar_id)
    hours: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for row in WorkingHours.objects.filter(calendar_id=calendar_id).order_by("weekday", "start_minute"):
        hours[row.weekday].append((row.start_minute, row.end_minute))
    days = CalendarDay.objects.filter(calendar_id=calendar_id)
    return WorkSchedule(
        zone=zoneinfo.ZoneInfo(calendar.timezone),
        hours={weekday: tuple(intervals) for weekday, intervals in hours.items()},
        holidays=frozenset(day.date for day in days if day.kind == CalendarDay.Kind.HOLIDAY),
        workdays=frozenset(day.date for day in days if day.kind == CalendarDay.Kind.WORKDAY),
    )


from tickets.selectors_links import LinkView, ticket_link_get, ticket_links  # noqa: E402, F401  (the links' reads)
