"""Read queries for organisations and projects, scoped to what the user may see."""

from django.db.models import Count, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from accounts.models import User
from accounts.scoping import scope_to_user
from customers.models import InstalledProduct, Organisation, Project


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
