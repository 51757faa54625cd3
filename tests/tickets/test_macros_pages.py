"""Pages: /tickets/macros/ (list, new, edit, delete) and the picker on the ticket page (preview
with and without JavaScript, apply)."""

import pytest
from django.urls import reverse

from tests.tickets.helpers import travel
from tests.tickets.macro_helpers import LATER, desk_macro, file_ticket, make_people
from tickets import services
from tickets.models import Comment, Macro

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(db):
    return make_people()


@pytest.fixture
def ticket(customer_a, project_a, sla_setup):
    return file_ticket(customer_a, project_a)


def form_data(**fields) -> dict:
    data = {
        "name": "Waiting for you",
        "scope": "personal",
        "team": "",
        "body_en": "We wait for {{ customer.name }}.",
        "body_zh_hans": "",
        "public": "on",
        "set_status": "waiting_on_customer",
        "set_priority": "",
        "assignment": "",
        "assignee": "",
        "is_active": "on",
    }
    data.update(fields)
    return {key: value for key, value in data.items() if value is not None}


class TestManaging:
    def test_the_list_searches_and_offers_edit_only_where_allowed(self, client, manager, engineer):
        desk_macro(manager, name="Resolved, please confirm", body_en="Please confirm.")
        mine = services.macro_save(actor=engineer, name="My greeting", body_en="Hello", scope="personal")
        client.force_login(engineer)
        page = client.get(reverse("tickets:macro_list"))
        assert page.status_code == 200
        assert "Resolved, please confirm" in page.text and "My greeting" in page.text
        assert page.text.count(reverse("tickets:macro_edit", args=[mine.pk])) == 1
        assert 'href="/tickets/macros/' in page.text
        found = client.get(reverse("tickets:macro_list"), {"q": "confirm"})
        assert "Resolved, please confirm" in found.text and "My greeting" not in found.text

    def test_the_list_runs_a_fixed_number_of_queries(self, client, manager, people, django_assert_max_num_queries):
        for n in range(15):
            desk_macro(manager, name=f"Desk {n}", assignment="user", assignee=people.member)
            services.macro_save(actor=people.member, name=f"Team {n}", body_en="Hi", scope="team", team=people.team)
        client.force_login(people.member)
        with django_assert_max_num_queries(12):
            page = client.get(reverse("tickets:macro_list"))
        assert page.text.count("/edit/") == 15

    def test_customers_get_403(self, client, customer_a, manager):
        macro = desk_macro(manager)
        client.force_login(customer_a)
        assert client.get(reverse("tickets:macro_list")).status_code == 403
        assert client.get(reverse("tickets:macro_create")).status_code == 403
        assert client.post(reverse("tickets:macro_edit", args=[macro.pk]), form_data()).status_code == 403
        assert client.post(reverse("tickets:macro_delete", args=[macro.pk])).status_code == 403
        assert Macro.objects.filter(pk=macro.pk).exists()

    def test_create_edit_and_delete(self, client, engineer):
        client.force_login(engineer)
        answer = client.post(reverse("tickets:macro_create"), form_data())
        assert answer.status_code == 302
        macro = Macro.objects.get()
        assert (macro.owner, macro.set_status, macro.public) == (engineer, "waiting_on_customer", True)
        edit = client.get(reverse("tickets:macro_edit", args=[macro.pk]))
        assert "We wait for {{ customer.name }}." in edit.text  # escaped by the form, shown as written
        client.post(reverse("tickets:macro_edit", args=[macro.pk]), form_data(name="Renamed", public=None))
        macro.refresh_from_db()
        assert (macro.name, macro.public) == ("Renamed", False)
        assert "Delete the macro" in client.get(reverse("tickets:macro_delete", args=[macro.pk])).text
        client.post(reverse("tickets:macro_delete", args=[macro.pk]))
        assert not Macro.objects.exists()

    def test_an_unknown_placeholder_shows_on_the_form(self, client, engineer):
        client.force_login(engineer)
        page = client.post(reverse("tickets:macro_create"), form_data(body_en="Hi {{ ticket.owner }}"))
        assert page.status_code == 200
        assert "Unknown placeholder {{ ticket.owner }}" in page.text
        assert not Macro.objects.exists()

    def test_an_engineer_is_not_offered_the_desk_scope_and_may_not_edit_a_desk_macro(self, client, engineer, manager):
        desk = desk_macro(manager)
        client.force_login(engineer)
        assert 'value="desk"' not in client.get(reverse("tickets:macro_create")).text
        assert client.get(reverse("tickets:macro_edit", args=[desk.pk])).status_code == 403
        theirs = services.macro_save(actor=manager, name="Manager's", body_en="Hi", scope="personal")
        assert client.get(reverse("tickets:macro_edit", args=[theirs.pk])).status_code == 404

    def test_the_page_in_chinese(self, client, engineer):
        engineer.language = "zh-hans"
        engineer.save()
        client.force_login(engineer)
        page = client.get(reverse("tickets:macro_list"))
        assert page.status_code == 200 and 'lang="zh-hans"' in page.text.lower()


