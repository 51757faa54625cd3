"""What the maintenance module does: warranties and contracts, the coverage decision on a
ticket and its billable work, reminders, inspection schedules and visits, return visits,
satisfaction surveys, and releases reaching the projects that run them.

Every write goes through one of these functions, in one transaction, with the people told
through ``notifications.notify`` (mail and webhooks leave after commit).
"""

import datetime
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

import PIL.Image
from dateutil import rrule
from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core import signing
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import User
from core.errors import NotAllowed, ServiceDeskError
from core.time import desk_date, desk_today
from core.writes import assign, require_staff, validated_save
from customers.models import InstalledProduct, Project
from maintenance import coverage
from maintenance.models import (
    AnswerKind,
    BillableItem,
    Cause,
    ChecklistTemplate,
    Coverage,
    Inspection,
    InspectionAnswer,
    InspectionPhoto,
    InspectionSchedule,
    Product,
    Release,
    ReturnVisit,
    Service,
    ServiceContract,
    SurveyInvitation,
    UpgradeNotice,
    Warranty,
    WarrantyTerms,
)
from notifications.models import Reason
from notifications.services import Message, notify
from tickets import services as ticket_services
from tickets.models import Ticket, TicketEvent

SURVEY_SALT = "maintenance.survey"
RULE_LIMIT = 1000  # visit dates taken from one window
RULE_YEARS = 10  # a rule must give a date within this many years of its first visit
# Visits whose dates passed while beat was down are still made (and then flagged overdue),
# back this far (so a schedule entered with a past first visit makes at most a month of them).
PLAN_BACK_DAYS = 31


def managers() -> list[User]:
    return list(User.objects.managers())


def customer_contacts(project: Project) -> list[User]:
    """Who hears for the customer: the project's liaison, else the organisation's contacts."""
    if project.customer_liaison_id and project.customer_liaison.is_active:
        return [project.customer_liaison]
    return list(project.organisation.contacts.filter(is_active=True))


# --- warranties and contracts -------------------------------------------------------------


@transaction.atomic
def terms_save(*, terms: WarrantyTerms | None = None, **fields: Any) -> WarrantyTerms:
    terms = terms or WarrantyTerms()
    duration = fields.get("duration_months", terms.duration_months)
    if terms.pk and duration != terms.duration_months and terms.warranties.exists():
        # the warranties' stored end dates follow from the duration: they would be wrong
        raise ServiceDeskError(
            _("Warranties use these terms: create new terms for another duration."), field="duration_months"
        )
    assign(terms, fields)
    validated_save(terms)
    return terms


def _check_asset(project: Project, asset: InstalledProduct | None) -> None:
    if asset is not None and asset.project_id != project.pk:
        raise ServiceDeskError(_("The asset is installed at another project."), field="asset")


@transaction.atomic
def warranty_save(
    *,
    warranty: Warranty | None = None,
    project: Project,
    terms: WarrantyTerms,
    start_date: datetime.date | None = None,
    asset: InstalledProduct | None = None,
    notes: str = "",
) -> Warranty:
    """Create or change a warranty; it starts on the project's final acceptance date unless a
    start date is given, and ends ``terms.duration_months`` later (``coverage.period_end``)."""
    start_date = start_date or project.final_acceptance_date
    if start_date is None:
        raise ServiceDeskError(_("The project has no final acceptance date: give the start date."), field="start_date")
    _check_asset(project, asset)
    warranty = warranty or Warranty()
    try:
        end_date = coverage.period_end(start_date, terms.duration_months)
    except (ValueError, OverflowError) as error:  # past the year 9999
        raise ServiceDeskError(
            _("The warranty would end after the latest date the system supports."), field="start_date"
        ) from error
    changed = warranty.pk is None or warranty.end_date != end_date
    assign(warranty, {"project": project, "terms": terms, "start_date": start_date, "asset": asset, "notes": notes})
    warranty.end_date = end_date
    if changed:
        warranty.expiry_reminded_at = None  # a new end date is worth a new reminder
    validated_save(warranty)
    return warranty


@transaction.atomic
def contract_save(*, contract: ServiceContract | None = None, **fields: Any) -> ServiceContract:
    contract = contract or ServiceContract()
    assign(contract, fields)
    _check_asset(contract.project, contract.asset)
    validated_save(contract)
    return contract


@transaction.atomic
def warranties_remind_expiring(*, today: datetime.date | None = None) -> int:
    """Tell the managers and the customer contact about each warranty entering its last
    ``WARRANTY_EXPIRING_DAYS`` days, once per warranty and end date. Returns how many."""
    today = today or desk_today()
    due = (
        Warranty.objects.select_for_update(of=("self",), skip_locked=True)
        .select_related("project__organisation", "project__customer_liaison", "terms", "asset")
        .filter(coverage.status_filter(coverage.Status.EXPIRING, today), expiry_reminded_at=None)
    )
    staff = managers()
    count = 0
    for warranty in due:
        notify(
            users=[*staff, *customer_contacts(warranty.project)],
            key=f"warranty:{warranty.pk}:expiring:{warranty.end_date.isoformat()}",
            message=Message(
                reason=Reason.MAINTENANCE,
                subject=gettext_noop("Warranty expiring on %(end)s: %(project)s"),
                template="maintenance/email/warranty_expiring.txt",
                context={"warranty": warranty, "project": warranty.project.name, "end": warranty.end_date.isoformat()},
                url=reverse("maintenance:warranty_detail", args=[warranty.pk]),
            ),
        )
        warranty.expiry_reminded_at = timezone.now()
        warranty.save(update_fields=["expiry_reminded_at"])
        count += 1
    return count


