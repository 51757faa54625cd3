"""Shared fixtures of the reports tests: rows made directly with the numbers a test chooses
(a ticket's ``received_at``, a clock's start, due, stop and working time), so every figure can
be computed by hand. Each ``make_*`` fixture is a function that creates one row.

Organisations, projects and users come from tests/conftest.py (org_a, project_a, org_b,
project_b, engineer, manager, …).
"""

import datetime
import itertools

import pytest

from customers.models import Project
from emergency.models import Incident, ReviewAction
from maintenance.models import Inspection, ReturnVisit, Warranty, WarrantyTerms
from tests.accounts.factories import UserFactory
from tests.tickets.helpers import ROUND_THE_CLOCK
from tickets.calendars import calendar_save
from tickets.models import BusinessCalendar, Metric, SLAClock, Ticket
from training.models import Enrolment, Feedback, TrainingPlan, TrainingSession

_numbers = itertools.count(1)


@pytest.fixture
def clock_calendar(db) -> BusinessCalendar:
    """A round-the-clock calendar in Asia/Shanghai for the clocks made directly (its working
    time is wall time; the reports read the stored ``working_seconds``, not the calendar)."""
    return calendar_save(name="Reports 24x7", timezone_name="Asia/Shanghai", hours=ROUND_THE_CLOCK)


@pytest.fixture
def reporter(db):
    """Who filed the tickets made by ``make_ticket`` (the reports do not look at it)."""
    return UserFactory(username="reports-reporter")


@pytest.fixture
def make_ticket(reporter):
    """``make_ticket(project, received_at, priority=, status=, assignee=, rating=, resolved_at=)``."""

    def make(
        project: Project,
        received_at: datetime.datetime,
        *,
        priority: str = "normal",
        status: str = Ticket.Status.NEW,
        assignee=None,
        title: str = "",
        **fields,
    ) -> Ticket:
        number = next(_numbers)
        return Ticket.objects.create(
            reference=f"RT-{number:06d}",
            organisation_id=project.organisation_id,
            project=project,
            reporter=reporter,
            priority=priority,
            status=status,
            title=title or f"Report ticket {number}",
            description="x",
            received_at=received_at,
            assignee=assignee,
            **fields,
        )

    return make


@pytest.fixture
def make_clock(clock_calendar):
    """``make_clock(ticket, metric, due_at=, started_at=, stopped_at=, paused_at=, breached_at=,
    working_seconds=)``; the start defaults to the ticket's ``received_at``."""

    def make(
        ticket: Ticket,
        metric: str = Metric.RESOLUTION,
        *,
        due_at: datetime.datetime,
        started_at: datetime.datetime | None = None,
        **fields,
    ) -> SLAClock:
        return SLAClock.objects.create(
            ticket=ticket,
            metric=metric,
            target_minutes=60,
            calendar=clock_calendar,
            started_at=started_at or ticket.received_at,
            due_at=due_at,
            **fields,
        )

    return make


@pytest.fixture
def make_incident(engineer):
    """``make_incident(project, reported_at, grade=, status=, title=)``."""

    def make(
        project: Project,
        reported_at: datetime.datetime,
        *,
        grade: str = "",
        status: str = Incident.Status.REPORTED,
        title: str = "",
        **fields,
    ) -> Incident:
        number = next(_numbers)
        return Incident.objects.create(
            reference=f"RI-{number:06d}",
            organisation_id=project.organisation_id,
            project=project,
            title=title or f"Report incident {number}",
            symptoms="x",
            reporter_name="Caller",
            reported_at=reported_at,
            reported_by=engineer,
            status=status,
            status_changed_at=reported_at,
            grade=grade,
            **fields,
        )

    return make


@pytest.fixture
def make_review_action(engineer):
    """``make_review_action(incident, due_date, done_at=)``."""

    def make(incident: Incident, due_date: datetime.date, **fields) -> ReviewAction:
        return ReviewAction.objects.create(
            incident=incident, description=f"Action {next(_numbers)}", owner=engineer, due_date=due_date, **fields
        )

    return make


@pytest.fixture
def make_inspection(engineer):
    """``make_inspection(project, due_date, status=, kind=, completed_at=, title=)``."""

    def make(
        project: Project,
        due_date: datetime.date,
        *,
        status: str = Inspection.Status.PLANNED,
        title: str = "",
        **fields,
    ) -> Inspection:
        return Inspection.objects.create(
            project=project,
            title=title or f"Inspection {next(_numbers)}",
            due_date=due_date,
            engineer=engineer,
            status=status,
            **fields,
        )

    return make


@pytest.fixture
def warranty_terms(db) -> WarrantyTerms:
    return WarrantyTerms.objects.create(name="Reports 2 years", duration_months=24)


@pytest.fixture
def make_warranty(warranty_terms):
    """``make_warranty(project, start_date, end_date)`` with the ``warranty_terms``."""

    def make(project: Project, start_date: datetime.date, end_date: datetime.date, **fields) -> Warranty:
        return Warranty.objects.create(
            project=project, terms=warranty_terms, start_date=start_date, end_date=end_date, **fields
        )

    return make


@pytest.fixture
def make_return_visit(engineer):
    """``make_return_visit(project, done_at, satisfaction=, status=, contact_name=)``; the
    visit is done unless ``status`` says otherwise."""

    def make(
        project: Project,
        done_at: datetime.datetime | None,
        *,
        status: str = ReturnVisit.Status.DONE,
        **fields,
    ) -> ReturnVisit:
        scheduled = (done_at or datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)).date()
        return ReturnVisit.objects.create(
            project=project, scheduled_for=scheduled, staff=engineer, status=status, done_at=done_at, **fields
        )

    return make


@pytest.fixture
def make_session(engineer):
    """``make_session(project, starts_at, status=, title=, format=)``: a two-hour session of a
    plan of the project (one plan per project, made on first use)."""

    def make(
        project: Project,
        starts_at: datetime.datetime,
        *,
        status: str = TrainingSession.Status.SCHEDULED,
        title: str = "",
        **fields,
    ) -> TrainingSession:
        plan = TrainingPlan.objects.filter(project=project).first() or TrainingPlan.objects.create(
            project=project, title=f"Plan of {project.name}"
        )
        fields.setdefault("format", TrainingSession.Format.ONSITE)
        return TrainingSession.objects.create(
            plan=plan,
            title=title or f"Session {next(_numbers)}",
            trainer=engineer,
            starts_at=starts_at,
            ends_at=starts_at + datetime.timedelta(hours=2),
            status=status,
            **fields,
        )

    return make


@pytest.fixture
def make_feedback():
    """``make_feedback(session, rating, attendance=)``: a new participant's enrolment and the
    feedback they gave."""

    def make(session: TrainingSession, rating: int, *, attendance: str = Enrolment.Attendance.PRESENT) -> Feedback:
        contact = UserFactory(username=f"trainee-{next(_numbers)}")
        enrolment = Enrolment.objects.create(
            session=session, contact=contact, queued_at=session.starts_at, attendance=attendance
        )
        return Feedback.objects.create(enrolment=enrolment, rating=rating)

    return make
