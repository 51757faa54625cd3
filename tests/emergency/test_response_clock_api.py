"""The response clock in the API: ``response_due_at`` and ``response_breached`` from the moment
of ``POST /api/v1/incidents/``, the acknowledgement action, the dispatches' arrival targets, and
the project's emergency response target."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from emergency import services
from emergency.models import Incident, ResponsePlan
from tickets.policies import escalation_policy_save

pytestmark = pytest.mark.django_db

INCIDENTS = "/api/v1/incidents/"
SHANGHAI = ZoneInfo("Asia/Shanghai")
CALL = {"title": "Zephyr historian down", "symptoms": "No trend data", "reporter_name": "Alice Wu"}


def sh(*args):
    return datetime.datetime(*args, tzinfo=SHANGHAI)


def at(moment):
    return time_machine.travel(moment, tick=False)


def when(value):
    return datetime.datetime.fromisoformat(value) if value else None


def test_a_reported_incident_has_its_response_target_at_once(api, groups, project_a, customer_a):
    client = api.as_user(groups.liaison)
    with at(sh(2026, 11, 25, 3)):
        created = client.post(INCIDENTS, {"project": project_a.pk, **CALL}, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert when(body["response_due_at"]) == sh(2026, 11, 25, 3, 30)
    assert (body["response_breached"], body["escalating"], body["acknowledged_at"]) == (False, False, None)
    assert body["response"]["state"] == "running"
    url = f"{INCIDENTS}{body['id']}/"
    # then: past the due moment the API says breached at once, before the sweep marks it
    with at(sh(2026, 11, 25, 3, 31)):
        assert client.get(url).json()["response_breached"] is True
        services.incident_deadlines()
        staff = client.get(url).json()
        listed = client.get(INCIDENTS).json()["results"][0]
        mine = api.as_user(customer_a).get(url).json()
    assert (staff["response_breached"], staff["escalating"]) == (True, True)
    assert (listed["id"], listed["response_breached"]) == (body["id"], True)
    # the customer sees the promise kept or broken, not the vendor's escalation
    assert (when(mine["response_due_at"]), mine["response_breached"], mine["escalating"]) == (
        sh(2026, 11, 25, 3, 30),
        True,
        False,
    )


def test_the_acknowledge_action(api, groups, project_a, customer_a, customer_b):
    policy = escalation_policy_save(name="Emergency", steps=[{"action": "notify_managers", "delay_minutes": 10}])
    ResponsePlan.objects.filter(grade="critical").update(escalation_policy=policy)
    with at(sh(2026, 11, 25, 3)):
        incident = services.incident_create(actor=groups.liaison, project=project_a, **CALL)
    url = f"{INCIDENTS}{incident.pk}/acknowledge/"
    staff = api.as_user(groups.leader)
    # nothing escalates yet: refused in the one error format
    with at(sh(2026, 11, 25, 3, 10)):
        early = staff.post(url)
    assert early.status_code == 400 and set(early.json()) == {"detail", "errors"}
    with at(sh(2026, 11, 25, 3, 31)):
        services.incident_deadlines()
    assert Incident.objects.get(pk=incident.pk).escalation_next_at == sh(2026, 11, 25, 3, 40)
    # another organisation's customer does not see it; its own may not acknowledge
    assert api.as_user(customer_b).post(url).status_code == 404
    assert api.as_user(customer_a).post(url).status_code == 403
    with at(sh(2026, 11, 25, 3, 35)):
        answer = api.as_user(groups.leader).post(url)
    assert answer.status_code == 200, answer.content
    assert (answer.json()["escalating"], when(answer.json()["acknowledged_at"])) == (False, sh(2026, 11, 25, 3, 35))
    assert Incident.objects.get(pk=incident.pk).escalation_next_at is None


def test_a_dispatch_shows_its_arrival_target(api, groups, project_a):
    ResponsePlan.objects.filter(grade="urgent").update(onsite_minutes=90)
    client = api.as_user(groups.tech)
    with at(sh(2026, 11, 25, 10)):
        incident = services.incident_create(actor=groups.liaison, project=project_a, **CALL)
    steps = [
        ("assessed", {"grade": "urgent"}),
        ("plan_activated", {}),
        ("remote_handling", {}),
        ("onsite", {"engineer": groups.eng2.pk}),
    ]
    for minute, (to, data) in enumerate(steps, start=1):
        with at(sh(2026, 11, 25, 10, minute)):
            answer = client.post(f"{INCIDENTS}{incident.pk}/transition/", {"to": to, **data}, format="json")
            assert answer.status_code == 200, answer.content
    dispatch = answer.json()["dispatches"][0]
    assert when(dispatch["arrival_due_at"]) == sh(2026, 11, 25, 11, 34)
    assert dispatch["arrival_breached"] is False
    with at(sh(2026, 11, 25, 11, 35)):
        assert client.get(f"{INCIDENTS}{incident.pk}/").json()["dispatches"][0]["arrival_breached"] is True
        arrived = client.post(f"{INCIDENTS}{incident.pk}/arrive/", {}, format="json").json()
    assert (arrived["arrival_breached"], when(arrived["arrived_at"])) == (True, sh(2026, 11, 25, 11, 35))


def test_the_projects_emergency_response_target_is_read_and_set_through_the_api(api, admin_user, project_a):
    client = api.as_user(admin_user)
    url = f"/api/v1/projects/{project_a.pk}/"
    assert client.get(url).json()["emergency_response_minutes"] is None
    answer = client.patch(url, {"emergency_response_minutes": 45}, format="json")
    assert answer.status_code == 200, answer.content
    assert answer.json()["emergency_response_minutes"] == 45
    assert client.patch(url, {"emergency_response_minutes": 0}, format="json").status_code == 400