class TestPicker:
    def test_staff_see_the_picker_customers_do_not(self, client, engineer, customer_a, manager, ticket):
        desk_macro(manager)
        client.force_login(engineer)
        page = client.get(reverse("tickets:detail", args=[ticket.pk]))
        assert 'id="macro-picker"' in page.text and "Ask for logs" in page.text
        client.force_login(customer_a)
        page = client.get(reverse("tickets:detail", args=[ticket.pk]))
        assert page.status_code == 200
        assert "macro-picker" not in page.text and "Ask for logs" not in page.text

    def test_the_picker_adds_a_fixed_number_of_queries(
        self, client, engineer, manager, ticket, django_assert_max_num_queries
    ):
        client.force_login(engineer)
        desk_macro(manager, name="First")
        url = reverse("tickets:detail", args=[ticket.pk])
        client.get(url)
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as one:
            client.get(url)
        for n in range(20):
            desk_macro(manager, name=f"Macro {n}")
        with django_assert_max_num_queries(len(one.captured_queries)):
            page = client.get(url)
        assert page.text.count("<option value=") >= 21

    def test_the_preview_fragment_is_in_the_readers_language(self, client, engineer, manager, ticket, customer_a):
        customer_a.language = "zh-hans"
        customer_a.save()
        macro = desk_macro(manager)
        client.force_login(engineer)
        fragment = client.get(reverse("tickets:macro_preview", args=[ticket.pk]), {"macro": macro.pk})
        assert fragment.status_code == 200
        assert f"请发送 {ticket.reference} 的日志" in fragment.text
        assert 'lang="zh-hans"' in fragment.text and 'id="macro-insert"' in fragment.text
        assert client.get(reverse("tickets:macro_preview", args=[ticket.pk]), {"macro": "x"}).text == ""

    def test_a_value_with_html_is_escaped_in_the_preview(
        self, client, engineer, manager, customer_a, project_a, sla_setup
    ):
        tricky = file_ticket(customer_a, project_a, title="<img src=x onerror=alert(1)> {{ engineer.name }}")
        macro = desk_macro(manager, body_en="Re: {{ ticket.title }}")
        client.force_login(engineer)
        fragment = client.get(reverse("tickets:macro_preview", args=[tricky.pk]), {"macro": macro.pk})
        assert "<img src=x" not in fragment.text
        assert "&lt;img src=x onerror=alert(1)&gt; {{ engineer.name }}" in fragment.text

    def test_without_javascript_preview_then_apply(self, client, engineer, manager, ticket):
        macro = desk_macro(manager, set_status="waiting_on_customer")
        client.force_login(engineer)
        detail = reverse("tickets:detail", args=[ticket.pk])
        answer = client.post(reverse("tickets:apply_macro", args=[ticket.pk]), {"macro": macro.pk, "preview": "1"})
        assert answer.status_code == 302 and answer.url == f"{detail}?macro={macro.pk}#macro-picker"
        assert not Comment.objects.exists()
        page = client.get(f"{detail}?macro={macro.pk}")
        assert "Sets the status to Waiting on customer" in page.text
        assert f"please send the logs of {ticket.reference}" in page.text
        with travel(LATER):
            answer = client.post(reverse("tickets:apply_macro", args=[ticket.pk]), {"macro": macro.pk})
        assert answer.status_code == 302 and answer.url == detail
        ticket.refresh_from_db()
        assert ticket.status == "waiting_on_customer"
        assert Comment.objects.get(ticket=ticket).public
        assert "The macro Ask for logs was applied." in client.get(detail).text

    def test_a_refused_step_shows_a_message_and_saves_nothing(self, client, engineer, manager, ticket):
        macro = desk_macro(manager, set_status="closed")
        client.force_login(engineer)
        answer = client.post(reverse("tickets:apply_macro", args=[ticket.pk]), {"macro": macro.pk}, follow=True)
        assert "A ticket cannot go from New to Closed." in answer.text
        assert not Comment.objects.exists()

    def test_no_macro_chosen(self, client, engineer, ticket):
        client.force_login(engineer)
        answer = client.post(reverse("tickets:apply_macro", args=[ticket.pk]), {}, follow=True)
        assert "Choose a macro." in answer.text

    def test_customers_may_not_apply_nor_preview(self, client, customer_a, customer_b, manager, ticket):
        macro = desk_macro(manager)
        for customer in (customer_a, customer_b):
            client.force_login(customer)
            assert client.post(reverse("tickets:apply_macro", args=[ticket.pk]), {"macro": macro.pk}).status_code == 403
            preview = client.get(reverse("tickets:macro_preview", args=[ticket.pk]), {"macro": macro.pk})
            assert preview.status_code == 403
        assert not Comment.objects.exists()


class TestAdmin:
    def test_the_admin_saves_through_the_service(self, client, admin_user):
        client.force_login(admin_user)
        url = reverse("admin:tickets_macro_add")
        data = form_data(scope="desk", body_en="Hi {{ nobody.here }}")
        page = client.post(url, data)
        assert page.status_code == 200 and "Unknown placeholder {{ nobody.here }}" in page.text
        answer = client.post(url, form_data(scope="desk", name="From the admin"))
        assert answer.status_code == 302
        macro = Macro.objects.get()
        assert (macro.name, macro.scope, macro.created_by) == ("From the admin", "desk", admin_user)
        assert client.get(reverse("admin:tickets_macro_changelist")).status_code == 200
