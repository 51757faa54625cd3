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
from core.time import desk_today
from core.writes import assign, require_staff, validated_save
from maintenance.models import (
    ReturnVisit,
    ReturnVisitSchedule,
    SurveyInvitation,
)
from maintenance.services.common import managers
from maintenance.services.recurrence import parse_rule, plan_visits
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
    before = (visit.scheduled_for, visit.staff_id) if visit.pk else None
    assign(visit, fields)
    if before is not None and before != (visit.scheduled_for, visit.staff_id):
        visit.reminded_at = visit.overdue_at = None  # a new date or person: reminded and flagged anew
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


# --- return visits on a schedule ---------------------------------------------------------------


@transaction.atomic
def return_visit_schedule_save(
    *, schedule: ReturnVisitSchedule | None = None, actor: User, **fields: Any
) -> ReturnVisitSchedule:
    """Create or change a project's return-visit schedule (an RFC 5545 rule, as inspections)."""
    require_staff(actor)
    schedule = schedule or ReturnVisitSchedule()
    assign(schedule, fields)
    if not schedule.staff.is_staff_member:
        raise ServiceDeskError(_("Return visits are made by staff."), field="staff")
    parse_rule(schedule.rule, schedule.first_date)
    validated_save(schedule)
    return schedule


def _visit_message(visit: ReturnVisit, subject: str, *, urgent: bool = False) -> Message:
    return Message(
        reason=Reason.MAINTENANCE,
        subject=subject,
        template="maintenance/email/return_visit.txt",
        context={"visit": visit, "project": str(visit.project), "date": visit.scheduled_for.isoformat()},
        url=reverse("maintenance:return_visit_done", args=[visit.pk]),
        urgent=urgent,
    )


def return_visits_plan(*, today: datetime.date | None = None) -> int:
    """Create the visits of every active return-visit schedule that fall within its lead time
    (each once, whoever runs this and how often). Returns how many were created."""
    return plan_visits(
        ReturnVisitSchedule.objects.filter(is_active=True).select_related("project", "staff"),
        planned=lambda schedule, dates: schedule.visits.filter(scheduled_for__in=dates).values_list(
            "scheduled_for", flat=True
        ),
        create=lambda schedule, day: ReturnVisit.objects.create(
            project=schedule.project, schedule=schedule, scheduled_for=day, staff=schedule.staff
        ),
        today=today,
    )


@transaction.atomic
def return_visits_remind(*, today: datetime.date | None = None) -> int:
    """Remind who makes each planned visit of a schedule, ``remind_days`` before its date (a
    visit without a schedule: 2 days), once. Returns how many were reminded."""
    today = today or desk_today()
    horizon = today + datetime.timedelta(days=60)
    due = (
        ReturnVisit.objects.select_for_update(of=("self",), skip_locked=True)
        .select_related("project", "staff", "schedule")
        .filter(status=ReturnVisit.Status.PLANNED, reminded_at=None, scheduled_for__gte=today)
        .filter(scheduled_for__lte=horizon)
    )
    count = 0
    for visit in due:
        days = visit.schedule.remind_days if visit.schedule_id else 2
        if (visit.scheduled_for - today).days > days:
            continue
        visit.reminded_at = timezone.now()
        visit.save(update_fields=["reminded_at", "updated_at"])
        notify(
            users=[visit.staff],
            key=f"return-visit:{visit.pk}:reminder:{visit.staff_id}",
            message=_visit_message(visit, gettext_noop("Return visit on %(date)s: %(project)s")),
        )
        count += 1
    return count


@transaction.atomic
def return_visits_flag_overdue(*, today: datetime.date | None = None) -> int:
    """Flag each visit still planned after its date, once: who makes it and the managers are
    told. Returns how many were flagged."""
    today = today or desk_today()
    late = (
        ReturnVisit.objects.select_for_update(of=("self",), skip_locked=True)
        .select_related("project", "staff")
        .filter(ReturnVisit.overdue_q(today), overdue_at=None)
    )
    staff = managers()
    count = 0
    for visit in late:
        visit.overdue_at = timezone.now()
        visit.save(update_fields=["overdue_at", "updated_at"])
        notify(
            users=[visit.staff, *staff],
            key=f"return-visit:{visit.pk}:overdue",
            message=_visit_message(
                visit, gettext_noop("Return visit overdue since %(date)s: %(project)s"), urgent=True
            ),
        )
        count += 1
    return count


def return_visits_follow_up(*, today: datetime.date | None = None) -> dict[str, int]:
    """What beat runs: the reminders, then the overdue flags."""
    return {
        "reminded": return_visits_remind(today=today),
        "overdue": return_visits_flag_overdue(today=today),
    }


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
