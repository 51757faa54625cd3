"""What each reader sees of an incident, and how its timeline reads: one owner for the API,
the pages and the PDF report.

A customer sees the incident's facts, its steps, the public notes and the engineer dispatched
to its site (they must let them in), and never the vendor's working notes: the first
assessment, the reason for the grade, the matrix's suggestion, the people assigned, the
resources and the improvement actions. On the timeline the vendor's people are "the service
desk" to a customer; the customer's own colleagues keep their names.
"""

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from emergency.models import Grade, Incident, IncidentEntry

# the incident's fields a customer gets empty (API) or not at all (pages)
INTERNAL_FIELDS: dict[str, Any] = {
    "assessment": "",
    "grade_reason": "",
    "responders": [],
    "resources": [],
    "review_actions": [],
    "escalating": False,
    "acknowledged_at": None,
}
# what an entry's data holds that a customer never sees
INTERNAL_DATA = {"reason", "suggested", "people", "owner"}


def sees_internal(reader: User | None) -> bool:
    """The vendor's staff see the working notes; customers do not. No reader: the vendor's own
    record (the PDF report)."""
    return reader is None or reader.is_staff_member


@dataclass(frozen=True)
class EntryView:
    """A timeline entry as one reader sees it."""

    pk: int
    created_at: datetime.datetime
    kind: str
    kind_label: str
    public: bool
    text: str
    actor_id: int | None
    actor_name: str | None
    detail: str
    data: dict[str, Any] = field(default_factory=dict)


def _named(actor: User, reader: User | None) -> bool:
    return sees_internal(reader) or bool(actor.organisation_id and actor.organisation_id == reader.organisation_id)


def actor_name(actor: User | None, reader: User | None) -> str | None:
    if actor is None:
        return None
    return str(actor) if _named(actor, reader) else _("Service desk")


# what happened to an improvement action (emergency.services.review_actions); an action added
# says nothing more
REVIEW_ACTION_CHANGES = {
    "changed": gettext_lazy("changed"),
    "done": gettext_lazy("done"),
    "reopened": gettext_lazy("reopened"),
}


def describe(kind: str, data: dict[str, Any]) -> str:
    """What an entry's data says, in words of the active language (the step reached, the grade,
    the people)."""
    if kind == IncidentEntry.Kind.STEP and data.get("to") in Incident.Status.values:
        return str(Incident.Status(data["to"]).label)
    if kind == IncidentEntry.Kind.GRADED and data.get("grade") in Grade.values:
        return str(Grade(data["grade"]).label)
    if kind == IncidentEntry.Kind.BREACH:
        if data.get("target") == "arrival":
            return _("On-site arrival")
        return _("Response") if data.get("target") == "response" else _("Recovery")
    if kind == IncidentEntry.Kind.ESCALATED:
        return ", ".join(data.get("recipients", []))
    if kind == IncidentEntry.Kind.ASSIGNED:
        return ", ".join(data.get("people", []))
    if kind in (IncidentEntry.Kind.DISPATCH, IncidentEntry.Kind.ARRIVAL):
        return data.get("engineer", "")
    if kind == IncidentEntry.Kind.NOTE and data.get("ticket_link") in ("linked", "unlinked"):
        reference = data.get("reference", "")
        if data["ticket_link"] == "linked":
            return _("ticket %(reference)s linked") % {"reference": reference}
        return _("ticket %(reference)s unlinked") % {"reference": reference}
    if kind == IncidentEntry.Kind.REVIEW_ACTION:
        change = REVIEW_ACTION_CHANGES.get(data.get("change", ""), "")
        return ", ".join(str(part) for part in (change, data.get("owner"), data.get("due_date")) if part)
    return ""


def entry_view(entry: IncidentEntry, reader: User | None) -> EntryView:
    data = dict(entry.data or {})
    if not sees_internal(reader):
        data = {key: value for key, value in data.items() if key not in INTERNAL_DATA}
    return EntryView(
        pk=entry.pk,
        created_at=entry.created_at,
        kind=entry.kind,
        kind_label=str(entry.get_kind_display()),
        public=entry.public,
        text=entry.text,
        actor_id=entry.actor_id if entry.actor is not None and _named(entry.actor, reader) else None,
        actor_name=actor_name(entry.actor, reader),
        detail=describe(entry.kind, data),
        data=data,
    )


def timeline_views(entries, reader: User | None) -> list[EntryView]:
    return [entry_view(entry, reader) for entry in entries]
