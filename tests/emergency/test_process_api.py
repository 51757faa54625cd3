"""The response process through the API: intake, every step to a closed review, the timeline."""

import datetime

import pytest
from django.utils import timezone

from emergency.models import Incident, IncidentEntry
from notifications.models import Notification

pytestmark = pytest.mark.django_db

PHONE_CALL = {
    "title": "Records cluster down",
    "symptoms": "No ward can open patient records; the cluster answers no pings.",
    "occurred_at": "2026-11-25T08:55:00+08:00",
    "location": "Data centre, rack B4",
    "scope": "The whole hospital",
    "measures_taken": "Restarted the application server once",
    "reporter_name": "Bob Zhou",
}


def report(api, user, project, **extra):
    return api.as_user(user).post("/api/v1/incidents/", {**PHONE_CALL, "project": project.pk, **extra}, format="json")


def move(api, user, incident_id, to, **data):
    return api.as_user(user).post(f"/api/v1/incidents/{incident_id}/transition/", {"to": to, **data}, format="json")


def test_a_phoned_in_critical_incident_walks_every_step_to_a_closed_review(api, groups, project_a, manager):
    # given: the liaison takes the call
    answer = report(api, groups.liaison, project_a)
    assert answer.status_code == 201, answer.json()
    incident = answer.json()
    assert incident["status"] == "reported"
    assert incident["grade"] is None or incident["grade"] == ""
    assert incident["reference"].startswith("INC-")
    # then: technical, leadership and liaison groups are told at once, urgently
    told = set(
        Notification.objects.filter(reason="incident", urgent=True).values_list("recipient__username", flat=True)
    )
    assert {"tech", "leader"} <= told

    pk = incident["id"]
    # a skipped step is refused and changes nothing
    skipped = move(api, groups.tech, pk, "recovered")
    assert skipped.status_code == 400
    assert "recovered" in skipped.json()["detail"].lower() or "Recovered" in skipped.json()["detail"]
    assert Incident.objects.get(pk=pk).status == "reported"

    # assessed: graded by the technical group, with the matrix
    answer = move(
        api,
        groups.tech,
        pk,
        "assessed",
        grade="critical",
        severity="high",
        scope_level="high",
        urgency="high",
        assessment="Storage controller failed",
    )
    assert answer.status_code == 200, answer.json()
    assert answer.json()["grade"] == "critical"
    assert answer.json()["suggested_grade"] == "critical"
    assert Notification.objects.filter(recipient=groups.leader, key__contains=":assessed").exists()

    answer = move(api, groups.tech, pk, "plan_activated", responders=[groups.tech.pk, groups.eng2.pk])
    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert body["plan_name"] == "Critical incident plan"
    assert body["response"]["state"] == "running"
    assert len(body["resources"]) == 4
    check = api.post(f"/api/v1/incidents/{pk}/resources/{body['resources'][0]['id']}/check/", {}, format="json")
    assert check.status_code == 200 and check.json()["checked_at"]

    assert (
        move(api, groups.tech, pk, "remote_handling", note="Failing over to the standby controller").status_code == 200
    )
    assert (
        api.post(
            f"/api/v1/incidents/{pk}/log/", {"kind": "action", "text": "Ran diagnostics"}, format="json"
        ).status_code
        == 201
    )
    arrival = (timezone.now() + datetime.timedelta(hours=1)).isoformat()
    answer = move(api, groups.tech, pk, "onsite", engineer=groups.eng2.pk, expected_arrival_at=arrival)
    assert answer.status_code == 200, answer.json()
    assert (
        api.post(f"/api/v1/incidents/{pk}/arrive/", {"work_done": "Replaced the controller"}, format="json").status_code
        == 200
    )
    assert move(api, groups.tech, pk, "recovered").status_code == 200
    # staff verifying on the customer's word must say so
    assert move(api, groups.tech, pk, "verified").status_code == 400
    assert (
        move(api, groups.tech, pk, "verified", verification_note="Bob confirmed by phone at 11:20").status_code == 200
    )
    assert move(api, groups.tech, pk, "reviewed", root_cause="Controller firmware bug").status_code == 400
    answer = move(
        api,
        groups.tech,
        pk,
        "reviewed",
        root_cause="Controller firmware bug",
        summary="Recovered in 2 hours",
        went_well="Fast failover",
        actions=[{"description": "Upgrade firmware", "owner": manager.pk, "due_date": "2026-12-15"}],
    )
    assert answer.status_code == 200, answer.json()
    assert move(api, groups.tech, pk, "closed").status_code == 200
    assert move(api, groups.tech, pk, "assessed", grade="general").status_code == 400

    timeline = api.get(f"/api/v1/incidents/{pk}/timeline/").json()["results"]
    steps = [e["data"]["to"] for e in timeline if e["kind"] == "step"]
    assert steps == [
        "assessed",
        "plan_activated",
        "remote_handling",
        "onsite",
        "recovered",
        "verified",
        "reviewed",
        "closed",
    ]
    kinds = {e["kind"] for e in timeline}
    assert {
        "reported",
        "graded",
        "assigned",
        "resource",
        "action",
        "dispatch",
        "arrival",
        "review_action",
        "note",
    } <= kinds
    assert all(e["actor_name"] for e in timeline if e["kind"] == "step")


def test_customer_sees_own_incidents_and_public_entries_only(api, groups, project_a, project_b, customer_a, customer_b):
    pk = report(api, groups.liaison, project_a).json()["id"]
    api.as_user(groups.tech).post(f"/api/v1/incidents/{pk}/log/", {"text": "internal"}, format="json")
    api.as_user(groups.tech).post(
        f"/api/v1/incidents/{pk}/log/", {"text": "we are on it", "public": True}, format="json"
    )
    texts = [e["text"] for e in api.as_user(customer_a).get(f"/api/v1/incidents/{pk}/timeline/").json()["results"]]
    assert "we are on it" in texts and "internal" not in texts
    assert api.as_user(customer_b).get(f"/api/v1/incidents/{pk}/").status_code == 404
    assert api.as_user(customer_b).get(f"/api/v1/incidents/{pk}/timeline/").status_code == 404
    # a customer reports in the portal for its own project only
    assert report(api, customer_b, project_a).status_code == 400
    mine = report(api, customer_b, project_b, reporter_name="")
    assert mine.status_code == 201 and mine.json()["channel"] == "portal"
    assert move(api, customer_b, mine.json()["id"], "assessed", grade="general").status_code == 403


def test_promoting_a_ticket_links_both_ways(api, groups, project_a, customer_a, sla_setup):
    from tickets.services import ticket_create

    ticket = ticket_create(
        actor=customer_a, project=project_a, title="Disk alarm", description="Array degraded", priority="urgent"
    )
    answer = api.as_user(groups.liaison).post(
        "/api/v1/incidents/", {"project": project_a.pk, "ticket": ticket.pk}, format="json"
    )
    assert answer.status_code == 201, answer.json()
    assert answer.json()["title"] == "Disk alarm" and answer.json()["ticket_reference"] == ticket.reference
    assert ticket.incidents.get().pk == answer.json()["id"]
    assert ticket.events.filter(kind="incident").exists()
    again = api.post("/api/v1/incidents/", {"project": project_a.pk, "ticket": ticket.pk}, format="json")
    assert again.status_code == 400 and "ticket" in again.json()["errors"]
    assert IncidentEntry.objects.filter(incident_id=answer.json()["id"], kind="reported").count() == 1
