"""Writes for organisations, projects and customer contacts.

Field rules are checked with ``full_clean`` before anything is written; a
``ValidationError`` (per field) leaves the database untouched.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from accounts import services as account_services
from accounts.models import User
from core.errors import ServiceDeskError
from core.writes import audited_save
from customers.models import InstalledProduct, Organisation, Project

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


def _replace_products(project: Project, products: Iterable[Mapping[str, Any]], actor: User | None) -> None:
    """Make the project's products the given list. A product already there (same name,
    version and serial number) is kept and updated, so what refers to it (a warranty on the
    asset) stays; one left out is removed, unless something still refers to it."""
    existing = list(project.products.order_by("pk"))
    kept: set[int] = set()
    for data in products:
        key = tuple(data.get(name, "") for name in PRODUCT_KEY)
        product = next(
            (p for p in existing if p.pk not in kept and tuple(getattr(p, n) for n in PRODUCT_KEY) == key), None
        )
        if product is None:
            product = InstalledProduct(project=project)
        else:
            kept.add(product.pk)
        for name, value in data.items():
            setattr(product, name, value)
        _save(product, actor=actor)
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
