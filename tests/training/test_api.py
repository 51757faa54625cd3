"""The training API: plans with their topics, sessions (enrol, cancel, attendance, enrolments)
and enrolments (cancel, feedback). Each resource: what it answers, who may write (403), what
another organisation gets (404), bad input (400, nothing saved), and the list's query count.
The knowledge base's API is tested in test_api_articles.py."""

import datetime

import pytest
from django.utils import timezone

from accounts.models import User
from tests.accounts.factories import CustomerFactory, UserFactory
from tests.customers.factories import ProjectFactory
from training import services
from training.models import Enrolment, Feedback, Topic, TrainingPlan, TrainingSession

pytestmark = pytest.mark.django_db

PLANS = "/api/v1/trainings/"
SESSIONS = "/api/v1/training-sessions/"
ENROLMENTS = "/api/v1/enrolments/"


def assert_bad(response, *fields: str) -> dict:
    """A 400 in the one error format, naming exactly these fields."""
    assert response.status_code == 400, response.content
    body = response.json()
    assert set(body) == {"detail", "errors"}
    assert isinstance(body["detail"], str) and body["detail"]
    assert set(body["errors"]) == set(fields), body
    return body


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    body = response.json()
    rows = body["results"] if isinstance(body, dict) else body
    return [row["id"] for row in rows]


def held(session: TrainingSession, *, hours_ago: int = 3, length: int = 2) -> None:
    """Move the session into the past: it started ``hours_ago`` and lasted ``length`` hours."""
    starts = timezone.now().replace(microsecond=0) - datetime.timedelta(hours=hours_ago)
    TrainingSession.objects.filter(pk=session.pk).update(
        starts_at=starts, ends_at=starts + datetime.timedelta(hours=length)
    )


def starting(hours: int = 2) -> str:
    return (timezone.now().replace(microsecond=0) + datetime.timedelta(days=3, hours=hours)).isoformat()


@pytest.fixture
def third_a(org_a):
    return CustomerFactory(username="cust-a3", organisation=org_a)


@pytest.fixture
def engineer_2(db):
    return UserFactory(username="eng2", role=User.Role.ENGINEER)


def enrol(session, contact, actor=None) -> Enrolment:
    return services.enrol(session_id=session.pk, contact=contact, actor=actor or contact)


# --- plans ----------------------------------------------------------------------------------


def test_staff_create_a_plan_with_its_topics(api, engineer, customer_a, project_a):
    data = {
        "project": project_a.pk,
        "title": "Administrator training",
        "audience": "System administrators",
        "notes": "Two mornings",
        "topics": [
            {"kind": "principles", "title": "How the system works", "hours": 1.5},
            {"kind": "maintenance", "title": "Backups", "description": "Daily and weekly", "hours": 2},
            {"title": "Their own reports"},
        ],
    }
    response = api.as_user(engineer).post(PLANS, data, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["project"] == project_a.pk and body["project_name"] == "Project A"
    assert body["title"] == "Administrator training" and body["audience"] == "System administrators"
    assert body["is_active"] is True
    assert [(t["kind"], t["title"], t["hours"], t["position"]) for t in body["topics"]] == [
        ("principles", "How the system works", 1.5, 0),
        ("maintenance", "Backups", 2.0, 1),
        ("custom", "Their own reports", 1.0, 2),
    ]
    plan = TrainingPlan.objects.get(pk=body["id"])
    assert plan.created_by == engineer and plan.topics.count() == 3
    # the customer reads it
    assert api.as_user(customer_a).get(f"{PLANS}{plan.pk}/").json()["topics"][1]["description"] == "Daily and weekly"


def test_changing_the_topics_keeps_the_named_ones_in_the_new_order(api, engineer, plan_a):
    operation, troubleshooting = plan_a.topics.all()
    data = {
        "topics": [
            {"id": troubleshooting.pk, "title": "Troubleshooting faults"},
            {"title": "Questions", "hours": 0.5},
        ]
    }
    response = api.as_user(engineer).patch(f"{PLANS}{plan_a.pk}/", data, format="json")

    assert response.status_code == 200, response.content
    topics = response.json()["topics"]
    # what a named topic leaves out stays; a new one gets the defaults
    first = topics[0]
    assert (first["id"], first["kind"], first["title"], first["hours"]) == (
        troubleshooting.pk,
        "troubleshooting",
        "Troubleshooting faults",
        1.0,
    )
    assert (topics[1]["kind"], topics[1]["title"], topics[1]["hours"]) == ("custom", "Questions", 0.5)
    assert not Topic.objects.filter(pk=operation.pk).exists()
    # leaving the topics out keeps them
    response = api.as_user(engineer).patch(f"{PLANS}{plan_a.pk}/", {"is_active": False}, format="json")
    assert response.status_code == 200 and response.json()["is_active"] is False
    assert plan_a.topics.count() == 2


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"project": "DROP"}, "project"),
        ({"project": "AS_TEXT"}, "project"),
        ({"project": None, "title": "X"}, "project"),
        ({"project": 999999, "title": "X"}, "project"),
        ({"project": 1.0, "title": "X"}, "project"),
        ({"title": ""}, "title"),
        ({"title": 5}, "title"),
        ({"is_active": "true"}, "is_active"),
        ({"topics": {"title": "X"}}, "topics"),
        ({"topics": [{"title": ""}]}, "topics"),
        ({"topics": [{"kind": "custom", "hours": 2}]}, "topics"),
        ({"topics": [None]}, "topics"),
        ({"topics": [{"title": "X", "kind": "games"}]}, "topics"),
        ({"topics": [{"title": "X", "hours": 1.25}]}, "topics"),
        ({"topics": [{"title": "X", "hours": "2"}]}, "topics"),
        ({"topics": [{"title": "X", "hours": 101}]}, "topics"),
        ({"topics": [{"title": "X", "hours": -1}]}, "topics"),
        ({"topics": [{"title": "X", "id": True}]}, "topics"),
        ({"topics": [{"title": "X", "id": 999999}]}, "topics"),
    ],
)
def test_a_bad_plan_is_refused_and_nothing_is_saved(api, engineer, project_a, data, field):
    data = {"project": project_a.pk, "title": "Operators", **data}
    data = {key: str(project_a.pk) if value == "AS_TEXT" else value for key, value in data.items() if value != "DROP"}

    assert_bad(api.as_user(engineer).post(PLANS, data, format="json"), field)

    assert not TrainingPlan.objects.exists() and not Topic.objects.exists()


