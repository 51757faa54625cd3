"""The lines of an asset's service history that reports can read from every wing: the tickets
and incidents that name the asset, the completed inspections of its project, and the upgrades
of the installed product. Registered with ``customers.asset_history`` at start-up
(``ReportsConfig.ready``); other apps (spare parts) register their own lines there.

Each provider reads with one query through its app's selector, scoped to the user.
"""

from collections.abc import Iterator

from django.urls import reverse
from django.utils.translation import gettext as _

from customers.asset_history import HistoryEntry, register
from customers.models import InstalledProduct
from emergency import selectors as emergency_selectors
from maintenance import selectors as maintenance_selectors
from maintenance.models import Inspection, UpgradeNotice
from tickets import selectors as ticket_selectors


def ticket_lines(*, asset: InstalledProduct, user) -> Iterator[HistoryEntry]:
    tickets = ticket_selectors.ticket_list(user=user).filter(asset=asset).select_related(None).prefetch_related(None)
    tickets = tickets.order_by("received_at", "pk")
    for ticket in tickets.only("pk", "reference", "title", "status", "received_at"):
        yield HistoryEntry(
            at=ticket.received_at,
            kind="ticket",
            object_id=ticket.pk,
            reference=ticket.reference,
            title=ticket.title,
            status=ticket.get_status_display(),
            url=reverse("tickets:detail", args=[ticket.pk]),
        )


def incident_lines(*, asset: InstalledProduct, user) -> Iterator[HistoryEntry]:
    incidents = (
        emergency_selectors.incident_list(user=user)
        .filter(asset=asset)
        .select_related(None)
        .prefetch_related(None)
        .order_by("reported_at", "pk")
    )
    for incident in incidents.only("pk", "reference", "title", "status", "reported_at"):
        yield HistoryEntry(
            at=incident.reported_at,
            kind="incident",
            object_id=incident.pk,
            reference=incident.reference,
            title=incident.title,
            status=incident.get_status_display(),
            url=reverse("emergency:detail", args=[incident.pk]),
        )


def inspection_lines(*, asset: InstalledProduct, user) -> Iterator[HistoryEntry]:
    """The completed inspections and health checks of the asset's project: a visit checks the
    whole system, the asset with it."""
    inspections = (
        maintenance_selectors.inspection_list(user=user)
        .filter(project_id=asset.project_id, status=Inspection.Status.COMPLETED)
        .select_related(None)
        .order_by("completed_at", "pk")
    )
    for inspection in inspections.only("pk", "kind", "title", "status", "completed_at"):
        yield HistoryEntry(
            at=inspection.completed_at,
            kind="inspection",
            object_id=inspection.pk,
            reference=inspection.get_kind_display(),
            title=inspection.title,
            status=inspection.get_status_display(),
            url=reverse("maintenance:inspection_detail", args=[inspection.pk]),
        )


def upgrade_lines(*, asset: InstalledProduct, user) -> Iterator[HistoryEntry]:
    """The releases that reached the installed product: when done, at the upgrade; otherwise at
    the notice."""
    notices = maintenance_selectors.notice_list(user=user).filter(installed_product=asset).order_by("created_at", "pk")
    for notice in notices:
        done = notice.status == UpgradeNotice.Status.DONE and notice.done_at is not None
        yield HistoryEntry(
            at=notice.done_at if done else notice.created_at,
            kind="upgrade",
            object_id=notice.pk,
            reference=notice.release.version,
            title=_("%(product)s %(from)s to %(to)s")
            % {
                "product": notice.release.product.name,
                "from": notice.from_version or "?",
                "to": notice.release.version,
            },
            status=notice.get_status_display(),
            url=reverse("maintenance:release_detail", args=[notice.release_id]),
            details={"decision": notice.decision},
        )


def register_providers() -> None:
    register("ticket", ticket_lines)
    register("incident", incident_lines)
    register("inspection", inspection_lines)
    register("upgrade", upgrade_lines)
