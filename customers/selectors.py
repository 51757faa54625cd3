"""Read queries for organisations and projects, scoped to what the user may see."""

import logging
from dataclasses import dataclass

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.scoping import scope_to_user
from customers.models import HotlineNumber, InstalledProduct, Organisation, Project

logger = logging.getLogger(__name__)


def organisation_list(*, user: User) -> QuerySet[Organisation]:
    queryset = Organisation.objects.annotate(
        project_count=Count("projects", filter=Q(projects__is_active=True), distinct=True)
    )
    return scope_to_user(queryset, user, organisation_field="pk")


def organisation_get(*, user: User, pk: int) -> Organisation:
    """The organisation, or 404 when it is not within the user's scope."""
    return get_object_or_404(organisation_list(user=user), pk=pk)


def project_list(*, user: User) -> QuerySet[Project]:
    queryset = Project.objects.select_related("organisation", "customer_liaison").prefetch_related(
        Prefetch("products", queryset=InstalledProduct.objects.order_by("name", "version"))
    )
    return scope_to_user(queryset, user)


def project_get(*, user: User, pk: int) -> Project:
    """The project, or 404 when it is not within the user's scope."""
    return get_object_or_404(project_list(user=user), pk=pk)


def contact_list(*, organisation: Organisation) -> QuerySet[User]:
    return organisation.contacts.filter(is_active=True).order_by("last_name", "first_name", "username")


def project_filter(request) -> Project | None:
    """A page's ``?project=<pk>``: a project the user may see (404 otherwise), or none."""
    value = request.GET.get("project", "")
    return project_get(user=request.user, pk=int(value)) if value.isdigit() else None


def asset_list(*, user: User, serial: str = "", project_id: int | None = None) -> QuerySet[InstalledProduct]:
    """The assets (installed products) the user may see: a customer its organisation's. ``serial``
    matches a serial number exactly, in any letter case; ``project_id`` keeps one project's."""
    queryset = InstalledProduct.objects.select_related("project__organisation").order_by(
        "project__organisation__name", "project__name", "name", "serial_number", "pk"
    )
    if serial.strip():
        queryset = queryset.filter(serial_number__iexact=serial.strip())
    if project_id is not None:
        queryset = queryset.filter(project_id=project_id)
    return scope_to_user(queryset, user, organisation_field="project__organisation")


def asset_get(*, user: User, pk: int) -> InstalledProduct:
    """The asset, or 404 when it is not within the user's scope."""
    return get_object_or_404(asset_list(user=user), pk=pk)


def asset_resolve(
    *, project: Project, asset: InstalledProduct | None, serial: str, wrong_project: str
) -> InstalledProduct | None:
    """The asset a ticket or incident form names: a serial number typed names the project's asset
    with it. A serial that no asset of the project has, one naming another asset than the one
    chosen, or a chosen asset of another project (``wrong_project`` says it for the form) raises a
    ValidationError keyed by the form's field (``asset_serial`` or ``asset``)."""
    serial = serial.strip()
    if serial:
        found = asset_by_serial(project=project, serial=serial)
        if found is None:
            message = _("No asset of this project has serial number %(serial)s.") % {"serial": serial}
            raise ValidationError({"asset_serial": message})
        if asset is not None and asset != found:
            raise ValidationError({"asset_serial": _("This serial number is another asset than the one chosen.")})
        return found
    if asset is not None and asset.project_id != project.pk:
        raise ValidationError({"asset": wrong_project})
    return asset


def asset_by_serial(*, project: Project, serial: str) -> InstalledProduct | None:
    """The project's asset with this serial number (any letter case), or none."""
    serial = serial.strip()
    if not serial:
        return None
    return InstalledProduct.objects.filter(project=project, serial_number__iexact=serial).order_by("pk").first()


# --- hotline numbers ------------------------------------------------------------------------

HOTLINES_KEY = "customers:hotlines"
HOTLINES_KEPT = 3600  # seconds; dropped at once when a number is saved (``services.hotline_*``)


@dataclass(frozen=True)
class Hotline:
    """A hotline number as pages, emails and the API show it (kept in the cache)."""

    label: str
    number: str
    hours: str
    organisation_id: int | None


def _hotline_directory(*, kept_only: bool = False) -> dict[int | None, list[Hotline]]:
    """Every active number by organisation (``None``: the desk's), in their order: one query,
    kept in the cache. ``kept_only``: what the cache holds, without a query (empty when it
    holds nothing)."""
    try:
        kept = cache.get(HOTLINES_KEY)
    except Exception:  # the cache (Redis) is down: pages still show the numbers
        logger.warning("hotline numbers not cached: the cache is unavailable", exc_info=True)
        kept = None
    if kept is not None or kept_only:
        return kept or {}
    directory: dict[int | None, list[Hotline]] = {}
    for row in HotlineNumber.objects.filter(is_active=True).order_by("position", "id"):
        directory.setdefault(row.organisation_id, []).append(
            Hotline(row.label, row.number, row.hours, row.organisation_id)
        )
    try:
        cache.set(HOTLINES_KEY, directory, timeout=HOTLINES_KEPT)
    except Exception:
        logger.warning("hotline numbers not cached: the cache is unavailable", exc_info=True)
    return directory


def hotlines_of(*, organisation_id: int | None, kept_only: bool = False) -> list[Hotline]:
    """The numbers an organisation's people call: its own if it has any active, else the
    desk's. ``None``: the desk's. ``kept_only``: only if the cache holds them (no query)."""
    directory = _hotline_directory(kept_only=kept_only)
    own = directory.get(organisation_id, []) if organisation_id is not None else []
    return own or directory.get(None, [])


def hotlines_for(*, user: User | None, kept_only: bool = False) -> list[Hotline]:
    """The numbers shown to ``user``: a customer its organisation's (or the desk's when it has
    none); staff and visitors the desk's."""
    if user is not None and getattr(user, "is_authenticated", False) and user.is_customer:
        return hotlines_of(organisation_id=user.organisation_id, kept_only=kept_only)
    return hotlines_of(organisation_id=None, kept_only=kept_only)


def hotline_list() -> QuerySet[HotlineNumber]:
    """Every number, the desk's first (the admin's and a staff list's)."""
    return HotlineNumber.objects.select_related("organisation").order_by(
        F("organisation__name").asc(nulls_first=True), "position", "id"
    )


def customer_liaisons(*, user: User, project_id: int | None = None) -> QuerySet[Project]:
    """The active projects within ``user``'s scope that name the customer's own emergency
    liaison, with the liaison (one query)."""
    projects = scope_to_user(Project.objects.filter(is_active=True, customer_liaison__isnull=False), user)
    if project_id is not None:
        projects = projects.filter(pk=project_id)
    return projects.select_related("organisation", "customer_liaison").order_by("organisation__name", "name")
