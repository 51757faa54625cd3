"""The emergency pages: intake by the liaison, every step through the forms, the live timeline,
the customer's view, the PDF, the rota with its feeds, the risk sheet."""

import datetime
from urllib.parse import urlsplit

import icalendar
import pytest
from django.urls import reverse
from django.utils import timezone

from emergency import rotas, services
from emergency.models import Incident, Risk
from notifications.models import Notification
from tests.accounts.factories import feed_key

pytestmark = pytest.mark.django_db


def step(client, incident, to, **fields):
    data = {"to": to, **{f"{to}-{name}": value for name, value in fields.items()}}
    data[f"{to}-to"] = to
    return client.post(reverse("emergency:step", args=[incident.pk]), data)


def test_the_liaison_records_a_call_and_the_team_walks_it_to_a_closed_review(client, groups, project_a, manager):
    client.force_login(groups.liaison)
    form = client.get(reverse("emergency:report"))
    assert form.status_code == 200 and "reporter_name" in form.text
    answer = client.post(
        reverse("emergency:report"),
        {
            "project": project_a.pk,
            "title": "Historian server down",
            "symptoms": "Operators see no trend data",
            "occurred_at": "2026-11-25T09:10",
            "location": "Control room",
            "scope": "All operator stations",
            "measures_taken": "Rebooted once",
            "reporter_name": "Alice Wu",
            "reporter_phone": "+86 138 0000 0001",
        },
    )
    incident = Incident.objects.get()
    assert answer.status_code == 302 and answer.url == reverse("emergency:detail", args=[incident.pk])
    assert Notification.objects.filter(recipient=groups.leader, urgent=True, reason="incident").exists()
    assert Notification.objects.filter(recipient=groups.tech, urgent=True, reason="incident").exists()

    client.force_login(groups.tech)
    page = client.get(reverse("emergency:detail", args=[incident.pk]))
    assert 'id="step-assessed"' in page.text and "Alice Wu" in page.text
    # skipping a step through the page changes nothing
    step(client, incident, "recovered")
    incident.refresh_from_db()
    assert incident.status == "reported"
    # the matrix grades it when no grade is chosen
    step(
        client, incident, "assessed", severity="high", scope_level="high", urgency="high", assessment="Disk array lost"
    )
    incident.refresh_from_db()
    assert (incident.status, incident.grade) == ("assessed", "critical")
    step(client, incident, "plan_activated", responders=[groups.tech.pk, groups.eng2.pk])
    incident.refresh_from_db()
    assert incident.status == "plan_activated" and incident.resources.count() == 4
    resource = incident.resources.first()
    client.post(reverse("emergency:check_resource", args=[incident.pk, resource.pk]), {"checked": "true"})
    resource.refresh_from_db()
    assert resource.checked_by == groups.tech
    step(client, incident, "remote_handling", note="Checking the RAID controller")
    client.post(reverse("emergency:log", args=[incident.pk]), {"kind": "action", "text": "Swapped to standby"})
    step(client, incident, "onsite", engineer=groups.eng2.pk)
    client.post(reverse("emergency:arrive", args=[incident.pk]), {"work_done": "Replaced two disks"})
    step(client, incident, "recovered")
    step(client, incident, "verified", verification_note="Alice confirmed on the phone")
    step(
        client,
        incident,
        "reviewed",
        root_cause="Disk batch fault",
        summary="Back in 3 hours",
        action="Replace the batch",
        action_owner=manager.pk,
        action_due="2026-12-31",
    )
    step(client, incident, "closed")
    incident.refresh_from_db()
    assert incident.status == "closed"
    assert incident.review_actions.get().owner == manager

    page = client.get(reverse("emergency:detail", args=[incident.pk]))
    for text in ("Disk batch fault", "Replaced two disks", "Swapped to standby", "Replace the batch"):
        assert text in page.text
    pdf = client.get(reverse("emergency:pdf", args=[incident.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_a_step_form_error_is_shown_and_nothing_changes(client, groups, project_a):
    incident = services.incident_create(
        actor=groups.liaison, project=project_a, title="T", symptoms="S", reporter_name="R"
    )
    client.force_login(groups.tech)
    # the grade differs from the matrix's and no reason is given
    answer = step(client, incident, "assessed", severity="low", scope_level="low", urgency="low", grade="critical")
    incident.refresh_from_db()
    assert incident.status == "reported"
    page = client.get(reverse("emergency:detail", args=[incident.pk]))
    assert answer.status_code == 302 and "the matrix gives" in page.text.lower()


def test_the_timeline_refreshes_by_itself_and_hides_internal_entries_from_the_customer(
    client, groups, project_a, customer_a, customer_b
):
    incident = services.incident_create(actor=customer_a, project=project_a, title="Outage", symptoms="Nothing works")
    services.incident_log(incident_id=incident.pk, actor=groups.tech, text="internal guess")
    services.incident_log(incident_id=incident.pk, actor=groups.tech, text="engineers are on it", public=True)
    client.force_login(customer_a)
    page = client.get(reverse("emergency:detail", args=[incident.pk]))
    assert 'hx-trigger="every 5s"' in page.text
    assert "engineers are on it" in page.text and "internal guess" not in page.text
    partial = client.get(reverse("emergency:timeline", args=[incident.pk]))
    assert "engineers are on it" in partial.text and "<html" not in partial.text
    assert client.get(reverse("emergency:board")).status_code == 200
    assert client.get(reverse("emergency:pdf", args=[incident.pk])).status_code == 403
    client.force_login(customer_b)
    assert client.get(reverse("emergency:detail", args=[incident.pk])).status_code == 404
    assert "Outage" not in client.get(reverse("emergency:board")).text


def test_the_customer_confirms_the_recovery_in_the_portal(client, groups, project_a, customer_a):
    incident = services.incident_create(actor=customer_a, project=project_a, title="Outage", symptoms="Nothing works")
    for to, data in [
        ("assessed", {"grade": "urgent"}),
        ("plan_activated", {}),
        ("remote_handling", {}),
        ("recovered", {}),
    ]:
        services.incident_transition(incident_id=incident.pk, actor=groups.tech, to=to, **data)
    assert Notification.objects.filter(recipient=customer_a, reason="incident").exists()
    client.force_login(customer_a)
    page = client.get(reverse("emergency:detail", args=[incident.pk]))
    assert 'id="step-verified"' in page.text
    step(client, incident, "verified")
    incident.refresh_from_db()
    assert incident.status == "verified" and incident.verified_by == customer_a


def test_the_board_puts_the_most_serious_first_and_staff_see_who_is_on_duty(client, groups, project_a, manager):
    general = services.incident_create(
        actor=groups.liaison, project=project_a, title="Minor", symptoms="s", reporter_name="r"
    )
    critical = services.incident_create(
        actor=groups.liaison, project=project_a, title="Major", symptoms="s", reporter_name="r"
    )
    services.incident_transition(incident_id=general.pk, actor=groups.tech, to="assessed", grade="general")
    services.incident_transition(incident_id=critical.pk, actor=groups.tech, to="assessed", grade="critical")
    rotas.rota_save(
        name="Liaisons",
        timezone="Asia/Shanghai",
        handover=datetime.time(9),
        shift_days=7,
        starts_on=datetime.date(2026, 1, 5),
        members=[groups.liaison],
    )
    client.force_login(manager)
    page = client.get(reverse("emergency:board")).text
    assert page.index("Major") < page.index("Minor")
    assert 'id="on-duty"' in page and str(groups.liaison) in page


def test_rota_page_override_and_ics_feeds(client, groups, manager):
    rota = rotas.rota_save(
        name="Liaisons",
        timezone="Asia/Shanghai",
        handover=datetime.time(9),
        shift_days=7,
        starts_on=datetime.date(2026, 1, 5),
        members=[groups.liaison, groups.tech],
    )
    client.force_login(manager)
    page = client.get(reverse("emergency:rotas"))
    assert page.status_code == 200 and "Liaisons" in page.text
    start = timezone.localtime() + datetime.timedelta(hours=1)
    client.post(
        reverse("emergency:rota_override", args=[rota.pk]),
        {
            "user": groups.eng2.pk,
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (start + datetime.timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M"),
            "reason": "Leave",
        },
    )
    assert rota.overrides.get().user == groups.eng2
    rota_feed = urlsplit(page.context["items"][0]["feed"]).path
    client.force_login(groups.eng2)
    my_feed = urlsplit(client.get(reverse("emergency:rotas")).context["my_feed"]).path
    client.logout()  # calendar clients do not sign in: the person's own link is the key
    feed = client.get(rota_feed)
    assert feed.status_code == 200 and feed["Content-Type"].startswith("text/calendar")
    events = icalendar.Calendar.from_ical(feed.content).walk("VEVENT")
    assert any(str(groups.eng2) in str(e["SUMMARY"]) for e in events)
    mine = client.get(my_feed)
    assert len(icalendar.Calendar.from_ical(mine.content).walk("VEVENT")) == 1
    assert client.get(reverse("emergency:calendar_feed", args=["rota:1:forged"])).status_code == 404


def test_risk_sheet_is_printable_and_scoped(client, engineer, project_a, customer_a, customer_b):
    client.force_login(engineer)
    answer = client.post(
        reverse("emergency:risk_create"),
        {
            "project": project_a.pk,
            "category": "network",
            "title": "Uplink cut",
            "likelihood": 2,
            "impact": 5,
            "mitigation": "Second carrier",
            "status": "open",
        },
    )
    assert answer.status_code == 302, answer.context["form"].errors
    risk = Risk.objects.get()
    assert risk.history.first().history_user == engineer
    bad = client.post(
        reverse("emergency:risk_create"),
        {"project": project_a.pk, "category": "network", "title": "x", "likelihood": 9, "impact": 1, "status": "open"},
    )
    assert bad.status_code == 200 and Risk.objects.count() == 1
    client.force_login(customer_a)
    sheet = client.get(reverse("emergency:risk_sheet", args=[project_a.pk]))
    assert "Uplink cut" in sheet.text and "window.print()" in sheet.text
    assert client.get(reverse("emergency:risk_create")).status_code == 403
    client.force_login(customer_b)
    assert client.get(reverse("emergency:risk_sheet", args=[project_a.pk])).status_code == 404


def test_an_inactive_rotas_feed_is_gone(client, groups):
    rota = rotas.rota_save(
        name="Old",
        timezone="Asia/Shanghai",
        handover=datetime.time(9),
        shift_days=7,
        starts_on=datetime.date(2026, 1, 5),
        members=[groups.liaison],
        is_active=False,
    )
    key = feed_key(rotas.rota_feed_urls(viewer=groups.leader, rotas=[rota])[rota.pk])
    assert client.get(reverse("emergency:calendar_feed", args=[key])).status_code == 404
