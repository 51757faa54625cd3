"""Demo data: two customer organisations with a delivered project each, the emergency groups,
the warranties, inspections and a release of the maintenance module, the training plans,
sessions and knowledge base articles of the training module (``demo.training``), a year of
service history for the reports (``demo.history``), a routing rule and a few emails filed by
the email intake (``demo.mail``), and the demo users (password ``ServiceDesk-2026``).
Idempotent: running it again changes nothing that is already there (a password someone changed
stays changed).
"""

import datetime

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts import services as account_services
from accounts.models import Team, TeamMembership, User
from customers import services as customer_services
from customers.models import Organisation, Project
from demo import history as history_demo
from demo import mail as mail_demo
from demo import training as training_demo
from demo.assets import seed_assets
from demo.audit import seed_audit
from demo.hotline import seed_hotline
from demo.identity import seed_identity
from demo.imports import seed_imports
from demo.incidents import seed_incidents
from demo.links import seed_links
from demo.loops import seed_loops
from demo.macros import seed_macros
from demo.parts import seed_parts
from demo.privacy import seed_privacy
from demo.queue_views import seed_queue_views
from demo.sla import seed_sla
from demo.time import seed_time
from emergency import rotas
from emergency import services as emergency_services
from emergency.models import Rota
from maintenance import coverage
from maintenance import services as maintenance_services
from maintenance.models import (
    AnswerKind,
    Cause,
    ChecklistTemplate,
    Product,
    Release,
    ReturnVisit,
    Section,
    WarrantyTerms,
)
from tickets import services as ticket_services
from tickets.models import Ticket

DEMO_PASSWORD = "ServiceDesk-2026"

STAFF = [
    # username, role, first name, last name, phone
    ("manager", User.Role.MANAGER, "Mei", "Lin", "+86 21 5555 0101"),
    ("engineer", User.Role.ENGINEER, "Wei", "Zhang", "+86 21 5555 0102"),
    ("liaison", User.Role.ENGINEER, "Li", "Chen", "+86 21 5555 0103"),
    ("leader", User.Role.MANAGER, "Jun", "Wang", "+86 21 5555 0104"),
    ("tech", User.Role.ENGINEER, "Hao", "Liu", "+86 21 5555 0105"),
]

TEAMS = [
    # kind, slug, name, members (username, position)
    (
        Team.Kind.LEADERSHIP,
        "emergency-leadership",
        "Emergency leadership group",
        [("leader", TeamMembership.Position.PROJECT_LEAD), ("manager", TeamMembership.Position.MEMBER)],
    ),
    (
        Team.Kind.TECHNICAL,
        "emergency-technical",
        "Emergency technical group",
        [("tech", TeamMembership.Position.TECHNICAL_LEAD), ("engineer", TeamMembership.Position.SENIOR_ENGINEER)],
    ),
    (Team.Kind.LIAISON, "emergency-liaisons", "Emergency liaisons", [("liaison", TeamMembership.Position.LIAISON)]),
    (
        Team.Kind.SUPPORT,
        "first-line-support",
        "First-line support",
        [("engineer", TeamMembership.Position.ENGINEER), ("tech", TeamMembership.Position.TECHNICAL_LEAD)],
    ),
]

CUSTOMERS = [
    {
        "organisation": {
            "code": "eastbay-water",
            "name": "Eastbay Water Utility",
            "address": "88 Riverside Road, Pudong, Shanghai",
            "phone": "+86 21 6000 1000",
            "email": "it@eastbay-water.example",
        },
        "contact": ("alice", "Alice", "Wu", "alice@eastbay-water.example", "+86 138 0000 0001", "IT operations lead"),
        "project": {
            "code": "ebw-scada",
            "name": "SCADA monitoring platform",
            "site_address": "Eastbay Water control centre, 88 Riverside Road, Shanghai",
            "final_acceptance_date": datetime.date(2025, 6, 30),
            "description": "Plant monitoring servers, historian and operator workstations.",
        },
        "products": [
            {"name": "SCADA Server", "version": "4.2.1", "serial_number": "SCS-4200-0001"},
            {"name": "Historian DB", "version": "2.1.0"},
            {"name": "Operator workstation", "version": "2025.1", "quantity": 6},
        ],
    },
    {
        "organisation": {
            "code": "northgate-hospital",
            "name": "Northgate Hospital",
            "address": "1 Health Avenue, Hangzhou",
            "phone": "+86 571 8000 2000",
            "email": "it@northgate-hospital.example",
        },
        "contact": ("bob", "Bob", "Zhou", "bob@northgate-hospital.example", "+86 139 0000 0002", "Head of IT"),
        "project": {
            "code": "ngh-records",
            "name": "Patient records system",
            "site_address": "Northgate Hospital data centre, 1 Health Avenue, Hangzhou",
            "final_acceptance_date": datetime.date(2024, 2, 29),
            "description": "Records application cluster with storage and backup.",
        },
        "products": [
            {"name": "Records Application", "version": "7.3"},
            {"name": "Storage array", "version": "firmware 11.2", "serial_number": "STA-11-7781"},
        ],
    },
]


