"""Training plans and sessions, and their materials."""

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import ServiceDeskError
from core.writes import assign, require_staff, validated_save
from training.models import (
    Enrolment,
    Material,
    Topic,
    TrainingPlan,
    TrainingSession,
)
from training.services.common import INVITATION_FIELDS, _session_for_update
from training.services.enrolment import _seat_waiting, _tell_enrolment


@transaction.atomic
def plan_save(
    *, actor: User, plan: TrainingPlan | None = None, topics: Sequence[Mapping[str, Any]] | None = None, **fields: Any
) -> TrainingPlan:
    """Create or change a plan; ``topics`` (if given) replaces its topics, in that order."""
    require_staff(actor)
    plan = plan or TrainingPlan(created_by=actor)
    assign(plan, fields)
    if not plan.pk and plan.project_id is not None and not plan.project.is_active:  # no project: full_clean says so
        raise ServiceDeskError(_("This project is no longer active."), field="project")
    validated_save(plan)
    if topics is not None:
        kept = []
        for position, data in enumerate(topics):
            topic = plan.topics.filter(pk=data["id"]).first() if data.get("id") else None
            if data.get("id") and topic is None:
                raise ServiceDeskError(_("This topic is not in the plan."), field="topics")
            topic = topic or Topic(plan=plan)
            assign(topic, {key: value for key, value in data.items() if key != "id"})
            topic.position = position
            validated_save(topic)
            kept.append(topic.pk)
        plan.topics.exclude(pk__in=kept).delete()
    return plan


def _check_trainer(trainer: User | None) -> None:
    if trainer is None or not trainer.is_staff_member or not trainer.is_active:
        raise ServiceDeskError(_("The trainer must be an active member of staff."), field="trainer")


@transaction.atomic
def session_save(
    *, actor: User, session: TrainingSession | None = None, topics: Iterable[Topic] | None = None, **fields: Any
) -> TrainingSession:
    """Create or change a session. Enlarging it seats the waiting list; it cannot shrink below
    the people enrolled. Changing its time or place sends everyone enrolled the new invitation."""
    require_staff(actor)
    if session is not None:
        session = _session_for_update(session.pk)
        if session.is_cancelled:
            raise ServiceDeskError(_("This session is cancelled."))
    before = {name: getattr(session, name) for name in INVITATION_FIELDS} if session else {}
    session = session or TrainingSession()
    assign(session, fields)
    if not session.pk and session.plan_id is not None:
        plan = session.plan
        if not plan.is_active or not plan.project.is_active:
            raise ServiceDeskError(_("This plan or its project is no longer active."), field="plan")
    if "trainer" in fields:
        _check_trainer(fields["trainer"])
    seated = session.enrolments.filter(status=Enrolment.Status.ENROLLED).count() if session.pk else 0
    if session.capacity is not None and session.capacity < seated:
        message = _("%(count)d people are enrolled: cancel enrolments before making it smaller.") % {"count": seated}
        raise ServiceDeskError(message, field="capacity")
    changed = bool(before) and any(getattr(session, name) != value for name, value in before.items())
    if changed:
        session.revision += 1
    validated_save(session)
    if topics is not None:
        topics = list(topics)
        if any(topic.plan_id != session.plan_id for topic in topics):
            raise ServiceDeskError(_("Choose topics of the session's plan."), field="topics")
        session.topics.set(topics)
    if changed:
        session.enrolments.filter(status=Enrolment.Status.ENROLLED).update(reminded_at=None)
        for enrolment in session.enrolments.filter(status=Enrolment.Status.ENROLLED).select_related("contact"):
            _tell_enrolment(enrolment, "changed")
    _seat_waiting(session)
    return session


@transaction.atomic
def session_cancel(*, session_id: int, actor: User, reason: str) -> TrainingSession:
    require_staff(actor)
    session = _session_for_update(session_id)
    if session.is_cancelled:
        raise ServiceDeskError(_("This session is cancelled already."))
    if not reason.strip():
        raise ServiceDeskError(_("Say why it is cancelled."), field="reason")
    session.status = TrainingSession.Status.CANCELLED
    session.cancel_reason = reason.strip()
    session.revision += 1
    session.save(update_fields=["status", "cancel_reason", "revision", "updated_at"])
    active = session.enrolments.exclude(status=Enrolment.Status.CANCELLED).select_related("contact")
    for enrolment in active:
        _tell_enrolment(enrolment, "session_cancelled", had_seat=enrolment.status == Enrolment.Status.ENROLLED)
    return session


@transaction.atomic
def material_add(
    *, session_id: int, actor: User, title: str, file: UploadedFile | None = None, url: str = ""
) -> Material:
    require_staff(actor)
    session = _session_for_update(session_id)
    if bool(file) == bool(url):
        raise ServiceDeskError(_("Upload a file or give a link."), field="file")
    material = Material(session=session, title=title, url=url, added_by=actor)
    if file:
        if file.size > settings.ATTACHMENT_MAX_BYTES:
            raise ServiceDeskError(_("The file is too large."), field="file")
        material.file = file
    validated_save(material)
    return material


@transaction.atomic
def material_remove(*, material_id: int, actor: User) -> None:
    require_staff(actor)
    material = Material.objects.select_for_update().get(pk=material_id)
    material.file.delete(save=False)
    material.delete()
