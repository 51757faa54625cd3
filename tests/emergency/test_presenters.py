"""What a customer sees of an incident has one owner (``emergency.presenters``) that the API,
the page and its live timeline share: never the grading reason, the matrix's suggestion, or the
names of the vendor's people assigned (the engineer dispatched to the site is named: the
customer lets them in)."""

import pytest
from django.urls import reverse

from emergency import services
from tests.emergency.test_api import url, walk

pytestmark = pytest.mark.django_db

SECRET_REASON = "Grid-wide outage suspected by the senior engineer"


@pytest.fixture
def incident(groups, project_a):
    incident = walk(project_a, groups.tech, "assessed", "plan_activated", grade="urgent", grade_reason=SECRET_REASON)
    services.incident_assign(incident_id=incident.pk, actor=groups.tech, people=[groups.lead])
    services.incident_transition(incident_id=incident.pk, actor=groups.tech, to="remote_handling")
    return services.incident_transition(incident_id=incident.pk, actor=groups.tech, to="onsite", engineer=groups.eng2)


def test_the_timeline_api_tells_a_customer_no_working_notes(api, incident, customer_a, groups):
    entries = api.as_user(customer_a).get(url(incident, "timeline")).json()["results"]
    staff = api.as_user(groups.tech).get(url(incident, "timeline")).json()["results"]

    graded = next(entry for entry in entries if entry["kind"] == "graded")
    assert graded["detail"] == "Urgent" and graded["data"] == {"grade": "urgent"}
    assert "assigned" not in {entry["kind"] for entry in entries}  # an internal entry
    dispatched = next(entry for entry in entries if entry["kind"] == "dispatch")
    assert dispatched["detail"] == str(groups.eng2)
    for entry in entries:
        assert entry["actor_name"] in (None, "Service desk") and entry["actor"] is None
    text = str(entries)
    assert SECRET_REASON not in text and str(groups.lead) not in text and str(groups.tech) not in text
    # staff read the whole record
    assert next(e for e in staff if e["kind"] == "graded")["data"]["reason"] == SECRET_REASON
    assert next(e for e in staff if e["kind"] == "assigned")["detail"] == str(groups.lead)
    assert next(e for e in staff if e["kind"] == "graded")["actor_name"] == str(groups.tech)


def test_the_incident_api_and_page_hide_the_same_fields(api, client, incident, customer_a, groups):
    body = api.as_user(customer_a).get(url(incident)).json()
    assert (body["grade_reason"], body["assessment"], body["responders"], body["resources"]) == ("", "", [], [])
    client.force_login(customer_a)
    for name in ("emergency:detail", "emergency:timeline"):
        page = client.get(reverse(name, args=[incident.pk])).content.decode()
        assert SECRET_REASON not in page and str(groups.lead) not in page and str(groups.tech) not in page
    client.force_login(groups.tech)
    page = client.get(reverse("emergency:detail", args=[incident.pk])).content.decode()
    assert SECRET_REASON in page and str(groups.lead) in page


def test_a_customers_own_colleague_keeps_a_name(api, project_a, customer_a, groups):
    from tests.accounts.factories import CustomerFactory

    colleague = CustomerFactory(organisation=project_a.organisation, first_name="Wu", last_name="Li")
    incident = services.incident_create(actor=colleague, project=project_a, title="Pump", symptoms="Stopped")
    entries = api.as_user(customer_a).get(url(incident, "timeline")).json()["results"]
    assert entries[0]["actor_name"] == str(colleague) and entries[0]["actor"] == colleague.pk
