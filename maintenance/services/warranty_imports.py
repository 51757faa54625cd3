"""Warranties brought in many at once (``imports``): ``warranty_save``'s rules (the asset of the
project, the end date from the terms' duration, a new end date is worth a new reminder) in a
few statements per thousand warranties, with their history rows."""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from accounts.models import User
from core.errors import ServiceDeskError
from customers.models import InstalledProduct, Project
from maintenance import coverage
from maintenance.models import Warranty, WarrantyTerms

BATCH = 1000


@dataclass
class ImportedWarranty:
    project: Project
    terms: WarrantyTerms
    start_date: datetime.date
    asset: InstalledProduct | None = None
    notes: str = ""
    warranty: Warranty | None = None  # the one to change, if the desk has it


def warranty_import_problems(*, item: ImportedWarranty) -> list[str]:
    """What is wrong with one warranty to import, without a query."""
    if item.asset is not None and item.asset.project_id != item.project.pk:
        return [_("The asset is installed at another project.")]
    try:
        coverage.period_end(item.start_date, item.terms.duration_months)
    except (ValueError, OverflowError):
        return [_("The warranty would end after the latest date the system supports.")]
    return []


@transaction.atomic
def warranties_import(*, actor: User | None, items: Sequence[ImportedWarranty]) -> None:
    """Create or change the warranties of ``items`` in one transaction; a broken rule on any
    raises ``ServiceDeskError`` and nothing is saved."""
    new, changed = [], []
    now = timezone.now()
    for item in items:
        if problems := warranty_import_problems(item=item):
            raise ServiceDeskError(problems[0])
        warranty = item.warranty or Warranty()
        end_date = coverage.period_end(item.start_date, item.terms.duration_months)
        if warranty.pk is None or warranty.end_date != end_date:
            warranty.expiry_reminded_at = None  # a new end date is worth a new reminder
        warranty.project, warranty.terms, warranty.asset = item.project, item.terms, item.asset
        warranty.start_date, warranty.end_date, warranty.notes = item.start_date, end_date, item.notes
        try:
            warranty.full_clean(
                exclude=["project", "terms", "asset"], validate_unique=False, validate_constraints=False
            )
        except ValidationError as error:
            raise ServiceDeskError(next(iter(error.messages))) from error
        warranty.updated_at = now
        (changed if warranty.pk else new).append(warranty)
    if new:
        bulk_create_with_history(new, Warranty, batch_size=BATCH, default_user=actor)
    if changed:
        fields = ["terms", "asset", "start_date", "end_date", "notes", "expiry_reminded_at", "updated_at"]
        bulk_update_with_history(changed, Warranty, fields, batch_size=BATCH, default_user=actor)
