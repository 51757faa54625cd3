"""A ticket's history reads in the reader's language with the labels of what was stored, from
one presenter per event kind (``tickets.presenters``)."""

import pytest
from django.urls import reverse
from django.utils import translation

from tickets import presenters, services
from tickets.models import TicketEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(customer_a, project_a, engineer, sla_setup):
    ticket = services.ticket_create(actor=customer_a, project=project_a, title="Gateway", description="Restarts")
    services.ticket_update(ticket_id=ticket.pk, actor=engineer, status="in_progress", priority="urgent")
    return ticket


def lines(ticket) -> list[str]:
    return [presenters.event_line(event) for event in ticket.events.order_by("pk")]


def test_the_history_says_labels_not_stored_values(history):
    with translation.override("en"):
        said = lines(history)
    assert "Status changed: In progress" in said and "Priority changed: Urgent" in said
    assert "Created: Portal, Normal" in said
    assert not any("in_progress" in line for line in said)


def test_the_history_reads_in_chinese_on_a_chinese_page(client, history, engineer):
    with translation.override("zh-hans"):
        said = lines(history)
    assert "状态已变更：处理中" in said and "优先级已变更：紧急" in said, said
    client.force_login(engineer)
    page = client.get(reverse("tickets:detail", args=[history.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    text = page.content.decode()
    assert "in_progress" not in text.split('id="timeline"')[1].split("</div>\n\n")[0]
    assert "Status changed" not in text


def test_every_kind_that_changes_something_has_its_line():
    silent = {TicketEvent.Kind.REPLY, TicketEvent.Kind.NOTE}  # shown as the reply or note itself
    for kind in set(TicketEvent.Kind.values) - silent:
        assert kind in presenters._RENDERERS, kind


def test_a_wing_registers_its_line(history, engineer):
    from maintenance import services as maintenance

    maintenance.coverage_decide(ticket_id=history.pk, actor=engineer, cause="product_quality")
    event = history.events.get(kind=TicketEvent.Kind.COVERAGE)
    with translation.override("en"):
        assert presenters.event_line(event).startswith("Coverage decided: ")
        assert "(Product quality" in presenters.event_line(event)
