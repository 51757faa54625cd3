"""Products, releases and the upgrade notices of the projects that run them."""

import datetime
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import User
from core.errors import NotAllowed, ServiceDeskError
from core.time import desk_date
from core.writes import assign, require_staff, validated_save
from customers.models import InstalledProduct
from maintenance import coverage
from maintenance.models import (
    Product,
    Release,
    UpgradeNotice,
)
from maintenance.services.common import customer_contacts, managers
from notifications.models import Reason
from notifications.services import Message, notify


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
