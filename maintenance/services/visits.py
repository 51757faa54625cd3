"""Return visits, and the satisfaction survey after a resolved ticket."""

import datetime
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import User
from core.errors import ServiceDeskError
from core.writes import assign, require_staff, validated_save
from maintenance.models import (
    ReturnVisit,
    SurveyInvitation,
)
from notifications.models import Reason
from notifications.services import Message, notify
from tickets import services as ticket_services
from tickets.models import Ticket

SURVEY_SALT = "maintenance.survey"


@transaction.atomic
def return_visit_save(*, visit: ReturnVisit | None = None, actor: User, **fields: Any) -> ReturnVisit:
    require_staff(actor)
    visit = visit or ReturnVisit()
    if visit.pk and visit.status != ReturnVisit.Status.PLANNED:
        raise ServiceDeskError(_("The return visit is no longer planned."))
    assign(visit, fields)
    if visit.ticket_id and visit.ticket.project_id != visit.project_id:
        raise ServiceDeskError(_("The ticket belongs to another project."), field="ticket")
    if not visit.staff.is_staff_member:
        raise ServiceDeskError(_("Return visits are made by staff."), field="staff")
    validated_save(visit)
    return visit


@transaction.atomic
def return_visit_done(
    *, visit_id: int, actor: User, notes: str, satisfaction: int | None, suggestions: str = "", contact_name: str = ""
) -> ReturnVisit:
    require_staff(actor)
    visit = ReturnVisit.objects.select_for_update().get(pk=visit_id)
    if visit.status != ReturnVisit.Status.PLANNED:
        raise ServiceDeskError(_("The return visit is no longer planned."))
    if not notes.strip():
        raise ServiceDeskError(_("Write down what the customer said."), field="notes")
    visit.status = ReturnVisit.Status.DONE
    visit.done_at = timezone.now()
    visit.notes, visit.satisfaction, visit.suggestions = notes, satisfaction, suggestions
    visit.contact_name = contact_name or visit.contact_name
    validated_save(visit)
    return visit


def survey_token(ticket_id: int) -> str:
    return signing.dumps(ticket_id, salt=SURVEY_SALT, compress=False)


def survey_ticket(token: str) -> Ticket:
    """The ticket a survey link is for; ``ServiceDeskError`` if the link is forged or expired."""
    try:
        ticket_id = signing.loads(token, salt=SURVEY_SALT, max_age=datetime.timedelta(days=settings.SURVEY_LINK_DAYS))
        return Ticket.objects.select_related("reporter", "project").get(pk=int(ticket_id), survey__isnull=False)
    except signing.SignatureExpired as error:
        raise ServiceDeskError(_("This survey link has expired.")) from error
    except (signing.BadSignature, ValueError, TypeError, Ticket.DoesNotExist) as error:
        raise ServiceDeskError(_("This survey link is not valid.")) from error


def surveys_send(*, now: datetime.datetime | None = None) -> int:
    """Invite the reporter of each ticket resolved within ``SURVEY_LINK_DAYS`` to the survey,
    once per ticket. Returns how many invitations went out."""
    now = now or timezone.now()
    since = now - datetime.timedelta(days=settings.SURVEY_LINK_DAYS)
    tickets = Ticket.objects.filter(
        resolved_at__gte=since,
        status__in=(Ticket.Status.RESOLVED, Ticket.Status.CLOSED),
        reporter__role=User.Role.CUSTOMER,
        rating=None,
        survey=None,
    ).select_related("reporter")
    sent = 0
    for ticket in tickets:
        try:
            with transaction.atomic():
                SurveyInvitation.objects.create(ticket=ticket)
                notify(
                    users=[ticket.reporter],
                    key=f"ticket:{ticket.pk}:survey",
                    message=Message(
                        reason=Reason.MAINTENANCE,
                        subject=gettext_noop("How did we do? %(reference)s %(title)s"),
                        template="maintenance/email/survey.txt",
                        context={
                            "reference": ticket.reference,
                            "title": ticket.title,
                            "days": settings.SURVEY_LINK_DAYS,
                        },
                        url=reverse("maintenance:survey", args=[survey_token(ticket.pk)]),
                        ticket_id=ticket.pk,
                        reference=ticket.reference,
                    ),
                )
        except IntegrityError:
            continue
        sent += 1
    return sent


@transaction.atomic
def survey_answer(*, token: str, score: int, comment: str = "") -> Ticket:
    """Take the one answer of a survey link: it becomes the ticket's rating, by its reporter."""
    ticket = survey_ticket(token)
    invitation = SurveyInvitation.objects.select_for_update().get(ticket=ticket)
    if invitation.answered_at is not None or ticket.rating is not None:
        raise ServiceDeskError(_("This survey has already been answered. Thank you."))
    ticket = ticket_services.ticket_rate(ticket_id=ticket.pk, actor=ticket.reporter, rating=score, comment=comment)
    invitation.answered_at = timezone.now()
    invitation.save(update_fields=["answered_at"])
    return ticket