DEMO_RISKS = [
    # project code, category, risk, likelihood, impact, mitigation
    ("ebw-scada", "hardware", "SCADA server disk failure", 3, 4, "RAID 10; spare disks in stock."),
    (
        "ebw-scada",
        "network",
        "Link to the pumping stations lost",
        2,
        5,
        "Backup 4G link; local control.",
    ),
    (
        "ebw-scada",
        "virus",
        "Ransomware on operator workstations",
        2,
        5,
        "Whitelisting, offline backups.",
    ),
    (
        "ngh-records",
        "data",
        "Records database corruption",
        2,
        5,
        "Log shipping; monthly restore test.",
    ),
    (
        "ngh-records",
        "software",
        "Application cluster crash under load",
        3,
        4,
        "Load tests; two warm nodes.",
    ),
    ("ngh-records", "disaster", "Flooding of the basement data centre", 1, 5, "Backups at the second site."),
]
DEMO_WARRANTY = "Standard 2-year warranty"
DEMO_CHECKLIST = "Quarterly inspection"
DEMO_CHECKS = [
    # section, check, answer, unit
    (Section.SYSTEM_STATUS, "All servers and services running", AnswerKind.PASS_FAIL, ""),
    (Section.SYSTEM_STATUS, "No hardware alarms (disks, fans, power supplies)", AnswerKind.PASS_FAIL, ""),
    (Section.SYSTEM_STATUS, "System logs reviewed, no unexplained errors", AnswerKind.PASS_FAIL, ""),
    (Section.PERFORMANCE, "Peak CPU load", AnswerKind.VALUE, "%"),
    (Section.PERFORMANCE, "Free disk space on the data volume", AnswerKind.VALUE, "%"),
    (Section.PERFORMANCE, "Tuning advice", AnswerKind.TEXT, ""),
    (Section.RISK, "Last backup restored in a test", AnswerKind.PASS_FAIL, ""),
    (Section.RISK, "Security patches up to date", AnswerKind.PASS_FAIL, ""),
    (Section.RISK, "Open risks reviewed with the customer", AnswerKind.PASS_FAIL, ""),
]
# project code, first visit (days from today): the first visits of each quarter fall within the lead time
DEMO_SCHEDULES = [("ebw-scada", 10), ("ngh-records", 24)]
# product, version, kind, notes: a release of a product the demo projects run at an older version
DEMO_RELEASE = ("SCADA Server", "4.3.0", Release.Kind.MINOR, "Faster historian sync; fixes alarm flooding.")
DEMO_TICKETS = [
    # reporter, title, priority, description
    (
        "alice",
        "Historian stops recording flow data",
        "normal",
        "Since this morning the historian shows gaps every 10 minutes.",
    ),
    (
        "bob",
        "Records application down in the emergency ward",
        "urgent",
        "Nobody in the emergency ward can open patient records.",
    ),
]


