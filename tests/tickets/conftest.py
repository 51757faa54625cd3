from datetime import date
from types import SimpleNamespace

import pytest

from accounts.models import Team, TeamMembership, User
from accounts.services import team_add_member
from tests.accounts.factories import UserFactory
from tests.tickets.helpers import BUSINESS_HOURS, ROUND_THE_CLOCK
from tickets.calendars import calendar_save
from tickets.defaults import escalation_defaults_ensure
from tickets.models import EscalationPolicy, EscalationStep
from tickets.policies import policy_save


@pytest.fixture
def sla_setup(db):
    """A business calendar (Mon-Fri 09:00-12:00 and 13:00-18:00 Asia/Shanghai, Saturday
    2026-02-14 a make-up working day), a 24x7 calendar, and the default policy: normal tickets
    on business hours, urgent ones round the clock; low and high have no targets."""
    business = calendar_save(
        name="Business hours",
        timezone_name="Asia/Shanghai",
        hours=BUSINESS_HOURS,
        days=[{"date": date(2026, 2, 14), "kind": "workday", "name": "Spring Festival make-up day"}],
    )
    always = calendar_save(name="Round the clock", timezone_name="Asia/Shanghai", hours=ROUND_THE_CLOCK)
    policy = policy_save(
        name="Standard",
        is_default=True,
        targets=[
            {"priority": "normal", "metric": "first_response", "minutes": 240, "calendar": business},
            {"priority": "normal", "metric": "resolution", "minutes": 960, "calendar": business},
            {"priority": "urgent", "metric": "first_response", "minutes": 60, "calendar": always},
            {"priority": "urgent", "metric": "resolution", "minutes": 240, "calendar": always},
            {"priority": "urgent", "metric": "onsite_arrival", "minutes": 120, "calendar": always},
        ],
    )
    return SimpleNamespace(business=business, always=always, policy=policy)


def create_escalation_defaults() -> None:
    """The defaults the data migration and setup_desk create (a transactional test elsewhere may
    have emptied the tables since)."""
    escalation_defaults_ensure(EscalationPolicy, EscalationStep)


@pytest.fixture
def escalation_defaults(db):
    create_escalation_defaults()


@pytest.fixture
def groups(db):
    """The emergency groups and a support team, with members: tech (technical lead), leader
    (leadership), liaison, and the support team's lead ``lead`` and engineer ``eng2``."""
    people = SimpleNamespace()
    for kind, slug, username, position in [
        (Team.Kind.TECHNICAL, "technical", "tech", TeamMembership.Position.TECHNICAL_LEAD),
        (Team.Kind.LEADERSHIP, "leadership", "leader", TeamMembership.Position.PROJECT_LEAD),
        (Team.Kind.LIAISON, "liaisons", "liaison", TeamMembership.Position.LIAISON),
        (Team.Kind.SUPPORT, "support", "lead", TeamMembership.Position.TECHNICAL_LEAD),
    ]:
        team = Team.objects.get_or_create(slug=slug, defaults={"name": slug.title(), "kind": kind})[0]
        user = UserFactory(username=username, role=User.Role.ENGINEER)
        team_add_member(team=team, user=user, position=position)
        setattr(people, username, user)
        setattr(people, f"{slug}_team", team)
    people.eng2 = UserFactory(username="eng2", role=User.Role.ENGINEER)
    team_add_member(team=people.support_team, user=people.eng2, position=TeamMembership.Position.ENGINEER)
    return people
