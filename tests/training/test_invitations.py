"""The calendar invitation of a training session, read back with icalendar as a mail client
would: one event per session (its UID), updated by SEQUENCE, in UTC."""

import datetime

import icalendar
import pytest

from training import invitations, services
from training.models import TrainingSession

pytestmark = pytest.mark.django_db


@pytest.fixture
def enrolment(session_a, customer_a):
    return services.enrol(session_id=session_a.pk, contact=customer_a, actor=customer_a)


def parse(ics: bytes) -> tuple[icalendar.Calendar, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(ics)
    (event,) = calendar.walk("VEVENT")
    return calendar, event


def test_the_invitation_is_a_request_for_the_participant(enrolment, session_a, customer_a, engineer):
    calendar, event = parse(invitations.invitation(enrolment))
    assert calendar["METHOD"] == "REQUEST" and calendar["VERSION"] == "2.0"
    assert str(event["UID"]) == f"training-session-{session_a.pk}@servicedesk"
    assert event["SEQUENCE"] == 0 and event["STATUS"] == "CONFIRMED"
    assert str(event["SUMMARY"]) == "Training: Online operator training"
    attendee = event["ATTENDEE"]
    assert str(attendee) == f"mailto:{customer_a.email}"
    assert attendee.params["CN"] == str(customer_a) and attendee.params["PARTSTAT"] == "ACCEPTED"
    assert str(event["ORGANIZER"]).startswith("mailto:") and event["ORGANIZER"].params["CN"] == str(engineer)
    assert str(event["URL"]).endswith(f"/training/sessions/{session_a.pk}/")


def test_times_are_in_utc(enrolment, session_a):
    _calendar, event = parse(invitations.invitation(enrolment))
    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    assert (start, end) == (session_a.starts_at, session_a.ends_at)
    assert start.utcoffset() == datetime.timedelta(0) and end.utcoffset() == datetime.timedelta(0)
    raw = invitations.invitation(enrolment).decode()
    assert f"DTSTART:{session_a.starts_at.astimezone(datetime.UTC):%Y%m%dT%H%M%S}Z" in raw


def test_an_online_session_is_located_at_its_meeting_link(enrolment):
    _calendar, event = parse(invitations.invitation(enrolment))
    assert str(event["LOCATION"]) == "https://meet.example.com/abc"
    assert "Meeting link: https://meet.example.com/abc" in str(event["DESCRIPTION"])


@pytest.mark.parametrize("kind", [TrainingSession.Format.ONSITE, TrainingSession.Format.CENTRALISED])
def test_other_sessions_are_located_at_their_address(enrolment, session_a, engineer, kind):
    services.session_save(actor=engineer, session=session_a, format=kind, location="Hall 2, 8 Dongzhimen Street")
    enrolment.refresh_from_db()
    _calendar, event = parse(invitations.invitation(enrolment))
    assert str(event["LOCATION"]) == "Hall 2, 8 Dongzhimen Street"


def test_the_uid_stays_and_the_sequence_follows_the_revision(enrolment, session_a, engineer):
    _calendar, first = parse(invitations.invitation(enrolment))
    for days in (1, 2):
        starts = session_a.starts_at + datetime.timedelta(days=days)
        services.session_save(
            actor=engineer, session=session_a, starts_at=starts, ends_at=starts + datetime.timedelta(hours=2)
        )
    enrolment.refresh_from_db()
    _calendar, moved = parse(invitations.invitation(enrolment))
    assert moved["UID"] == first["UID"]
    assert (enrolment.session.revision, moved["SEQUENCE"]) == (2, 2)
    assert moved.decoded("DTSTART") == session_a.starts_at + datetime.timedelta(days=2)


def test_the_cancellation_cancels_the_same_event(enrolment, session_a):
    calendar, event = parse(invitations.invitation(enrolment, method="CANCEL"))
    assert calendar["METHOD"] == "CANCEL"
    assert event["STATUS"] == "CANCELLED" and event["ATTENDEE"].params["PARTSTAT"] == "DECLINED"
    assert str(event["UID"]) == f"training-session-{session_a.pk}@servicedesk"


def test_a_cancelled_session_is_cancelled_in_every_copy(enrolment, session_a, engineer):
    services.session_cancel(session_id=session_a.pk, actor=engineer, reason="Trainer ill")
    enrolment.refresh_from_db()
    _calendar, event = parse(invitations.invitation(enrolment, method="CANCEL"))
    assert (event["STATUS"], event["SEQUENCE"]) == ("CANCELLED", 1)
    assert invitations.session_event(enrolment.session)["STATUS"] == "CANCELLED"


def test_the_attachment_names_its_method(enrolment):
    request = invitations.invitation_attachment(enrolment, method="REQUEST")
    cancel = invitations.invitation_attachment(enrolment, method="CANCEL")
    assert (request["filename"], request["mimetype"]) == ("invite.ics", "text/calendar; method=REQUEST")
    assert (cancel["filename"], cancel["mimetype"]) == ("cancel.ics", "text/calendar; method=CANCEL")
    assert parse(request["content"].encode())[0]["METHOD"] == "REQUEST"
    assert parse(cancel["content"].encode())[0]["METHOD"] == "CANCEL"


def test_a_participant_without_an_email_still_gets_a_valid_attendee(enrolment, customer_a):
    customer_a.email = ""
    customer_a.save()
    enrolment.refresh_from_db()
    _calendar, event = parse(invitations.invitation(enrolment))
    assert str(event["ATTENDEE"]) == f"mailto:user-{customer_a.pk}@invalid"
