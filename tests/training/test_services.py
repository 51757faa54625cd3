"""The training services on real rows: plans and sessions, enrolment with its waiting list (also
under concurrency), attendance, feedback, reminders, and the knowledge base's writes; and the
emails they send, with the calendar invitation attached, in the recipient's time zone."""

import datetime
import threading
from unittest import mock

import icalendar
import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from core.errors import NotAllowed, ServiceDeskError
from notifications.models import Delivery, Notification, Reason
from tests.accounts.factories import CustomerFactory, UserFactory
from tests.customers.factories import InstalledProductFactory
from tickets.models import Ticket
from tickets.services import comment_add, ticket_create, ticket_update
from training import services
from training.models import (
    AppliesTo,
    Article,
    Deflection,
    Enrolment,
    Feedback,
    Tag,
    Topic,
    TrainingPlan,
    TrainingSession,
)

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)


# --- helpers ---------------------------------------------------------------------------------


def enrol(session: TrainingSession, contact, actor=None) -> Enrolment:
    return services.enrol(session_id=session.pk, contact=contact, actor=actor or contact)


def at(moment: datetime.datetime):
    """Freeze the clock at ``moment``."""
    return time_machine.travel(moment, tick=False)


def told(enrolment: Enrolment, event: str) -> list[Notification]:
    """The notifications of one enrolment's event (``enrolled``, ``seated``, ``changed``...)."""
    return list(Notification.objects.filter(key__startswith=f"enrolment:{enrolment.pk}:{event}:").order_by("pk"))


def calendars_of(message) -> list[tuple[str, icalendar.Calendar]]:
    """The calendar attachments of a sent email: (the ``method`` of its Content-Type, the
    parsed calendar), the method checked against the calendar's own METHOD."""
    found = []
    for part in message.message().walk():
        if part.get_content_type() == "text/calendar":
            calendar = icalendar.Calendar.from_ical(part.get_payload(decode=True))
            assert part.get_param("method") == calendar["METHOD"]
            found.append((part.get_param("method"), calendar))
    return found


def mails_to(user) -> list:
    return [message for message in mail.outbox if message.to == [user.email]]


@pytest.fixture
def contacts(org_a):
    """Four more customer contacts of organisation A, to fill seats and waiting lists."""
    return [CustomerFactory(username=f"contact-{n}", organisation=org_a) for n in range(4)]


@pytest.fixture
def full_session(session_a, customer_a, colleague_a):
    """session_a (capacity 2) with both seats taken, by customer A and the colleague."""
    enrol(session_a, customer_a)
    enrol(session_a, colleague_a)
    return session_a


# --- plan_save ---------------------------------------------------------------------------------


def test_a_plan_keeps_its_topics_in_the_order_given(plan_a, project_a):
    assert plan_a.created_by.username == "eng"
    assert list(plan_a.topics.values_list("title", "position", "kind")) == [
        ("Daily operation", 0, Topic.Kind.OPERATION),
        ("Troubleshooting", 1, Topic.Kind.TROUBLESHOOTING),
    ]


def test_saving_topics_replaces_them_keeping_those_named_by_id(plan_a, engineer):
    operation, troubleshooting = plan_a.topics.all()
    # when: troubleshooting moves first (renamed), operation is dropped, a new topic comes last
    services.plan_save(
        actor=engineer,
        plan=plan_a,
        topics=[
            {"id": troubleshooting.pk, "title": "Fault finding", "kind": Topic.Kind.TROUBLESHOOTING},
            {"title": "Backups", "kind": Topic.Kind.MAINTENANCE, "hours": 1.5},
        ],
    )
    # then
    rows = list(plan_a.topics.values_list("pk", "title", "position"))
    assert rows[0] == (troubleshooting.pk, "Fault finding", 0)
    assert rows[1][1:] == ("Backups", 1)
    assert not Topic.objects.filter(pk=operation.pk).exists()


def test_saving_a_plan_without_topics_leaves_them_alone(plan_a, engineer):
    services.plan_save(actor=engineer, plan=plan_a, title="Operators, advanced")
    plan_a.refresh_from_db()
    assert plan_a.title == "Operators, advanced" and plan_a.topics.count() == 2


def test_a_topic_of_another_plan_is_refused(plan_a, project_a, engineer):
    other = services.plan_save(
        actor=engineer, project=project_a, title="Admin training", topics=[{"title": "Accounts"}]
    )
    foreign = other.topics.get()
    with pytest.raises(ServiceDeskError) as refused:
        services.plan_save(actor=engineer, plan=plan_a, topics=[{"id": foreign.pk, "title": "Stolen"}])
    assert refused.value.field == "topics"
    foreign.refresh_from_db()
    assert (foreign.plan, foreign.title) == (other, "Accounts")
    assert plan_a.topics.count() == 2


def test_customers_cannot_save_plans(project_a, plan_a, customer_a):
    with pytest.raises(NotAllowed):
        services.plan_save(actor=customer_a, project=project_a, title="Mine")
    with pytest.raises(NotAllowed):
        services.plan_save(actor=customer_a, plan=plan_a, title="Mine")
    assert TrainingPlan.objects.get().title == "Operator training"


def test_a_plan_for_an_inactive_project_is_refused(project_a, engineer):
    project_a.is_active = False
    project_a.save()
    with pytest.raises(ServiceDeskError) as refused:
        services.plan_save(actor=engineer, project=project_a, title="Too late")
    assert refused.value.field == "project"
    assert not TrainingPlan.objects.exists()


def test_a_plan_needs_a_title_and_a_project(project_a, engineer):
    with pytest.raises(ServiceDeskError) as refused:
        services.plan_save(actor=engineer, project=project_a, title="")
    assert refused.value.field == "title"
    with pytest.raises(ServiceDeskError) as refused:
        services.plan_save(actor=engineer, title="Nowhere")
    assert refused.value.field == "project"
    assert not TrainingPlan.objects.exists()


# --- session_save --------------------------------------------------------------------------


