"""The demo's emergency clock (``demo/incidents.py``): an unassessed incident with its response
clock running, the project's response target, the chain the strictest plan names; made once."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from demo.incidents import POLICY, RESPONSE_MINUTES, TITLE, seed_incidents
from emergency import services
from emergency.models import Incident, ResponsePlan
from tests.customers.factories import ProjectFactory

pytestmark = pytest.mark.django_db


def test_the_demo_incident_is_unassessed_with_its_response_clock_running(groups):
    project = ProjectFactory(code="ebw-scada")
    seeded = datetime.datetime(2027, 2, 28, 23, 50, tzinfo=ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(seeded, tick=False):
        assert seed_incidents() == 3
        assert seed_incidents() == 0  # idempotent
        assert services.incident_deadlines() == 0  # not breached when seeded
    incident = Incident.objects.get(title=TITLE)
    assert (incident.project, incident.status, incident.grade) == (project, Incident.Status.REPORTED, "")
    assert incident.response_due_at == seeded + datetime.timedelta(minutes=RESPONSE_MINUTES)
    assert incident.response_breached_at is None
    strictest = ResponsePlan.objects.order_by("response_minutes").first()
    assert strictest.escalation_policy.name == POLICY
    assert services.escalation_policy_for(incident) == strictest.escalation_policy
