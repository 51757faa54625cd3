"""Inspection schedules and their visits, health checks, recording and completing a visit, and
flagging overdue ones."""

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

import PIL.Image
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import User
from core.errors import NotAllowed, ServiceDeskError
from core.time import desk_today
from core.writes import assign, require_staff, validated_save
from customers.models import Project
from maintenance.models import (
    AnswerKind,
    ChecklistItem,
    ChecklistTemplate,
    Inspection,
    InspectionAnswer,
    InspectionPhoto,
    InspectionSchedule,
)
from maintenance.services.common import customer_contacts, managers
from maintenance.services.recurrence import parse_rule, plan_visits
from notifications.models import Reason
from notifications.services import Message, notify


@transaction.atomic
def schedule_save(*, schedule: InspectionSchedule | None = None, **fields: Any) -> InspectionSchedule:
    schedule = schedule or InspectionSchedule()
    assign(schedule, fields)
    if not schedule.engineer.is_staff_member:
        raise ServiceDeskError(_("The engineer must be a staff user."), field="engineer")
    parse_rule(schedule.rule, schedule.first_date)
    validated_save(schedule)
    return schedule


CHECK_FIELDS = ("section", "label", "answer_kind", "unit", "guidance")


@transaction.atomic
def checklist_save(
    *, template: ChecklistTemplate | None = None, name: str, description: str = "", items: Iterable[Mapping[str, Any]]
) -> ChecklistTemplate:
    """Create or change a checklist template; ``items`` replaces its checks, in order. Visits
    already planned keep the checks they copied."""
    template = template or ChecklistTemplate()
    template.name, template.description = name, description
    validated_save(template)
    rows = [
        ChecklistItem(
            template=template, position=position, **{name: item[name] for name in CHECK_FIELDS if name in item}
        )
        for position, item in enumerate(items)
    ]
    for row in rows:
        row.full_clean(exclude=["template"])
    template.items.all().delete()
    ChecklistItem.objects.bulk_create(rows)
    return template


def _copy_checklist(inspection: Inspection, template: ChecklistTemplate | None) -> None:
    if template is None:
        return
    InspectionAnswer.objects.bulk_create(
        InspectionAnswer(
            inspection=inspection,
            position=index,
            section=item.section,
            label=item.label,
            answer_kind=item.answer_kind,
            unit=item.unit,
        )
        for index, item in enumerate(template.items.all())
    )


def _tell_assigned(inspection: Inspection) -> None:
    notify(
        users=[inspection.engineer],
        key=f"inspection:{inspection.pk}:assigned:{inspection.engineer_id}",
        message=Message(
            reason=Reason.MAINTENANCE,
            subject=gettext_noop("Visit on %(due)s: %(title)s"),
            template="maintenance/email/inspection.txt",
            context={"inspection": inspection, "title": inspection.title, "due": inspection.due_date.isoformat()},
            url=reverse("maintenance:inspection_detail", args=[inspection.pk]),
        ),
    )


def inspections_plan(*, today: datetime.date | None = None) -> int:
    """Create the visits of every active schedule that fall within its lead time (each once,
    whoever runs this and how often). Returns how many were created."""

    def create(schedule: InspectionSchedule, due: datetime.date) -> None:
        inspection = Inspection.objects.create(
            project=schedule.project,
            schedule=schedule,
            kind=Inspection.Kind.INSPECTION,
            title=schedule.name,
            due_date=due,
            engineer=schedule.engineer,
        )
        _copy_checklist(inspection, schedule.checklist)
        _tell_assigned(inspection)

    return plan_visits(
        InspectionSchedule.objects.filter(is_active=True).select_related("checklist", "project"),
        planned=lambda schedule, dates: schedule.inspections.filter(due_date__in=dates).values_list(
            "due_date", flat=True
        ),
        create=create,
        today=today,
    )


@transaction.atomic
def health_check_create(
    *,
    actor: User,
    project: Project,
    engineer: User,
    due_date: datetime.date,
    title: str,
    checklist: ChecklistTemplate | None = None,
    kind: str = Inspection.Kind.HEALTH_CHECK,
) -> Inspection:
    """An ad hoc visit (a health check, or an extra inspection) outside any schedule."""
    require_staff(actor)
    if not engineer.is_staff_member:
        raise ServiceDeskError(_("The engineer must be a staff user."), field="engineer")
    inspection = Inspection(project=project, engineer=engineer, due_date=due_date, title=title, kind=kind)
    validated_save(inspection)
    _copy_checklist(inspection, checklist)
    if engineer.pk != actor.pk:
        _tell_assigned(inspection)
    return inspection


