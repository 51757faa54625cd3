"""Warranty terms and periods, service contracts, and the coverage of a ticket: free or billable."""

import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import User
from core.errors import ServiceDeskError
from core.time import desk_date, desk_today
from core.writes import assign, require_staff, validated_save
from customers.models import InstalledProduct, Project
from maintenance import coverage
from maintenance.models import (
    BillableItem,
    Cause,
    Coverage,
    Service,
    ServiceContract,
    Warranty,
    WarrantyTerms,
)
from maintenance.services.common import customer_contacts, managers
from notifications.models import Reason
from notifications.services import Message, notify
from tickets import services as ticket_services
from tickets.models import Ticket, TicketEvent


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


def _ticket(ticket_id: int) -> Ticket:
    return ticket_services.ticket_for_update(ticket_id)


def ticket_verdict(ticket: Ticket, cause: str | None) -> coverage.Verdict:
    """The verdict for a ticket: on the local date it was received, for a repair of the ticket's
    asset (its own warranty and contract first) or of the project."""
    return coverage.verdict(
        project_id=ticket.project_id,
        asset_id=ticket.asset_id,
        on=desk_date(ticket.received_at),
        cause=cause,
        service=Service.REPAIR,
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