def test_a_topic_of_another_plan_is_refused_and_the_plan_is_unchanged(api, engineer, plan_a, project_a):
    other = services.plan_save(actor=engineer, project=project_a, title="Other", topics=[{"title": "Theirs"}])
    theirs = other.topics.get()
    data = {"title": "Renamed", "topics": [{"id": theirs.pk, "title": "Mine now"}]}

    assert_bad(api.as_user(engineer).patch(f"{PLANS}{plan_a.pk}/", data, format="json"), "topics")
    untitled = {"title": "Renamed", "topics": [{"kind": "custom"}]}  # a PATCH still needs a new topic's title
    assert_bad(api.as_user(engineer).patch(f"{PLANS}{plan_a.pk}/", untitled, format="json"), "topics")

    plan_a.refresh_from_db()
    theirs.refresh_from_db()
    assert plan_a.title == "Operator training" and plan_a.topics.count() == 2 and theirs.title == "Theirs"


def test_a_plan_for_an_inactive_project_is_refused(api, engineer, org_a):
    project = ProjectFactory(organisation=org_a, is_active=False)

    response = api.as_user(engineer).post(PLANS, {"project": project.pk, "title": "Late"}, format="json")

    assert_bad(response, "project")
    assert not TrainingPlan.objects.exists()


def test_plans_are_scoped_and_written_by_staff(api, plan_a, engineer, customer_a, customer_b, project_a, project_b):
    plan_b = services.plan_save(actor=engineer, project=project_b, title="B's plan")
    detail = f"{PLANS}{plan_a.pk}/"

    assert ids(api.as_user(customer_a).get(PLANS)) == [plan_a.pk]
    assert ids(api.as_user(customer_b).get(PLANS)) == [plan_b.pk]
    assert set(ids(api.as_user(engineer).get(PLANS))) == {plan_a.pk, plan_b.pk}
    assert api.as_user(customer_b).get(detail).status_code == 404
    # writes: the customer of A is not allowed (403), B's does not see it (404)
    assert api.as_user(customer_a).patch(detail, {"title": "Mine"}, format="json").status_code == 403
    assert api.as_user(customer_b).patch(detail, {"title": "Mine"}, format="json").status_code == 404
    assert (
        api.as_user(customer_a).post(PLANS, {"project": project_a.pk, "title": "X"}, format="json").status_code == 403
    )
    # staff may not name a project that does not exist, customers' scope aside
    assert_bad(api.as_user(engineer).post(PLANS, {"project": 999999, "title": "X"}, format="json"), "project")
    plan_a.refresh_from_db()
    assert plan_a.title == "Operator training" and TrainingPlan.objects.count() == 2


def test_anonymous_callers_get_401(api, plan_a, session_a):
    for url in (PLANS, f"{PLANS}{plan_a.pk}/", SESSIONS, f"{SESSIONS}{session_a.pk}/", ENROLMENTS):
        assert api.get(url).status_code == 401
    assert api.post(f"{SESSIONS}{session_a.pk}/enrol/", {}, format="json").status_code == 401