class Command(BaseCommand):
    help = "Create the demo organisations, projects, teams and users (idempotent)."

    @transaction.atomic
    def handle(self, *args, **options):
        created = 0
        admin = User.objects.filter(username="admin").first()
        if admin is None:
            admin = User.objects.create_superuser("admin", "admin@example.com", DEMO_PASSWORD)
            created += 1
        for username, role, first, last, phone in STAFF:
            if not User.objects.filter(username=username).exists():
                account_services.user_create(
                    username=username,
                    password=DEMO_PASSWORD,
                    role=role,
                    first_name=first,
                    last_name=last,
                    email=f"{username}@service-desk.example",
                    phone=phone,
                )
                created += 1
        for kind, slug, name, members in TEAMS:
            team = Team.objects.filter(slug=slug).first() or account_services.team_save(kind=kind, slug=slug, name=name)
            for username, position in members:
                user = User.objects.get(username=username)
                if not TeamMembership.objects.filter(team=team, user=user).exists():
                    account_services.team_add_member(team=team, user=user, position=position)
        for data in CUSTOMERS:
            # found by code or by name: someone may have edited the demo data since
            wanted = data["organisation"]
            organisation = Organisation.objects.filter(Q(code=wanted["code"]) | Q(name=wanted["name"])).first()
            if organisation is None:
                organisation = customer_services.organisation_create(actor=admin, **data["organisation"])
                created += 1
            username, first, last, email, phone, title = data["contact"]
            contact = User.objects.filter(username=username).first()
            if contact is None:
                contact = customer_services.contact_create(
                    organisation=organisation,
                    username=username,
                    password=DEMO_PASSWORD,
                    first_name=first,
                    last_name=last,
                    email=email,
                    phone=phone,
                    job_title=title,
                )
                created += 1
            wanted = data["project"]
            if not Project.objects.filter(
                Q(code=wanted["code"]) | Q(organisation=organisation, name=wanted["name"])
            ).exists():
                customer_services.project_create(
                    actor=admin,
                    organisation=organisation,
                    customer_liaison=contact,
                    products=data["products"],
                    **data["project"],
                )
                created += 1
        call_command("setup_desk", verbosity=0)  # calendars, SLA and escalation defaults
        created += self._emergency_plan(admin)
        created += self._maintenance()
        created += self._training()
        if not Ticket.objects.exists():
            for username, title, priority, description in DEMO_TICKETS:
                reporter = User.objects.get(username=username)
                project = Project.objects.filter(organisation=reporter.organisation, is_active=True).first()
                if project is None:
                    continue
                ticket_services.ticket_create(
                    actor=reporter, project=project, title=title, priority=priority, description=description
                )
                created += 1
        created += self._reports()
        created += self._mail()
        created += seed_incidents()  # an unassessed incident, its response clock running (demo/incidents.py)
        created += seed_hotline(admin)  # hotline numbers, the projects the rota covers (demo/hotline.py)
        created += seed_parts()  # parts in two locations, a reservation, an issue, a return (demo/parts.py)
        created += seed_assets()  # serial numbers, locations, dates; tickets and an incident naming an asset
        created += seed_loops()  # review actions open/done/overdue, return-visit schedules, a signed-off report
        created += seed_sla()  # update targets in the default policy; a ticket reopened once, in its second cycle
        created += seed_links()  # duplicate, related and caused-by links, tickets on an incident, a merge
        created += seed_time()  # time on demo tickets and the incident, some billable labour (demo/time.py)
        created += seed_macros()  # canned replies in English and Chinese: desk-wide, personal, team
        created += seed_queue_views()  # a view shared with first-line support, a personal one (demo/queue_views.py)
        created += seed_imports()  # an import previewed, not started (demo/imports.py)
        created += seed_identity()  # example directory group mappings (demo/identity.py)
        created += seed_privacy(admin)  # an erased departed contact, a retention run (demo/privacy.py)
        created += seed_audit(admin)  # sign-ins, a failure, a role change; a tablet session (demo/audit.py)
        self.stdout.write(self.style.SUCCESS(f"Demo data ready ({created} objects created)."))

    def _emergency_plan(self, admin: User) -> int:
        """A weekly liaison rota (liaison, then tech; hand-over Monday 09:00 Shanghai time) and
        the risk sheets of the demo projects."""
        created = 0
        if not Rota.objects.exists():
            monday = timezone.localdate() - datetime.timedelta(days=timezone.localdate().weekday())
            rotas.rota_save(
                name="Emergency liaison rota",
                description="Reachable round the clock on the service hotline.",
                timezone="Asia/Shanghai",
                handover=datetime.time(9, 0),
                shift_days=7,
                starts_on=monday,
                members=[User.objects.get(username="liaison"), User.objects.get(username="tech")],
            )
            created += 1
        owner = User.objects.get(username="tech")
        for code, category, title, likelihood, impact, mitigation in DEMO_RISKS:
            project = Project.objects.filter(code=code).first()
            if project and not project.risks.filter(title=title).exists():
                emergency_services.risk_save(
                    actor=admin,
                    project=project,
                    category=category,
                    title=title,
                    likelihood=likelihood,
                    impact=impact,
                    mitigation=mitigation,
                    owner=owner,
                    review_date=timezone.localdate() + datetime.timedelta(days=90),
                )
                created += 1
        return created

    def _maintenance(self) -> int:
        """Warranties from the acceptance dates, a service contract where one has expired, a
        quarterly inspection per project, a release for the SCADA server, a return visit."""
        created = 0
        today = timezone.localdate()
        terms = WarrantyTerms.objects.filter(name=DEMO_WARRANTY).first()
        if terms is None:
            terms = maintenance_services.terms_save(
                name=DEMO_WARRANTY,
                duration_months=24,
                covered_causes=[Cause.PRODUCT_QUALITY, Cause.INSTALLATION],
                description="Repairs, replacements, patches and minor upgrades for two years from final acceptance.",
            )
            created += 1
        checklist = ChecklistTemplate.objects.filter(name=DEMO_CHECKLIST).first()
        if checklist is None:
            checklist = maintenance_services.checklist_save(
                name=DEMO_CHECKLIST,
                description="System status, performance and tuning, risk assessment.",
                items=[
                    {"section": section, "label": label, "answer_kind": kind, "unit": unit}
                    for section, label, kind, unit in DEMO_CHECKS
                ],
            )
            created += 1
        engineer, manager = User.objects.get(username="engineer"), User.objects.get(username="manager")
        for code, days in DEMO_SCHEDULES:
            project = Project.objects.filter(code=code).first()
            if project is None:
                continue
            warranty = project.warranties.order_by("-end_date").first()
            if warranty is None and project.final_acceptance_date:
                warranty = maintenance_services.warranty_save(project=project, terms=terms)
                created += 1
            if warranty and warranty.end_date < today and not project.contracts.exists():
                start = warranty.end_date + datetime.timedelta(days=1)  # paid cover where the free one ends
                maintenance_services.contract_save(
                    project=project,
                    number=f"SC-{code.upper()}-{start.year}",
                    start_date=start,
                    end_date=coverage.period_end(start, 12 * max(1, today.year - start.year + 1)),
                    service_level="7x24 hotline, 4-hour on-site response",
                    price_terms="Annual fee, invoiced quarterly; parts at list price less 10%.",
                )
                created += 1
            if not project.inspection_schedules.filter(name=DEMO_CHECKLIST).exists():
                maintenance_services.schedule_save(
                    project=project,
                    name=DEMO_CHECKLIST,
                    rule="FREQ=MONTHLY;INTERVAL=3",
                    first_date=today + datetime.timedelta(days=days),
                    engineer=engineer,
                    checklist=checklist,
                )
                created += 1
        created += maintenance_services.inspections_plan(today=today)
        name, version, kind, notes = DEMO_RELEASE
        product = Product.objects.filter(name=name).first()
        if product is None:
            product = maintenance_services.product_save(name=name)
            created += 1
        release = Release.objects.filter(product=product, version=version).first()
        if release is None:
            release = maintenance_services.release_save(
                product=product, version=version, kind=kind, notes=notes, released_on=today
            )
            created += 1
        if release.published_at is None:
            maintenance_services.release_publish(release_id=release.pk, actor=manager)
        project = Project.objects.filter(code="ngh-records").first()
        if project and not ReturnVisit.objects.filter(project=project).exists():
            maintenance_services.return_visit_save(
                actor=manager,
                project=project,
                ticket=project.tickets.order_by("pk").first(),
                scheduled_for=today + datetime.timedelta(days=7),
                staff=manager,
                contact_name="Bob Zhou",
            )
            created += 1
        return created

    # --- training ----------------------------------------------------------------------------

    def _training(self) -> int:
        """A training plan per project; Eastbay's sessions (online next week, one attended, one
        full with a waiting list) and a second Eastbay contact, carol; the knowledge base's
        categories and articles in English and Chinese. See ``demo/training.py``."""
        return training_demo.seed(password=DEMO_PASSWORD)

    # --- reports -----------------------------------------------------------------------------

    def _reports(self) -> int:
        """A year of history for each demo organisation (tickets with their SLA clocks,
        incidents, inspections, return visits, upgrades, trainings, deflections), a warranty
        about to end, and last month's quality reviews. See ``demo/history/``."""
        return history_demo.seed()

    # --- the email intake --------------------------------------------------------------------

    def _mail(self) -> int:
        """A routing rule and a few emails filed by the intake (a ticket from alice's GBK email
        and her reply to it, one waiting for triage, an auto-reply, a quarantined one); no
        mailbox. See ``demo/mail.py``."""
        return mail_demo.seed()
