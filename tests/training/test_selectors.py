"""The training reads: scoped to the reader (customers their organisation's plans and sessions
and their own enrolments; 404 outside), with the counts the pages show, in bounded queries."""

import datetime

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.http import Http404
from django.utils import timezone

from tests.accounts.factories import CustomerFactory
from training import selectors, services
from training.models import Deflection, TrainingSession

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)


def enrol(session, contact, actor=None):
    return services.enrol(session_id=session.pk, contact=contact, actor=actor or contact)


@pytest.fixture
def session_b(project_b, engineer):
    plan = services.plan_save(actor=engineer, project=project_b, title="Plan B")
    starts = timezone.now().replace(microsecond=0) + datetime.timedelta(days=5)
    return services.session_save(
        actor=engineer,
        plan=plan,
        title="Session B",
        format=TrainingSession.Format.CENTRALISED,
        location="Training centre",
        trainer=engineer,
        starts_at=starts,
        ends_at=starts + 2 * HOUR,
        capacity=5,
    )


@pytest.fixture
def busy(session_a, customer_a, colleague_a, org_a):
    """session_a full (two seats) with two people waiting and one who cancelled."""
    enrol(session_a, customer_a)
    enrol(session_a, colleague_a)
    waiting = [CustomerFactory(username=f"waiting-{n}", organisation=org_a) for n in range(3)]
    for contact in waiting[:2]:
        enrol(session_a, contact)
    gone = enrol(session_a, waiting[2])
    services.enrolment_cancel(enrolment_id=gone.pk, actor=waiting[2])
    return session_a


# --- plans and sessions ----------------------------------------------------------------------


def test_customers_see_their_organisations_plans_only(plan_a, session_b, customer_a, customer_b, engineer):
    plan_b = session_b.plan
    assert list(selectors.plan_list(user=customer_a)) == [plan_a]
    assert list(selectors.plan_list(user=customer_b)) == [plan_b]
    assert set(selectors.plan_list(user=engineer)) == {plan_a, plan_b}
    assert selectors.plan_get(user=customer_a, pk=plan_a.pk) == plan_a
    with pytest.raises(Http404):
        selectors.plan_get(user=customer_b, pk=plan_a.pk)


def test_sessions_carry_their_seats_and_waiting_list(busy, session_b, engineer, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):  # the sessions, their topics, their materials
        sessions = {s.pk: s for s in selectors.session_list(user=engineer)}
        counts = {s.title: (s.seats_taken, s.waiting, len(s.topics.all())) for s in sessions.values()}
        trainers = {str(s.trainer) for s in sessions.values()}
        projects = {s.plan.project.organisation.name for s in sessions.values()}
    assert counts == {"Online operator training": (2, 2, 2), "Session B": (0, 0, 0)}
    assert trainers == {str(engineer)} and projects == {"Organisation A", "Organisation B"}


def test_customers_see_their_organisations_sessions_only(busy, session_b, customer_a, customer_b):
    assert [s.title for s in selectors.session_list(user=customer_a)] == ["Online operator training"]
    assert [s.title for s in selectors.session_list(user=customer_b)] == ["Session B"]
    assert selectors.session_get(user=customer_a, pk=busy.pk).seats_taken == 2
    with pytest.raises(Http404):
        selectors.session_get(user=customer_b, pk=busy.pk)
    assert not selectors.session_list(user=AnonymousUser()).exists()


def test_upcoming_sessions_are_those_not_over(session_a, session_b, engineer):
    everything = selectors.session_list(user=engineer)
    assert set(selectors.upcoming(everything)) == {session_a, session_b}
    assert list(selectors.upcoming(everything, now=session_b.ends_at)) == [session_a]
    assert list(selectors.upcoming(everything, now=session_a.ends_at)) == []


# --- enrolments ------------------------------------------------------------------------------


def test_a_customer_sees_their_own_enrolments_only(busy, customer_a, colleague_a, customer_b, engineer):
    mine = selectors.enrolment_list(user=customer_a)
    assert [e.contact for e in mine] == [customer_a]
    assert selectors.enrolment_list(user=customer_b).count() == 0
    assert selectors.enrolment_list(user=engineer).count() == 5
    assert selectors.enrolment_list(user=AnonymousUser()).count() == 0
    theirs = selectors.enrolment_list(user=engineer).get(contact=colleague_a)
    with pytest.raises(Http404):
        selectors.enrolment_get(user=customer_a, pk=theirs.pk)
    assert selectors.enrolment_get(user=colleague_a, pk=theirs.pk) == theirs