def test_plans_filter_by_project_and_activity(api, engineer, plan_a, project_a, project_b):
    inactive = services.plan_save(actor=engineer, project=project_a, title="Old", is_active=False)
    plan_b = services.plan_save(actor=engineer, project=project_b, title="B")
    client = api.as_user(engineer)

    assert set(ids(client.get(PLANS, {"project": project_a.pk}))) == {plan_a.pk, inactive.pk}
    assert set(ids(client.get(PLANS, {"is_active": "true"}))) == {plan_a.pk, plan_b.pk}
    assert ids(client.get(PLANS, {"is_active": "false"})) == [inactive.pk]


@pytest.mark.parametrize(
    "params", [{"is_active": "yes"}, {"is_active": ""}, {"project": "x"}, {"project": "999999"}, {"project": ""}]
)
def test_a_bad_plan_filter_is_a_400(api, engineer, params):
    assert_bad(api.as_user(engineer).get(PLANS, params), *params)


@pytest.mark.parametrize("count", [1, 6])
def test_the_plan_list_query_count_does_not_grow(
    api, engineer, customer_a, project_a, count, django_assert_max_num_queries
):
    for n in range(count):
        services.plan_save(
            actor=engineer, project=project_a, title=f"Plan {n}", topics=[{"title": "A"}, {"title": "B"}]
        )
    client = api.as_user(customer_a)

    with django_assert_max_num_queries(4):
        response = client.get(PLANS)
    assert len(ids(response)) == count


# --- sessions -------------------------------------------------------------------------------


def session_data(plan, trainer, overrides=None):
    data = {
        "plan": plan.pk,
        "title": "Operator training, second group",
        "format": "centralised",
        "location": "Training centre, room 3",
        "trainer": trainer.pk,
        "starts_at": starting(0),
        "ends_at": starting(3),
        "capacity": 12,
        "language": "zh-hans",
        "topics": [topic.pk for topic in plan.topics.all()],
    }
    return {**data, **(overrides or {})}


def test_staff_plan_a_session_that_the_customer_reads(api, engineer, customer_a, plan_a):
    response = api.as_user(engineer).post(SESSIONS, session_data(plan_a, engineer), format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["plan"] == plan_a.pk and body["project"] == plan_a.project_id and body["project_name"] == "Project A"
    assert body["format"] == "centralised" and body["location"] == "Training centre, room 3"
    assert body["trainer"] == engineer.pk and body["trainer_name"] == str(engineer)
    assert body["capacity"] == 12 and body["seats_taken"] == 0 and body["waiting"] == 0
    assert body["language"] == "zh-hans" and body["status"] == "scheduled" and body["cancel_reason"] == ""
    assert sorted(body["topics"]) == sorted(plan_a.topics.values_list("pk", flat=True))
    assert body["materials"] == [] and body["my_enrolment"] is None
    assert api.as_user(customer_a).get(f"{SESSIONS}{body['id']}/").json()["title"] == "Operator training, second group"


def test_the_meeting_link_is_for_staff_and_those_with_a_seat(
    api, engineer, session_a, customer_a, colleague_a, third_a
):
    enrol(session_a, customer_a)
    enrol(session_a, colleague_a)
    enrol(session_a, third_a)  # waitlisted
    link = "https://meet.example.com/abc"
    url = f"{SESSIONS}{session_a.pk}/"
    assert api.as_user(engineer).get(url).json()["meeting_link"] == link
    assert api.as_user(customer_a).get(url).json()["meeting_link"] == link
    assert api.as_user(third_a).get(url).json()["meeting_link"] == ""
    listed = api.as_user(third_a).get(SESSIONS).json()["results"]
    assert [row["meeting_link"] for row in listed] == [""]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"format": "online", "location": ""}, "meeting_link"),
        ({"format": "onsite", "location": ""}, "location"),
        ({"format": "webinar"}, "format"),
        ({"meeting_link": "not a link"}, "meeting_link"),
        ({"ends_at": starting(-1)}, "ends_at"),
        ({"starts_at": "tomorrow"}, "starts_at"),
        ({"starts_at": 1767225600}, "starts_at"),
        ({"capacity": 0}, "capacity"),
        ({"capacity": 1001}, "capacity"),
        ({"capacity": "12"}, "capacity"),
        ({"language": "fr"}, "language"),
        ({"plan": None}, "plan"),
        ({"plan": 999999}, "plan"),
        ({"topics": 5}, "topics"),
        ({"topics": {}}, "topics"),
        ({"topics": {"1": 1}}, "topics"),
        ({"topics": [999999]}, "topics"),
        ({"title": ["X"]}, "title"),
    ],
)
def test_a_bad_session_is_refused_and_nothing_is_saved(api, engineer, plan_a, overrides, field):
    response = api.as_user(engineer).post(SESSIONS, session_data(plan_a, engineer, overrides), format="json")

    assert_bad(response, field)
    assert not TrainingSession.objects.exists()


