"""Enrolment with its waiting list, the calendar invitations and reminders."""

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import User
from core.errors import NotAllowed, ServiceDeskError
from notifications.models import Reason
from notifications.services import Message, notify
from training import invitations
from training.models import (
    Enrolment,
    TrainingSession,
)
from training.services.common import _enrolment_for_update, _session_for_update


def may_enrol(session: TrainingSession, contact: User) -> bool:
    """A customer contact of the session's project's organisation."""
    return contact.is_active and contact.is_customer and contact.organisation_id == session.plan.project.organisation_id


@transaction.atomic
def enrol(*, session_id: int, contact: User, actor: User) -> Enrolment:
    """A seat if one is free, else a place at the end of the waiting list. Customers enrol
    themselves; staff enrol any contact of the project's organisation."""
    session = _session_for_update(session_id)
    if not actor.is_staff_member and actor.pk != contact.pk:
        raise NotAllowed(_("You can only enrol yourself."))
    if not may_enrol(session, contact):
        raise ServiceDeskError(_("Only the project's customer contacts can enrol."), field="contact")
    if session.is_cancelled:
        raise ServiceDeskError(_("This session is cancelled."))
    if session.starts_at <= timezone.now():
        raise ServiceDeskError(_("This session has started: enrolment is closed."))
    enrolment = Enrolment.objects.filter(session=session, contact=contact).first()
    if enrolment is not None and enrolment.status != Enrolment.Status.CANCELLED:
        raise ServiceDeskError(_("%(name)s is enrolled already.") % {"name": contact}, field="contact")
    enrolment = enrolment or Enrolment(session=session, contact=contact)
    seated = session.enrolments.filter(status=Enrolment.Status.ENROLLED).count()
    full = seated >= session.capacity or session.enrolments.filter(status=Enrolment.Status.WAITLISTED).exists()
    enrolment.status = Enrolment.Status.WAITLISTED if full else Enrolment.Status.ENROLLED
    enrolment.queued_at = timezone.now()
    enrolment.enrolled_by = actor
    enrolment.cancelled_at = None
    enrolment.reminded_at = None
    enrolment.save()
    _tell_enrolment(enrolment, "waitlisted" if full else "enrolled")
    return enrolment


@transaction.atomic
def enrolment_cancel(*, enrolment_id: int, actor: User) -> Enrolment:
    """Give up a seat (or a place in line) before the session starts; the first in line gets
    the seat."""
    enrolment = _enrolment_for_update(enrolment_id)
    session = enrolment.session
    if not actor.is_staff_member and actor.pk != enrolment.contact_id:
        raise NotAllowed(_("You can only cancel your own enrolment."))
    if enrolment.status == Enrolment.Status.CANCELLED:
        raise ServiceDeskError(_("This enrolment is cancelled already."))
    if session.starts_at <= timezone.now():
        raise ServiceDeskError(_("This session has started: the enrolment can no longer be cancelled."))
    was_seated = enrolment.status == Enrolment.Status.ENROLLED
    enrolment.status = Enrolment.Status.CANCELLED
    enrolment.cancelled_at = timezone.now()
    enrolment.save(update_fields=["status", "cancelled_at", "updated_at"])
    _tell_enrolment(enrolment, "cancelled", had_seat=was_seated)
    if was_seated:
        _seat_waiting(session)
    return enrolment


def _seat_waiting(session: TrainingSession) -> None:
    """Seat people from the waiting list, first come first served, while seats are free."""
    if session.is_cancelled or session.starts_at <= timezone.now():
        return
    free = session.capacity - session.enrolments.filter(status=Enrolment.Status.ENROLLED).count()
    if free <= 0:
        return
    waiting = session.enrolments.filter(status=Enrolment.Status.WAITLISTED).order_by("queued_at", "pk")[:free]
    for enrolment in waiting.select_related("contact"):
        enrolment.status = Enrolment.Status.ENROLLED
        enrolment.save(update_fields=["status", "updated_at"])
        _tell_enrolment(enrolment, "seated")