def test_a_sessions_participants_for_staff_and_ones_own_for_a_customer(busy, customer_a, manager):
    everyone = selectors.session_enrolments(session=busy, user=manager)
    assert [(e.contact.username, e.status) for e in everyone] == [
        ("waiting-2", "cancelled"),
        ("cust-a", "enrolled"),
        ("cust-a2", "enrolled"),
        ("waiting-0", "waitlisted"),
        ("waiting-1", "waitlisted"),
    ]
    assert [e.contact for e in selectors.session_enrolments(session=busy, user=customer_a)] == [customer_a]


def test_my_enrolment(busy, customer_a, customer_b):
    assert selectors.my_enrolment(session=busy, user=customer_a).contact == customer_a
    assert selectors.my_enrolment(session=busy, user=customer_b) is None
    assert selectors.my_enrolment(session=busy, user=AnonymousUser()) is None


def test_an_inactive_customer_sees_no_enrolments(busy, customer_a):
    customer_a.is_active = False
    customer_a.save()
    assert selectors.enrolment_list(user=customer_a).count() == 0


# --- training records ------------------------------------------------------------------------


def test_a_projects_training_records_count_seats_presence_and_feedback(
    busy, session_b, project_a, engineer, customer_a, colleague_a, django_assert_max_num_queries
):
    # given: session A held, both present, one gave feedback; another session of project A later
    people = {e.contact_id: e for e in busy.enrolments.filter(status="enrolled")}
    with time_machine.travel(busy.starts_at + HOUR, tick=False):
        services.attendance_take(
            session_id=busy.pk,
            actor=engineer,
            marks={people[customer_a.pk].pk: "present", people[colleague_a.pk].pk: "present"},
        )
    with time_machine.travel(busy.ends_at + HOUR, tick=False):
        services.feedback_submit(enrolment_id=people[customer_a.pk].pk, actor=customer_a, rating=4)
    later = services.session_save(
        actor=engineer,
        plan=busy.plan,
        title="Second round",
        format=TrainingSession.Format.ONLINE,
        meeting_link="https://meet.example.com/two",
        trainer=engineer,
        starts_at=busy.starts_at + datetime.timedelta(days=30),
        ends_at=busy.ends_at + datetime.timedelta(days=30),
    )
    enrol(later, customer_a)
    # when
    with django_assert_max_num_queries(2):  # the sessions and their topics
        records = [
            (s.title, s.seats_taken, s.present, s.feedback_count, len(s.topics.all()), str(s.trainer))
            for s in selectors.training_records(project_id=project_a.pk)
        ]
    # then: newest first; project B's session is not among them
    assert records == [
        ("Second round", 1, 0, 0, 0, str(engineer)),
        ("Online operator training", 2, 2, 1, 2, str(engineer)),
    ]


# --- deflections -----------------------------------------------------------------------------


def test_deflection_counts_by_period_and_organisation(articles, customer_a, customer_b, org_a):
    now = timezone.now()
    services.article_solved(article=articles["printer"], user=customer_a, source="ticket_form")
    services.article_solved(article=articles["server"], user=customer_a, source="article")
    services.article_solved(article=articles["printer"], user=customer_b, source="ticket_form")
    services.article_solved(article=articles["printer"], user=None, source="api")
    old = services.article_solved(article=articles["server"], user=customer_b)
    Deflection.objects.filter(pk=old.pk).update(created_at=now - datetime.timedelta(days=40))
    since, until = now - datetime.timedelta(days=30), now + HOUR
    assert selectors.deflection_counts(since=since, until=until) == {"solved": 4, "from_ticket_form": 2}
    assert selectors.deflection_counts(since=since, until=until, organisation_id=org_a.pk) == {
        "solved": 2,
        "from_ticket_form": 1,
    }
    assert selectors.deflection_counts(since=now - datetime.timedelta(days=50), until=since) == {
        "solved": 1,
        "from_ticket_form": 0,
    }
    assert selectors.deflection_counts(since=until, until=until + HOUR) == {"solved": 0, "from_ticket_form": 0}
