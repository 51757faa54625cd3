"""Read queries of the maintenance module, scoped to what the user may see: customers their
own organisation's rows (others are not found), staff everything."""

import datetime

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from accounts.models import User
from accounts.scoping import scope_to_user
from core.time import desk_today
from maintenance import coverage
from maintenance.models import (
    BillableItem,
    Coverage,
    Inspection,
    InspectionSchedule,
    Release,
    ReturnVisit,
    ReturnVisitSchedule,
    ServiceContract,
    UpgradeNotice,
    Warranty,
    WarrantyTerms,
)

ORG = "project__organisation"


def terms_list() -> QuerySet[WarrantyTerms]:
    return WarrantyTerms.objects.all()


def warranties_in_status(status: str, *, today: datetime.date | None = None) -> QuerySet[Warranty]:
    """The warranties pending, active, expiring or expired on ``today`` (the desk's date)."""
    return Warranty.objects.filter(coverage.status_filter(status, today or desk_today()))


def warranties_expiring(*, today: datetime.date | None = None) -> QuerySet[Warranty]:
    """In force, their last day within the reminder horizon (``WARRANTY_EXPIRING_DAYS``)."""
    return warranties_in_status(coverage.Status.EXPIRING, today=today)


def warranty_list(*, user: User, status: str | None = None, today: datetime.date | None = None) -> QuerySet[Warranty]:
    queryset = warranties_in_status(status, today=today) if status else Warranty.objects.all()
    queryset = queryset.select_related("project__organisation", "terms", "asset")
    return scope_to_user(queryset, user, organisation_field=ORG)


def warranty_get(*, user: User, pk: int) -> Warranty:
    return get_object_or_404(warranty_list(user=user), pk=pk)


def contract_list(*, user: User) -> QuerySet[ServiceContract]:
    return scope_to_user(
        ServiceContract.objects.select_related("project__organisation", "asset"), user, organisation_field=ORG
    )


def ticket_coverage(*, ticket_id: int) -> Coverage | None:
    return Coverage.objects.select_related("decided_by", "warranty", "contract").filter(ticket_id=ticket_id).first()


def billable_items(*, ticket_id: int) -> QuerySet[BillableItem]:
    return BillableItem.objects.filter(ticket_id=ticket_id).select_related("recorded_by")


def schedule_list(*, user: User) -> QuerySet[InspectionSchedule]:
    queryset = InspectionSchedule.objects.select_related("project__organisation", "engineer", "checklist")
    return scope_to_user(queryset, user, organisation_field=ORG)


def inspection_list(*, user: User) -> QuerySet[Inspection]:
    queryset = Inspection.objects.select_related("project__organisation", "engineer", "schedule")
    return scope_to_user(queryset, user, organisation_field=ORG)


def inspection_results_visible(*, user: User, inspection: Inspection) -> bool:
    """Whether ``user`` may see what the visit recorded (checklist answers and values,
    findings, recommendations, photos, the report): staff always, a customer only once the
    visit is completed (an in-progress record is the engineer's draft). The one rule of it:
    the API, the pages, the photos and the PDF ask here."""
    return bool(user.is_authenticated and user.is_staff_member) or inspection.status == Inspection.Status.COMPLETED


def inspection_get(*, user: User, pk: int) -> Inspection:
    queryset = inspection_list(user=user).prefetch_related("answers", "photos")
    return get_object_or_404(queryset, pk=pk)


def return_visit_list(*, user: User) -> QuerySet[ReturnVisit]:
    queryset = ReturnVisit.objects.select_related("project__organisation", "staff", "ticket")
    return scope_to_user(queryset, user, organisation_field=ORG)


def return_visit_schedule_list(*, user: User) -> QuerySet[ReturnVisitSchedule]:
    queryset = ReturnVisitSchedule.objects.select_related("project__organisation", "staff")
    return scope_to_user(queryset, user, organisation_field=ORG)


def release_list(*, user: User) -> QuerySet[Release]:
    """Staff see every release; a customer those that reached one of its projects, with only
    its own organisation's notices."""
    notices = scope_to_user(
        UpgradeNotice.objects.select_related("project", "installed_product", "done_by"), user, organisation_field=ORG
    )
    queryset = Release.objects.select_related("product").prefetch_related(Prefetch("notices", queryset=notices))
    if user.is_authenticated and not user.is_staff_member:
        queryset = queryset.filter(notices__in=notices).distinct()
    return queryset


def notice_list(*, user: User) -> QuerySet[UpgradeNotice]:
    queryset = UpgradeNotice.objects.select_related("release__product", "project__organisation", "installed_product")
    return scope_to_user(queryset, user, organisation_field=ORG)
