import pytest

from emergency.defaults import grading_defaults_ensure
from emergency.models import GradingRule, PlanResource, ResponsePlan
from tests.tickets.conftest import groups, sla_setup  # noqa: F401  (shared fixtures)


def create_emergency_defaults() -> None:
    """The grading matrix and response plans of the data migration and setup_desk (a
    transactional test elsewhere may have emptied the tables since)."""
    grading_defaults_ensure(GradingRule, ResponsePlan, PlanResource)


@pytest.fixture(autouse=True)
def emergency_defaults(db):
    create_emergency_defaults()
