"""Whom the maintenance services tell: the managers and a project's customer contacts."""

from accounts.models import User
from customers.models import Project


def managers() -> list[User]:
    return list(User.objects.managers())


def customer_contacts(project: Project) -> list[User]:
    """Who hears for the customer: the project's liaison, else the organisation's contacts."""
    if project.customer_liaison_id and project.customer_liaison.is_active:
        return [project.customer_liaison]
    return list(project.organisation.contacts.filter(is_active=True))
