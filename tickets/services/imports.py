"""Open tickets brought in from another system (``imports``), many at once: the same rows as
``ticket_create`` writes (the ticket, its first-response and resolution clocks, a history line
saying it was imported, a reference in the year's series unless the old system's is kept), in
a few statements per thousand tickets.

Differences from ``ticket_create``, on purpose: nobody is mailed (the reporter already has the
ticket in the old system), and the clocks start when the desk takes the ticket over (the import),
not at ``received_at``: a ticket open for three weeks elsewhere would otherwise breach, and
escalate to the emergency groups, the minute it arrives.
"""

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import ServiceDeskError
from core.references import counter_take
from core.text import one_line
from customers.models import InstalledProduct, Project
from tickets import sla
from tickets.models import Metric, SLAClock, Ticket, TicketCounter, TicketEvent

IMPORTED = TicketEvent.Kind.IMPORTED  # the history line's kind (``imports`` says how it reads)
IMPORTABLE_STATUSES = (Ticket.Status.NEW, Ticket.Status.ACKNOWLEDGED, Ticket.Status.IN_PROGRESS)
# what an import may change on a ticket it already holds: words, never its state or clocks
UPDATABLE_FIELDS = ("title", "description", "location", "impact", "measures_taken")
BATCH = 1000
NOT_CHECKED = ["reference", "organisation", "project", "reporter", "created_by", "asset", "assignee", "team"]


@dataclass
class ImportedTicket:
    """One ticket to bring in; ``reference`` empty: the next of the year's series."""

    project: Project
    reporter: User
    title: str
    description: str
    received_at: datetime.datetime
    reference: str = ""
    request_key: str | None = None
    priority: str = "normal"
    category: str = Ticket.Category.FAULT
    channel: str = Ticket.Channel.HOTLINE
    status: str = Ticket.Status.NEW
    occurred_at: datetime.datetime | None = None
    location: str = ""
    impact: str = ""
    measures_taken: str = ""
    asset: InstalledProduct | None = None
    assignee: User | None = None
    source: dict[str, Any] = field(default_factory=dict)


