"""Spare parts for ``seed_demo``, made through the services: a catalogue of three parts that fit
the demo products, stock in two locations (the Shanghai warehouse and Wei Zhang's van), the
movements that put it there, a disk reserved for a Northgate ticket, a power supply issued to an
Eastbay ticket on its SCADA server, and the return (RMA) of the faulty one, received by the
supplier and in progress.

Idempotent: nothing is made once the first demo part exists.
"""

from accounts.models import User
from customers.models import InstalledProduct
from maintenance.models import Product
from parts import services
from parts.models import Part, StockLocation
from tickets.models import Ticket

PARTS = [
    # part number, name, fits (product names), unit price
    ("PSU-650-R", "Redundant power supply 650 W", ["SCADA Server"], 1280),
    ("HDD-1T2-SAS", "Hard disk 1.2 TB SAS 10k", ["Storage array"], 960),
    ("FAN-80-HS", "Hot-swap chassis fan 80 mm", ["SCADA Server", "Storage array"], 180),
]
RECEIVED = [
    # part number, location, quantity
    ("PSU-650-R", "warehouse", 6),
    ("HDD-1T2-SAS", "warehouse", 12),
    ("FAN-80-HS", "warehouse", 10),
    ("PSU-650-R", "van", 1),
    ("FAN-80-HS", "van", 4),
]


def _open_ticket(project_code: str) -> Ticket | None:
    return Ticket.objects.filter(project__code=project_code, status__in=Ticket.OPEN_STATUSES).order_by("pk").first()


def seed_parts() -> int:
    """Returns how many objects were made."""
    if Part.objects.filter(part_number=PARTS[0][0]).exists():
        return 0
    engineer = User.objects.get(username="engineer")
    manager = User.objects.get(username="manager")
    warehouse = services.location_save(name="Shanghai central warehouse", kind=StockLocation.Kind.WAREHOUSE)
    van = services.location_save(name="Van of Wei Zhang", kind=StockLocation.Kind.VAN, engineer=engineer)
    locations = {"warehouse": warehouse, "van": van}
    parts = {}
    for number, name, fits, price in PARTS:
        parts[number] = services.part_save(
            part_number=number, name=name, unit_price=price, fits=Product.objects.filter(name__in=fits)
        )
    for number, where, quantity in RECEIVED:
        services.movement_record(
            actor=manager,
            kind="receive",
            part=parts[number],
            quantity=quantity,
            to_location=locations[where],
            note="Delivery from the supplier",
        )
    services.movement_record(
        actor=engineer,
        kind="transfer",
        part=parts["HDD-1T2-SAS"],
        quantity=2,
        from_location=warehouse,
        to_location=van,
        note="Van stock for Hangzhou",
    )
    services.stock_set_low_level(part=parts["PSU-650-R"], location=warehouse, low_level=3, actor=manager)
    services.stock_set_low_level(part=parts["HDD-1T2-SAS"], location=van, low_level=1, actor=manager)
    created = 2 + len(PARTS) + len(RECEIVED) + 1
    northgate = _open_ticket("ngh-records")
    if northgate is not None:
        services.movement_record(
            actor=engineer,
            kind="reserve",
            part=parts["HDD-1T2-SAS"],
            quantity=1,
            from_location=van,
            ticket=northgate,
            note="For the disk swap on site",
        )
        created += 1
    eastbay = _open_ticket("ebw-scada")
    if eastbay is not None:
        server = InstalledProduct.objects.filter(project=eastbay.project, serial_number="SCS-4200-0001").first()
        services.movement_record(
            actor=engineer,
            kind="issue",
            part=parts["PSU-650-R"],
            quantity=1,
            from_location=van,
            ticket=eastbay,
            asset=server,
            serial_numbers="PSU650-24-10577",
            note="Replaced the failed power supply",
        )
        rma = services.rma_open(
            actor=engineer,
            part=parts["PSU-650-R"],
            serial_number="PSU650-22-03318",
            asset=server,
            ticket=eastbay,
            fault="Output voltage drops under load; the server lost one power feed.",
        )
        services.rma_transition(
            rma_id=rma.pk,
            actor=manager,
            to="received",
            supplier_reference="DLT-RMA-20931",
            note="Received by the supplier's repair centre",
        )
        created += 2
    return created
