"""The assets' demo data, made by ``seed_demo`` through the services:

- every installed product of the demo projects gets a serial number (where it had none), a
  location, and its installation and acceptance dates (a month before, and on, the project's
  final acceptance);
- Alice reports a fault naming the SCADA server by its serial number, Bob one naming the
  storage array; the liaison records an emergency on the storage array (assessed as general):
  each shows in the asset's service history.

Idempotent: a field already filled is left alone, a ticket or incident found by its title is not
made again.
"""

import datetime

from accounts.models import User
from customers import services as customer_services
from customers.models import Project
from customers.selectors import asset_by_serial
from emergency import services as emergency_services
from emergency.models import Incident
from tickets import services as ticket_services
from tickets.models import Ticket

LOCATIONS = {
    "ebw-scada": "Eastbay Water control centre, server room 2",
    "ngh-records": "Northgate Hospital data centre, row B",
}
DEMO_TICKETS = [
    # project code, serial number, reporter, title, description
    (
        "ebw-scada",
        "SCS-4200-0001",
        "alice",
        "SCADA server fan alarm",
        "The SCADA server's front panel shows a fan alarm; the room is at 24 °C.",
    ),
    (
        "ngh-records",
        "STA-11-7781",
        "bob",
        "Storage array reports a degraded disk",
        "The array's management page shows disk 7 as degraded since last night.",
    ),
]
DEMO_INCIDENT = ("ngh-records", "STA-11-7781", "Storage array controller failover")


def _serial(project: Project, position: int) -> str:
    return f"{project.code.upper()}-{position:04d}"


def seed_assets() -> int:
    """Returns how many objects were made or completed."""
    made = 0
    admin = User.objects.filter(username="admin").first()
    for code, location in LOCATIONS.items():
        project = Project.objects.filter(code=code).first()
        if project is None:
            continue
        accepted = project.final_acceptance_date
        for position, product in enumerate(project.products.order_by("pk"), start=1):
            fields = {}
            if not product.serial_number:
                fields["serial_number"] = _serial(project, position)
            if not product.location:
                fields["location"] = location
            if accepted and product.accepted_on is None and product.installed_on is None:
                fields["installed_on"] = accepted - datetime.timedelta(days=30)
                fields["accepted_on"] = accepted
            if fields:
                customer_services.asset_update(actor=admin, asset=product, **fields)
                made += 1
    for code, serial, username, title, description in DEMO_TICKETS:
        project, reporter = Project.objects.filter(code=code).first(), User.objects.filter(username=username).first()
        asset = asset_by_serial(project=project, serial=serial) if project else None
        if asset is None or reporter is None or Ticket.objects.filter(title=title).exists():
            continue
        ticket_services.ticket_create(
            actor=reporter, project=project, title=title, description=description, asset=asset
        )
        made += 1
    code, serial, title = DEMO_INCIDENT
    project, liaison = Project.objects.filter(code=code).first(), User.objects.filter(username="liaison").first()
    asset = asset_by_serial(project=project, serial=serial) if project else None
    if asset is not None and liaison is not None and not Incident.objects.filter(title=title).exists():
        incident = emergency_services.incident_create(
            actor=liaison,
            project=project,
            asset=asset,
            title=title,
            symptoms="The storage array failed over to its second controller; records open slowly.",
            location=asset.location,
            scope="Every ward's records application.",
            reporter_name="Bob Zhou",
            reporter_phone="+86 139 0000 0002",
        )
        # assessed at once: the demo's unassessed incident is demo/incidents.py's
        leader = User.objects.filter(username="leader").first() or liaison
        emergency_services.incident_transition(incident_id=incident.pk, actor=leader, to="assessed", grade="general")
        made += 1
    return made