# --- coverage of a ticket -----------------------------------------------------------------


def _ticket(ticket_id: int) -> Ticket:
    return ticket_services.ticket_for_update(ticket_id)


def ticket_verdict(ticket: Ticket, cause: str | None) -> coverage.Verdict:
    """The verdict for a ticket: on the local date it was received, for a repair."""
    return coverage.verdict(
        project_id=ticket.project_id, on=desk_date(ticket.received_at), cause=cause, service=Service.REPAIR
    )


@transaction.atomic
def coverage_decide(*, ticket_id: int, actor: User, cause: str) -> Coverage:
    """Record the engineer's root-cause attribution and decide free or billable from the
    warranty or contract in force when the ticket was received. Deciding again replaces it."""
    require_staff(actor)
    if cause not in Cause.values:
        raise ServiceDeskError(_("Choose a root cause from the list."), field="cause")
    ticket = _ticket(ticket_id)
    found = ticket_verdict(ticket, cause)
    record, _created = Coverage.objects.update_or_create(
        ticket=ticket,
        defaults={
            "cause": cause,
            "decision": found.decision,
            "warranty": found.warranty,
            "contract": found.contract,
            "reason": found.reason,
            "decided_by": actor,
        },
    )
    ticket_services.ticket_event_add(
        ticket=ticket,
        actor=actor,
        kind=TicketEvent.Kind.COVERAGE,
        cause=cause,
        decision=found.decision,
        reason=found.reason,
    )
    return record


@transaction.atomic
def billable_item_add(*, ticket_id: int, actor: User, kind: str, description: str, quantity: Decimal) -> BillableItem:
    require_staff(actor)
    ticket = _ticket(ticket_id)
    item = BillableItem(ticket=ticket, kind=kind, description=description, quantity=quantity, recorded_by=actor)
    validated_save(item)
    return item


@transaction.atomic
def billable_item_remove(*, item: BillableItem, actor: User) -> None:
    require_staff(actor)
    item.delete()


# --- inspections --------------------------------------------------------------------------


def parse_rule(rule: str, first_date: datetime.date) -> rrule.rrule:
    """An RFC 5545 RRULE from ``first_date``; a rule that never repeats is refused."""
    text = rule.strip().removeprefix("RRULE:")
    start = datetime.datetime.combine(first_date, datetime.time())
    try:
        parsed = rrule.rrulestr(text, dtstart=start, forceset=False)
    except (ValueError, TypeError, AttributeError) as error:
        raise ServiceDeskError(
            _("Not an RFC 5545 recurrence rule; for example FREQ=MONTHLY;INTERVAL=3."), field="rule"
        ) from error
    if not isinstance(parsed, rrule.rrule) or "FREQ" not in text.upper():
        raise ServiceDeskError(_("Give one rule with FREQ, for example FREQ=MONTHLY;INTERVAL=3."), field="rule")
    if parsed._freq in (rrule.HOURLY, rrule.MINUTELY, rrule.SECONDLY):
        raise ServiceDeskError(_("Visits repeat daily at most."), field="rule")
    if parsed._interval < 1:  # dateutil loops forever on INTERVAL=0 and fails on a negative one
        raise ServiceDeskError(_("The interval must be 1 or more."), field="rule")
    # dateutil would search to the year 9999 for a date that never comes (31 February)
    horizon = start + relativedelta(years=RULE_YEARS)
    if parsed.replace(until=min(parsed._until or horizon, horizon)).after(start, inc=True) is None:
        raise ServiceDeskError(
            _("The rule gives no date within %(years)d years of the first visit.") % {"years": RULE_YEARS},
            field="rule",
        )
    return parsed


def occurrences(schedule: InspectionSchedule, start: datetime.date, end: datetime.date) -> list[datetime.date]:
    """The schedule's visit dates from ``start`` through ``end``."""
    parsed = parse_rule(schedule.rule, schedule.first_date)
    after = datetime.datetime.combine(start, datetime.time())
    before = datetime.datetime.combine(end, datetime.time())
    bounded = parsed.replace(until=min(parsed._until or before, before))  # never a search past ``end``
    return [moment.date() for moment in bounded.between(after, before, inc=True)][:RULE_LIMIT]


