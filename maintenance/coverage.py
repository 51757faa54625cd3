"""Warranty periods and the free-or-billable verdict: date arithmetic and the rules, no writes.

A period of N months that starts on day D ends on the same day N months later (the start day
itself is not counted, as the PRC Civil Code, articles 201 and 202, counts periods); where
that day does not exist in the month (29 February, a 31st), the period ends on the month's
last day. So a 2-year warranty accepted on 2024-02-29 covers every day through 2026-02-28.
"""

import datetime
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db.models import F, Q, QuerySet
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from maintenance.models import Cause, Decision, Service, ServiceContract, Warranty


class Status:
    PENDING = "pending"
    ACTIVE = "active"
    EXPIRING = "expiring"
    EXPIRED = "expired"


STATUS_LABELS = {
    Status.PENDING: gettext_lazy("Not yet started"),
    Status.ACTIVE: gettext_lazy("In force"),
    Status.EXPIRING: gettext_lazy("Expiring soon"),
    Status.EXPIRED: gettext_lazy("Expired"),
}


def period_end(start: datetime.date, months: int) -> datetime.date:
    """The last day of a period of ``months`` months starting on ``start``."""
    return start + relativedelta(months=months)  # relativedelta clamps to the month's last day


def expiring_horizon(today: datetime.date) -> datetime.date:
    return today + datetime.timedelta(days=settings.WARRANTY_EXPIRING_DAYS)


def warranty_status(warranty: Warranty, today: datetime.date) -> str:
    if today < warranty.start_date:
        return Status.PENDING
    if today > warranty.end_date:
        return Status.EXPIRED
    if warranty.end_date <= expiring_horizon(today):
        return Status.EXPIRING
    return Status.ACTIVE


def status_filter(status: str, today: datetime.date) -> Q:
    """The rows of a status, as a filter the database applies."""
    return {
        Status.PENDING: Q(start_date__gt=today),
        Status.ACTIVE: Q(start_date__lte=today, end_date__gt=expiring_horizon(today)),
        Status.EXPIRING: Q(start_date__lte=today, end_date__gte=today, end_date__lte=expiring_horizon(today)),
        Status.EXPIRED: Q(end_date__lt=today),
    }[status]


def _day(value: datetime.date) -> str:
    return date_format(value, "DATE_FORMAT")


def warranty_in_force(warranty: Warranty, on: datetime.date) -> tuple[bool, str]:
    """Whether the warranty covers the day ``on``, and why (the coverage endpoint's answer)."""
    names = {"terms": warranty.terms.name, "start": _day(warranty.start_date), "end": _day(warranty.end_date)}
    if on < warranty.start_date:
        return False, _("The warranty (%(terms)s) starts on %(start)s.") % names
    if on > warranty.end_date:
        return False, _("The warranty (%(terms)s) covered %(start)s through %(end)s and has expired.") % names
    return True, _("Under warranty (%(terms)s) from %(start)s through %(end)s.") % names


@dataclass(frozen=True)
class Verdict:
    decision: str
    reason: str
    warranty: Warranty | None = None
    contract: ServiceContract | None = None

    @property
    def free(self) -> bool:
        return self.decision == Decision.FREE


def _in_force(queryset: QuerySet, *, project_id: int, asset_id: int | None, on: datetime.date):
    """The record in force on ``on``: one for the asset itself before one for the whole project,
    and of those the one that runs longest."""
    assets = Q(asset=None) | Q(asset_id=asset_id) if asset_id else Q(asset=None)
    rows = queryset.filter(assets, project_id=project_id, start_date__lte=on, end_date__gte=on)
    # NULLS LAST spelled out: SQLite sorts NULL first in ascending order, PostgreSQL last
    return rows.order_by(F("asset_id").asc(nulls_last=True), "-end_date", "pk").first()