def session_fields(plan, trainer, **overrides):
    starts = timezone.now().replace(microsecond=0) + datetime.timedelta(days=3)
    fields = {
        "plan": plan,
        "title": "On-site training",
        "format": TrainingSession.Format.ONSITE,
        "location": "Building 3, room 201",
        "trainer": trainer,
        "starts_at": starts,
        "ends_at": starts + 2 * HOUR,
        "capacity": 10,
    }
    return fields | overrides


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"ends_at": "starts"}, "ends_at"),
        ({"format": TrainingSession.Format.ONLINE, "location": ""}, "meeting_link"),
        ({"format": TrainingSession.Format.ONSITE, "location": "  "}, "location"),
        ({"format": TrainingSession.Format.CENTRALISED, "location": ""}, "location"),
        ({"capacity": 0}, "capacity"),
    ],
    ids=["ends-at-start", "online-without-link", "onsite-without-address", "venue-missing", "no-seats"],
)
def test_a_session_is_validated(plan_a, engineer, overrides, field):
    fields = session_fields(plan_a, engineer, **overrides)
    if fields["ends_at"] == "starts":
        fields["ends_at"] = fields["starts_at"] - HOUR
    with pytest.raises(ServiceDeskError) as refused:
        services.session_save(actor=engineer, **fields)
    assert refused.value.field == field
    assert not TrainingSession.objects.exists()


def test_an_onsite_session_is_created_with_its_plans_topics(plan_a, engineer):
    session = services.session_save(actor=engineer, topics=plan_a.topics.all(), **session_fields(plan_a, engineer))
    session.refresh_from_db()
    assert (session.status, session.revision, session.location) == ("scheduled", 0, "Building 3, room 201")
    assert session.topics.count() == 2


def test_the_trainer_must_be_staff(plan_a, engineer, customer_a):
    with pytest.raises(ServiceDeskError) as refused:
        services.session_save(actor=engineer, **session_fields(plan_a, customer_a))
    assert refused.value.field == "trainer"
    gone = UserFactory(username="gone", is_active=False)
    with pytest.raises(ServiceDeskError) as refused:
        services.session_save(actor=engineer, **session_fields(plan_a, gone))
    assert refused.value.field == "trainer"
    assert not TrainingSession.objects.exists()


def test_only_staff_save_sessions(plan_a, session_a, customer_a):
    with pytest.raises(NotAllowed):
        services.session_save(actor=customer_a, **session_fields(plan_a, customer_a))
    with pytest.raises(NotAllowed):
        services.session_save(actor=customer_a, session=session_a, capacity=50)


def test_topics_of_another_plan_are_refused(plan_a, session_a, project_a, engineer):
    other = services.plan_save(actor=engineer, project=project_a, title="Admins", topics=[{"title": "Accounts"}])
    with pytest.raises(ServiceDeskError) as refused:
        services.session_save(actor=engineer, session=session_a, topics=[*plan_a.topics.all(), *other.topics.all()])
    assert refused.value.field == "topics"
    assert set(session_a.topics.all()) == set(plan_a.topics.all())


def test_the_capacity_cannot_drop_below_the_seats_taken(full_session, engineer):
    with pytest.raises(ServiceDeskError) as refused:
        services.session_save(actor=engineer, session=full_session, capacity=1)
    assert refused.value.field == "capacity"
    full_session.refresh_from_db()
    assert full_session.capacity == 2


def test_a_cancelled_session_cannot_be_changed(session_a, engineer):
    services.session_cancel(session_id=session_a.pk, actor=engineer, reason="Trainer ill")
    with pytest.raises(ServiceDeskError):
        services.session_save(actor=engineer, session=session_a, capacity=10)


def test_enlarging_a_session_seats_the_waiting_list_in_order_and_tells_them(
    full_session, contacts, engineer, django_capture_on_commit_callbacks
):
    # given: three people waiting, in this order
    first, second, third = (enrol(full_session, contact) for contact in contacts[:3])
    assert [services.waiting_position(e) for e in (first, second, third)] == [1, 2, 3]
    # when: two more seats
    with django_capture_on_commit_callbacks(execute=True):
        services.session_save(actor=engineer, session=full_session, capacity=4)
    # then: the first two in line are seated and told, with the invitation; the third waits
    for enrolment in (first, second, third):
        enrolment.refresh_from_db()
    assert [first.status, second.status, third.status] == ["enrolled", "enrolled", "waitlisted"]
    assert services.waiting_position(third) == 1
    assert len(told(first, "seated")) == len(told(second, "seated")) == 1 and told(third, "seated") == []
    (seated_mail,) = mails_to(contacts[0])
    assert seated_mail.subject.startswith("A seat is free for you: Online operator training")
    assert [method for method, _calendar in calendars_of(seated_mail)] == ["REQUEST"]
    # the revision did not change: only the capacity did
    full_session.refresh_from_db()
    assert full_session.revision == 0


def test_a_change_of_time_sends_everyone_enrolled_the_new_invitation(
    full_session, customer_a, colleague_a, contacts, engineer, django_capture_on_commit_callbacks
):
    # given: both seated people were reminded already; someone waits
    waiting = enrol(full_session, contacts[0])
    Enrolment.objects.filter(session=full_session).update(reminded_at=timezone.now())
    # when: the session moves by a day, twice
    for days in (1, 2):
        starts = full_session.starts_at + datetime.timedelta(days=days)
        with django_capture_on_commit_callbacks(execute=True):
            services.session_save(actor=engineer, session=full_session, starts_at=starts, ends_at=starts + 2 * HOUR)
    # then: revision 2, reminders may go again, and each seated person got two invitations
    session = TrainingSession.objects.get(pk=full_session.pk)
    assert session.revision == 2
    seated = Enrolment.objects.filter(session=session, status="enrolled")
    assert list(seated.values_list("reminded_at", flat=True)) == [None, None]
    for person in (customer_a, colleague_a):
        received = mails_to(person)
        assert [m.subject.split(":")[0] for m in received] == ["Training session changed"] * 2
        sequences = [str(calendars_of(m)[0][1].walk("VEVENT")[0]["SEQUENCE"]) for m in received]
        assert sequences == ["1", "2"]
        enrolment = seated.get(contact=person)
        keys = [n.key for n in told(enrolment, "changed")]
        assert len(keys) == len(set(keys)) == 2
    event = calendars_of(mails_to(customer_a)[-1])[0][1].walk("VEVENT")[0]
    assert event.decoded("dtstart") == session.starts_at
    # the waiting list is not invited
    assert waiting.status == "waitlisted" and mails_to(contacts[0]) == [] and told(waiting, "changed") == []


