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
    """Free or billable: the warranty in force on ``on`` decides, then a service contract; a
    cause the terms do not cover, or a service they exclude, is billable."""
    warranty = _in_force(Warranty.objects.select_related("terms"), project_id=project_id, asset_id=asset_id, on=on)
    contract = _in_force(ServiceContract.objects.all(), project_id=project_id, asset_id=asset_id, on=on)
    day = _day(on)
    refusals = []
    for record, terms, label in (
        (warranty, warranty.terms if warranty else None, _("the warranty")),
        (contract, contract, _("service contract %(number)s") % {"number": contract.number} if contract else ""),
    ):
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
