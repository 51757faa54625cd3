"""Attendance, feedback and certificates."""

from collections.abc import Mapping

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import NotAllowed, ServiceDeskError
from core.writes import validated_save
from training.models import (
    Enrolment,
    Feedback,
    TrainingSession,
)
from training.services.common import _enrolment_for_update, _session_for_update


def may_take_attendance(session: TrainingSession, user: User) -> bool:
    return user.pk == session.trainer_id or user.is_manager or user.is_admin


@transaction.atomic
def attendance_take(*, session_id: int, actor: User, marks: Mapping[int, str]) -> list[Enrolment]:
    """Mark enrolled participants present or absent (the trainer, or a manager), once the
    session has started; marks may be corrected later."""
    session = _session_for_update(session_id)
    if not may_take_attendance(session, actor):
        raise NotAllowed(_("Only the trainer or a manager takes attendance."))
    if session.is_cancelled:
        raise ServiceDeskError(_("This session is cancelled."))
    if session.starts_at > timezone.now():
        raise ServiceDeskError(_("Attendance is taken once the session has started."))
    allowed = {Enrolment.Attendance.PRESENT, Enrolment.Attendance.ABSENT}
    enrolments = {e.pk: e for e in session.enrolments.select_for_update().filter(status=Enrolment.Status.ENROLLED)}
    for enrolment_id, mark in marks.items():
        if enrolment_id not in enrolments:
            raise ServiceDeskError(_("Enrolment %(id)s is not a seat of this session.") % {"id": enrolment_id})
        if mark not in allowed:
            raise ServiceDeskError(_("Mark each participant present or absent."), field="attendance")
    now = timezone.now()
    for enrolment_id, mark in marks.items():
        enrolment = enrolments[enrolment_id]
        if enrolment.attendance != mark:
            enrolment.attendance, enrolment.attendance_at, enrolment.attendance_by = mark, now, actor
            enrolment.save(update_fields=["attendance", "attendance_at", "attendance_by", "updated_at"])
    return list(enrolments.values())


def has_ended(session: TrainingSession) -> bool:
    return session.ends_at <= timezone.now()


def certificate_ready(enrolment: Enrolment) -> bool:
    return enrolment.attendance == Enrolment.Attendance.PRESENT and has_ended(enrolment.session)


@transaction.atomic
def feedback_submit(
    *, enrolment_id: int, actor: User, rating: int, trainer_rating: int | None = None, comments: str = ""
) -> Feedback:
    """The participant's opinion of a session they attended, once, after it ended."""
    enrolment = _enrolment_for_update(enrolment_id)
    if actor.pk != enrolment.contact_id:
        raise NotAllowed(_("Only the participant gives feedback."))
    if not certificate_ready(enrolment):
        raise ServiceDeskError(_("Feedback opens when the session has ended, for those who attended."))
    if Feedback.objects.filter(enrolment=enrolment).exists():
        raise ServiceDeskError(_("You have given your feedback already."))
    feedback = Feedback(enrolment=enrolment, rating=rating, trainer_rating=trainer_rating, comments=comments)
    validated_save(feedback)
    return feedback