def test_a_new_trainer_is_a_new_revision_of_the_invitation(full_session, engineer, manager):
    revision = full_session.revision
    services.session_save(actor=engineer, session=full_session, trainer=manager)
    full_session.refresh_from_db()
    assert full_session.revision == revision + 1


def test_no_trainer_is_a_clear_error(plan_a, engineer):
    with pytest.raises(ServiceDeskError) as refused:
        services.session_save(actor=engineer, **{**session_fields(plan_a, engineer), "trainer": None})
    assert refused.value.field == "trainer"


def test_no_new_session_for_an_inactive_plan_or_project(plan_a, project_a, engineer):
    services.plan_save(actor=engineer, plan=plan_a, is_active=False)
    with pytest.raises(ServiceDeskError) as refused:
        services.session_save(actor=engineer, **session_fields(plan_a, engineer))
    assert refused.value.field == "plan"
    services.plan_save(actor=engineer, plan=plan_a, is_active=True)
    project_a.is_active = False
    project_a.save()
    plan_a.refresh_from_db()
    with pytest.raises(ServiceDeskError):
        services.session_save(actor=engineer, **session_fields(plan_a, engineer))
    assert not TrainingSession.objects.exists()


def test_a_change_that_does_not_move_the_session_sends_nothing(full_session, engineer):
    services.session_save(actor=engineer, session=full_session, description="Bring your laptop", capacity=3)
    full_session.refresh_from_db()
    assert (full_session.revision, full_session.description) == (0, "Bring your laptop")
    assert not Notification.objects.filter(key__contains=":changed:").exists()


def test_cancelling_a_session_tells_everyone_with_a_cancellation(
    full_session, customer_a, colleague_a, contacts, engineer, django_capture_on_commit_callbacks
):
    waiting = enrol(full_session, contacts[0])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.session_cancel(session_id=full_session.pk, actor=engineer, reason="The trainer is ill.")
    full_session.refresh_from_db()
    assert (full_session.status, full_session.revision, full_session.cancel_reason) == (
        "cancelled",
        1,
        "The trainer is ill.",
    )
    for person in (customer_a, colleague_a):
        (message,) = mails_to(person)
        assert message.subject.startswith("Training session cancelled")
        assert "The trainer is ill." in message.body
        ((method, calendar),) = calendars_of(message)
        assert method == "CANCEL"
        assert calendar["METHOD"] == "CANCEL"
        event = calendar.walk("VEVENT")[0]
        assert (event["STATUS"], event["SEQUENCE"]) == ("CANCELLED", 1)
    # the waiting person is told, without a calendar entry they never had
    (message,) = mails_to(contacts[0])
    assert message.subject.startswith("Training session cancelled") and calendars_of(message) == []
    assert len(told(waiting, "session_cancelled")) == 1


def test_a_session_is_cancelled_once_and_with_a_reason(session_a, engineer, customer_a):
    with pytest.raises(ServiceDeskError) as refused:
        services.session_cancel(session_id=session_a.pk, actor=engineer, reason="  ")
    assert refused.value.field == "reason"
    with pytest.raises(NotAllowed):
        services.session_cancel(session_id=session_a.pk, actor=customer_a, reason="No")
    services.session_cancel(session_id=session_a.pk, actor=engineer, reason="Moved online")
    with pytest.raises(ServiceDeskError):
        services.session_cancel(session_id=session_a.pk, actor=engineer, reason="Again")


# --- materials -------------------------------------------------------------------------------


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_a_material_is_a_file_or_a_link(session_a, engineer, media):
    handout = services.material_add(
        session_id=session_a.pk,
        actor=engineer,
        title="Slides",
        file=SimpleUploadedFile("slides.pdf", b"%PDF-1.4 slides", content_type="application/pdf"),
    )
    link = services.material_add(session_id=session_a.pk, actor=engineer, title="Manual", url="https://example.com/m")
    assert list(session_a.materials.values_list("title", flat=True)) == ["Slides", "Manual"]
    assert (media / handout.file.name).read_bytes() == b"%PDF-1.4 slides" and link.added_by == engineer
    for arguments in ({}, {"url": "https://example.com/x", "file": SimpleUploadedFile("x.txt", b"x")}):
        with pytest.raises(ServiceDeskError) as refused:
            services.material_add(session_id=session_a.pk, actor=engineer, title="Neither or both", **arguments)
        assert refused.value.field == "file"
    # removing one deletes its file too
    path = media / handout.file.name
    services.material_remove(material_id=handout.pk, actor=engineer)
    assert not path.exists() and list(session_a.materials.all()) == [link]


def test_materials_are_added_by_staff_within_the_size_limit(session_a, engineer, customer_a, media, settings):
    settings.ATTACHMENT_MAX_BYTES = 10
    with pytest.raises(ServiceDeskError) as refused:
        services.material_add(
            session_id=session_a.pk, actor=engineer, title="Big", file=SimpleUploadedFile("big.bin", b"x" * 11)
        )
    assert refused.value.field == "file"
    with pytest.raises(NotAllowed):
        services.material_add(session_id=session_a.pk, actor=customer_a, title="Mine", url="https://example.com")
    link = services.material_add(session_id=session_a.pk, actor=engineer, title="Link", url="https://example.com")
    with pytest.raises(NotAllowed):
        services.material_remove(material_id=link.pk, actor=customer_a)
    assert session_a.materials.count() == 1


# --- enrol -------------------------------------------------------------------------------------


