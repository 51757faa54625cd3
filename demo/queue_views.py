"""Saved queue views made by ``seed_demo`` through the service: one the technical lead shares
with the first-line support team (urgent and high tickets not yet resolved, nearest due first)
and a personal view of ``engineer`` (their own open tickets, most important first, with the
project and when each last changed).

Idempotent: a view whose owner already has one of its name is left alone.
"""

from accounts.models import Team, User
from tickets.models import QueueView
from tickets.services import queue_view_create

VIEWS = [
    {
        "owner": "tech",
        "team": "first-line-support",
        "name": "Urgent and high, not resolved",
        "filters": {"priorities": ["urgent", "high"]},
        "columns": ["reference", "title", "organisation", "priority", "status", "assignee", "sla"],
        "sort": "due",
        "position": 1,
    },
    {
        "owner": "engineer",
        "team": None,
        "name": "My tickets by priority",
        "filters": {"assignee": "me"},
        "columns": ["reference", "title", "project", "priority", "status", "sla", "updated"],
        "sort": "priority",
        "position": 2,
    },
]


def seed_queue_views() -> int:
    """Returns how many views were made."""
    made = 0
    for spec in VIEWS:
        owner = User.objects.filter(username=spec["owner"]).first()
        team = Team.objects.filter(slug=spec["team"]).first() if spec["team"] else None
        if owner is None or (spec["team"] and team is None):
            continue
        if QueueView.objects.filter(owner=owner, name=spec["name"]).exists():
            continue
        queue_view_create(
            actor=owner,
            name=spec["name"],
            team=team,
            filters=spec["filters"],
            columns=spec["columns"],
            sort=spec["sort"],
            position=spec["position"],
        )
        made += 1
    return made
