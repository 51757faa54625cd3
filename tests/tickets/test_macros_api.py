"""API: /api/v1/macros/ (CRUD, search, preview) and POST /api/v1/tickets/<id>/apply-macro/."""

import pytest

from tests.tickets.helpers import travel
from tests.tickets.macro_helpers import LATER, desk_macro, file_ticket, make_people
from tickets import services
from tickets.models import Comment, Macro

pytestmark = pytest.mark.django_db

MACROS = "/api/v1/macros/"


def apply_url(ticket) -> str:
    return f"/api/v1/tickets/{ticket.pk}/apply-macro/"


@pytest.fixture
def people(db):
    return make_people()


@pytest.fixture
def ticket(customer_a, project_a, sla_setup):
    return file_ticket(customer_a, project_a)


class TestCrud:
    def test_staff_list_what_they_may_use_and_search_it(self, api, manager, engineer, people):
        desk_macro(manager, name="On-site visit scheduled", body_en="An engineer comes.")
        desk_macro(manager, name="Resolved", body_en="Please confirm.")
        services.macro_save(actor=people.member, name="Team only", body_en="Hi", scope="team", team=people.team)
        client = api.as_user(engineer)
        answer = client.get(MACROS)
        assert answer.status_code == 200
        assert [row["name"] for row in answer.json()["results"]] == ["On-site visit scheduled", "Resolved"]
        row = answer.json()["results"][0]
        assert (row["scope"], row["can_change"], row["team_name"]) == ("desk", False, None)
        assert [row["name"] for row in client.get(MACROS, {"q": "confirm"}).json()["results"]] == ["Resolved"]

    def test_the_list_runs_a_fixed_number_of_queries(self, api, manager, people, django_assert_max_num_queries):
        for n in range(12):
            services.macro_save(actor=people.member, name=f"Team {n}", body_en="Hi", scope="team", team=people.team)
            desk_macro(manager, name=f"Desk {n}", assignment="user", assignee=people.member)
        client = api.as_user(people.member)
        with django_assert_max_num_queries(6):
            answer = client.get(MACROS)
        assert answer.json()["count"] == 24
        assert all(row["can_change"] == row["name"].startswith("Team") for row in answer.json()["results"])

    def test_customers_are_refused(self, api, customer_a, manager):
        macro = desk_macro(manager)
        client = api.as_user(customer_a)
        assert client.get(MACROS).status_code == 403
        assert client.get(f"{MACROS}{macro.pk}/").status_code == 403
        assert client.post(MACROS, {"name": "x", "body_en": "y", "scope": "personal"}, format="json").status_code == 403

    def test_create_a_personal_macro(self, api, engineer):
        answer = api.as_user(engineer).post(
            MACROS,
            {"name": "Logs", "body_en": "Send {{ ticket.reference }} logs", "scope": "personal", "public": False},
            format="json",
        )
        assert answer.status_code == 201, answer.json()
        assert (answer.json()["owner"], answer.json()["public"], answer.json()["can_change"]) == (
            engineer.pk,
            False,
            True,
        )

    def test_an_unknown_placeholder_is_a_400_on_its_field(self, api, manager):
        answer = api.as_user(manager).post(
            MACROS, {"name": "Bad", "body_zh_hans": "您好 {{ ticket.secret }}", "scope": "desk"}, format="json"
        )
        assert answer.status_code == 400
        assert "{{ ticket.secret }}" in answer.json()["errors"]["body_zh_hans"][0]
        assert not Macro.objects.exists()

    def test_wrong_types_are_refused(self, api, manager):
        answer = api.as_user(manager).post(MACROS, {"name": 5, "body_en": "x", "scope": "desk"}, format="json")
        assert answer.status_code == 400
        answer = api.as_user(manager).post(MACROS, {"name": "x", "body_en": "x", "scope": "everyone"}, format="json")
        assert answer.status_code == 400

    def test_an_engineer_may_not_change_a_desk_macro_nor_see_anothers_personal_one(self, api, manager, engineer):
        desk = desk_macro(manager)
        theirs = services.macro_save(actor=manager, name="Manager's", body_en="Hi", scope="personal")
        client = api.as_user(engineer)
        assert client.patch(f"{MACROS}{desk.pk}/", {"name": "Mine now"}, format="json").status_code == 403
        assert client.delete(f"{MACROS}{desk.pk}/").status_code == 403
        assert client.get(f"{MACROS}{theirs.pk}/").status_code == 404
        assert client.patch(f"{MACROS}{theirs.pk}/", {"name": "x"}, format="json").status_code == 404
        assert client.post(MACROS, {"name": "x", "body_en": "y", "scope": "desk"}, format="json").status_code == 403
        assert Macro.objects.get(pk=desk.pk).name == "Ask for logs"

    def test_a_manager_changes_and_deletes_a_desk_macro(self, api, manager):
        desk = desk_macro(manager)
        client = api.as_user(manager)
        answer = client.patch(f"{MACROS}{desk.pk}/", {"set_status": "waiting_on_customer"}, format="json")
        assert answer.status_code == 200 and answer.json()["set_status"] == "waiting_on_customer"
        assert client.delete(f"{MACROS}{desk.pk}/").status_code == 204
        assert not Macro.objects.exists()


