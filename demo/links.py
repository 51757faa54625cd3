"""Merge and links in the demo, made by ``seed_demo`` through the services (Eastbay's SCADA
project, reported by Alice):

- "Telemetry gaps at pumping station 3" with a duplicate ("Pumping station 3 shows offline"),
  a related ticket ("SCADA historian slow after the patch") and a cause ("Radio link fault at
  the relay mast");
- three of them linked to the demo incident "Pumping station telemetry lost" (demo/incidents.py);
- "Station 3 alarm flood", a call logged two hours ago, merged into the telemetry ticket an hour
  later (its clocks cancelled, its CC and history pointing there).

Idempotent: tickets are found by their titles, links and merges made only once.
"""

import datetime

from django.utils import timezone

from accounts.models import User
from customers.models import Project
from emergency.models import Incident, IncidentTicketLink
from emergency.services.links import incident_ticket_link
from tickets import services as ticket_services
from tickets.models import Ticket, TicketLink
from tickets.services.links import ticket_link
from tickets.services.merge import ticket_merge

PROJECT = "ebw-scada"
INCIDENT = "Pumping station telemetry lost"
MAIN = "Telemetry gaps at pumping station 3"
TICKETS = [
    (MAIN, "high", "The historian shows gaps of 5 to 20 minutes in station 3's telemetry since this morning."),
    ("Pumping station 3 shows offline", "normal", "Station 3 is grey on the overview screen now and then."),
    ("SCADA historian slow after the patch", "normal", "Trend screens take 30 s to load since Friday's patch."),
    ("Radio link fault at the relay mast", "high", "The radio link's error counter climbs at the relay mast."),
    ("Station 3 alarm flood", "normal", "Dozens of communication alarms from station 3 every hour."),
]
LINKS = [  # (ticket, kind, target)
    ("Pumping station 3 shows offline", TicketLink.Kind.DUPLICATE_OF, MAIN),
    ("SCADA historian slow after the patch", TicketLink.Kind.RELATED_TO, MAIN),
    (MAIN, TicketLink.Kind.CAUSED_BY, "Radio link fault at the relay mast"),
]
ON_INCIDENT = [MAIN, "Pumping station 3 shows offline", "Radio link fault at the relay mast"]
MERGED = "Station 3 alarm flood"


def seed_links() -> int:
    """Returns how many objects were made."""
    project = Project.objects.filter(code=PROJECT).first()
    alice = User.objects.filter(username="alice").first()
    engineer = User.objects.filter(username="engineer").first()
    if project is None or alice is None or engineer is None:
        return 0
    made = 0
    tickets: dict[str, Ticket] = {}
    for title, priority, description in TICKETS:
        ticket = Ticket.objects.filter(project=project, title=title).first()
        if ticket is None:
            if title == MERGED:  # a call logged two hours ago, merged an hour later (below)
                ticket = ticket_services.ticket_create(
                    actor=engineer,
                    reporter=alice,
                    project=project,
                    title=title,
                    priority=priority,
                    description=description,
                    received_at=timezone.now() - datetime.timedelta(hours=2),
                )
            else:
                ticket = ticket_services.ticket_create(
                    actor=alice, project=project, title=title, priority=priority, description=description
                )
            made += 1
        tickets[title] = ticket
    for source, kind, target in LINKS:
        pair = (tickets[source], tickets[target])
        if not TicketLink.objects.filter(source__in=pair, target__in=pair).exists():
            ticket_link(actor=engineer, ticket=pair[0], target=pair[1], kind=kind)
            made += 1
    incident = Incident.objects.filter(project=project, title=INCIDENT).first()
    if incident is not None:
        for title in ON_INCIDENT:
            if not IncidentTicketLink.objects.filter(incident=incident, ticket=tickets[title]).exists():
                incident_ticket_link(actor=engineer, incident=incident, ticket=tickets[title])
                made += 1
    merged = tickets[MERGED]
    merged.refresh_from_db()
    if merged.merged_into_id is None and merged.status != Ticket.Status.CLOSED:
        ticket_merge(actor=engineer, ticket=merged, into=tickets[MAIN], at=timezone.now() - datetime.timedelta(hours=1))
        made += 1
    return made
