"""Time entries for ``seed_demo``, made through the services: a few entries on several open
demo tickets and on the demo emergency incident, spread over the last two months, by Wei Zhang
(engineer) and Hao Liu (tech); on a ticket whose repair is not covered (no warranty or contract
in force; when every demo ticket is covered, one whose fault the engineer attributes to a third
party's change), billable ones, which become billable labour.

Idempotent: nothing is made once the first demo entry exists (found by its note).
"""

import datetime

from django.utils import timezone

from accounts.models import User
from demo.incidents import TITLE as INCIDENT_TITLE
from emergency import services as emergency_services
from emergency.models import Incident
from maintenance import selectors as maintenance_selectors
from maintenance import services as maintenance_services
from maintenance.models import Cause, Decision
from tickets import services
from tickets.models import Ticket, TimeEntry

FIRST_NOTE = "Remote diagnosis over the VPN"
# days ago, minutes, billable, note, who
ENTRIES = [
    (52, 45, False, FIRST_NOTE, "engineer"),
    (38, 90, False, "Log analysis with the customer on the phone", "tech"),
    (20, 30, False, "Checked the backups and the alarms", "engineer"),
    (6, 60, False, "Follow-up call and written summary", "tech"),
]
BILLABLE = [
    (45, 120, True, "On-site repair outside the warranty", "engineer"),
    (9, 75, True, "Reconfiguration after the customer's change", "engineer"),
    (2, 20, False, "Internal hand-over note", "tech"),
]
INCIDENT_ENTRIES = [
    (0, 25, False, "Remote assessment of the telemetry loss", "tech"),
    (0, 15, False, "Call with the customer's liaison", "engineer"),
]


def _billable(ticket: Ticket) -> bool:
    decided = maintenance_selectors.ticket_coverage(ticket_id=ticket.pk)
    decision = decided.decision if decided is not None else maintenance_services.ticket_verdict(ticket, None).decision
    return decision == Decision.BILLABLE


def _decided_billable(tickets: list[Ticket], people: dict[str, User]) -> Ticket | None:
    """Every demo ticket is covered: the engineer finds a fault caused by a third party's change
    on one whose coverage is not decided yet, which the warranty does not cover."""
    for ticket in tickets:
        if maintenance_selectors.ticket_coverage(ticket_id=ticket.pk) is None:
            maintenance_services.coverage_decide(ticket_id=ticket.pk, actor=people["engineer"], cause=Cause.THIRD_PARTY)
            if _billable(ticket):
                return ticket
    return None


def _when(received: datetime.datetime, days: int, now: datetime.datetime) -> datetime.datetime:
    """``days`` before now, but never before the ticket or incident was received."""
    return min(now, max(now - datetime.timedelta(days=days, hours=2), received + datetime.timedelta(minutes=30)))


def seed_time() -> int:
    """Returns how many entries were made."""
    if TimeEntry.objects.filter(note=FIRST_NOTE).exists():
        return 0
    people = {user.username: user for user in User.objects.filter(username__in=["engineer", "tech"])}
    if len(people) < 2:
        return 0
    now = timezone.now()
    tickets = list(Ticket.objects.filter(status__in=Ticket.OPEN_STATUSES).order_by("pk")[:8])
    if not tickets:
        return 0
    uncovered = next((ticket for ticket in tickets if _billable(ticket)), None) or _decided_billable(tickets, people)
    covered = [ticket for ticket in tickets if ticket != uncovered][:4] or tickets[:1]
    made = 0
    for index, (days, minutes, billable, note, who) in enumerate(ENTRIES):
        ticket = covered[index % len(covered)]
        services.time_entry_add(
            actor=people[who],
            ticket_id=ticket.pk,
            minutes=minutes,
            billable=billable,
            note=note,
            worked_at=_when(ticket.received_at, days, now),
        )
        made += 1
    target = uncovered or tickets[0]
    for days, minutes, billable, note, who in BILLABLE:
        services.time_entry_add(
            actor=people[who],
            ticket_id=target.pk,
            minutes=minutes,
            billable=billable,
            note=note,
            worked_at=_when(target.received_at, days, now),
        )
        made += 1
    incident = Incident.objects.filter(title=INCIDENT_TITLE).order_by("pk").first()
    if incident is not None:
        for days, minutes, billable, note, who in INCIDENT_ENTRIES:
            emergency_services.incident_time_entry_add(
                actor=people[who],
                incident_id=incident.pk,
                minutes=minutes,
                billable=billable,
                note=note,
                worked_at=_when(incident.reported_at, days, now),
            )
            made += 1
    return made
