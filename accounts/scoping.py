"""The one place that decides which organisations' rows a user may reach.

Customers see their own organisation's rows and nothing else; staff see everything.
Every selector that a customer can reach filters through ``scope_to_user``; objects
outside the scope are simply not found (404), never "forbidden".
"""

from typing import TypeVar

from django.db.models import Model, QuerySet

M = TypeVar("M", bound=Model)


def scope_to_user(queryset: QuerySet[M], user, *, organisation_field: str = "organisation") -> QuerySet[M]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return queryset.none()
    if user.is_staff_member:
        return queryset
    if not user.organisation_id:
        return queryset.none()
    return queryset.filter(**{organisation_field: user.organisation_id})
