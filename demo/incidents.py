"""The emergency clock's demo data, made by ``seed_demo`` through the services:

- Eastbay's SCADA project promises a response within 60 minutes of the first call;
- the critical plan (the strictest) names an escalation policy: the leadership group at the
  breach, the managers 15 minutes later, the chain once more after 30 minutes;
- an emergency Alice called in as the demo is seeded, not assessed yet, its response clock
  running (due an hour after the call, so not breached when seeded).

Idempotent: what exists (found by its name or title) is left alone.
"""

from accounts.models import User
from customers import services as customer_services
from customers.models import Project
from emergency import services
from emergency.models import Incident, ResponsePlan
from tickets.models import EscalationPolicy
from tickets.policies import escalation_policy_save

PROJECT = "ebw-scada"
RESPONSE_MINUTES = 60
POLICY = "Emergency response not answered"
TITLE = "Pumping station telemetry lost"


def seed_incidents() -> int:
    """Returns how many objects were made."""
    made = 0
    project = Project.objects.filter(code=PROJECT).first()
    liaison = User.objects.filter(username="liaison").first()
    if project is None or liaison is None:
        return 0
    if project.emergency_response_minutes is None:
        customer_services.project_update(actor=None, project=project, emergency_response_minutes=RESPONSE_MINUTES)
        project.refresh_from_db()
        made += 1
    policy = EscalationPolicy.objects.filter(name=POLICY).first()
    if policy is None:
        policy = escalation_policy_save(
            name=POLICY,
            description="Runs when an emergency incident is not answered within its response target.",
            repeat_count=1,
            repeat_after_minutes=30,
            steps=[
                {"action": "notify_group", "group": "leadership", "delay_minutes": 0},
                {"action": "notify_managers", "delay_minutes": 15},
            ],
        )
        made += 1
    strictest = ResponsePlan.objects.order_by("response_minutes", "pk").first()
    if strictest is not None and strictest.escalation_policy_id is None:
        services.response_plan_save(
            plan=strictest,
            resources=list(strictest.resources.values(*services.RESOURCE_FIELDS)),
            escalation_policy=policy,
        )
    if not Incident.objects.filter(project=project, title=TITLE).exists():
        services.incident_create(
            actor=liaison,
            project=project,
            title=TITLE,
            symptoms="The control room sees no readings from the Riverside pumping station.",
            location="Riverside pumping station",
            scope="One pumping station's telemetry; the pumps themselves run.",
            measures_taken="Restarted the station's RTU gateway; no change.",
            reporter_name="Alice Wu",
            reporter_phone="+86 138 0000 0001",
        )
        made += 1
    return made