@transaction.atomic
def schedule_save(*, schedule: InspectionSchedule | None = None, **fields: Any) -> InspectionSchedule:
    schedule = schedule or InspectionSchedule()
    assign(schedule, fields)
    if not schedule.engineer.is_staff_member:
        raise ServiceDeskError(_("The engineer must be a staff user."), field="engineer")
    parse_rule(schedule.rule, schedule.first_date)
    validated_save(schedule)
    return schedule


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
    today = today or desk_today()
    created = 0
    schedules = InspectionSchedule.objects.filter(is_active=True).select_related("checklist", "project")
    for schedule in schedules:
        end = today + datetime.timedelta(days=schedule.lead_days)
        try:
            since = max(today - datetime.timedelta(days=PLAN_BACK_DAYS), schedule.first_date)
            dates = occurrences(schedule, since, end)
        except ServiceDeskError:
            continue  # a rule that no longer parses creates nothing; the page shows the error
        existing = set(schedule.inspections.filter(due_date__in=dates).values_list("due_date", flat=True))
        for due in dates:
            if due in existing:
                continue
            try:
                with transaction.atomic():
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
            except IntegrityError:
                continue  # another run made it first
            created += 1
    return created


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


# --- return visits and surveys ------------------------------------------------------------


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


# --- releases and upgrades ----------------------------------------------------------------


@transaction.atomic
def product_save(*, product: Product | None = None, **fields: Any) -> Product:
    product = product or Product()
    assign(product, fields)
    validated_save(product)
    return product


@transaction.atomic
def release_save(*, release: Release | None = None, **fields: Any) -> Release:
    """Record a release; it reaches the projects when it is published (``release_publish``)."""
    release = release or Release()
    assign(release, fields)
    validated_save(release)
    return release


def _installations(release: Release) -> Iterable[InstalledProduct]:
    return (
        InstalledProduct.objects.filter(project__is_active=True, name__iexact=release.product.name)
        .exclude(version=release.version)
        .select_related("project__organisation", "project__customer_liaison")
    )


@transaction.atomic
def release_publish(*, release_id: int, actor: User) -> int:
    """Send the release to every project that runs its product at another version, each
    with the free/paid decision of the warranty or contract in force today. Publishing again
    reaches only installations it has not reached. Returns how many notices were made."""
    if not actor.can_manage:
        raise NotAllowed(_("Managers publish releases."))
    release = Release.objects.select_for_update().select_related("product").get(pk=release_id)
    today = desk_date()
    service = coverage.RELEASE_SERVICES[release.kind]
    reached = set(release.notices.values_list("installed_product_id", flat=True))
    count = 0
    for installed in _installations(release):
        if installed.pk in reached:
            continue
        found = coverage.verdict(project_id=installed.project_id, asset_id=installed.pk, on=today, service=service)
        notice = UpgradeNotice.objects.create(
            release=release,
            installed_product=installed,
            project=installed.project,
            from_version=installed.version,
            decision=found.decision,
            reason=found.reason,
        )
        notify(
            users=[*customer_contacts(installed.project), *managers()],
            key=f"release:{release.pk}:notice:{notice.pk}",
            message=Message(
                reason=Reason.MAINTENANCE,
                subject=gettext_noop("New release %(version)s of %(product)s for %(project)s"),
                template="maintenance/email/release.txt",
                context={
                    "notice": notice,
                    "release": release,
                    "version": release.version,
                    "product": release.product.name,
                    "project": installed.project.name,
                },
                url=reverse("maintenance:release_detail", args=[release.pk]),
                urgent=release.security_advisory,
            ),
        )
        count += 1
    if release.published_at is None:
        release.published_at = timezone.now()
        release.save(update_fields=["published_at", "updated_at"])
    return count


@transaction.atomic
def notice_update(
    *, notice_id: int, actor: User, status: str, planned_for: datetime.date | None = None, notes: str | None = None
) -> UpgradeNotice:
    """Track the upgrade: planned (for a date), done (the project now runs the release), or
    declined. Done and declined are final."""
    require_staff(actor)
    notice = UpgradeNotice.objects.select_for_update(of=("self",)).select_related("release").get(pk=notice_id)
    if notice.status in (UpgradeNotice.Status.DONE, UpgradeNotice.Status.DECLINED):
        raise ServiceDeskError(_("The upgrade is already %(status)s.") % {"status": notice.get_status_display()})
    if status not in (UpgradeNotice.Status.PLANNED, UpgradeNotice.Status.DONE, UpgradeNotice.Status.DECLINED):
        raise ServiceDeskError(_("Choose planned, done or declined."), field="status")
    if status == UpgradeNotice.Status.PLANNED and planned_for is None:
        raise ServiceDeskError(_("Give the planned date."), field="planned_for")
    notice.status = status
    notice.planned_for = planned_for or notice.planned_for
    if notes is not None:
        notice.notes = notes
    if status == UpgradeNotice.Status.DONE:
        notice.done_at, notice.done_by = timezone.now(), actor
        installed = InstalledProduct.objects.select_for_update().get(pk=notice.installed_product_id)
        installed.version = notice.release.version
        installed.save(update_fields=["version", "updated_at"])
    notice.save()
    return notice