def test_the_trainer_is_an_active_member_of_staff_and_topics_come_from_the_plan(
    api, engineer, customer_a, plan_a, project_a
):
    client = api.as_user(engineer)
    assert_bad(client.post(SESSIONS, session_data(plan_a, customer_a), format="json"), "trainer")
    other = services.plan_save(actor=engineer, project=project_a, title="Other", topics=[{"title": "Elsewhere"}])
    response = client.post(SESSIONS, session_data(plan_a, engineer, {"topics": [other.topics.get().pk]}), format="json")
    assert_bad(response, "topics")
    assert not TrainingSession.objects.exists()


def test_sessions_are_scoped_and_written_by_staff(api, engineer, customer_a, customer_b, session_a, plan_a):
    detail = f"{SESSIONS}{session_a.pk}/"

    assert ids(api.as_user(customer_a).get(SESSIONS)) == [session_a.pk]
    assert ids(api.as_user(customer_b).get(SESSIONS)) == []
    assert api.as_user(customer_b).get(detail).status_code == 404
    assert api.as_user(customer_a).patch(detail, {"capacity": 5}, format="json").status_code == 403
    assert api.as_user(customer_b).patch(detail, {"capacity": 5}, format="json").status_code == 404
    response = api.as_user(customer_a).post(SESSIONS, session_data(plan_a, engineer), format="json")
    assert response.status_code == 403
    session_a.refresh_from_db()
    assert session_a.capacity == 2 and TrainingSession.objects.count() == 1


def test_enlarging_a_session_seats_the_waiting_list(api, engineer, session_a, customer_a, colleague_a, third_a):
    for contact in (customer_a, colleague_a, third_a):
        enrol(session_a, contact)

    response = api.as_user(engineer).patch(f"{SESSIONS}{session_a.pk}/", {"capacity": 3}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["seats_taken"] == 3 and response.json()["waiting"] == 0
    # and it cannot shrink below the people enrolled
    assert_bad(api.as_user(engineer).patch(f"{SESSIONS}{session_a.pk}/", {"capacity": 2}, format="json"), "capacity")


def test_a_session_shows_its_materials(api, engineer, customer_a, session_a):
    services.material_add(session_id=session_a.pk, actor=engineer, title="Slides", url="https://example.com/slides")

    materials = api.as_user(customer_a).get(f"{SESSIONS}{session_a.pk}/").json()["materials"]

    assert [(m["title"], m["url"]) for m in materials] == [("Slides", "https://example.com/slides")]


def test_a_file_material_links_to_its_download_page(api, engineer, customer_a, session_a, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    handout = SimpleUploadedFile("handout.pdf", b"%PDF-1.4 handout", content_type="application/pdf")
    material = services.material_add(session_id=session_a.pk, actor=engineer, title="Handout", file=handout)

    materials = api.as_user(customer_a).get(f"{SESSIONS}{session_a.pk}/").json()["materials"]

    assert materials == [
        {
            "id": material.pk,
            "title": "Handout",
            "url": f"{settings.SITE_URL.rstrip('/')}/training/sessions/{session_a.pk}/materials/{material.pk}/",
        }
    ]


def test_sessions_filter_by_plan_project_format_status_and_time(api, engineer, session_a, plan_a, project_b):
    plan_b = services.plan_save(actor=engineer, project=project_b, title="B")
    starts = timezone.now() + datetime.timedelta(days=2)
    onsite = services.session_save(
        actor=engineer,
        plan=plan_b,
        title="On site",
        format="onsite",
        location="Plant 2",
        trainer=engineer,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=1),
    )
    past = services.session_save(
        actor=engineer,
        plan=plan_a,
        title="Past",
        format="onsite",
        location="Plant 1",
        trainer=engineer,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=1),
    )
    held(past)
    services.session_cancel(session_id=onsite.pk, actor=engineer, reason="Trainer ill")
    client = api.as_user(engineer)

    assert set(ids(client.get(SESSIONS, {"plan": plan_a.pk}))) == {session_a.pk, past.pk}
    assert ids(client.get(SESSIONS, {"project": project_b.pk})) == [onsite.pk]
    assert set(ids(client.get(SESSIONS, {"format": "onsite"}))) == {onsite.pk, past.pk}
    assert ids(client.get(SESSIONS, {"status": "cancelled"})) == [onsite.pk]
    assert set(ids(client.get(SESSIONS, {"upcoming": "true"}))) == {session_a.pk, onsite.pk}
    assert ids(client.get(SESSIONS, {"upcoming": "false"})) == [past.pk]


@pytest.mark.parametrize(
    "params",
    [
        {"upcoming": "soon"},
        {"upcoming": ""},
        {"format": "webinar"},
        {"status": "done"},
        {"plan": "x"},
        {"project": "0"},
    ],
)
def test_a_bad_session_filter_is_a_400(api, engineer, params):
    assert_bad(api.as_user(engineer).get(SESSIONS, params), *params)


