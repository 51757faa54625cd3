"""Macros: the text rendered for the reader (language, time zone, placeholders kept inert), who
sees and changes which macro, and applying one through the ticket services."""

import pytest

from core.errors import NotAllowed, ServiceDeskError
from notifications.models import Notification, Reason
from tests.tickets.helpers import travel
from tests.tickets.macro_helpers import FILED, LATER, desk_macro, file_ticket, make_people
from tickets import services
from tickets.macro_text import placeholders_unknown
from tickets.models import Comment, Macro, Metric, Ticket, TicketEvent

pytestmark = pytest.mark.django_db

ALL_PLACEHOLDERS_EN = (
    "{{ customer.name }} / {{ ticket.reference }} / {{ ticket.title }} / {{ project.name }} / "
    "{{ engineer.name }} / {{ sla.first_response_due }} / {{ sla.resolution_due }}"
)


@pytest.fixture
def people(db):
    return make_people()


@pytest.fixture
def ticket(customer_a, project_a, sla_setup):
    customer_a.first_name, customer_a.last_name = "Ada", "Wong"
    customer_a.save()
    return file_ticket(customer_a, project_a)


def render(macro, ticket, actor):
    return services.macro_preview(actor=actor, macro=macro, ticket=Ticket.objects.get(pk=ticket.pk))


class TestRendering:
    def test_every_placeholder_in_english_with_english_dates_in_the_readers_zone(self, ticket, manager, engineer):
        engineer.first_name, engineer.last_name = "Sam", "Lee"
        engineer.save()
        macro = desk_macro(manager, body_en=ALL_PLACEHOLDERS_EN)
        with travel(LATER):
            rendered = render(macro, ticket, engineer)
        assert rendered.language == "en"
        assert rendered.text == (
            f"Ada Wong / {ticket.reference} / Gateway restarts / Project A / Sam Lee / 2 Feb 2026, 14:00 / "
            "3 Feb 2026, 18:00"
        )
        assert rendered.public is True
        assert rendered.actions == ["Sends a public reply"]

    def test_a_chinese_reader_gets_the_chinese_text_and_chinese_dates(self, ticket, manager, engineer, customer_a):
        customer_a.language = "zh-hans"
        customer_a.save()
        macro = desk_macro(manager, body_zh_hans="{{ customer.name }}您好，首次响应截止 {{ sla.first_response_due }}。")
        rendered = render(macro, ticket, engineer)
        assert rendered.language == "zh-hans"
        assert rendered.text == "Ada Wong您好，首次响应截止 2026年2月2日 14:00。"

    def test_the_other_language_when_the_readers_is_missing(self, ticket, manager, engineer, customer_a):
        customer_a.language = "zh-hans"
        customer_a.save()
        macro = desk_macro(manager, body_en="Due {{ sla.first_response_due }}", body_zh_hans="")
        rendered = render(macro, ticket, engineer)
        assert (rendered.language, rendered.text) == ("en", "Due 2 Feb 2026, 14:00")
        customer_a.language = "en"
        customer_a.save()
        chinese_only = desk_macro(
            manager, name="Chinese only", body_en="", body_zh_hans="截止 {{ sla.resolution_due }}"
        )
        rendered = render(chinese_only, ticket, engineer)
        assert (rendered.language, rendered.text) == ("zh-hans", "截止 2026年2月3日 18:00")

    def test_dates_in_the_readers_time_zone(self, ticket, manager, engineer, customer_a):
        customer_a.time_zone = "Europe/London"
        customer_a.save()
        macro = desk_macro(manager, body_en="By {{ sla.first_response_due }}")
        assert render(macro, ticket, engineer).text == "By 2 Feb 2026, 06:00"

    def test_no_clock_reads_as_a_dash(self, customer_a, project_a, sla_setup, manager, engineer):
        low = file_ticket(customer_a, project_a, priority="low")  # low has no targets
        macro = desk_macro(manager, body_en="By {{ sla.resolution_due }}")
        assert render(macro, low, engineer).text == "By —"

    def test_values_stay_inert_placeholders_and_html_included(
        self, customer_a, project_a, sla_setup, manager, engineer
    ):
        tricky = file_ticket(customer_a, project_a, title="{{ engineer.name }} <script>alert(1)</script> {% now %}")
        macro = desk_macro(manager, body_en="Re: {{ ticket.title }}")
        assert render(macro, tricky, engineer).text == "Re: {{ engineer.name }} <script>alert(1)</script> {% now %}"

    def test_a_placeholder_may_be_written_without_spaces(self, ticket, manager, engineer):
        macro = desk_macro(manager, body_en="{{ticket.reference}}")
        assert render(macro, ticket, engineer).text == ticket.reference

    def test_actions_are_described(self, ticket, manager, engineer):
        macro = desk_macro(
            manager, public=False, set_status="waiting_on_customer", set_priority="high", assignment="applier"
        )
        assert render(macro, ticket, engineer).actions == [
            "Adds an internal note",
            "Sets the status to Waiting on customer",
            "Sets the priority to High",
            "Assigns the ticket to you",
        ]


