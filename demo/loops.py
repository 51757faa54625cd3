"""Loops that close, the demo data made by ``seed_demo`` through the services:

- the improvement actions of the latest reviewed incident: one done, one overdue and one due
  within days, owned by the technical lead and the manager;
- a return-visit schedule per demo project: Eastbay's quarterly, its first visit made with the
  customer's satisfaction score; Northgate's monthly, last visit not made (flagged overdue);
- Northgate's latest completed inspection signed off by its customer contact.

Idempotent: what exists (found by its name or description) is left alone.
"""

import datetime

from accounts.models import User
from core.time import desk_today
from customers.models import Project
from emergency import services as emergency_services
from emergency.models import Incident, ReviewAction
from maintenance import services as maintenance_services
from maintenance.models import Inspection, ReturnVisit, ReturnVisitSchedule

# description, owner, days from today to the due date, done
ACTIONS = [
    ("Replace the historian's RAID controller battery", "tech", -20, True),
    ("Add the telemetry link to the monitoring dashboard", "manager", -3, False),
    ("Rehearse the failover to the standby SCADA server", "tech", 2, False),
]
# project code, rule, days ago of the first visit, the satisfaction of the visits made (None:
# the visits are left undone, the past one overdue)
SCHEDULES = [("ebw-scada", "FREQ=MONTHLY;INTERVAL=3", 25, 4), ("ngh-records", "FREQ=MONTHLY", 40, None)]
SCHEDULE_NAME = "Quarterly return call"


def seed_loops() -> int:
    """Returns how many objects were made."""
    manager = User.objects.filter(username="manager").first()
    if manager is None:
        return 0
    return _review_actions(manager) + _return_visits(manager) + _sign_off()


def _review_actions(manager: User) -> int:
    incident = (
        Incident.objects.filter(status__in=emergency_services.REVIEWED_STEPS).order_by("-status_changed_at").first()
    )
    if incident is None:
        return 0
    today = desk_today()
    made = 0
    for description, username, days, done in ACTIONS:
        owner = User.objects.filter(username=username).first()
        if owner is None or ReviewAction.objects.filter(description=description).exists():
            continue
        action = emergency_services.review_action_create(
            incident_id=incident.pk,
            actor=manager,
            description=description,
            owner=owner,
            due_date=today + datetime.timedelta(days=days),
        )
        if done:
            emergency_services.review_action_done(action_id=action.pk, actor=owner)
        made += 1
    return made


def _return_visits(manager: User) -> int:
    today = desk_today()
    engineer = User.objects.filter(username="engineer").first() or manager
    made = 0
    for code, rule, days_ago, score in SCHEDULES:
        project = Project.objects.filter(code=code).first()
        if project is None or ReturnVisitSchedule.objects.filter(project=project, name=SCHEDULE_NAME).exists():
            continue
        first = today - datetime.timedelta(days=days_ago)
        schedule = maintenance_services.return_visit_schedule_save(
            actor=manager,
            project=project,
            name=SCHEDULE_NAME,
            rule=rule,
            first_date=first,
            staff=engineer,
            lead_days=30,
            remind_days=2,
        )
        made += 1 + maintenance_services.return_visits_plan(today=today)
        if score is None:
            continue
        for visit in schedule.visits.filter(status=ReturnVisit.Status.PLANNED, scheduled_for__lte=today):
            maintenance_services.return_visit_done(
                visit_id=visit.pk,
                actor=engineer,
                notes="The customer is satisfied with the response times; asked for the next inspection dates.",
                satisfaction=score,
                contact_name=str(project.customer_liaison or ""),
            )
    made += maintenance_services.return_visits_flag_overdue(today=today)
    return made


def _sign_off() -> int:
    project = Project.objects.filter(code="ngh-records").select_related("customer_liaison").first()
    contact = project.customer_liaison if project else None
    if contact is None or Inspection.objects.filter(project=project, signed_off_at__isnull=False).exists():
        return 0
    inspection = (
        Inspection.objects.filter(project=project, status=Inspection.Status.COMPLETED).order_by("-completed_at").first()
    )
    if inspection is None:
        return 0
    maintenance_services.inspection_sign_off(
        inspection_id=inspection.pk,
        actor=contact,
        name=contact.get_full_name() or contact.username,
        remarks="Report received and reviewed with the IT department.",
    )
    return 1