@pytest.mark.parametrize("count", [1, 6])
def test_the_session_list_query_count_does_not_grow(
    api, engineer, customer_a, plan_a, count, django_assert_max_num_queries
):
    starts = timezone.now() + datetime.timedelta(days=2)
    for n in range(count):
        session = services.session_save(
            actor=engineer,
            plan=plan_a,
            title=f"Session {n}",
            format="online",
            meeting_link="https://meet.example.com/x",
            trainer=engineer,
            starts_at=starts,
            ends_at=starts + datetime.timedelta(hours=1),
            capacity=1,
            topics=plan_a.topics.all(),
        )
        services.material_add(session_id=session.pk, actor=engineer, title="Slides", url="https://example.com/s")
        enrol(session, customer_a)  # seated
        enrol(session, CustomerFactory(organisation=customer_a.organisation))  # waiting
    for user in (customer_a, engineer):
        client = api.as_user(user)
        with django_assert_max_num_queries(6):
            response = client.get(SESSIONS)
        assert len(ids(response)) == count
    rows = api.as_user(customer_a).get(SESSIONS).json()["results"]
    assert all(row["my_enrolment"]["status"] == "enrolled" and row["waiting"] == 1 for row in rows)


# --- enrolment and the waiting list ---------------------------------------------------------


def test_a_customer_enrols_and_the_third_waits_until_a_seat_is_free(api, session_a, customer_a, colleague_a, third_a):
    enrol_url = f"{SESSIONS}{session_a.pk}/enrol/"

    first = api.as_user(customer_a).post(enrol_url, {}, format="json")
    assert first.status_code == 201, first.content
    body = first.json()
    assert body["contact"] == customer_a.pk and body["contact_name"] == str(customer_a)
    assert body["session"] == session_a.pk and body["session_title"] == "Online operator training"
    assert body["status"] == "enrolled" and body["waiting_position"] is None and body["attendance"] == ""
    assert body["feedback"] is None and body["certificate_url"] is None
    assert body["invitation_url"].endswith(f"/training/sessions/{session_a.pk}/invitation.ics")
    assert api.as_user(colleague_a).post(enrol_url, {}, format="json").json()["status"] == "enrolled"

    third = api.as_user(third_a).post(enrol_url, {"contact": third_a.pk}, format="json")
    assert third.status_code == 201, third.content
    assert third.json()["status"] == "waitlisted" and third.json()["waiting_position"] == 1
    assert third.json()["invitation_url"] is None
    session = api.as_user(third_a).get(f"{SESSIONS}{session_a.pk}/").json()
    assert session["seats_taken"] == 2 and session["waiting"] == 1
    assert session["my_enrolment"] == {
        "id": third.json()["id"],
        "status": "waitlisted",
        "attendance": "",
        "waiting_position": 1,
    }

    cancelled = api.as_user(customer_a).post(f"{ENROLMENTS}{body['id']}/cancel/", format="json")
    assert cancelled.status_code == 200, cancelled.content
    assert cancelled.json()["status"] == "cancelled" and cancelled.json()["cancelled_at"]
    seated = api.as_user(third_a).get(f"{ENROLMENTS}{third.json()['id']}/").json()
    assert seated["status"] == "enrolled" and seated["waiting_position"] is None
    assert api.as_user(third_a).get(f"{SESSIONS}{session_a.pk}/").json()["my_enrolment"]["status"] == "enrolled"


def test_staff_enrol_a_contact_of_the_projects_organisation(api, engineer, manager, session_a, customer_a, customer_b):
    url = f"{SESSIONS}{session_a.pk}/enrol/"

    response = api.as_user(manager).post(url, {"contact": customer_a.pk}, format="json")
    assert response.status_code == 201, response.content
    assert Enrolment.objects.get().enrolled_by == manager
    # twice, someone of another organisation, staff themselves: refused
    assert_bad(api.as_user(manager).post(url, {"contact": customer_a.pk}, format="json"), "contact")
    assert_bad(api.as_user(manager).post(url, {"contact": customer_b.pk}, format="json"), "contact")
    assert_bad(api.as_user(engineer).post(url, {}, format="json"), "contact")
    assert Enrolment.objects.count() == 1


def test_customers_enrol_only_themselves_in_their_own_organisations_sessions(
    api, session_a, customer_a, colleague_a, customer_b
):
    url = f"{SESSIONS}{session_a.pk}/enrol/"

    assert api.as_user(customer_b).post(url, {}, format="json").status_code == 404
    assert api.as_user(customer_a).post(url, {"contact": colleague_a.pk}, format="json").status_code == 403
    # another organisation's person does not exist for a customer
    assert_bad(api.as_user(customer_a).post(url, {"contact": customer_b.pk}, format="json"), "contact")
    assert not Enrolment.objects.exists()