class TestSaving:
    @pytest.mark.parametrize(
        "text",
        [
            "{{ ticket.description }}",
            "{{ ticket.reporter.password }}",
            "{{ customer.name|upper }}",
            "{{ settings.SECRET_KEY }}",
            "Hello {{ customer.name }",
            "Hello }} there",
        ],
    )
    def test_unknown_placeholders_are_refused_with_a_clear_message(self, manager, text):
        with pytest.raises(ServiceDeskError) as refused:
            desk_macro(manager, body_en=text)
        assert refused.value.field == "body_en"
        assert "Unknown placeholder" in refused.value.message
        assert "{{ ticket.reference }}" in refused.value.message  # the list of known ones
        assert not Macro.objects.exists()

    def test_the_chinese_text_is_checked_too(self, manager):
        with pytest.raises(ServiceDeskError) as refused:
            desk_macro(manager, body_zh_hans="您好 {{ 客户 }}")
        assert refused.value.field == "body_zh_hans"

    def test_placeholders_unknown_lists_each_once(self):
        assert placeholders_unknown("{{ a }} {{ a }} {{ ticket.title }} {{ b }}") == ["{{ a }}", "{{ b }}"]

    def test_a_text_is_required(self, manager):
        with pytest.raises(ServiceDeskError) as refused:
            desk_macro(manager, body_en="  ", body_zh_hans="")
        assert refused.value.field == "body_en"

    def test_a_personal_macro_belongs_to_its_author(self, engineer):
        macro = services.macro_save(actor=engineer, name="Mine", body_en="Hi", scope="personal")
        assert (macro.owner, macro.team, macro.created_by) == (engineer, None, engineer)

    def test_desk_macros_are_for_managers_and_admins(self, engineer, manager, admin_user):
        with pytest.raises(NotAllowed):
            services.macro_save(actor=engineer, name="Desk", body_en="Hi", scope="desk")
        assert services.macro_save(actor=admin_user, name="Desk", body_en="Hi", scope="desk").owner is None

    def test_team_macros_by_members_managers_and_admins(self, people, manager):
        made = services.macro_save(actor=people.member, name="Team", body_en="Hi", scope="team", team=people.team)
        assert made.team == people.team
        with pytest.raises(ServiceDeskError) as refused:
            services.macro_save(actor=people.outsider, name="Team", body_en="Hi", scope="team", team=people.team)
        assert refused.value.field == "team"
        with pytest.raises(ServiceDeskError) as refused:
            services.macro_save(actor=manager, name="Team", body_en="Hi", scope="team")
        assert refused.value.field == "team"
        services.macro_save(actor=manager, macro=made, name="Renamed")
        assert Macro.objects.get(pk=made.pk).name == "Renamed"

    def test_customers_keep_no_macros(self, customer_a):
        with pytest.raises(NotAllowed):
            services.macro_save(actor=customer_a, name="Mine", body_en="Hi", scope="personal")

    def test_a_named_assignee_must_be_active_staff(self, manager, customer_a):
        with pytest.raises(ServiceDeskError) as refused:
            desk_macro(manager, assignment="user", assignee=None)
        assert refused.value.field == "assignee"
        with pytest.raises(ServiceDeskError) as refused:
            desk_macro(manager, assignment="user", assignee=customer_a)
        assert refused.value.field == "assignee"

    def test_only_who_may_change_it_changes_or_deletes_it(self, people, engineer, manager):
        mine = services.macro_save(actor=engineer, name="Mine", body_en="Hi", scope="personal")
        desk = desk_macro(manager)
        with pytest.raises(NotAllowed):
            services.macro_save(actor=manager, macro=mine, name="Not yours")
        with pytest.raises(NotAllowed):
            services.macro_save(actor=engineer, macro=desk, name="Not yours")
        with pytest.raises(NotAllowed):
            services.macro_delete(actor=engineer, macro=desk)
        # a member may not move a team macro to the whole desk
        team = services.macro_save(actor=people.member, name="Team", body_en="Hi", scope="team", team=people.team)
        with pytest.raises(NotAllowed):
            services.macro_save(actor=people.member, macro=team, scope="desk")
        services.macro_delete(actor=engineer, macro=mine)
        assert list(Macro.objects.order_by("name").values_list("name", flat=True)) == ["Ask for logs", "Team"]


