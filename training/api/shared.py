"""What the training API modules share: scoped querysets for references, links, names."""

from django.db.models import QuerySet
from rest_framework.negotiation import DefaultContentNegotiation

from accounts.models import User
from accounts.scoping import scope_to_user
from customers.models import Project


def projects(user: User) -> QuerySet[Project]:
    return scope_to_user(Project.objects.all(), user)


def contacts(user: User) -> QuerySet[User]:
    """Whom the caller may name as a participant: staff anyone, a customer its organisation's
    people (another organisation's are "does not exist")."""
    return scope_to_user(User.objects.filter(is_active=True), user)


class _FormatIsAFilter:
    URL_FORMAT_OVERRIDE = None


class FormatIsAFilter(DefaultContentNegotiation):
    """Content negotiation by the Accept header only: ``?format=`` is a filter of the view (a
    session's format), which DRF would otherwise read as the renderer to answer with."""

    settings = _FormatIsAFilter()
