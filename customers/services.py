"""Writes for organisations, projects and customer contacts.

Field rules are checked with ``full_clean`` before anything is written; a
``ValidationError`` (per field) leaves the database untouched.
"""

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from accounts import services as account_services
from accounts.models import User
from core.errors import ServiceDeskError
from core.writes import audited_save, validated_save
from customers import selectors
from customers.models import HotlineNumber, InstalledProduct, Organisation, Project

logger = logging.getLogger(__name__)

ORGANISATION_FIELDS = {"name", "code", "address", "phone", "email", "notes", "is_active"}
PROJECT_FIELDS = {
    "organisation",
    "code",
    "name",
    "description",
    "site_address",
    "final_acceptance_date",
    "customer_liaison",
    "sla_policy",
    "emergency_response_minutes",
    "is_active",
}


def _save(instance, *, actor: User | None) -> None:
    audited_save(instance, actor=actor)


def _assign(instance, fields: Mapping[str, Any], allowed: set[str]) -> None:
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(instance, name, value)


@transaction.atomic
def organisation_create(*, actor: User | None, **fields: Any) -> Organisation:
    organisation = Organisation()
    _assign(organisation, fields, ORGANISATION_FIELDS)
    _save(organisation, actor=actor)
    return organisation


@transaction.atomic
def organisation_update(*, actor: User | None, organisation: Organisation, **fields: Any) -> Organisation:
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    _assign(organisation, fields, ORGANISATION_FIELDS)
    _save(organisation, actor=actor)
    return organisation


PRODUCT_KEY = ("name", "version", "serial_number")
ASSET_FIELDS = {
    "name",
    "version",
    "serial_number",
    "quantity",
    "notes",
    "location",
    "installed_on",
    "accepted_on",
}


def _check_serial(product: InstalledProduct) -> None:
    """A serial number names one asset of its project (letter case and spaces around ignored);
    an empty one names none, so several assets may go without."""
    product.serial_number = product.serial_number.strip()
    if not product.serial_number:
        return
    taken = InstalledProduct.objects.filter(project_id=product.project_id, serial_number__iexact=product.serial_number)
    if product.pk:
        taken = taken.exclude(pk=product.pk)
    if taken.exists():
        raise ServiceDeskError(
            _("Serial number %(serial)s is already an asset of this project.") % {"serial": product.serial_number},
            field="serial_number",
        )


def _save_product(product: InstalledProduct, *, actor: User | None) -> None:
    if product.accepted_on and product.installed_on and product.accepted_on < product.installed_on:
        raise ServiceDeskError(_("An asset cannot be accepted before it was installed."), field="accepted_on")
    _check_serial(product)
    _save(product, actor=actor)


@transaction.atomic
def asset_create(*, actor: User | None, project: Project, **fields: Any) -> InstalledProduct:
    """A new asset (installed product) of a project; its serial number is unique in the project."""
    Project.objects.select_for_update().get(pk=project.pk)  # serial numbers of a project checked one at a time
    asset = InstalledProduct(project=project)
    _assign(asset, fields, ASSET_FIELDS)
    _save_product(asset, actor=actor)
    return asset


@transaction.atomic
def asset_update(*, actor: User | None, asset: InstalledProduct, **fields: Any) -> InstalledProduct:
    """Change an asset's fields (not its project: an asset moved elsewhere is a new asset)."""
    Project.objects.select_for_update().get(pk=asset.project_id)
    asset = InstalledProduct.objects.select_for_update().get(pk=asset.pk)
    _assign(asset, fields, ASSET_FIELDS)
    _save_product(asset, actor=actor)
    return asset


def _replace_products(project: Project, products: Iterable[Mapping[str, Any]], actor: User | None) -> None:
    """Make the project's products the given list. A product already there (same serial number,
    or same name, version and serial number) is kept and updated, so what refers to it (a warranty on the
    asset) stays; one left out is removed, unless something still refers to it."""
    existing = list(project.products.order_by("pk"))
    kept: set[int] = set()
    for data in products:
        key = tuple(data.get(name, "") for name in PRODUCT_KEY)
        serial = str(data.get("serial_number", "")).strip().casefold()
        # the same serial number is the same asset (a new version is an upgrade of it), else the same key
        product = next(
            (p for p in existing if p.pk not in kept and serial and p.serial_number.casefold() == serial), None
        ) or next((p for p in existing if p.pk not in kept and tuple(getattr(p, n) for n in PRODUCT_KEY) == key), None)
        if product is None:
            product = InstalledProduct(project=project)
        else:
            kept.add(product.pk)
        for name, value in data.items():
            setattr(product, name, value)
        _save_product(product, actor=actor)
    for product in existing:
        if product.pk in kept:
            continue
        try:
            with transaction.atomic():
                product.delete()
        except ProtectedError as error:
            raise ServiceDeskError(
                _("%(product)s cannot be removed from the project: its warranty refers to it.") % {"product": product},
                field="products",
            ) from error


@transaction.atomic
def project_create(*, actor: User | None, products: Iterable[Mapping[str, Any]] = (), **fields: Any) -> Project:
    project = Project()
    _assign(project, fields, PROJECT_FIELDS)
    _save(project, actor=actor)
    _replace_products(project, products, actor)
    return project


@transaction.atomic
def project_update(
    *,
    actor: User | None,
    project: Project,
    products: Iterable[Mapping[str, Any]] | None = None,
    **fields: Any,
) -> Project:
    """Change a project; ``products``, when given, replaces the delivered products."""
    project = Project.objects.select_for_update().get(pk=project.pk)
    _assign(project, fields, PROJECT_FIELDS)
    _save(project, actor=actor)
    if products is not None:
        _replace_products(project, products, actor)
    return project


def contact_create(*, organisation: Organisation, username: str, password: str | None, **fields: Any) -> User:
    """A customer contact: a user with the customer role in this organisation."""
    return account_services.user_create(
        username=username, password=password, role=User.Role.CUSTOMER, organisation_id=organisation.pk, **fields
    )


# --- hotline numbers ------------------------------------------------------------------------

HOTLINE_FIELDS = {"organisation", "label", "number", "hours", "position", "is_active"}


def _hotlines_changed() -> None:
    # robust: a cache that is down fails no write (what it kept goes within HOTLINES_KEPT)
    transaction.on_commit(lambda: cache.delete(selectors.HOTLINES_KEY), robust=True)


@transaction.atomic
def hotline_number_save(*, actor: User | None, hotline: HotlineNumber | None = None, **fields: Any) -> HotlineNumber:
    """Add or change a hotline number (the desk's without an organisation); pages and emails
    show it from the next request on."""
    if hotline is not None and hotline.pk:
        hotline = HotlineNumber.objects.select_for_update().get(pk=hotline.pk)
    else:
        hotline = HotlineNumber()
    _assign(hotline, fields, HOTLINE_FIELDS)
    for name in ("label", "number", "hours"):
        setattr(hotline, name, getattr(hotline, name).strip())
    validated_save(hotline)
    logger.info(
        "hotline number %s saved by %s: %s",
        hotline.pk,
        getattr(actor, "username", "the system"),
        {"organisation": hotline.organisation_id, "number": hotline.number, "active": hotline.is_active},
    )
    _hotlines_changed()
    return hotline


@transaction.atomic
def hotline_number_delete(*, actor: User | None, hotline: HotlineNumber) -> None:
    logger.info("hotline number %s (%s) deleted by %s", hotline.pk, hotline, getattr(actor, "username", "the system"))
    hotline.delete()
    _hotlines_changed()