class TestScoping:
    def test_who_sees_which(self, people, engineer, manager, customer_a):
        desk = desk_macro(manager)
        mine = services.macro_save(actor=engineer, name="Mine", body_en="Hi", scope="personal")
        team = services.macro_save(actor=people.member, name="Team", body_en="Hi", scope="team", team=people.team)

        def names(user, **kwargs):
            return [m.name for m in services.macro_list(user=user, **kwargs)]

        assert names(engineer) == [desk.name, mine.name]
        assert names(people.member) == [desk.name, team.name]
        assert names(people.outsider) == [desk.name]
        assert names(manager) == [desk.name, team.name]  # every team's, nobody's personal ones
        assert names(customer_a) == []

    def test_search_by_name_or_either_text(self, manager):
        desk_macro(
            manager, name="On-site visit scheduled", body_en="An engineer comes.", body_zh_hans="工程师将到现场。"
        )
        desk_macro(manager, name="Resolved", body_en="Please confirm.", body_zh_hans="请确认。")
        assert [m.name for m in services.macro_list(user=manager, q="visit")] == ["On-site visit scheduled"]
        assert [m.name for m in services.macro_list(user=manager, q="confirm")] == ["Resolved"]
        assert [m.name for m in services.macro_list(user=manager, q="现场")] == ["On-site visit scheduled"]
        assert [m.name for m in services.macro_list(user=manager, q="please resolved")] == ["Resolved"]


