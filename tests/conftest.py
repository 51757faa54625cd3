"""Shared fixtures: two customer organisations (A and B) and one user per role."""

import pytest
from django.core.cache import cache
from django.utils import timezone, translation
from rest_framework.test import APIClient

from accounts.models import User
from accounts.services import api_token_create
from tests.accounts.factories import PASSWORD, CustomerFactory, UserFactory
from tests.customers.factories import OrganisationFactory, ProjectFactory


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _no_language_or_zone_left_active():
    """A request of a Chinese user, or a Shanghai one, leaves its language and zone active in
    the thread (the middleware activates them per request): each test starts from the
    settings' defaults, whatever ran before it."""
    yield
    translation.deactivate()
    timezone.deactivate()


@pytest.fixture
def org_a(db):
    return OrganisationFactory(name="Organisation A", code="org-a")


@pytest.fixture
def org_b(db):
    return OrganisationFactory(name="Organisation B", code="org-b")


@pytest.fixture
def project_a(org_a):
    return ProjectFactory(organisation=org_a, name="Project A", code="prj-a")


@pytest.fixture
def project_b(org_b):
    return ProjectFactory(organisation=org_b, name="Project B", code="prj-b")


@pytest.fixture
def customer_a(org_a):
    return CustomerFactory(username="cust-a", organisation=org_a)


@pytest.fixture
def customer_b(org_b):
    return CustomerFactory(username="cust-b", organisation=org_b)


@pytest.fixture
def engineer(db):
    return UserFactory(username="eng", role=User.Role.ENGINEER)


@pytest.fixture
def manager(db):
    return UserFactory(username="mgr", role=User.Role.MANAGER)


@pytest.fixture
def admin_user(db):
    return UserFactory(username="adm", role=User.Role.ADMIN, is_staff=True, is_superuser=True)


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def api():
    """An API client; ``api.as_user(user)`` authenticates it with the user's token."""

    client = APIClient()

    def as_user(user):
        _token, key = api_token_create(user=user, name="tests")
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return client

    client.as_user = as_user
    return client
