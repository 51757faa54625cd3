"""The demo's macros: five desk-wide ones in both languages, a personal one of ``engineer`` and a
team one; seeding again changes nothing, and each renders on a demo ticket."""

import pytest
from django.core.management import call_command

from accounts.models import User
from demo.macros import seed_macros
from tickets import services
from tickets.models import Macro, Ticket

pytestmark = pytest.mark.django_db


def test_the_demo_macros():
    call_command("seed_demo", verbosity=0)
    assert seed_macros() == 0  # seed_demo made them already
    desk = Macro.objects.filter(scope="desk")
    assert desk.count() >= 5
    assert all(macro.body_en and macro.body_zh_hans for macro in Macro.objects.all())
    engineer = User.objects.get(username="engineer")
    assert Macro.objects.filter(scope="personal", owner=engineer).exists()
    assert Macro.objects.filter(scope="team", team__slug="first-line-support").exists()
    ticket = Ticket.objects.filter(status="new").first()
    for macro in services.macro_list(user=engineer):
        text = services.macro_preview(actor=engineer, macro=macro, ticket=ticket).text
        assert "{{" not in text and ticket.reference in text