class TestApplying:
    def test_a_public_reply_macro_answers_the_customer_and_stops_the_first_response(
        self, ticket, manager, engineer, customer_a, django_capture_on_commit_callbacks
    ):
        macro = desk_macro(manager)
        with travel(LATER), django_capture_on_commit_callbacks(execute=False):
            services.macro_apply(actor=engineer, ticket=ticket, macro=macro)
        ticket.refresh_from_db()
        comment = Comment.objects.get(ticket=ticket)
        assert comment.public and comment.author == engineer
        assert comment.body == f"Dear Ada Wong, please send the logs of {ticket.reference}."
        assert ticket.first_response_at == LATER
        clock = ticket.clocks.get(metric=Metric.FIRST_RESPONSE)
        assert clock.stopped_at == LATER and clock.breached_at is None
        kinds = list(ticket.events.values_list("kind", flat=True))
        assert TicketEvent.Kind.REPLY in kinds and kinds[-1] == TicketEvent.Kind.MACRO
        event = ticket.events.get(kind=TicketEvent.Kind.MACRO)
        assert (event.public, event.data["name"], event.data["reply"]) == (False, "Ask for logs", comment.pk)
        told = Notification.objects.get(recipient=customer_a, reason=Reason.TICKET_REPLY)
        assert told.ticket_id == ticket.pk

    def test_the_chinese_reader_gets_the_reply_in_chinese(self, ticket, manager, engineer, customer_a):
        customer_a.language = "zh-hans"
        customer_a.save()
        services.macro_apply(actor=engineer, ticket=ticket, macro=desk_macro(manager))
        assert Comment.objects.get(ticket=ticket).body == f"Ada Wong您好，请发送 {ticket.reference} 的日志。"

    def test_status_priority_and_assignee_change_with_their_history(self, ticket, manager, engineer, customer_a):
        macro = desk_macro(manager, set_status="waiting_on_customer", set_priority="high", assignment="applier")
        with travel(LATER):
            services.macro_apply(actor=engineer, ticket=ticket, macro=macro)
        ticket.refresh_from_db()
        assert (ticket.status, ticket.priority, ticket.assignee) == ("waiting_on_customer", "high", engineer)
        kinds = set(ticket.events.values_list("kind", flat=True))
        assert {"status", "priority", "assigned", "reply", "macro"} <= kinds
        assert Notification.objects.filter(recipient=customer_a, reason=Reason.TICKET_STATUS).exists()

    def test_a_named_assignee_is_told(self, ticket, manager, engineer, people):
        macro = desk_macro(manager, assignment="user", assignee=people.member, public=False)
        services.macro_apply(actor=engineer, ticket=ticket, macro=macro)
        ticket.refresh_from_db()
        assert ticket.assignee == people.member
        assert Notification.objects.filter(recipient=people.member, reason=Reason.TICKET_ASSIGNED).exists()

    def test_an_internal_note_macro_does_not_answer_the_customer(self, ticket, manager, engineer, customer_a):
        with travel(LATER):
            services.macro_apply(actor=engineer, ticket=ticket, macro=desk_macro(manager, public=False))
        ticket.refresh_from_db()
        assert Comment.objects.get(ticket=ticket).public is False
        assert ticket.first_response_at is None
        assert not Notification.objects.filter(recipient=customer_a, reason=Reason.TICKET_REPLY).exists()

    def test_an_invalid_transition_saves_nothing(self, ticket, manager, engineer):
        macro = desk_macro(manager, set_status="closed", set_priority="urgent", assignment="applier")  # new -> closed
        events = ticket.events.count()
        notifications = Notification.objects.count()
        with travel(LATER), pytest.raises(ServiceDeskError) as refused:
            services.macro_apply(actor=engineer, ticket=ticket, macro=macro)
        assert refused.value.field == "status"
        ticket.refresh_from_db()
        assert (ticket.status, ticket.priority, ticket.assignee, ticket.first_response_at) == (
            "new",
            "normal",
            None,
            None,
        )
        assert not Comment.objects.exists()
        assert ticket.events.count() == events
        assert Notification.objects.count() == notifications
        assert ticket.clocks.get(metric=Metric.FIRST_RESPONSE).stopped_at is None

    def test_resolving_assigns_first_and_a_reopening_macro_reopens_first(self, ticket, manager, engineer):
        resolve = desk_macro(manager, name="Resolved", set_status="resolved", assignment="applier")
        with travel(LATER):
            services.macro_apply(actor=engineer, ticket=ticket, macro=resolve)
        ticket.refresh_from_db()
        assert (ticket.status, ticket.assignee) == ("resolved", engineer)
        services.ticket_update(ticket_id=ticket.pk, actor=engineer, status="closed")
        reopen = desk_macro(manager, name="Reopen", set_status="in_progress")
        services.macro_apply(actor=engineer, ticket=ticket, macro=reopen)
        ticket.refresh_from_db()
        assert ticket.status == "in_progress"
        assert ticket.comments.count() == 2

    def test_an_edited_text_is_sent_as_written(self, ticket, manager, engineer):
        services.macro_apply(actor=engineer, ticket=ticket, macro=desk_macro(manager), body="Edited {{ ticket.title }}")
        assert Comment.objects.get(ticket=ticket).body == "Edited {{ ticket.title }}"
        assert ticket.events.get(kind="macro").data["edited"] is True

    def test_an_empty_edited_text_is_refused(self, ticket, manager, engineer):
        with pytest.raises(ServiceDeskError):
            services.macro_apply(actor=engineer, ticket=ticket, macro=desk_macro(manager), body="  ")
        assert not Comment.objects.exists()

    def test_only_macros_the_engineer_may_use_and_active_ones(self, ticket, manager, engineer, people, customer_a):
        team = services.macro_save(actor=people.member, name="Team", body_en="Hi", scope="team", team=people.team)
        with pytest.raises(NotAllowed):
            services.macro_apply(actor=engineer, ticket=ticket, macro=team)
        off = desk_macro(manager, is_active=False)
        with pytest.raises(ServiceDeskError):
            services.macro_apply(actor=engineer, ticket=ticket, macro=off)
        with pytest.raises(NotAllowed):
            services.macro_apply(actor=customer_a, ticket=ticket, macro=desk_macro(manager, name="Other"))
        assert not Comment.objects.exists()

    def test_the_history_line_names_the_macro(self, ticket, manager, engineer):
        from tickets.presenters import event_line

        services.macro_apply(actor=engineer, ticket=ticket, macro=desk_macro(manager))
        assert event_line(ticket.events.get(kind="macro")) == "Macro applied: Ask for logs"


def test_filed_at_is_a_monday_morning():
    assert FILED.isoweekday() == 1 and FILED.hour == 9
