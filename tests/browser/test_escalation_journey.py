"""An urgent fault left unanswered past its first response, in a real browser: the leadership
group's member sees it in the bell, opens the ticket from the notification and acknowledges the
escalation; the history says who stopped it."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Team, TeamMembership, User
from accounts.services import team_add_member
from tests.accounts.factories import UserFactory
from tests.tickets.conftest import create_escalation_defaults
from tests.tickets.helpers import ROUND_THE_CLOCK
from tickets import services
from tickets.calendars import calendar_save
from tickets.policies import policy_save

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_leadership_sees_the_breach_in_the_bell_and_acknowledges_it(
    page, log_in, customer_a, project_a, engineer, password
):
    calendar = calendar_save(name="24x7", timezone_name="Asia/Shanghai", hours=ROUND_THE_CLOCK)
    policy_save(
        name="Standard",
        is_default=True,
        targets=[{"priority": "urgent", "metric": "first_response", "minutes": 60, "calendar": calendar}],
    )
    create_escalation_defaults()
    leader = UserFactory(username="leader", role=User.Role.MANAGER, first_name="Lei", last_name="Leader")
    for kind in (Team.Kind.TECHNICAL, Team.Kind.LEADERSHIP):
        team_add_member(
            team=Team.objects.create(name=kind, slug=kind, kind=kind),
            user=leader if kind == Team.Kind.LEADERSHIP else engineer,
            position=TeamMembership.Position.MEMBER,
        )
    # logged from a phone call 61 minutes ago: the first response is a minute overdue, and the
    # deadline task (eager in tests) breaches it as the ticket is saved
    ticket = services.ticket_create(
        actor=engineer,
        project=project_a,
        reporter=customer_a,
        title="Pump station offline",
        description="No pressure in zone 3",
        priority="urgent",
        received_at=timezone.now() - datetime.timedelta(minutes=61),
    )

    log_in("leader", password)
    expect(page.locator("#bell-count")).to_have_text("1")
    page.locator("#bell").click()
    expect(page.locator("#notifications")).to_contain_text("Escalation")
    page.locator("#notifications a").first.click()
    page.wait_for_url(re.compile(rf"/tickets/{ticket.pk}/$"))
    expect(page.locator("#escalation")).to_contain_text("Urgent fault unanswered")
    page.locator("#acknowledge-button").click()
    expect(page.get_by_text("You acknowledged the escalation")).to_be_visible()
    expect(page.locator("#acknowledged")).to_contain_text("acknowledged by Lei Leader")
    expect(page.locator("#escalation")).to_have_count(0)
    expect(page.get_by_text("Escalation acknowledged")).to_be_visible()  # the history
    expect(page.locator("#bell-count")).to_have_count(0)  # read when opened