def _lock_inspection(inspection_id: int) -> Inspection:
    return Inspection.objects.select_for_update(of=("self",)).get(pk=inspection_id)


def _require_open(inspection: Inspection) -> None:
    if not inspection.is_open:
        raise ServiceDeskError(
            _("The visit is %(status)s: it can no longer change.") % {"status": inspection.get_status_display()}
        )


@transaction.atomic
def inspection_record(
    *,
    inspection_id: int,
    actor: User,
    answers: Mapping[int, Mapping[str, str]] = {},
    findings: str | None = None,
    recommendations: str | None = None,
) -> Inspection:
    """Save what the engineer has so far (answers keyed by answer id); the visit is then in
    progress."""
    require_staff(actor)
    inspection = _lock_inspection(inspection_id)
    _require_open(inspection)
    rows = {row.pk: row for row in inspection.answers.all()}
    unknown = set(answers) - set(rows)
    if unknown:
        raise ServiceDeskError(
            _("Answer %(id)s is not on this visit's checklist.") % {"id": min(unknown)}, field="answers"
        )
    changed = []
    for pk, given in answers.items():
        row = rows[pk]
        result = given.get("result", row.result) or ""
        if result and (row.answer_kind != AnswerKind.PASS_FAIL or result not in InspectionAnswer.Result.values):
            raise ServiceDeskError(
                _("“%(check)s” is not a pass/fail check: give a value.") % {"check": row.label},
                field="answers",
            )
        row.result = result
        row.value = (given.get("value", row.value) or "")[:500]
        row.note = (given.get("note", row.note) or "")[:500]
        changed.append(row)
    InspectionAnswer.objects.bulk_update(changed, ["result", "value", "note"])
    if findings is not None:
        inspection.findings = findings
    if recommendations is not None:
        inspection.recommendations = recommendations
    if inspection.status == Inspection.Status.PLANNED:
        inspection.status = Inspection.Status.IN_PROGRESS
        inspection.started_at = timezone.now()
    inspection.save()
    return inspection


@transaction.atomic
def inspection_complete(*, inspection_id: int, actor: User) -> Inspection:
    """Close the visit; every pass/fail check must have its answer. The report is then ready."""
    require_staff(actor)
    inspection = _lock_inspection(inspection_id)
    _require_open(inspection)
    missing = [
        row.label for row in inspection.answers.all() if row.answer_kind == AnswerKind.PASS_FAIL and not row.result
    ]
    if missing:
        raise ServiceDeskError(
            _("Answer every pass/fail check first: %(checks)s.") % {"checks": ", ".join(missing[:5])}, field="answers"
        )
    if not inspection.findings.strip():
        raise ServiceDeskError(_("Write down the findings first."), field="findings")
    now = timezone.now()
    inspection.status = Inspection.Status.COMPLETED
    inspection.started_at = inspection.started_at or now
    inspection.completed_at = now
    inspection.save()
    project = Project.objects.select_related("customer_liaison", "organisation").get(pk=inspection.project_id)
    notify(
        users=customer_contacts(project),
        key=f"inspection:{inspection.pk}:completed",
        message=Message(
            reason=Reason.MAINTENANCE,
            subject=gettext_noop("Inspection report ready: %(title)s"),
            template="maintenance/email/inspection_report.txt",
            context={"inspection": inspection, "title": inspection.title, "due": inspection.due_date.isoformat()},
            url=reverse("maintenance:inspection_detail", args=[inspection.pk]),
        ),
    )
    return inspection


@transaction.atomic
def inspection_cancel(*, inspection_id: int, actor: User, reason: str) -> Inspection:
    if not actor.can_manage:
        raise NotAllowed(_("Managers cancel visits."))
    if not reason.strip():
        raise ServiceDeskError(_("Say why the visit is cancelled."), field="reason")
    inspection = _lock_inspection(inspection_id)
    _require_open(inspection)
    inspection.status = Inspection.Status.CANCELLED
    inspection.findings = (inspection.findings + "\n\n" if inspection.findings else "") + reason.strip()
    inspection.save()
    return inspection


