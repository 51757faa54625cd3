"""What the macro tests share: a ticket filed on Monday 2 February 2026 at 09:00 in Shanghai
(normal priority: first response due 14:00, resolution due Tuesday 18:00, business hours) and
macros of every scope."""

from types import SimpleNamespace

from accounts.services import team_add_member
from tests.accounts.factories import TeamFactory, UserFactory
from tests.tickets.helpers import sh, travel
from tickets import services
from tickets.models import Macro

FILED = sh(2026, 2, 2, 9)
LATER = sh(2026, 2, 2, 10)


def file_ticket(customer, project, *, title: str = "Gateway restarts", priority: str = "normal"):
    with travel(FILED):
        return services.ticket_create(
            actor=customer, project=project, title=title, description="It restarts every hour.", priority=priority
        )


def desk_macro(manager, **fields) -> Macro:
    fields.setdefault("name", "Ask for logs")
    fields.setdefault("body_en", "Dear {{ customer.name }}, please send the logs of {{ ticket.reference }}.")
    fields.setdefault("body_zh_hans", "{{ customer.name }}您好，请发送 {{ ticket.reference }} 的日志。")
    return services.macro_save(actor=manager, scope=Macro.Scope.DESK, **fields)


def make_people():
    """The support team with ``member`` (an engineer), and ``outsider`` (an engineer of no team)."""
    team = TeamFactory(name="Support East", slug="support-east")
    member = UserFactory(username="member", first_name="Mei", last_name="Lin")
    team_add_member(team=team, user=member)
    outsider = UserFactory(username="outsider")
    return SimpleNamespace(team=team, member=member, outsider=outsider)