def waiting_position(enrolment: Enrolment) -> int | None:
    if enrolment.status != Enrolment.Status.WAITLISTED:
        return None
    # the line is ordered by (queued_at, pk): two queued at the same moment are told apart
    ahead = enrolment.session.enrolments.filter(
        Q(queued_at__lt=enrolment.queued_at) | Q(queued_at=enrolment.queued_at, pk__lt=enrolment.pk),
        status=Enrolment.Status.WAITLISTED,
    )
    return ahead.count() + 1


_SUBJECTS = {
    "enrolled": gettext_noop("Enrolled: %(title)s on %(date)s"),
    "seated": gettext_noop("A seat is free for you: %(title)s on %(date)s"),
    "waitlisted": gettext_noop("On the waiting list: %(title)s on %(date)s"),
    "changed": gettext_noop("Training session changed: %(title)s on %(date)s"),
    "cancelled": gettext_noop("Enrolment cancelled: %(title)s on %(date)s"),
    "session_cancelled": gettext_noop("Training session cancelled: %(title)s on %(date)s"),
    "reminder": gettext_noop("Reminder: %(title)s on %(date)s"),
}


def _zone_of(user: User) -> ZoneInfo:
    return ZoneInfo(user.time_zone or settings.TIME_ZONE)


def _tell_enrolment(enrolment: Enrolment, event: str, *, had_seat: bool = True) -> None:
    """Tell the participant, with the calendar invitation (or, to someone who had a seat, its
    cancellation) attached."""
    session = enrolment.session
    attachments = []
    if event in ("enrolled", "seated", "changed", "reminder"):
        attachments = [invitations.invitation_attachment(enrolment, method="REQUEST")]
    elif event in ("cancelled", "session_cancelled") and had_seat:
        attachments = [invitations.invitation_attachment(enrolment, method="CANCEL")]
    notify(
        users=[enrolment.contact],
        # queued_at to the microsecond: cancelling and enrolling again within a second is told again
        key=f"enrolment:{enrolment.pk}:{event}:{session.revision}:{enrolment.queued_at.timestamp():.6f}",
        message=Message(
            reason=Reason.TRAINING,
            subject=_SUBJECTS[event],
            template="training/email/enrolment.txt",
            context={
                "event": event,
                "session": session,
                "enrolment": enrolment,
                "position": waiting_position(enrolment),
                "title": session.title,
                # the subject's date in the participant's time zone, as the body's times
                "date": timezone.localtime(session.starts_at, _zone_of(enrolment.contact)).date().isoformat(),
            },
            url=reverse("training:session_detail", args=[session.pk]),
            attachments=attachments,
        ),
    )


def reminders_send(*, now: datetime.datetime | None = None) -> int:
    """Remind the people enrolled in sessions starting within ``TRAINING_REMINDER_HOURS``,
    once per enrolment and session time. Returns how many were reminded."""
    now = now or timezone.now()
    due = Enrolment.objects.filter(
        status=Enrolment.Status.ENROLLED,
        reminded_at__isnull=True,
        session__status=TrainingSession.Status.SCHEDULED,
        session__starts_at__gt=now,
        session__starts_at__lte=now + datetime.timedelta(hours=settings.TRAINING_REMINDER_HOURS),
    )
    reminded = 0
    for enrolment_id in due.values_list("pk", flat=True):
        with transaction.atomic():
            enrolment = _enrolment_for_update(enrolment_id)
            if enrolment.reminded_at is not None or enrolment.status != Enrolment.Status.ENROLLED:
                continue  # another worker was first
            enrolment.reminded_at = now
            enrolment.save(update_fields=["reminded_at", "updated_at"])
            _tell_enrolment(enrolment, "reminder")
            reminded += 1
    return reminded
