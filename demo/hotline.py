"""The hotline in sight, made by ``seed_demo`` through the services:

- the desk's 24x7 service hotline and its office line, shown to staff, to visitors on the
  login page and to every customer without numbers of its own;
- Eastbay Water's own dedicated line (its customers see it instead of the desk's);
- the demo liaison rota covering the demo projects by name, so their customers see the
  liaison on duty on the portal home, the fault report form and the emergency page.

Idempotent: a number that exists (found by its number) is left alone; the rota's projects are
set only while it covers none.
"""

from accounts.models import User
from customers import services as customer_services
from customers.models import HotlineNumber, Organisation, Project
from emergency import rotas
from emergency.models import Rota

ROTA = "Emergency liaison rota"
COVERED = ["ebw-scada", "ngh-records"]
NUMBERS = [
    # (organisation code or None for the desk's, label, number, hours, position)
    (None, "24-hour service hotline", "400-820-7788", "24 x 7, every day", 1),
    (None, "Service office", "+86 21 6888 1200", "Mon-Fri 08:30-17:30", 2),
    ("eastbay-water", "Eastbay Water dedicated line", "+86 21 6100 2400", "24 x 7, every day", 1),
]


def seed_hotline(admin: User | None = None) -> int:
    """Returns how many objects were made or changed."""
    made = 0
    for code, label, number, hours, position in NUMBERS:
        organisation = Organisation.objects.filter(code=code).first() if code else None
        if code and organisation is None:
            continue
        if HotlineNumber.objects.filter(organisation=organisation, number=number).exists():
            continue
        customer_services.hotline_number_save(
            actor=admin, organisation=organisation, label=label, number=number, hours=hours, position=position
        )
        made += 1
    rota = Rota.objects.filter(name=ROTA).first()
    if rota is not None and not rota.projects.exists():
        projects = list(Project.objects.filter(code__in=COVERED))
        if projects:
            rotas.rota_save(rota=rota, projects=projects)
            made += 1
    return made
