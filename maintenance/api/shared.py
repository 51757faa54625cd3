"""What the maintenance API modules share: scoped querysets for references, small fields."""

from django.db.models import QuerySet
from rest_framework import serializers
from rest_framework.request import Request

from accounts.models import User
from accounts.scoping import scope_to_user
from customers.models import InstalledProduct
from maintenance import coverage
from maintenance.models import (
    Cause,
    Service,
    UpgradeNotice,
)
from tickets.models import Ticket
from tickets.selectors import ticket_list

STAFF = User.objects.staff()
WARRANTY_STATUSES = list(coverage.STATUS_LABELS.items())
TRACK_STATUSES = [
    (value, label)
    for value, label in UpgradeNotice.Status.choices
    if value in (UpgradeNotice.Status.PLANNED, UpgradeNotice.Status.DONE, UpgradeNotice.Status.DECLINED)
]


def _projects(user: User) -> QuerySet:
    from customers.selectors import project_list

    return project_list(user=user)


def _active_projects(user: User) -> QuerySet:
    return _projects(user).filter(is_active=True)


def _assets(user: User) -> QuerySet[InstalledProduct]:
    return scope_to_user(InstalledProduct.objects.all(), user, organisation_field="project__organisation")


def _tickets(user: User) -> QuerySet[Ticket]:
    return ticket_list(user=user)


def _query(serializer_class: type[serializers.Serializer], request: Request) -> dict:
    """Query parameters read through a serializer: a bad value is a 400 naming the parameter."""
    data = serializer_class(data=request.query_params.dict())
    data.is_valid(raise_exception=True)
    return dict(data.validated_data)


class CauseListField(serializers.ListField):
    child = serializers.ChoiceField(choices=Cause.choices)


class ServiceListField(serializers.ListField):
    child = serializers.ChoiceField(choices=Service.choices)


def _distinct(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))
