"""The SLA measures' demo data, made by ``seed_demo`` through the services:

- the default policy gets an update target per priority (the next public update due within
  1 hour for urgent faults round the clock, 2, 4 and 8 working hours for high, normal and low),
  on the calendar of the priority's resolution target;
- a ticket Alice called in three hours before the seeding, answered by a logged call, resolved,
  and reopened by Alice an hour before the seeding: it is in its second SLA cycle (the ticket
  page's SLA history shows both), its update target running.

Idempotent: a policy that has update targets keeps them; the ticket (found by its title) is
left alone.
"""

import datetime

from django.utils import timezone

from accounts.models import User
from customers.models import Project
from tickets import services
from tickets.models import SLAPolicy, Ticket
from tickets.policies import policy_save

UPDATE_MINUTES = {"urgent": 60, "high": 120, "normal": 240, "low": 480}
TITLE = "Flow meter readings frozen after the firmware upgrade"


def _update_targets(policy: SLAPolicy) -> int:
    targets = list(policy.targets.select_related("calendar"))
    if any(target.metric == "update" for target in targets):
        return 0
    rows = [{"priority": t.priority, "metric": t.metric, "minutes": t.minutes, "calendar": t.calendar} for t in targets]
    calendars = {t.priority: t.calendar for t in targets if t.metric == "resolution"}
    rows += [
        {"priority": priority, "metric": "update", "minutes": minutes, "calendar": calendars[priority]}
        for priority, minutes in UPDATE_MINUTES.items()
        if priority in calendars
    ]
    policy_save(
        policy=policy,
        name=policy.name,
        description=policy.description,
        is_default=policy.is_default,
        warn_at_percent=policy.warn_at_percent,
        acknowledgement_stops_first_response=policy.acknowledgement_stops_first_response,
        targets=rows,
    )
    return 1


def seed_sla() -> int:
    """Returns how many objects were made or changed."""
    made = 0
    policy = SLAPolicy.objects.filter(is_default=True).first()
    if policy is not None:
        made += _update_targets(policy)
    alice = User.objects.filter(username="alice").first()
    engineer = User.objects.filter(username="engineer").first()
    if alice is None or engineer is None or Ticket.objects.filter(title=TITLE).exists():
        return made
    project = Project.objects.filter(organisation=alice.organisation, is_active=True).first()
    if project is None:
        return made
    # dated back from now, so every clock of the first cycle stopped before the demo is seen
    now = timezone.now()
    ticket = services.ticket_create(
        actor=engineer,
        reporter=alice,
        project=project,
        title=TITLE,
        priority="normal",
        received_at=now - datetime.timedelta(hours=3),
        description="Since the upgrade last night the flow meters on line 2 repeat the same value.",
    )
    services.ticket_log_call(
        ticket_id=ticket.pk,
        actor=engineer,
        summary="Called Alice: rolling line 2 back to the previous firmware.",
        at=now - datetime.timedelta(hours=2, minutes=50),
    )
    services.ticket_update(ticket_id=ticket.pk, actor=engineer, status="resolved", at=now - datetime.timedelta(hours=2))
    services.comment_add(ticket_id=ticket.pk, actor=alice, body="The readings froze again this morning.")
    # reopened: the second cycle, its resolution and update clocks running
    services.ticket_update(ticket_id=ticket.pk, actor=alice, status="in_progress", at=now - datetime.timedelta(hours=1))
    return made + 1