class TestPreview:
    def test_the_text_for_the_reader_and_the_actions(self, api, manager, engineer, ticket, customer_a):
        customer_a.language = "zh-hans"
        customer_a.save()
        macro = desk_macro(manager, set_status="waiting_on_customer")
        answer = api.as_user(engineer).get(f"{MACROS}{macro.pk}/preview/", {"ticket": ticket.pk})
        assert answer.status_code == 200, answer.json()
        body = answer.json()
        assert body["language"] == "zh-hans"
        assert body["text"] == f"{customer_a}您好，请发送 {ticket.reference} 的日志。"
        assert body["actions"] == ["Sends a public reply", "Sets the status to Waiting on customer"]
        assert (body["macro"], body["ticket"], body["public"]) == (macro.pk, ticket.pk, True)

    def test_a_ticket_is_required_and_must_exist(self, api, manager, engineer):
        macro = desk_macro(manager)
        client = api.as_user(engineer)
        assert client.get(f"{MACROS}{macro.pk}/preview/").status_code == 400
        assert client.get(f"{MACROS}{macro.pk}/preview/", {"ticket": "abc"}).status_code == 400
        assert client.get(f"{MACROS}{macro.pk}/preview/", {"ticket": 999999}).status_code == 404


class TestApply:
    def test_apply_answers_the_ticket_as_its_detail_does(self, api, manager, engineer, ticket):
        macro = desk_macro(manager, set_status="waiting_on_customer", set_priority="high", assignment="applier")
        client = api.as_user(engineer)
        with travel(LATER):
            answer = client.post(apply_url(ticket), {"macro": macro.pk}, format="json")
            detail = client.get(f"/api/v1/tickets/{ticket.pk}/")
        assert answer.status_code == 200, answer.json()
        assert answer.json() == detail.json()
        assert (answer.json()["status"], answer.json()["priority"], answer.json()["assignee"]) == (
            "waiting_on_customer",
            "high",
            engineer.pk,
        )
        assert answer.json()["sla"]["first_response"]["stopped_at"] is not None

    def test_an_edited_body(self, api, manager, engineer, ticket):
        macro = desk_macro(manager)
        answer = api.as_user(engineer).post(apply_url(ticket), {"macro": macro.pk, "body": "Edited."}, format="json")
        assert answer.status_code == 200
        assert Comment.objects.get(ticket=ticket).body == "Edited."

    def test_an_invalid_transition_is_a_400_and_saves_nothing(self, api, manager, engineer, ticket):
        macro = desk_macro(manager, set_status="closed", assignment="applier")
        answer = api.as_user(engineer).post(apply_url(ticket), {"macro": macro.pk}, format="json")
        assert answer.status_code == 400
        assert answer.json()["errors"] == {"status": [answer.json()["detail"]]}
        ticket.refresh_from_db()
        assert (ticket.status, ticket.assignee) == ("new", None)
        assert not Comment.objects.exists()

    def test_bad_input(self, api, manager, engineer, ticket, people):
        client = api.as_user(engineer)
        assert client.post(apply_url(ticket), {}, format="json").status_code == 400
        assert client.post(apply_url(ticket), {"macro": "1"}, format="json").status_code == 400
        team = services.macro_save(actor=people.member, name="Team", body_en="Hi", scope="team", team=people.team)
        answer = client.post(apply_url(ticket), {"macro": team.pk}, format="json")  # not the engineer's to use
        assert answer.status_code == 400 and "macro" in answer.json()["errors"]
        macro = desk_macro(manager)
        assert client.post(apply_url(ticket), {"macro": macro.pk, "body": 3}, format="json").status_code == 400
        assert client.post("/api/v1/tickets/999999/apply-macro/", {"macro": macro.pk}, format="json").status_code == 404
        assert not Comment.objects.exists()

    def test_customers_are_refused(self, api, manager, ticket, customer_a, customer_b):
        macro = desk_macro(manager)
        assert api.as_user(customer_a).post(apply_url(ticket), {"macro": macro.pk}, format="json").status_code == 403
        assert api.as_user(customer_b).post(apply_url(ticket), {"macro": macro.pk}, format="json").status_code == 403
        assert not Comment.objects.exists()
