"""The admin of calendars, SLA policies and escalation policies writes through their services:
the API's checks and messages, shown on the change form, and nothing half-saved."""

from unittest import mock

import pytest
from django.urls import reverse

from tickets import calendars, policies
from tickets.models import BusinessCalendar, EscalationPolicy, SLAPolicy

pytestmark = pytest.mark.django_db


def inline(prefix: str, rows: list[dict], initial: int = 0) -> dict:
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        data.update({f"{prefix}-{index}-{name}": value for name, value in row.items()})
    return data


def calendar_form(**fields) -> dict:
    return {
        "name": "Shanghai office",
        "timezone": "Asia/Shanghai",
        "country": "",
        "description": "",
        **inline("hours", [{"weekday": "0", "start_minute": "540", "end_minute": "1080"}]),
        **inline("days", []),
        **fields,
    }


@pytest.fixture
def staff_client(client, admin_user):
    client.force_login(admin_user)
    return client


def test_a_calendar_is_saved_by_its_service(staff_client):
    with mock.patch.object(calendars, "calendar_save", wraps=calendars.calendar_save) as service:
        response = staff_client.post(reverse("admin:tickets_businesscalendar_add"), calendar_form())
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert service.call_count == 1
    calendar = BusinessCalendar.objects.get()
    assert list(calendar.hours.values_list("weekday", "start_minute", "end_minute")) == [(0, 540, 1080)]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"timezone": "Mars/Base"}, "Unknown time zone: Mars/Base."),
        ({"country": "XX"}, "No holiday calendar for XX."),
        (inline("hours", []), "A calendar needs at least one interval of working hours."),
        (
            inline(
                "hours",
                [
                    {"weekday": "1", "start_minute": "540", "end_minute": "780"},
                    {"weekday": "1", "start_minute": "720", "end_minute": "1080"},
                ],
            ),
            "The intervals of one weekday must not overlap.",
        ),
    ],
)
def test_the_services_refusal_is_shown_and_nothing_is_saved(staff_client, change, message):
    response = staff_client.post(reverse("admin:tickets_businesscalendar_add"), calendar_form(**change))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not BusinessCalendar.objects.exists()


def test_a_change_keeps_the_rows_and_refusal_leaves_them(staff_client):
    calendar = calendars.calendar_save(
        name="Office",
        timezone_name="Asia/Shanghai",
        hours=[{"weekday": 0, "start_minute": 540, "end_minute": 1080}],
    )
    hour = calendar.hours.get()
    url = reverse("admin:tickets_businesscalendar_change", args=[calendar.pk])
    rows = [
        {"id": str(hour.pk), "weekday": "0", "start_minute": "540", "end_minute": "720", "calendar": str(calendar.pk)}
    ]
    refused = staff_client.post(url, calendar_form(name="Office", timezone="Nowhere/Else", **inline("hours", rows, 1)))
    assert refused.status_code == 200 and "Unknown time zone" in refused.content.decode()
    assert list(calendar.hours.values_list("end_minute", flat=True)) == [1080]

    saved = staff_client.post(url, calendar_form(name="Office", **inline("hours", rows, 1)))
    assert saved.status_code == 302
    assert list(BusinessCalendar.objects.get().hours.values_list("end_minute", flat=True)) == [720]


def test_an_sla_policy_has_one_target_per_priority_and_metric(staff_client, sla_setup):
    target = {"priority": "urgent", "metric": "first_response", "minutes": "60", "calendar": str(sla_setup.always.pk)}
    data = {"name": "Gold", "description": "", "warn_at_percent": "75", **inline("targets", [target, target])}

    response = staff_client.post(reverse("admin:tickets_slapolicy_add"), data)

    assert response.status_code == 200 and "priority and metric" in response.content.decode()
    assert not SLAPolicy.objects.filter(name="Gold").exists()
    with mock.patch.object(policies, "policy_save", wraps=policies.policy_save) as service:
        saved = staff_client.post(reverse("admin:tickets_slapolicy_add"), {**data, **inline("targets", [target])})
    assert saved.status_code == 302 and service.call_count == 1
    assert SLAPolicy.objects.get(name="Gold").targets.get().minutes == 60


def test_escalation_steps_are_saved_in_the_order_of_their_position(staff_client, escalation_defaults):
    steps = [
        {"position": "2", "delay_minutes": "30", "action": "notify_managers", "team": "", "group": ""},
        {"position": "1", "delay_minutes": "0", "action": "notify_team_lead", "team": "", "group": ""},
    ]
    data = {"name": "Night shift", "description": "", "priority": "", "metric": "", "project": ""}
    data.update({"repeat_count": "0", "repeat_after_minutes": "30", "is_active": "on", **inline("steps", steps)})

    response = staff_client.post(reverse("admin:tickets_escalationpolicy_add"), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    policy = EscalationPolicy.objects.get(name="Night shift")
    assert list(policy.steps.order_by("position").values_list("action", flat=True)) == [
        "notify_team_lead",
        "notify_managers",
    ]