def test_a_customer_enrols_themself_and_gets_the_invitation(session_a, customer_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        enrolment = enrol(session_a, customer_a)
    assert (enrolment.status, enrolment.enrolled_by, services.waiting_position(enrolment)) == (
        "enrolled",
        customer_a,
        None,
    )
    (notification,) = told(enrolment, "enrolled")
    assert notification.reason == Reason.TRAINING and notification.url == f"/training/sessions/{session_a.pk}/"
    (message,) = mail.outbox
    assert message.to == [customer_a.email] and message.subject.startswith("Enrolled: Online operator training")
    ((method, calendar),) = calendars_of(message)
    assert method == "REQUEST"
    assert calendar["METHOD"] == "REQUEST"
    # the delivery row keeps the attachment, so a retry sends the same file
    delivery = Delivery.objects.get(recipient=customer_a)
    assert delivery.attachments[0]["filename"] == "invite.ics"
    assert delivery.attachments[0]["mimetype"] == "text/calendar; method=REQUEST"


def test_a_customer_cannot_enrol_a_colleague(session_a, customer_a, colleague_a):
    with pytest.raises(NotAllowed):
        enrol(session_a, colleague_a, actor=customer_a)
    assert not Enrolment.objects.exists()


def test_staff_enrol_a_contact_of_the_organisation(session_a, colleague_a, manager):
    enrolment = enrol(session_a, colleague_a, actor=manager)
    assert (enrolment.contact, enrolment.enrolled_by, enrolment.status) == (colleague_a, manager, "enrolled")


@pytest.mark.parametrize("who", ["customer_b", "engineer", "inactive"])
def test_only_the_projects_customer_contacts_can_enrol(session_a, customer_b, engineer, manager, org_a, who):
    contact = {
        "customer_b": customer_b,
        "engineer": engineer,
        "inactive": CustomerFactory(username="left", organisation=org_a, is_active=False),
    }[who]
    with pytest.raises(ServiceDeskError) as refused:
        enrol(session_a, contact, actor=manager)
    assert refused.value.field == "contact"
    assert not Enrolment.objects.exists()


def test_a_customer_of_another_organisation_cannot_enrol_themself(session_a, customer_b):
    with pytest.raises(ServiceDeskError):
        enrol(session_a, customer_b)
    assert not Enrolment.objects.exists()


def test_no_enrolment_in_a_cancelled_or_started_session(session_a, customer_a, engineer):
    with at(session_a.starts_at), pytest.raises(ServiceDeskError):
        enrol(session_a, customer_a)
    services.session_cancel(session_id=session_a.pk, actor=engineer, reason="Moved")
    with pytest.raises(ServiceDeskError):
        enrol(session_a, customer_a)
    assert not Enrolment.objects.exists()


def test_enrolling_twice_is_refused(session_a, customer_a, manager):
    enrol(session_a, customer_a)
    with pytest.raises(ServiceDeskError) as refused:
        enrol(session_a, customer_a, actor=manager)
    assert refused.value.field == "contact"
    assert Enrolment.objects.count() == 1


def test_a_full_session_puts_people_on_the_waiting_list_with_their_place(
    full_session, contacts, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = enrol(full_session, contacts[0])
        second = enrol(full_session, contacts[1])
    assert (first.status, second.status) == ("waitlisted", "waitlisted")
    assert (services.waiting_position(first), services.waiting_position(second)) == (1, 2)
    message = mails_to(contacts[1])[0]
    assert message.subject.startswith("On the waiting list") and "number 2 on the waiting list" in message.body
    assert calendars_of(message) == []  # no seat, no calendar entry
    assert Enrolment.objects.filter(session=full_session, status="enrolled").count() == 2


def test_places_in_line_are_told_apart_when_queued_at_the_same_moment(full_session, contacts):
    with at(timezone.now()):
        first, second = enrol(full_session, contacts[0]), enrol(full_session, contacts[1])
    assert first.queued_at == second.queued_at
    assert (services.waiting_position(first), services.waiting_position(second)) == (1, 2)


def test_cancelling_a_seat_seats_the_first_in_line_and_tells_them(
    full_session, customer_a, contacts, django_capture_on_commit_callbacks
):
    first, second = enrol(full_session, contacts[0]), enrol(full_session, contacts[1])
    mine = Enrolment.objects.get(session=full_session, contact=customer_a)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        cancelled = services.enrolment_cancel(enrolment_id=mine.pk, actor=customer_a)
    assert cancelled.status == "cancelled" and cancelled.cancelled_at is not None
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status, services.waiting_position(second)) == ("enrolled", "waitlisted", 1)
    # the one who left gets the cancellation of their calendar entry, the seated one the invitation
    assert [method for method, _calendar in calendars_of(mails_to(customer_a)[0])] == ["CANCEL"]
    (seated,) = mails_to(contacts[0])
    assert seated.subject.startswith("A seat is free for you") and calendars_of(seated)[0][0] == "REQUEST"
    assert mails_to(contacts[1]) == []


def test_the_waiting_list_is_first_come_first_served(full_session, customer_a, colleague_a, contacts, engineer):
    # given: two people waiting
    first, second = enrol(full_session, contacts[0]), enrol(full_session, contacts[1])
    # when: a seat is freed; then someone new enrols while the second still waits
    services.enrolment_cancel(enrolment_id=Enrolment.objects.get(contact=colleague_a).pk, actor=colleague_a)
    latecomer = enrol(full_session, contacts[2])
    # then: the first in line has the seat; the latecomer waits behind the second
    first.refresh_from_db()
    assert (first.status, latecomer.status) == ("enrolled", "waitlisted")
    assert [services.waiting_position(e) for e in (Enrolment.objects.get(pk=second.pk), latecomer)] == [1, 2]
    # and even with a seat free (freed behind the services' back), a newcomer does not jump the line
    Enrolment.objects.filter(contact=customer_a).update(status=Enrolment.Status.CANCELLED)
    newcomer = enrol(full_session, contacts[3])
    assert newcomer.status == "waitlisted" and services.waiting_position(newcomer) == 3
    # the next change of the session seats the line in order
    services.session_save(actor=engineer, session=full_session, capacity=3)
    statuses = dict(Enrolment.objects.filter(session=full_session).values_list("contact__username", "status"))
    assert statuses == {
        "cust-a": "cancelled",
        "cust-a2": "cancelled",
        "contact-0": "enrolled",
        "contact-1": "enrolled",
        "contact-2": "enrolled",
        "contact-3": "waitlisted",
    }


def test_enrolling_again_after_cancelling_reuses_the_row_at_the_end_of_the_line(
    full_session, customer_a, contacts, django_capture_on_commit_callbacks
):
    waiting = enrol(full_session, contacts[0])
    mine = Enrolment.objects.get(session=full_session, contact=customer_a)
    services.enrolment_cancel(enrolment_id=mine.pk, actor=customer_a)  # contacts[0] takes the seat
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        again = enrol(full_session, customer_a)
    assert again.pk == mine.pk and Enrolment.objects.filter(contact=customer_a).count() == 1
    assert (again.status, again.cancelled_at, services.waiting_position(again)) == ("waitlisted", None, 1)
    waiting.refresh_from_db()
    assert waiting.status == "enrolled"
    # told again, though it is the same row
    assert len(told(again, "waitlisted")) == 1 and len(mails_to(customer_a)) == 1


def test_cancelling_and_enrolling_again_at_once_tells_each_time(session_a, customer_a):
    first = enrol(session_a, customer_a)
    services.enrolment_cancel(enrolment_id=first.pk, actor=customer_a)
    enrol(session_a, customer_a)
    assert len(told(first, "enrolled")) == 2


def test_only_the_participant_or_staff_cancel_an_enrolment(session_a, customer_a, colleague_a, engineer):
    mine = enrol(session_a, customer_a)
    with pytest.raises(NotAllowed):
        services.enrolment_cancel(enrolment_id=mine.pk, actor=colleague_a)
    services.enrolment_cancel(enrolment_id=mine.pk, actor=engineer)
    with pytest.raises(ServiceDeskError):
        services.enrolment_cancel(enrolment_id=mine.pk, actor=engineer)  # cancelled already


def test_an_enrolment_cannot_be_cancelled_once_the_session_started(session_a, customer_a):
    mine = enrol(session_a, customer_a)
    with at(session_a.starts_at + HOUR), pytest.raises(ServiceDeskError):
        services.enrolment_cancel(enrolment_id=mine.pk, actor=customer_a)
    mine.refresh_from_db()
    assert mine.status == "enrolled"


def test_leaving_the_waiting_list_seats_nobody(full_session, contacts):
    first, second = enrol(full_session, contacts[0]), enrol(full_session, contacts[1])
    services.enrolment_cancel(enrolment_id=first.pk, actor=contacts[0])
    second.refresh_from_db()
    assert (second.status, services.waiting_position(second)) == ("waitlisted", 1)
    assert Enrolment.objects.filter(session=full_session, status="enrolled").count() == 2


def test_leaving_the_waiting_list_is_told_without_a_calendar_cancellation(
    full_session, contacts, django_capture_on_commit_callbacks
):
    waiting = enrol(full_session, contacts[0])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.enrolment_cancel(enrolment_id=waiting.pk, actor=contacts[0])
    assert len(told(waiting, "cancelled")) == 1
    assert mails_to(contacts[0]) and not calendars_of(mails_to(contacts[0])[-1])


def test_a_seat_given_up_is_told_with_a_calendar_cancellation(
    session_a, customer_a, django_capture_on_commit_callbacks
):
    seat = enrol(session_a, customer_a)
    with django_capture_on_commit_callbacks(execute=True):
        services.enrolment_cancel(enrolment_id=seat.pk, actor=customer_a)
    assert [method for method, _calendar in calendars_of(mails_to(customer_a)[-1])] == ["CANCEL"]


@pytest.mark.django_db(transaction=True)
def test_two_people_taking_the_last_seat_at_once_get_one_seat_and_one_place_in_line(session_a, customer_a, org_a):
    # given: one of the two seats is taken; two colleagues enrol at the same moment
    enrol(session_a, customer_a)
    racers = [CustomerFactory(username=f"racer-{n}", organisation=org_a) for n in range(2)]
    inside, release = threading.Event(), threading.Event()
    tell = services._tell_enrolment
    held = []

    def hold_the_first(enrolment, event):
        # the first enrolment stops before its commit, its seat taken but not yet visible
        if not held:
            held.append(enrolment.contact_id)
            inside.set()
            release.wait(20)
        tell(enrolment, event)

    statuses, errors = {}, []

    def run(contact):
        try:
            statuses[contact.username] = enrol(session_a, contact).status
        except Exception as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    with mock.patch("training.services.enrolment._tell_enrolment", hold_the_first):
        first = threading.Thread(target=run, args=(racers[0],))
        first.start()
        assert inside.wait(20)
        second = threading.Thread(target=run, args=(racers[1],))
        second.start()
        second.join(1.0)
        # when: the second waits for the session's lock while the first holds it
        assert second.is_alive()
        release.set()
        first.join(30)
        second.join(30)
    # then: one seat, one place in line, never more seated than the capacity
    assert errors == []
    assert statuses == {"racer-0": "enrolled", "racer-1": "waitlisted"}
    assert Enrolment.objects.filter(session=session_a, status="enrolled").count() == 2


# --- attendance_take -------------------------------------------------------------------------


@pytest.fixture
def started(full_session):
    """The clock one hour into the full session."""
    with at(full_session.starts_at + HOUR):
        yield full_session


def seats(session) -> dict[str, Enrolment]:
    return {e.contact.username: e for e in Enrolment.objects.filter(session=session).select_related("contact")}


@pytest.mark.parametrize("who", ["engineer", "manager", "admin_user"])
def test_the_trainer_and_managers_take_attendance(started, who, request):
    actor = request.getfixturevalue(who)
    people = seats(started)
    marks = {people["cust-a"].pk: "present", people["cust-a2"].pk: "absent"}
    services.attendance_take(session_id=started.pk, actor=actor, marks=marks)
    people = seats(started)
    assert (people["cust-a"].attendance, people["cust-a2"].attendance) == ("present", "absent")
    assert people["cust-a"].attendance_by == actor and people["cust-a"].attendance_at == timezone.now()


def test_marks_can_be_corrected(started, engineer, manager):
    mine = seats(started)["cust-a"]
    services.attendance_take(session_id=started.pk, actor=engineer, marks={mine.pk: "absent"})
    services.attendance_take(session_id=started.pk, actor=manager, marks={mine.pk: "present"})
    mine.refresh_from_db()
    assert (mine.attendance, mine.attendance_by) == ("present", manager)


def test_another_engineer_or_a_customer_cannot_take_attendance(started, customer_a):
    other = UserFactory(username="eng-other")
    mine = seats(started)["cust-a"]
    for actor in (other, customer_a):
        with pytest.raises(NotAllowed):
            services.attendance_take(session_id=started.pk, actor=actor, marks={mine.pk: "present"})
    mine.refresh_from_db()
    assert mine.attendance == ""


def test_attendance_is_not_taken_before_the_start(full_session, engineer):
    mine = seats(full_session)["cust-a"]
    with pytest.raises(ServiceDeskError):
        services.attendance_take(session_id=full_session.pk, actor=engineer, marks={mine.pk: "present"})
    mine.refresh_from_db()
    assert mine.attendance == ""


def test_attendance_is_not_taken_for_the_waiting_list(full_session, contacts, engineer):
    waiting = enrol(full_session, contacts[0])
    with at(full_session.starts_at + HOUR), pytest.raises(ServiceDeskError):
        services.attendance_take(session_id=full_session.pk, actor=engineer, marks={waiting.pk: "present"})
    waiting.refresh_from_db()
    assert waiting.attendance == ""


def test_an_unknown_mark_saves_nothing(started, engineer):
    people = seats(started)
    marks = {people["cust-a"].pk: "present", people["cust-a2"].pk: "late"}
    with pytest.raises(ServiceDeskError) as refused:
        services.attendance_take(session_id=started.pk, actor=engineer, marks=marks)
    assert refused.value.field == "attendance"
    assert set(Enrolment.objects.values_list("attendance", flat=True)) == {""}


def test_an_enrolment_of_another_session_saves_nothing(started, plan_a, engineer, customer_a):
    other = services.session_save(actor=engineer, **session_fields(plan_a, engineer))
    foreign = enrol(other, customer_a)
    people = seats(started)
    with pytest.raises(ServiceDeskError):
        services.attendance_take(
            session_id=started.pk, actor=engineer, marks={people["cust-a"].pk: "present", foreign.pk: "present"}
        )
    assert set(Enrolment.objects.values_list("attendance", flat=True)) == {""}


# --- feedback_submit ---------------------------------------------------------------------------


@pytest.fixture
def attended(full_session, engineer):
    """The session over: customer A was present, the colleague absent."""
    people = seats(full_session)
    with at(full_session.starts_at + HOUR):
        services.attendance_take(
            session_id=full_session.pk,
            actor=engineer,
            marks={people["cust-a"].pk: "present", people["cust-a2"].pk: "absent"},
        )
    with at(full_session.ends_at + HOUR):
        yield seats(full_session)


def test_a_participant_who_attended_gives_feedback_once(attended, customer_a):
    mine = attended["cust-a"]
    feedback = services.feedback_submit(
        enrolment_id=mine.pk, actor=customer_a, rating=5, trainer_rating=4, comments="Clear and useful."
    )
    assert Feedback.objects.get() == feedback and (feedback.rating, feedback.trainer_rating) == (5, 4)
    with pytest.raises(ServiceDeskError):
        services.feedback_submit(enrolment_id=mine.pk, actor=customer_a, rating=1)
    assert Feedback.objects.get().rating == 5


def test_only_the_participant_gives_feedback(attended, colleague_a, engineer):
    for actor in (colleague_a, engineer):
        with pytest.raises(NotAllowed):
            services.feedback_submit(enrolment_id=attended["cust-a"].pk, actor=actor, rating=5)
    assert not Feedback.objects.exists()


def test_feedback_is_for_those_present(attended, colleague_a):
    with pytest.raises(ServiceDeskError):
        services.feedback_submit(enrolment_id=attended["cust-a2"].pk, actor=colleague_a, rating=3)
    assert not Feedback.objects.exists()


def test_feedback_opens_when_the_session_ends(full_session, engineer, customer_a):
    mine = seats(full_session)["cust-a"]
    with at(full_session.starts_at + HOUR):
        services.attendance_take(session_id=full_session.pk, actor=engineer, marks={mine.pk: "present"})
        with pytest.raises(ServiceDeskError):
            services.feedback_submit(enrolment_id=mine.pk, actor=customer_a, rating=5)
    with at(full_session.ends_at):
        services.feedback_submit(enrolment_id=mine.pk, actor=customer_a, rating=5)
    assert Feedback.objects.count() == 1


@pytest.mark.parametrize(
    ("rating", "trainer_rating", "field"), [(0, None, "rating"), (6, None, "rating"), (3, 6, "trainer_rating")]
)
def test_ratings_are_from_one_to_five(attended, customer_a, rating, trainer_rating, field):
    with pytest.raises(ServiceDeskError) as refused:
        services.feedback_submit(
            enrolment_id=attended["cust-a"].pk, actor=customer_a, rating=rating, trainer_rating=trainer_rating
        )
    assert refused.value.field == field
    assert not Feedback.objects.exists()


# --- reminders_send --------------------------------------------------------------------------


@pytest.fixture
def reminder_hours(settings):
    settings.TRAINING_REMINDER_HOURS = 24
    return 24


def test_participants_are_reminded_once_within_the_reminder_hours(
    full_session, customer_a, colleague_a, contacts, reminder_hours, django_capture_on_commit_callbacks
):
    waiting = enrol(full_session, contacts[0])
    mail.outbox.clear()
    before = full_session.starts_at - datetime.timedelta(hours=reminder_hours)
    # a minute too early: nothing
    assert services.reminders_send(now=before - datetime.timedelta(minutes=1)) == 0
    # when: within the hours, twice
    with django_capture_on_commit_callbacks(execute=True):
        assert services.reminders_send(now=before + HOUR) == 2
        assert services.reminders_send(now=before + 2 * HOUR) == 0
    # then: each seated person once, with the invitation; not the waiting list
    reminded = Enrolment.objects.filter(session=full_session, reminded_at=before + HOUR)
    assert set(reminded.values_list("contact__username", flat=True)) == {"cust-a", "cust-a2"}
    for person in (customer_a, colleague_a):
        (message,) = mails_to(person)
        assert message.subject.startswith("Reminder: Online operator training")
        assert calendars_of(message)[0][0] == "REQUEST"
    assert Notification.objects.filter(key__contains=":reminder:").count() == 2
    waiting.refresh_from_db()
    assert waiting.reminded_at is None and told(waiting, "reminder") == []


def test_cancelled_and_later_sessions_are_not_reminded(full_session, plan_a, engineer, customer_a, reminder_hours):
    later = services.session_save(
        actor=engineer,
        **session_fields(
            plan_a,
            engineer,
            starts_at=full_session.starts_at + datetime.timedelta(days=2),
            ends_at=full_session.ends_at + datetime.timedelta(days=2),
        ),
    )
    enrol(later, customer_a)
    services.session_cancel(session_id=full_session.pk, actor=engineer, reason="Cancelled")
    assert services.reminders_send(now=full_session.starts_at - HOUR) == 0
    assert not Notification.objects.filter(key__contains=":reminder:").exists()
    # and a session that has started is not reminded either
    assert services.reminders_send(now=later.starts_at + datetime.timedelta(minutes=1)) == 0


def test_after_a_change_of_time_the_reminder_goes_again(full_session, engineer, customer_a, reminder_hours):
    assert services.reminders_send(now=full_session.starts_at - HOUR) == 2
    # when: the session moves a day later
    starts = full_session.starts_at + datetime.timedelta(days=1)
    services.session_save(actor=engineer, session=full_session, starts_at=starts, ends_at=starts + 2 * HOUR)
    # then: nobody is reminded at the old time, both again before the new one
    assert services.reminders_send(now=full_session.starts_at - HOUR) == 0
    assert services.reminders_send(now=starts - HOUR) == 2
    mine = Enrolment.objects.get(contact=customer_a)
    assert len(told(mine, "reminder")) == 2


# --- notifications: time zones ---------------------------------------------------------------


def test_the_email_shows_the_session_in_the_recipients_time_zone(
    session_a, customer_a, colleague_a, engineer, django_capture_on_commit_callbacks
):
    # given: the session starts at 02:30 UTC on 2027-01-08; one reader in New York, one in Shanghai
    customer_a.time_zone, customer_a.language = "America/New_York", "en"
    customer_a.save()
    colleague_a.time_zone, colleague_a.language = "", "en"
    colleague_a.save()
    starts = datetime.datetime(2027, 1, 8, 2, 30, tzinfo=datetime.UTC)
    with at(starts - datetime.timedelta(days=10)):
        services.session_save(actor=engineer, session=session_a, starts_at=starts, ends_at=starts + 2 * HOUR)
        with django_capture_on_commit_callbacks(execute=True):
            enrol(session_a, customer_a)
            enrol(session_a, colleague_a)
    (new_york,), (shanghai,) = mails_to(customer_a), mails_to(colleague_a)
    # 02:30 UTC is 21:30 the day before in New York, 10:30 the same day in Shanghai
    assert "When: 7 Jan 2027, 21:30 – 23:30 (America/New_York)" in new_york.body
    assert new_york.subject.endswith("on 2027-01-07")
    assert "When: 8 Jan 2027, 10:30 – 12:30 (Asia/Shanghai)" in shanghai.body
    assert shanghai.subject.endswith("on 2027-01-08")
    # the bell says the same as the email
    assert Notification.objects.get(recipient=customer_a).body == new_york.body


# --- article_save ----------------------------------------------------------------------------


def article_fields(**overrides):
    fields = {
        "title": "UPS battery replacement",
        "body": "Switch the UPS to bypass before replacing the battery pack.",
        "language": "en",
        "visibility": Article.Visibility.PUBLIC,
        "status": Article.Status.DRAFT,
    }
    return fields | overrides


def test_an_article_is_published_once(engineer, manager):
    article = services.article_save(actor=engineer, **article_fields())
    assert (article.status, article.published_at, article.author) == ("draft", None, engineer)
    moment = timezone.now() + HOUR
    with at(moment):
        services.article_save(actor=manager, article=article, status=Article.Status.PUBLISHED)
    article.refresh_from_db()
    assert article.published_at == moment
    # edits later do not move the publication date, nor does unpublishing and publishing again
    services.article_save(actor=engineer, article=article, body="New body.")
    services.article_save(actor=engineer, article=article, status=Article.Status.ARCHIVED)
    services.article_save(actor=engineer, article=article, status=Article.Status.PUBLISHED)
    article.refresh_from_db()
    assert (article.published_at, article.body, article.author) == (moment, "New body.", engineer)


def test_tags_are_found_case_insensitively_and_created_once(engineer):
    first = services.article_save(actor=engineer, tags=["UPS", "ups ", "Battery", ""], **article_fields())
    assert sorted(first.tags.values_list("name", flat=True)) == ["Battery", "UPS"]
    second = services.article_save(actor=engineer, tags=["battery", "Power"], **article_fields(title="Other"))
    assert sorted(second.tags.values_list("name", flat=True)) == ["Battery", "Power"]
    assert Tag.objects.count() == 3
    # replacing them
    services.article_save(actor=engineer, article=first, tags=["power"])
    assert list(first.tags.values_list("name", flat=True)) == ["Power"]
    with pytest.raises(ServiceDeskError) as refused:
        services.article_save(actor=engineer, article=first, tags=["x" * 51])
    assert refused.value.field == "tags"


def test_the_products_it_applies_to_are_replaced(engineer):
    article = services.article_save(
        actor=engineer,
        applies_to=[{"product": "UPS 3000", "versions": "2.x"}, {"product": "PDU"}],
        **article_fields(),
    )
    assert list(article.applies_to.values_list("product", "versions")) == [("PDU", ""), ("UPS 3000", "2.x")]
    services.article_save(actor=engineer, article=article, applies_to=[{"product": "UPS 5000", "versions": "3.0"}])
    assert list(AppliesTo.objects.values_list("product", "versions")) == [("UPS 5000", "3.0")]
    services.article_save(actor=engineer, article=article, title="Kept")  # None: left alone
    assert AppliesTo.objects.count() == 1


def test_each_change_is_a_revision_with_its_author(engineer, manager):
    article = services.article_save(actor=engineer, **article_fields())
    services.article_save(actor=manager, article=article, body="Second version.")
    history = list(article.history.order_by("history_date"))
    assert [(row.history_user, row.body, row.history_type) for row in history] == [
        (engineer, article_fields()["body"], "+"),
        (manager, "Second version.", "~"),
    ]


def test_a_translation_is_in_the_other_language(engineer):
    english = services.article_save(actor=engineer, **article_fields())
    with pytest.raises(ServiceDeskError) as refused:
        services.article_save(actor=engineer, **article_fields(title="Another", translation_of=english))
    assert refused.value.field == "translation_of"
    chinese = services.article_save(
        actor=engineer, **article_fields(title="更换UPS电池", language="zh-hans", translation_of=english)
    )
    assert list(english.translations.all()) == [chinese]


def test_articles_are_written_by_staff(customer_a, engineer):
    with pytest.raises(NotAllowed):
        services.article_save(actor=customer_a, **article_fields())
    article = services.article_save(actor=engineer, **article_fields())
    with pytest.raises(NotAllowed):
        services.article_save(actor=customer_a, article=article, title="Mine")
    article.refresh_from_db()
    assert article.title == "UPS battery replacement"


def test_an_article_is_validated(engineer):
    with pytest.raises(ServiceDeskError) as refused:
        services.article_save(actor=engineer, **article_fields(language="fr"))
    assert refused.value.field == "language"
    article = services.article_save(actor=engineer, **article_fields())
    with pytest.raises(ServiceDeskError) as refused:
        services.article_save(actor=engineer, article=article, translation_of=article)
    assert refused.value.field == "translation_of"


# --- article_from_ticket -------------------------------------------------------------------


def resolved_ticket(project, reporter, engineer, *, title, description, measures="", replies=()):
    ticket = ticket_create(
        actor=reporter, project=project, title=title, description=description, measures_taken=measures
    )
    for body, public in replies:
        comment_add(ticket_id=ticket.pk, actor=engineer, body=body, public=public)
    return ticket_update(ticket_id=ticket.pk, actor=engineer, status=Ticket.Status.RESOLVED)


def test_a_chinese_ticket_becomes_a_chinese_draft_with_its_public_replies(project_a, customer_a, engineer):
    InstalledProductFactory(project=project_a, name="存储阵列", version="5.1")
    ticket = resolved_ticket(
        project_a,
        customer_a,
        engineer,
        title="存储阵列告警",
        description="阵列前面板黄灯常亮。",
        measures="已重启管理口。",
        replies=[("更换了故障硬盘，阵列重建完成。", True), ("内部：供应商工单 4711", False)],
    )
    article = services.article_from_ticket(ticket_id=ticket.pk, actor=engineer)
    assert (article.language, article.status, article.visibility, article.kind) == (
        "zh-hans",
        "draft",
        "staff",
        "troubleshooting",
    )
    assert (article.title, article.source_ticket, article.author, article.published_at) == (
        "存储阵列告警",
        ticket,
        engineer,
        None,
    )
    assert article.body.index("现象") < article.body.index("阵列前面板黄灯常亮。")
    assert "已采取的措施\n\n已重启管理口。" in article.body
    assert "解决方法\n\n更换了故障硬盘，阵列重建完成。" in article.body
    assert "4711" not in article.body  # the internal note stays internal
    assert list(article.applies_to.values_list("product", "versions")) == [("存储阵列", "5.1")]


def test_an_english_ticket_becomes_an_english_draft(project_a, customer_a, engineer):
    ticket = resolved_ticket(project_a, customer_a, engineer, title="Printer offline", description="It stopped.")
    article = services.article_from_ticket(ticket_id=ticket.pk, actor=engineer)
    assert article.language == "en"
    assert article.body == "Symptoms\n\nIt stopped.\n\nSolution\n\n…"


def test_only_resolved_tickets_become_articles_and_only_for_staff(project_a, customer_a, engineer):
    open_ticket = ticket_create(actor=customer_a, project=project_a, title="Still open", description="...")
    with pytest.raises(ServiceDeskError):
        services.article_from_ticket(ticket_id=open_ticket.pk, actor=engineer)
    done = resolved_ticket(project_a, customer_a, engineer, title="Done", description="Fixed.")
    with pytest.raises(NotAllowed):
        services.article_from_ticket(ticket_id=done.pk, actor=customer_a)
    assert not Article.objects.exists()


# --- article_solved --------------------------------------------------------------------------


def test_solved_counts_once_per_person_and_article_however_late_the_repeat(articles, customer_a, org_a):
    printer = articles["printer"]
    first = services.article_solved(article=printer, user=customer_a, query="  printer jam ", source="ticket_form")
    again = services.article_solved(article=printer, user=customer_a, query="jam")
    assert again == first and Deflection.objects.count() == 1
    assert (first.organisation, first.query, first.source, first.visitor) == (
        org_a,
        "printer jam",
        "ticket_form",
        f"user:{customer_a.pk}",
    )
    with at(timezone.now() + HOUR + datetime.timedelta(minutes=1)):
        later = services.article_solved(article=printer, user=customer_a)
    assert later == first and Deflection.objects.count() == 1  # an hour later: still the same answer
    # another article is another answer
    services.article_solved(article=articles["server"], user=customer_a)
    assert Deflection.objects.count() == 2


def test_anonymous_calls_without_a_visitor_key_count_each_time(articles):
    printer = articles["printer"]
    one = services.article_solved(article=printer, user=None)
    two = services.article_solved(article=printer, user=AnonymousUser(), query="x" * 600)
    assert one != two and (one.user, one.organisation, two.user) == (None, None, None)
    assert len(two.query) == 500


def test_an_unpublished_article_solves_nothing(articles, customer_a):
    with pytest.raises(ServiceDeskError):
        services.article_solved(article=articles["draft"], user=customer_a)
    assert not Deflection.objects.exists()
