"""The reports' demo data, made by ``seed_demo``: a year of service history for each demo
organisation, so that every figure of the dashboard, the quality review and the service archive
has something to show right after ``make run``.

- about a hundred tickets per organisation spread over the last twelve months, of every
  priority, channel and category, assigned to the demo engineers and managers; resolved or
  closed, most of them rated, their SLA clocks stopped (some in time, some late), on-site
  visits for some urgent and high faults; a few tickets still open, of various ages;
- emergency incidents of each grade, most closed after their review, with improvement actions
  (some still open), and a few still open;
- completed inspections and health checks, done return visits with the customer's
  satisfaction, done upgrades (patches and minor releases), past training sessions with
  attendance and feedback, knowledge base articles that solved problems month by month;
- a warranty of one installed asset that ends within the reminder horizon;
- the quality review of last month for each organisation.

History is written in bulk and directly, not through the services: the services stamp "now"
and tell people (emails, notifications), which history must not do. What the services would
compute is computed the same way here: the clocks' due moments and working time come from the
clock's calendar (``tickets.selectors.schedule_for``), references from the yearly counters.
Random choices come from ``random.Random`` with a fixed seed: the same history each time,
dated back from the day it is made.

The tables of what happened are in ``data.py``; ``tickets.py`` writes the tickets with their
clocks, ``history.py`` the rest.

Idempotent: an organisation that already has tickets received more than
``HISTORY_MARKER_DAYS`` ago has a history and is left alone; the warranty and the review are
looked for before they are made.
"""

import datetime
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from customers.models import InstalledProduct, Organisation, Project
from demo.history.data import EXPIRING_ASSET, HISTORY_DAYS, HISTORY_MARKER_DAYS, OPEN_TICKETS, ORGANISATIONS, STAFF
from demo.history.history import Writer
from demo.history.tickets import History
from emergency.models import Incident, ReviewAction
from maintenance import services as maintenance_services
from maintenance.models import Inspection, ReturnVisit, UpgradeNotice, Warranty, WarrantyTerms
from reports import services as report_services
from reports.models import QualityReview
from tickets.models import OnsiteVisit, SLAClock, Ticket
from training.models import Deflection, Feedback, TrainingSession


def _expiring_warranty(today: datetime.date) -> int:
    code, product_name, days = EXPIRING_ASSET
    asset = InstalledProduct.objects.filter(project__code=code, name=product_name).select_related("project").first()
    terms = WarrantyTerms.objects.order_by("pk").first()
    if asset is None or terms is None or Warranty.objects.filter(asset=asset).exists():
        return 0
    ends = today + datetime.timedelta(days=days)
    maintenance_services.warranty_save(
        project=asset.project,
        terms=terms,
        asset=asset,
        start_date=ends - relativedelta(months=terms.duration_months),
        notes="The first workstations, delivered before the project's acceptance.",
    )
    return 1


def _reviews(today: datetime.date) -> int:
    """Last month's quality review of each demo organisation, as the scheduler writes it."""
    written = 0
    last_month = today.replace(day=1) - datetime.timedelta(days=1)
    for organisation in Organisation.objects.filter(code__in=ORGANISATIONS).order_by("pk"):
        if not QualityReview.objects.filter(organisation=organisation).exists():
            report_services.review_generate(
                organisation=organisation, period=QualityReview.Period.MONTH, day=last_month, actor=None
            )
            written += 1
    return written


@transaction.atomic
def seed(*, now: datetime.datetime | None = None) -> int:
    """Write what is missing; returns how many groups of objects were created."""
    now = now or timezone.now()
    writer = Writer(now)
    if len(writer.staff) < len(STAFF):
        return 0
    today = timezone.localdate(now, ZoneInfo(settings.TIME_ZONE))
    created = 0
    marker = now - datetime.timedelta(days=HISTORY_MARKER_DAYS)
    for code, (count, project_code, usernames) in ORGANISATIONS.items():
        organisation = Organisation.objects.filter(code=code).first()
        project = Project.objects.filter(code=project_code, organisation=organisation).first()
        contacts = list(User.objects.filter(username__in=usernames, organisation=organisation).order_by("pk"))
        if organisation is None or project is None or not contacts:
            continue
        if Ticket.objects.filter(organisation=organisation, received_at__lt=marker).exists():
            continue  # it has a history already
        history = History()
        for number in range(count):
            days_ago = 3 + (HISTORY_DAYS - 3) * (number + writer.rng.random()) / count
            writer.closed_ticket(history, organisation, project, contacts, days_ago)
        for org_code, days_ago, status, priority, category, title in OPEN_TICKETS:
            if org_code == code:
                writer.open_ticket(
                    history, organisation, project, contacts, days_ago, status, priority, category, title
                )
        writer.write_tickets(history)
        by_receipt = sorted(history.tickets, key=lambda ticket: ticket.received_at)
        writer.incidents(organisation, project)
        writer.inspections(project)
        writer.return_visits(project, by_receipt)
        writer.upgrades(project)
        writer.trainings(project, contacts)
        writer.deflections(organisation, project, contacts)
        created += 1
    created += _expiring_warranty(today)
    created += _reviews(today)
    return created


def history_counts() -> dict[str, int]:
    """How many rows of each kind there are (the tests compare them across two runs)."""
    models = [Ticket, SLAClock, OnsiteVisit, Incident, ReviewAction, Inspection, ReturnVisit, UpgradeNotice]
    models += [TrainingSession, Feedback, Deflection, Warranty, QualityReview]
    return {model.__name__: model.objects.count() for model in models}
