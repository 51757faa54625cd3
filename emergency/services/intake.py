"""Report and intake: an emergency recorded (by the liaison, a customer, or an escalation)."""

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import Team, User
from core.errors import ServiceDeskError
from core.text import one_line
from customers.models import InstalledProduct, Project
from emergency.models import (
    Incident,
)
from emergency.services.common import (
    GROUP_KINDS,
    Kind,
    Status,
    _entry,
    _first_response_due,
    _message,
    _next_reference,
)
from notifications.services import notify
from tickets import services as ticket_services
from tickets.models import Ticket, TicketEvent


@transaction.atomic
def incident_create(
    *,
    actor: User | None,
    project: Project,
    title: str = "",
    symptoms: str = "",
    occurred_at: datetime.datetime | None = None,
    location: str = "",
    scope: str = "",
    measures_taken: str = "",
    reporter_name: str = "",
    reporter_phone: str = "",
    ticket: Ticket | None = None,
    channel: str | None = None,
    asset: InstalledProduct | None = None,
) -> Incident:
    """Record an emergency (a phone call to the liaison, a customer in the portal, a promoted
    ticket or an escalation step) and tell the three groups at once. The response target runs
    from now: the project's emergency response target (``common.response_minutes``)."""
    if actor is not None and actor.is_customer and project.organisation_id != actor.organisation_id:
        raise ServiceDeskError(_("No such project."), field="project")
    if ticket is not None:
        if ticket.project_id != project.pk:
            raise ServiceDeskError(_("The ticket belongs to another project."), field="ticket")
        already = ticket.incidents.exclude(status=Status.CLOSED).first()
        if already:
            raise ServiceDeskError(
                _("This ticket is already linked to the open incident %(reference)s.")
                % {"reference": already.reference},
                field="ticket",
            )
        title = title or ticket.title
        symptoms = symptoms or ticket.description
        occurred_at = occurred_at or ticket.occurred_at
        location = location or ticket.location
        scope = scope or ticket.impact
        measures_taken = measures_taken or ticket.measures_taken
        reporter_name = reporter_name or str(ticket.reporter)
        asset = asset or ticket.asset
    if actor is not None and actor.is_customer:
        reporter_name = reporter_name or str(actor)
        reporter_phone = reporter_phone or actor.phone
    if asset is not None and asset.project_id != project.pk:
        raise ServiceDeskError(_("Choose an asset of the incident's project."), field="asset")
    if not title.strip():
        raise ServiceDeskError(_("Give the incident a title."), field="title")
    if not symptoms.strip():
        raise ServiceDeskError(_("Describe the symptoms."), field="symptoms")
    if not reporter_name.strip():
        raise ServiceDeskError(_("Say who reported it."), field="reporter_name")
    now = timezone.now()
    if channel is None:
        channel = (
            Incident.Channel.TICKET
            if ticket
            else Incident.Channel.PORTAL
            if actor and actor.is_customer
            else Incident.Channel.PHONE
        )
    incident = Incident(
        # numbered by the desk's local year, as tickets are (01-01 07:00 Shanghai is still 2026 in UTC)
        reference=_next_reference(timezone.localtime(now, ZoneInfo(settings.TIME_ZONE)).year),
        organisation_id=project.organisation_id,
        project=project,
        ticket=ticket,
        asset=asset,
        title=one_line(title).strip(),  # a ticket's title stored with line breaks is folded
        symptoms=symptoms,
        occurred_at=occurred_at,
        location=location,
        scope=scope,
        measures_taken=measures_taken,
        reporter_name=reporter_name.strip(),
        reporter_phone=reporter_phone,
        channel=channel,
        reported_at=now,
        reported_by=actor,
        status=Status.REPORTED,
        status_changed_at=now,
        # the response clock runs from the first call, graded or not (docs/emergency.md)
        response_due_at=_first_response_due(project, now),
    )
    incident.full_clean()
    incident.save()
    _entry(incident, actor, Kind.REPORTED, public=True, channel=channel, reporter=incident.reporter_name)
    if ticket is not None:
        ticket_services.ticket_event_add(
            ticket=ticket,
            actor=actor,
            kind=TicketEvent.Kind.INCIDENT,
            public=False,
            incident=incident.pk,
            reference=incident.reference,
        )
    notify(
        users=list(
            User.objects.filter(
                is_active=True, memberships__team__is_active=True, memberships__team__kind__in=GROUP_KINDS
            )
        ),
        teams=Team.objects.filter(is_active=True, kind__in=GROUP_KINDS),
        key=f"incident:{incident.pk}:reported",
        message=_message(incident, gettext_noop("[%(reference)s] Emergency reported: %(title)s"), urgent=True),
    )
    return incident


def incident_from_escalation(*, ticket: Ticket, clock, step) -> None:
    """The escalation step "open an emergency incident": once per ticket while one is open."""
    if ticket.incidents.exclude(status=Status.CLOSED).exists():
        return
    incident_create(actor=None, project=ticket.project, ticket=ticket, channel=Incident.Channel.ESCALATION)