@pytest.mark.parametrize("data", [{"contact": "1"}, {"contact": None}, {"contact": 999999}, {"contact": True}])
def test_a_bad_enrolment_is_refused(api, manager, session_a, data):
    assert_bad(api.as_user(manager).post(f"{SESSIONS}{session_a.pk}/enrol/", data, format="json"), "contact")
    assert not Enrolment.objects.exists()


def test_enrolment_closes_when_the_session_starts_or_is_cancelled(api, engineer, session_a, customer_a, colleague_a):
    url = f"{SESSIONS}{session_a.pk}/enrol/"
    services.session_cancel(session_id=session_a.pk, actor=engineer, reason="Trainer ill")
    assert_bad(api.as_user(customer_a).post(url, {}, format="json"))
    TrainingSession.objects.filter(pk=session_a.pk).update(status=TrainingSession.Status.SCHEDULED)
    held(session_a, hours_ago=1)
    assert_bad(api.as_user(colleague_a).post(url, {}, format="json"))
    assert not Enrolment.objects.exists()


# --- cancelling a session -------------------------------------------------------------------


def test_staff_cancel_a_session_saying_why(api, engineer, session_a, customer_a, customer_b):
    url = f"{SESSIONS}{session_a.pk}/cancel/"
    enrolment = enrol(session_a, customer_a)

    assert api.as_user(customer_a).post(url, {"reason": "No"}, format="json").status_code == 403
    assert api.as_user(customer_b).post(url, {"reason": "No"}, format="json").status_code == 404
    assert_bad(api.as_user(engineer).post(url, {"reason": "  "}, format="json"), "reason")
    assert_bad(api.as_user(engineer).post(url, {}, format="json"), "reason")
    session_a.refresh_from_db()
    assert session_a.status == "scheduled"

    response = api.as_user(engineer).post(url, {"reason": "The trainer is ill"}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "cancelled" and response.json()["cancel_reason"] == "The trainer is ill"
    assert api.as_user(customer_a).get(f"{ENROLMENTS}{enrolment.pk}/").json()["invitation_url"] is None
    # a cancelled session is not changed again
    assert_bad(api.as_user(engineer).post(url, {"reason": "Again"}, format="json"))
    assert_bad(api.as_user(engineer).patch(f"{SESSIONS}{session_a.pk}/", {"capacity": 5}, format="json"))


# --- attendance -----------------------------------------------------------------------------


def test_the_trainer_takes_attendance_once_the_session_has_started(
    api, engineer, engineer_2, manager, session_a, customer_a, colleague_a, customer_b
):
    present, absent = enrol(session_a, customer_a), enrol(session_a, colleague_a)
    url = f"{SESSIONS}{session_a.pk}/attendance/"
    marks = {
        "marks": [{"enrolment": present.pk, "attendance": "present"}, {"enrolment": absent.pk, "attendance": "absent"}]
    }

    assert_bad(api.as_user(engineer).post(url, marks, format="json"))  # not started yet
    held(session_a, hours_ago=1)
    assert api.as_user(engineer_2).post(url, marks, format="json").status_code == 403
    assert api.as_user(customer_a).post(url, marks, format="json").status_code == 403
    assert api.as_user(customer_b).post(url, marks, format="json").status_code == 404
    assert not Enrolment.objects.exclude(attendance="").exists()

    response = api.as_user(engineer).post(url, marks, format="json")

    assert response.status_code == 200, response.content
    assert {row["id"]: row["attendance"] for row in response.json()} == {present.pk: "present", absent.pk: "absent"}
    present.refresh_from_db()
    assert present.attendance_by == engineer and present.attendance_at is not None
    # a manager corrects a mark
    correction = {"marks": [{"enrolment": absent.pk, "attendance": "present"}]}
    assert api.as_user(manager).post(url, correction, format="json").status_code == 200
    absent.refresh_from_db()
    assert absent.attendance == "present" and absent.attendance_by == manager


@pytest.mark.parametrize(
    ("marks", "field"),
    [
        ([], "marks"),
        ({"enrolment": 1, "attendance": "present"}, "marks"),
        ([{"enrolment": "ENROLMENT", "attendance": "late"}], "marks"),
        ([{"enrolment": "ENROLMENT", "attendance": ""}], "marks"),
        ([{"enrolment": "1", "attendance": "present"}], "marks"),
        ([{"enrolment": "ENROLMENT", "attendance": "present"}] * 2, "marks"),
        ([{"enrolment": 999999, "attendance": "present"}], None),
        ([{"enrolment": "WAITING", "attendance": "present"}], None),
    ],
)
def test_bad_marks_are_refused_and_nothing_is_marked(
    api, engineer, session_a, customer_a, colleague_a, third_a, marks, field
):
    enrolment, waiting = enrol(session_a, customer_a), None
    enrol(session_a, colleague_a)
    waiting = enrol(session_a, third_a)
    held(session_a, hours_ago=1)
    swap = {"ENROLMENT": enrolment.pk, "WAITING": waiting.pk}
    if isinstance(marks, list):
        marks = [{**mark, "enrolment": swap.get(mark["enrolment"], mark["enrolment"])} for mark in marks]

    response = api.as_user(engineer).post(f"{SESSIONS}{session_a.pk}/attendance/", {"marks": marks}, format="json")

    assert_bad(response, *([field] if field else []))
    assert not Enrolment.objects.exclude(attendance="").exists()


def test_two_people_queued_at_the_same_moment_are_told_apart(
    api, engineer, session_a, customer_a, colleague_a, third_a, org_a
):
    enrol(session_a, customer_a)
    enrol(session_a, colleague_a)
    first, second = enrol(session_a, third_a), enrol(session_a, CustomerFactory(organisation=org_a))
    Enrolment.objects.filter(pk=second.pk).update(queued_at=first.queued_at)

    rows = api.as_user(engineer).get(f"{SESSIONS}{session_a.pk}/enrolments/").json()["results"]

    positions = {row["id"]: row["waiting_position"] for row in rows}
    assert (positions[first.pk], positions[second.pk]) == (1, 2)
    second.refresh_from_db()
    assert services.waiting_position(second) == 2


# --- a session's enrolments -----------------------------------------------------------------


def test_a_sessions_enrolments_staff_see_all_a_customer_their_own(
    api, engineer, session_a, customer_a, colleague_a, third_a, customer_b
):
    mine, theirs, waiting = enrol(session_a, customer_a), enrol(session_a, colleague_a), enrol(session_a, third_a)
    url = f"{SESSIONS}{session_a.pk}/enrolments/"

    rows = api.as_user(engineer).get(url).json()["results"]
    assert [row["id"] for row in rows] == [mine.pk, theirs.pk, waiting.pk]
    assert rows[2]["waiting_position"] == 1
    assert ids(api.as_user(customer_a).get(url)) == [mine.pk]
    assert api.as_user(customer_b).get(url).status_code == 404


# --- enrolments: list, cancel, feedback, certificate ----------------------------------------


def test_enrolments_are_the_customers_own(api, engineer, session_a, customer_a, colleague_a, customer_b):
    mine, theirs = enrol(session_a, customer_a), enrol(session_a, colleague_a)

    assert ids(api.as_user(customer_a).get(ENROLMENTS)) == [mine.pk]
    assert ids(api.as_user(customer_b).get(ENROLMENTS)) == []
    assert ids(api.as_user(engineer).get(ENROLMENTS)) == [mine.pk, theirs.pk]
    assert api.as_user(customer_a).get(f"{ENROLMENTS}{theirs.pk}/").status_code == 404
    assert api.as_user(customer_b).get(f"{ENROLMENTS}{mine.pk}/").status_code == 404
    assert api.as_user(customer_a).post(f"{ENROLMENTS}{theirs.pk}/cancel/").status_code == 404
    assert api.as_user(customer_b).post(f"{ENROLMENTS}{mine.pk}/cancel/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "enrolled"


def test_staff_cancel_an_enrolment_but_not_after_the_start(api, engineer, session_a, customer_a, colleague_a):
    mine, theirs = enrol(session_a, customer_a), enrol(session_a, colleague_a)

    response = api.as_user(engineer).post(f"{ENROLMENTS}{mine.pk}/cancel/")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert_bad(api.as_user(engineer).post(f"{ENROLMENTS}{mine.pk}/cancel/"))  # already
    held(session_a, hours_ago=1)
    assert_bad(api.as_user(colleague_a).post(f"{ENROLMENTS}{theirs.pk}/cancel/"))
    theirs.refresh_from_db()
    assert theirs.status == "enrolled"


def test_enrolments_filter_by_session_and_status(api, engineer, session_a, plan_a, customer_a, colleague_a, third_a):
    starts = timezone.now() + datetime.timedelta(days=3)
    other = services.session_save(
        actor=engineer,
        plan=plan_a,
        title="Other",
        format="onsite",
        location="Plant",
        trainer=engineer,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=1),
    )
    seated, second, waiting = enrol(session_a, customer_a), enrol(session_a, colleague_a), enrol(session_a, third_a)
    elsewhere = enrol(other, customer_a)
    client = api.as_user(engineer)

    assert ids(client.get(ENROLMENTS, {"session": other.pk})) == [elsewhere.pk]
    assert ids(client.get(ENROLMENTS, {"session": session_a.pk, "status": "waitlisted"})) == [waiting.pk]
    assert ids(client.get(f"{ENROLMENTS}?status=enrolled&status=waitlisted&session={session_a.pk}")) == [
        seated.pk,
        second.pk,
        waiting.pk,
    ]


@pytest.mark.parametrize("params", [{"status": "gone"}, {"status": ""}, {"session": "x"}, {"session": "999999"}])
def test_a_bad_enrolment_filter_is_a_400(api, engineer, params):
    assert_bad(api.as_user(engineer).get(ENROLMENTS, params), *params)


def test_feedback_after_the_session_from_a_participant_who_was_present(
    api, engineer, session_a, customer_a, colleague_a
):
    mine, theirs = enrol(session_a, customer_a), enrol(session_a, colleague_a)
    url = f"{ENROLMENTS}{mine.pk}/feedback/"
    data = {"rating": 5, "trainer_rating": 4, "comments": "Clear and practical"}

    assert_bad(api.as_user(customer_a).post(url, data, format="json"))  # not held yet
    assert api.as_user(customer_a).get(f"{ENROLMENTS}{mine.pk}/").json()["certificate_url"] is None
    held(session_a, hours_ago=1, length=2)  # started, not ended
    services.attendance_take(session_id=session_a.pk, actor=engineer, marks={mine.pk: "present", theirs.pk: "absent"})
    assert_bad(api.as_user(customer_a).post(url, data, format="json"))  # not ended yet
    assert api.as_user(customer_a).get(f"{ENROLMENTS}{mine.pk}/").json()["certificate_url"] is None
    held(session_a)  # ended an hour ago
    assert_bad(api.as_user(colleague_a).post(f"{ENROLMENTS}{theirs.pk}/feedback/", data, format="json"))  # absent
    assert api.as_user(engineer).post(url, data, format="json").status_code == 403  # not the participant
    assert not Feedback.objects.exists()

    response = api.as_user(customer_a).post(url, data, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["rating"] == 5 and response.json()["trainer_rating"] == 4
    assert response.json()["enrolment"] == mine.pk
    body = api.as_user(customer_a).get(f"{ENROLMENTS}{mine.pk}/").json()
    assert body["feedback"]["comments"] == "Clear and practical"
    assert body["certificate_url"].endswith(f"/training/enrolments/{mine.pk}/certificate.pdf")
    assert body["certificate_url"].startswith("http")
    assert api.as_user(colleague_a).get(f"{ENROLMENTS}{theirs.pk}/").json()["certificate_url"] is None
    # once only
    assert_bad(api.as_user(customer_a).post(url, {"rating": 1}, format="json"))
    assert Feedback.objects.get().rating == 5


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({}, "rating"),
        ({"rating": 0}, "rating"),
        ({"rating": 6}, "rating"),
        ({"rating": "5"}, "rating"),
        ({"rating": 4.5}, "rating"),
        ({"rating": None}, "rating"),
        ({"rating": 5, "trainer_rating": 9}, "trainer_rating"),
        ({"rating": 5, "comments": 7}, "comments"),
    ],
)
def test_bad_feedback_is_refused(api, engineer, session_a, customer_a, data, field):
    mine = enrol(session_a, customer_a)
    held(session_a)
    services.attendance_take(session_id=session_a.pk, actor=engineer, marks={mine.pk: "present"})

    assert_bad(api.as_user(customer_a).post(f"{ENROLMENTS}{mine.pk}/feedback/", data, format="json"), field)
    assert not Feedback.objects.exists()


