"""Whom to call: ``GET /api/v1/support-contacts/`` and the liaison on duty for a customer's
projects (``Rota.projects``: empty covers every project), set through ``rotas.rota_save``, the
rota API and the admin."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from accounts.models import User
from customers import services as customer_services
from emergency import rotas
from emergency.models import Rota
from tests.accounts.factories import UserFactory
from tests.customers.factories import ProjectFactory
from tests.emergency.test_admin import rota_form

pytestmark = pytest.mark.django_db

URL = "/api/v1/support-contacts/"
# Wednesday 2026-01-07 12:00 in Shanghai: the first week's turn, hand-over at 09:00
NOON = datetime.datetime(2026, 1, 7, 12, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def duty(groups, project_a, project_b):
    """Two rotas on duty: "Zephyr A" covers project A only (liaison on duty, eng2 next), "All"
    every project (tech on duty)."""
    groups.liaison.phone = "+86 138 0000 0001"
    groups.liaison.save()
    common = {"timezone": "Asia/Shanghai", "handover": datetime.time(9), "shift_days": 7}
    covering = rotas.rota_save(
        name="Zephyr A",
        starts_on=datetime.date(2026, 1, 5),
        members=[groups.liaison, groups.eng2],
        projects=[project_a],
        **common,
    )
    everyone = rotas.rota_save(name="All", starts_on=datetime.date(2026, 1, 5), members=[groups.tech], **common)
    return covering, everyone


@pytest.fixture
def travel():
    with time_machine.travel(NOON, tick=False):
        yield


def names(body) -> list[tuple[str, int]]:
    return sorted((d["rota_name"], d["user"]) for d in body["on_duty"])


def test_a_customer_sees_the_liaisons_covering_its_projects_and_no_one_elses(
    api, duty, travel, groups, customer_a, customer_b
):
    body_a = api.as_user(customer_a).get(URL).json()
    assert names(body_a) == [("All", groups.tech.pk), ("Zephyr A", groups.liaison.pk)]
    zephyr = next(d for d in body_a["on_duty"] if d["rota_name"] == "Zephyr A")
    assert (zephyr["name"], zephyr["phone"]) == (str(groups.liaison), "+86 138 0000 0001")
    assert zephyr["every_project"] is False
    assert [p["name"] for p in zephyr["projects"]] == ["Project A"]
    assert zephyr["until"] == "2026-01-12T09:00:00+08:00"
    assert body_a["customer_liaisons"] == []
    # organisation B's customer: only the rota of every project; nothing of A's
    body_b = api.as_user(customer_b).get(URL).json()
    assert names(body_b) == [("All", groups.tech.pk)]
    assert "Zephyr" not in str(body_b) and "Project A" not in str(body_b)


def test_staff_see_every_liaison_on_duty_and_the_customers_own_liaisons(
    api, duty, travel, groups, engineer, project_a, project_b, customer_a, customer_b
):
    customer_a.phone = "+86 21 5555 0000"
    customer_a.save()
    customer_services.project_update(actor=engineer, project=project_a, customer_liaison=customer_a)
    customer_services.project_update(actor=engineer, project=project_b, customer_liaison=customer_b)
    body = api.as_user(engineer).get(URL).json()
    assert names(body) == [("All", groups.tech.pk), ("Zephyr A", groups.liaison.pk)]
    assert [(c["project_name"], c["name"], c["phone"]) for c in body["customer_liaisons"]] == [
        ("Project A", str(customer_a), "+86 21 5555 0000"),
        ("Project B", str(customer_b), ""),
    ]
    # for one project: the rotas covering it and its own liaison
    body = api.as_user(engineer).get(URL, {"project": project_b.pk}).json()
    assert names(body) == [("All", groups.tech.pk)]
    assert [c["project"] for c in body["customer_liaisons"]] == [project_b.pk]


def test_hotlines_in_the_answer_are_those_the_user_may_see(api, admin_user, customer_a, customer_b, org_b, engineer):
    customer_services.hotline_number_save(actor=admin_user, label="Desk", number="400-1", hours="24 x 7")
    customer_services.hotline_number_save(
        actor=admin_user, organisation=org_b, label="Zephyr B", number="021-2", hours="9-17"
    )
    assert api.as_user(customer_a).get(URL).json()["hotlines"] == [
        {"label": "Desk", "number": "400-1", "hours": "24 x 7", "organisation": None}
    ]
    assert [h["number"] for h in api.as_user(customer_b).get(URL).json()["hotlines"]] == ["021-2"]
    assert [h["number"] for h in api.as_user(engineer).get(URL).json()["hotlines"]] == ["400-1"]


def test_another_organisations_project_is_not_found_and_a_bad_filter_is_refused(api, customer_a, project_b, duty):
    assert api.as_user(customer_a).get(URL, {"project": project_b.pk}).status_code == 404
    response = api.as_user(customer_a).get(URL, {"project": "x"})
    assert response.status_code == 400 and set(response.json()) == {"detail", "errors"}
    assert "project" in response.json()["errors"]


def test_visitors_are_turned_away(client):
    assert client.get(URL).status_code == 401


def test_the_answer_costs_a_bounded_number_of_queries(
    api, duty, travel, engineer, django_assert_max_num_queries, admin_user
):
    for _n in range(8):
        project = ProjectFactory()
        liaison = UserFactory(role=User.Role.CUSTOMER, organisation=project.organisation)
        customer_services.project_update(actor=engineer, project=project, customer_liaison=liaison)
        rotas.rota_save(rota=duty[0], projects=[*duty[0].projects.all(), project])
    client = api.as_user(engineer)
    # the token, the user; hotlines, rotas with members and overrides (then kept), the rotas'
    # projects, the customers' liaisons
    with django_assert_max_num_queries(10):
        body = client.get(URL).json()
    assert len(body["customer_liaisons"]) == 8 and len(body["on_duty"]) == 2


# --- Rota.projects: service, API, admin, page ------------------------------------------------


def test_the_rota_api_sets_and_answers_the_projects_covered(api, manager, groups, project_a):
    payload = {
        "name": "Zephyr rota",
        "timezone": "Asia/Shanghai",
        "handover": "09:00",
        "shift_days": 7,
        "starts_on": "2026-01-05",
        "members": [groups.liaison.pk],
        "projects": [project_a.pk],
    }
    response = api.as_user(manager).post("/api/v1/rotas/", payload, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["projects"] == [project_a.pk]
    rota_id = response.json()["id"]
    response = api.as_user(manager).patch(f"/api/v1/rotas/{rota_id}/", {"projects": []}, format="json")
    assert response.status_code == 200 and response.json()["projects"] == []
    assert not Rota.objects.get(pk=rota_id).projects.exists()


def test_the_admin_and_the_rota_page_show_the_projects_covered(client, admin_user, groups, project_a):
    client.force_login(admin_user)
    form = rota_form([(1, groups.liaison)], projects=[str(project_a.pk)])
    response = client.post(reverse("admin:emergency_rota_add"), form)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert list(Rota.objects.get().projects.all()) == [project_a]
    page = client.get(reverse("emergency:rotas")).content.decode()
    covered = page.split('class="small rota-projects"')[1].split("</p>")[0]
    assert "Project A" in covered


def test_a_rota_change_shows_at_once_for_customers(duty, travel, customer_b, django_capture_on_commit_callbacks):
    assert [d.shift.rota.name for d in rotas.on_duty_for(user=customer_b)] == ["All"]
    with django_capture_on_commit_callbacks(execute=True):
        rotas.rota_save(rota=duty[0], projects=[])  # now every project
    assert sorted(d.shift.rota.name for d in rotas.on_duty_for(user=customer_b)) == ["All", "Zephyr A"]


def test_a_customer_sees_its_liaison_on_duty_on_the_portal_home(client, duty, travel, customer_a, customer_b):
    client.force_login(customer_a)
    page = client.get(reverse("home")).content.decode()
    assert "liaison" in page and "+86 138 0000 0001" in page
    client.force_login(customer_b)
    page = client.get(reverse("home")).content.decode()
    assert "+86 138 0000 0001" not in page