def ticket_import_problems(*, item: ImportedTicket, now: datetime.datetime | None = None) -> list[str]:
    """What is wrong with one ticket to import (``ticket_create``'s rules), without a query."""
    now = now or timezone.now()
    problems = []
    project = item.project
    if not project.is_active:
        problems.append(_("This project is no longer active."))
    if item.reporter.is_customer and item.reporter.organisation_id != project.organisation_id:
        problems.append(_("The reporter is not a contact of the project's organisation."))
    if item.received_at > now:
        problems.append(_("The report cannot have been received in the future."))
    if item.asset is not None and item.asset.project_id != project.pk:
        problems.append(_("Choose an asset of the ticket's project."))
    if item.assignee is not None and (item.assignee.is_customer or not item.assignee.is_active):
        problems.append(_("Tickets are assigned to active engineers."))
    if item.status not in IMPORTABLE_STATUSES:
        problems.append(_("Only open tickets are imported: new, acknowledged or in progress."))
    # the fields' own checks (lengths, choices) and ``Ticket.clean``, on the objects given: no query
    try:
        _ticket(item, None).full_clean(exclude=NOT_CHECKED, validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            problems.extend(message if name == "__all__" else f"{name}: {message}" for message in messages)
    return problems


def _ticket(item: ImportedTicket, actor: User | None) -> Ticket:
    return Ticket(
        organisation_id=item.project.organisation_id,
        project=item.project,
        reporter=item.reporter,
        created_by=actor,
        request_key=item.request_key,
        channel=item.channel,
        category=item.category,
        priority=item.priority,
        status=item.status,
        title=one_line(item.title),
        description=item.description,
        occurred_at=item.occurred_at,
        location=item.location,
        impact=item.impact,
        measures_taken=item.measures_taken,
        received_at=item.received_at,
        asset=item.asset,
        assignee=item.assignee,
        reference=item.reference,
    )


def _plan_clocks(tickets: Sequence[Ticket], at: datetime.datetime) -> dict[int, list[SLAClock]]:
    """Each ticket's first-response and resolution clocks from ``at``: the targets read once per
    policy and priority."""
    targets: dict[tuple[int | None, str], dict] = {}
    planned: dict[int, list[SLAClock]] = {}
    for index, ticket in enumerate(tickets):
        group = (ticket.project.sla_policy_id, ticket.priority)
        if group not in targets:
            targets[group] = sla._targets(ticket)
        found = targets[group]
        planned[index] = [
            sla._new_clock(ticket, metric, found[metric], at)
            for metric in (Metric.FIRST_RESPONSE, Metric.RESOLUTION)
            if metric in found
        ]
    return planned


@transaction.atomic
def tickets_import(*, actor: User, items: Sequence[ImportedTicket]) -> list[Ticket]:
    """Bring in ``items`` as open tickets in one transaction; a broken rule on any raises
    ``ServiceDeskError`` and nothing is saved."""
    if not actor.is_staff_member:
        raise ServiceDeskError(_("Only staff can do this."))
    now = timezone.now()
    for number, item in enumerate(items, start=1):
        if problems := ticket_import_problems(item=item, now=now):
            raise ServiceDeskError(f"{number}: {problems[0]}")
    tickets = [_ticket(item, actor) for item in items]
    # references: the old system's where given, else the year's series (one statement a year)
    zone = ZoneInfo(settings.TIME_ZONE)
    by_year: dict[int, list[Ticket]] = defaultdict(list)
    for ticket in tickets:
        if not ticket.reference:
            by_year[timezone.localtime(ticket.received_at, zone).year].append(ticket)
    for year, numbered in sorted(by_year.items()):
        first = counter_take(TicketCounter, year, len(numbered))
        for offset, ticket in enumerate(numbered):
            ticket.reference = f"SD-{year}-{first + offset:06d}"
    planned = _plan_clocks(tickets, now)
    for index, ticket in enumerate(tickets):
        ticket.next_due_at = sla.next_due(planned[index])
    Ticket.objects.bulk_create(tickets, batch_size=BATCH)
    clocks = []
    for index, ticket in enumerate(tickets):
        for clock in planned[index]:
            clock.ticket = ticket
            clocks.append(clock)
    SLAClock.objects.bulk_create(clocks, batch_size=BATCH)
    TicketEvent.objects.bulk_create(
        [
            TicketEvent(
                ticket=ticket,
                actor=actor,
                kind=IMPORTED,
                public=False,
                data={
                    **item.source,
                    "channel": ticket.channel,
                    "priority": ticket.priority,
                    "status": ticket.status,
                    "assignee": ticket.assignee_id,
                },
            )
            for ticket, item in zip(tickets, items, strict=True)
        ],
        batch_size=BATCH,
    )
    from tickets.deadlines import schedule

    for clock in clocks:  # the moments within the horizon get their sweep, the rest the watchdog finds
        schedule(clock)
    return tickets


@transaction.atomic
def tickets_import_update(*, actor: User, changes: Sequence[tuple[Ticket, dict[str, str]]]) -> None:
    """Change the words of tickets the desk already holds (``UPDATABLE_FIELDS``), each with a
    history line naming what changed."""
    if not changes:
        return
    now = timezone.now()
    fields: set[str] = set()
    for ticket, values in changes:
        unknown = set(values) - set(UPDATABLE_FIELDS)
        if unknown:
            raise ServiceDeskError(_("These fields are not changed by an import: %(fields)s") % {"fields": unknown})
        for name, value in values.items():
            setattr(ticket, name, one_line(value) if name == "title" else value)
        ticket.updated_at = now
        fields.update(values)
    Ticket.objects.bulk_update([t for t, _v in changes], [*sorted(fields), "updated_at"], batch_size=BATCH)
    TicketEvent.objects.bulk_create(
        [
            TicketEvent(ticket=ticket, actor=actor, kind=IMPORTED, public=False, data={"changed": sorted(values)})
            for ticket, values in changes
        ],
        batch_size=BATCH,
    )