def test_feedback_may_leave_the_trainer_unrated(api, engineer, session_a, customer_a):
    mine = enrol(session_a, customer_a)
    held(session_a)
    services.attendance_take(session_id=session_a.pk, actor=engineer, marks={mine.pk: "present"})

    response = api.as_user(customer_a).post(f"{ENROLMENTS}{mine.pk}/feedback/", {"rating": 3}, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["trainer_rating"] is None and response.json()["comments"] == ""


@pytest.mark.parametrize("count", [2, 8])
def test_the_enrolment_list_query_count_does_not_grow(
    api, engineer, session_a, customer_a, count, django_assert_max_num_queries
):
    for n in range(count):
        contact = CustomerFactory(organisation=customer_a.organisation)
        enrolment = enrol(session_a, contact)
        if n == 0:
            held(session_a)
            services.attendance_take(session_id=session_a.pk, actor=engineer, marks={enrolment.pk: "present"})
            services.feedback_submit(enrolment_id=enrolment.pk, actor=contact, rating=4)
            TrainingSession.objects.filter(pk=session_a.pk).update(
                starts_at=timezone.now() + datetime.timedelta(days=1),
                ends_at=timezone.now() + datetime.timedelta(days=1, hours=1),
            )
    client = api.as_user(engineer)

    with django_assert_max_num_queries(3):
        response = client.get(ENROLMENTS)
    assert len(ids(response)) == count
    with django_assert_max_num_queries(4):
        response = client.get(f"{SESSIONS}{session_a.pk}/enrolments/")
    assert len(ids(response)) == count
    assert sum(1 for row in response.json()["results"] if row["waiting_position"]) == count - 2
