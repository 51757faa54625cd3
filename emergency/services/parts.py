"""The spare parts a response plan names, reserved when the plan is activated (through
``parts.services``, the layer below), with what could not be reserved said on the timeline."""

from django.utils.translation import gettext as _

from accounts.models import User
from emergency.models import Incident, IncidentEntry, ResponsePlan
from emergency.services.common import Kind, _entry
from parts.services import incident_parts_reserve


def _reserve_parts(incident: Incident, plan: ResponsePlan, actor: User) -> IncidentEntry | None:
    """Reserve the plan's parts where stock exists; one timeline line says where they are held
    and what is missing. None when the plan names no parts."""
    wanted = [(r.part_id, r.quantity) for r in plan.resources.all() if r.part_id is not None]
    if not wanted:
        return None
    lines = []
    for answer in incident_parts_reserve(incident_id=incident.pk, wanted=wanted, actor=actor):
        number = answer.part.part_number
        for location, count in answer.at:
            lines.append(
                _("Reserved %(part)s × %(count)d at %(location)s.")
                % {"part": number, "count": count, "location": location}
            )
        if answer.missing > 0:
            lines.append(
                _("Not in stock: %(part)s × %(missing)d of %(wanted)d.")
                % {"part": number, "missing": answer.missing, "wanted": answer.wanted}
            )
    return _entry(incident, actor, Kind.NOTE, text=_("Spare parts of the plan:") + "\n" + "\n".join(lines))