def verdict(
    *, project_id: int, on: datetime.date, asset_id: int | None = None, cause: str | None = None, service: str
) -> Verdict:
    """Free or billable: the warranty and the service contract in force on ``on`` are asked in
    turn, the first whose terms cover the cause and include the service makes it free; a cause
    none covers, or a service they exclude, is billable.

    With an asset, the asset's own records come first: its warranty replaces the project's for
    it (and its contract the project's contract), and a record of the asset is asked before a
    record of the whole project (the asset's contract before the project's warranty)."""
    warranty = _in_force(Warranty.objects.select_related("terms"), project_id=project_id, asset_id=asset_id, on=on)
    contract = _in_force(ServiceContract.objects.all(), project_id=project_id, asset_id=asset_id, on=on)
    day = _day(on)
    refusals = []
    candidates = [
        (warranty, warranty.terms if warranty else None, _("the warranty")),
        (contract, contract, _("service contract %(number)s") % {"number": contract.number} if contract else ""),
    ]
    # the asset's records first; sorted() is stable, so a warranty stays before a contract of its level
    candidates.sort(key=lambda candidate: candidate[0] is None or candidate[0].asset_id is None)
    for record, terms, label in candidates:
        if record is None:
            continue
        names = {"record": label, "end": _day(record.end_date)}
        if cause is not None and cause not in terms.covered_causes:
            names["cause"] = Cause(cause).label
            refusals.append(_("%(record)s (through %(end)s) does not cover %(cause)s") % names)
        elif service not in terms.services_included:
            names["service"] = Service(service).label
            refusals.append(_("%(record)s (through %(end)s) excludes %(service)s") % names)
        else:
            if cause is not None:
                names["cause"] = Cause(cause).label
                reason = _("Free: on %(day)s %(record)s (through %(end)s) covers %(cause)s.")
            else:
                names["service"] = Service(service).label
                reason = _("Free: on %(day)s %(record)s (through %(end)s) includes %(service)s.")
            return Verdict(
                Decision.FREE,
                reason % {**names, "day": day},
                warranty=record if record is warranty else None,
                contract=record if record is contract else None,
            )
    if refusals:
        return Verdict(
            Decision.BILLABLE,
            _("Billable: %(refusals)s.") % {"refusals": "; ".join(refusals)},
            warranty=warranty,
            contract=contract,
        )
    return Verdict(
        Decision.BILLABLE, _("Billable: no warranty or service contract was in force on %(day)s.") % {"day": day}
    )


RELEASE_SERVICES = {"patch": Service.PATCH, "minor": Service.MINOR_UPGRADE, "major": Service.MAJOR_UPGRADE}


@dataclass(frozen=True)
class AssetWarranty:
    """The warranty that speaks for an asset today: ``status`` one of Status's values, or
    ``none`` when neither the asset nor its project has a warranty."""

    status: str
    warranty: Warranty | None = None

    @property
    def end_date(self) -> datetime.date | None:
        return self.warranty.end_date if self.warranty else None

    @property
    def scope(self) -> str | None:
        if self.warranty is None:
            return None
        return "asset" if self.warranty.asset_id else "project"


NO_WARRANTY = "none"


def _warranty_rank(warranty: Warranty, today: datetime.date) -> tuple:
    """Lower is better: in force (the asset's own before the project's, then the longest), then
    the next to start, then the last to have ended."""
    if warranty.start_date <= today <= warranty.end_date:
        return (0, warranty.asset_id is None, -warranty.end_date.toordinal(), warranty.pk)
    if today < warranty.start_date:
        return (1, warranty.asset_id is None, warranty.start_date.toordinal(), warranty.pk)
    return (2, warranty.asset_id is None, -warranty.end_date.toordinal(), warranty.pk)


def asset_warranties(assets, today: datetime.date) -> dict[int, AssetWarranty]:
    """Each asset's warranty status on ``today``, keyed by asset id, in one query: its own
    warranty in force before its project's, as the coverage verdict takes them."""
    assets = list(assets)
    if not assets:
        return {}
    rows = Warranty.objects.filter(
        Q(asset=None) | Q(asset_id__in=[asset.pk for asset in assets]),
        project_id__in={asset.project_id for asset in assets},
    ).select_related("terms")
    by_project: dict[int, list[Warranty]] = {}
    by_asset: dict[int, list[Warranty]] = {}
    for warranty in rows:
        if warranty.asset_id:
            by_asset.setdefault(warranty.asset_id, []).append(warranty)
        else:
            by_project.setdefault(warranty.project_id, []).append(warranty)
    answer = {}
    for asset in assets:
        candidates = by_asset.get(asset.pk, []) + by_project.get(asset.project_id, [])
        if not candidates:
            answer[asset.pk] = AssetWarranty(NO_WARRANTY)
            continue
        best = min(candidates, key=lambda warranty: _warranty_rank(warranty, today))
        answer[asset.pk] = AssetWarranty(warranty_status(best, today), best)
    return answer
