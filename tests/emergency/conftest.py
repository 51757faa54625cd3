import importlib

import pytest
from django.apps import apps as django_apps

from tests.tickets.conftest import groups, sla_setup  # noqa: F401  (shared fixtures)


def create_emergency_defaults() -> None:
    """The grading matrix and response plans of the data migration (a transactional test
    elsewhere may have emptied the tables since)."""
    importlib.import_module("emergency.migrations.0002_default_grading_and_plans").forwards(django_apps, None)


@pytest.fixture(autouse=True)
def emergency_defaults(db):
    create_emergency_defaults()