@transaction.atomic
def photo_add(*, inspection_id: int, actor: User, image: UploadedFile, caption: str = "") -> InspectionPhoto:
    require_staff(actor)
    inspection = _lock_inspection(inspection_id)
    _require_open(inspection)
    if image.size > settings.ATTACHMENT_MAX_BYTES:
        raise ServiceDeskError(_("The photo is too large."), field="image")
    try:  # the file must be a picture Pillow can read, whatever its name says
        with PIL.Image.open(image) as picture:
            picture.verify()
    except (PIL.UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise ServiceDeskError(_("The file is not a picture (JPEG, PNG, ...)."), field="image") from error
    finally:
        image.seek(0)
    photo = InspectionPhoto(inspection=inspection, image=image, caption=caption, uploaded_by=actor)
    validated_save(photo)
    return photo


@transaction.atomic
def inspections_flag_overdue(*, today: datetime.date | None = None) -> int:
    """Flag each open visit whose date has passed, once, and escalate it: its engineer and
    the managers are told. Returns how many were flagged."""
    today = today or desk_today()
    late = (
        Inspection.objects.select_for_update(of=("self",), skip_locked=True)
        .select_related("engineer", "project")
        .filter(Inspection.overdue_q(today), overdue_at=None)
    )
    staff = managers()
    count = 0
    for inspection in late:
        inspection.overdue_at = timezone.now()
        inspection.save(update_fields=["overdue_at", "updated_at"])
        notify(
            users=[inspection.engineer, *staff],
            key=f"inspection:{inspection.pk}:overdue",
            message=Message(
                reason=Reason.MAINTENANCE,
                subject=gettext_noop("Visit overdue since %(due)s: %(title)s"),
                template="maintenance/email/inspection.txt",
                context={"inspection": inspection, "title": inspection.title, "due": inspection.due_date.isoformat()},
                url=reverse("maintenance:inspection_detail", args=[inspection.pk]),
                urgent=True,
            ),
        )
        count += 1
    return count


@transaction.atomic
def inspection_sign_off(
    *, inspection_id: int, actor: User, name: str, signed_on: datetime.date | None = None, remarks: str = ""
) -> Inspection:
    """The customer signs the completed report off: a name, a date (today unless given; not
    before the visit was completed, not in the future) and remarks. Once, by a user of the
    project's organisation; the engineer and the managers are told."""
    inspection = _lock_inspection(inspection_id)
    project = Project.objects.select_related("organisation").get(pk=inspection.project_id)
    if not actor.is_customer or actor.organisation_id != project.organisation_id:
        raise NotAllowed(_("The customer of the project signs its inspection reports off."))
    if inspection.status != Inspection.Status.COMPLETED:
        raise ServiceDeskError(_("Only a completed report can be signed off."))
    if inspection.signed_off_at is not None:
        raise ServiceDeskError(_("This report is signed off already."))
    name = (name or "").strip()
    if not name:
        raise ServiceDeskError(_("Give the name of who signs."), field="name")
    if len(name) > 120:
        raise ServiceDeskError(_("At most 120 characters."), field="name")
    today = desk_today()
    signed_on = signed_on or today
    if signed_on > today:
        raise ServiceDeskError(_("The sign-off date cannot be in the future."), field="signed_on")
    completed_on = timezone.localtime(inspection.completed_at).date() if inspection.completed_at else None
    if completed_on and signed_on < completed_on:
        raise ServiceDeskError(_("The sign-off date cannot be before the visit was completed."), field="signed_on")
    inspection.signed_off_at = timezone.now()
    inspection.signed_off_by = actor
    inspection.signed_off_name = name
    inspection.signed_off_on = signed_on
    inspection.sign_off_remarks = (remarks or "").strip()
    inspection.save()
    engineer = User.objects.get(pk=inspection.engineer_id)
    notify(
        users=[engineer, *managers()],
        key=f"inspection:{inspection.pk}:signed-off",
        message=Message(
            reason=Reason.MAINTENANCE,
            subject=gettext_noop("Inspection report signed off by the customer: %(title)s"),
            template="maintenance/email/inspection.txt",
            context={"inspection": inspection, "title": inspection.title, "due": inspection.due_date.isoformat()},
            url=reverse("maintenance:inspection_detail", args=[inspection.pk]),
        ),
    )
    return inspection
