"""The training pages: the session list and detail per role, enrolment and the waiting list
through the pages, materials, attendance, feedback, the certificate, the calendar invitation,
plans with their topics, a project's training records, and the scoping that hides another
organisation's training (404)."""

import datetime
import html
import io
import zoneinfo

import icalendar
import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from training import services
from training.models import Enrolment, Feedback, Material, Topic, TrainingPlan, TrainingSession

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def url(name: str, *args) -> str:
    return reverse(f"training:{name}", args=args)


def text_of(pdf: bytes) -> str:
    assert pdf.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def into_the_past(session: TrainingSession) -> TrainingSession:
    """The session as if held: it started three hours ago and ended an hour ago."""
    now = timezone.now()
    TrainingSession.objects.filter(pk=session.pk).update(
        starts_at=now - datetime.timedelta(hours=3), ends_at=now - datetime.timedelta(hours=1)
    )
    session.refresh_from_db()
    return session


@pytest.fixture
def session_b(project_b, engineer):
    plan = services.plan_save(actor=engineer, project=project_b, title="Plan of B", topics=[{"title": "B basics"}])
    starts = timezone.now().replace(microsecond=0) + datetime.timedelta(days=5)
    return services.session_save(
        actor=engineer,
        plan=plan,
        title="Session of B",
        format=TrainingSession.Format.ONSITE,
        location="Site B",
        trainer=engineer,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=1),
        capacity=5,
    )


@pytest.fixture
def third_a(org_a):
    from tests.accounts.factories import CustomerFactory

    return CustomerFactory(username="cust-a3", organisation=org_a)


@pytest.fixture
def enrolled_a(session_a, customer_a) -> Enrolment:
    return services.enrol(session_id=session_a.pk, contact=customer_a, actor=customer_a)


@pytest.fixture
def attended_a(session_a, enrolled_a, engineer) -> Enrolment:
    """customer_a sat the session, which is over, and was marked present."""
    into_the_past(session_a)
    services.attendance_take(session_id=session_a.pk, actor=engineer, marks={enrolled_a.pk: "present"})
    enrolled_a.refresh_from_db()
    return enrolled_a


# --- who may open which page ---------------------------------------------------------------


def test_every_page_renders_for_the_trainer(client, engineer, plan_a, session_a, enrolled_a, project_a):
    material = services.material_add(session_id=session_a.pk, actor=engineer, title="Slides", url="https://x.example/s")
    pages = [
        url("home"),
        url("home") + "?when=past",
        url("home") + f"?project={project_a.pk}",
        url("home") + "?mine=1",
        url("plans"),
        url("plans") + "?show=all",
        url("plan_detail", plan_a.pk),
        url("plan_create"),
        url("plan_create") + f"?project={project_a.pk}",
        url("plan_edit", plan_a.pk),
        url("session_create"),
        url("session_create") + f"?plan={plan_a.pk}",
        url("session_edit", session_a.pk),
        url("session_detail", session_a.pk),
        url("attendance", session_a.pk),
        url("invitation", session_a.pk),
        url("project_records", project_a.pk),
    ]
    client.force_login(engineer)
    for page in pages:
        assert client.get(page).status_code == 200, page
    assert client.get(url("material", session_a.pk, material.pk)).status_code == 302  # a link is followed


def test_a_customer_sees_the_training_pages_but_not_the_staff_ones(client, customer_a, plan_a, session_a, project_a):
    client.force_login(customer_a)
    for page in [
        url("home"),
        url("home") + "?when=past",
        url("plans"),
        url("plan_detail", plan_a.pk),
        url("session_detail", session_a.pk),
        url("project_records", project_a.pk),
    ]:
        assert client.get(page).status_code == 200, page
    for page in [
        url("plan_create"),
        url("plan_edit", plan_a.pk),
        url("session_create"),
        url("session_create") + f"?plan={plan_a.pk}",
        url("session_edit", session_a.pk),
        url("attendance", session_a.pk),
    ]:
        assert client.get(page).status_code == 403, page
    for name, data in [
        ("session_cancel", {"reason": "no"}),
        ("material_add", {"title": "x", "url": "https://x.example"}),
        ("attendance", {}),
    ]:
        assert client.post(url(name, session_a.pk), data).status_code == 403, name
    assert client.post(url("plan_create"), {"title": "x"}).status_code == 403
    assert client.post(url("session_edit", session_a.pk), {"title": "x"}).status_code == 403


def test_another_organisations_training_is_not_found(
    client, customer_b, engineer, plan_a, session_a, enrolled_a, project_a
):
    material = services.material_add(session_id=session_a.pk, actor=engineer, title="Slides", url="https://x.example/s")
    client.force_login(customer_b)
    for page in [
        url("plan_detail", plan_a.pk),
        url("session_detail", session_a.pk),
        url("attendance", session_a.pk),
        url("invitation", session_a.pk),
        url("material", session_a.pk, material.pk),
        url("project_records", project_a.pk),
        url("feedback", enrolled_a.pk),
        url("certificate", enrolled_a.pk),
        url("home") + f"?project={project_a.pk}",
    ]:
        assert client.get(page).status_code == 404, page
    assert client.post(url("enrol", session_a.pk)).status_code == 404
    assert client.post(url("enrolment_cancel", enrolled_a.pk)).status_code == 404
    listing = client.get(url("home"))
    assert "Online operator training" not in listing.text
    assert "Operator training" not in client.get(url("plans")).text
    assert Enrolment.objects.filter(contact=customer_b).count() == 0


def test_anonymous_visitors_are_sent_to_log_in(client, plan_a, session_a, project_a):
    for page in [url("home"), url("plans"), url("session_detail", session_a.pk), url("project_records", project_a.pk)]:
        answer = client.get(page)
        assert answer.status_code == 302 and "/accounts/login/" in answer["Location"], page
    assert client.post(url("enrol", session_a.pk)).status_code == 302
    assert Enrolment.objects.count() == 0


# --- the list ------------------------------------------------------------------------------


def test_the_list_shows_upcoming_sessions_in_the_viewers_time_zone(client, customer_a, session_a, session_b, engineer):
    customer_a.time_zone = "America/New_York"
    customer_a.save()
    past = services.session_save(
        actor=engineer,
        plan=session_a.plan,
        title="Last year's session",
        format=TrainingSession.Format.CENTRALISED,
        location="Venue",
        trainer=engineer,
        starts_at=timezone.now() - datetime.timedelta(days=30),
        ends_at=timezone.now() - datetime.timedelta(days=30) + datetime.timedelta(hours=2),
    )
    client.force_login(customer_a)
    page = client.get(url("home"))
    assert [s.title for s in page.context["page"]] == ["Online operator training"]
    item = page.text[page.text.index(f'id="session-{session_a.pk}"') :]
    new_york = session_a.starts_at.astimezone(zoneinfo.ZoneInfo("America/New_York"))
    assert new_york.strftime("%H:%M") in item[:2000]
    assert "Online" in item[:2000] and "0 of 2 seats taken" in item[:2000]
    assert str(session_a.trainer) in html.unescape(item[:2000])
    assert 'class="btn btn-primary btn-sm enrol-button">Enrol</button>' in page.text
    assert "New session" not in page.text  # staff only
    past_page = client.get(url("home") + "?when=past")
    assert [s.title for s in past_page.context["page"]] == [past.title]
    assert "enrol-button" not in past_page.text


def test_staff_filter_the_list_by_project_and_by_trainer(
    client, engineer, manager, session_a, session_b, project_a, project_b
):
    client.force_login(engineer)
    everything = client.get(url("home"))
    assert {s.title for s in everything.context["page"]} == {"Online operator training", "Session of B"}
    assert 'id="new-session"' in everything.text and 'id="new-plan"' in everything.text
    assert "Organisation B" in everything.text
    only_b = client.get(url("home") + f"?project={project_b.pk}")
    assert [s.title for s in only_b.context["page"]] == ["Session of B"]
    TrainingSession.objects.filter(pk=session_b.pk).update(trainer=manager)
    mine = client.get(url("home") + "?mine=1")
    assert [s.title for s in mine.context["page"]] == ["Online operator training"]


def test_the_session_list_runs_a_fixed_number_of_queries(
    client, customer_a, engineer, plan_a, colleague_a, django_assert_max_num_queries
):
    starts = timezone.now() + datetime.timedelta(days=3)
    for n in range(12):
        session = services.session_save(
            actor=engineer,
            plan=plan_a,
            title=f"Session {n}",
            format=TrainingSession.Format.ONLINE,
            meeting_link="https://meet.example.com/x",
            trainer=engineer,
            starts_at=starts + datetime.timedelta(days=n),
            ends_at=starts + datetime.timedelta(days=n, hours=2),
            capacity=1,
            topics=plan_a.topics.all(),
        )
        services.enrol(session_id=session.pk, contact=colleague_a, actor=colleague_a)
        if n % 2:
            services.enrol(session_id=session.pk, contact=customer_a, actor=customer_a)
    for user in (customer_a, engineer):
        client.force_login(user)
        with django_assert_max_num_queries(12):
            page = client.get(url("home"))
        assert len(page.context["page"]) == 12
    client.force_login(customer_a)
    page = client.get(url("home"))
    assert page.text.count("On the waiting list") == 6
    assert page.text.count("Join the waiting list") == 6


def test_the_plan_list_runs_a_fixed_number_of_queries(
    client, engineer, customer_a, project_a, django_assert_max_num_queries
):
    for n in range(12):
        services.plan_save(
            actor=engineer,
            project=project_a,
            title=f"Plan {n}",
            topics=[{"title": "One", "hours": 2}, {"title": "Two"}],
        )
    for user in (customer_a, engineer):
        client.force_login(user)
        with django_assert_max_num_queries(10):
            page = client.get(url("plans"))
        assert len(page.context["page"]) == 12
        assert page.context["page"][0].total_hours == 3


# --- enrolment through the pages -----------------------------------------------------------


def test_a_customer_enrols_from_the_list_and_gets_the_invitation(
    client, customer_a, session_a, django_capture_on_commit_callbacks
):
    client.force_login(customer_a)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(url("enrol", session_a.pk), {"next": url("home")})
    assert answer.status_code == 302 and answer["Location"] == url("home")
    enrolment = Enrolment.objects.get(session=session_a, contact=customer_a)
    assert enrolment.status == Enrolment.Status.ENROLLED and enrolment.enrolled_by == customer_a
    page = client.get(url("home"))
    assert "You are enrolled." in page.text
    assert '<span class="badge text-bg-success my-state">Enrolled</span>' in page.text
    assert "enrol-button" not in page.text
    [message] = mail.outbox
    assert message.to == [customer_a.email]
    [ics] = [a for a in message.attachments if a[2].startswith("text/calendar")]
    # parsed, not searched: a long attendee line is folded (RFC 5545)
    calendar = icalendar.Calendar.from_ical(ics[1])
    assert calendar["METHOD"] == "REQUEST"
    assert str(calendar.walk("VEVENT")[0]["ATTENDEE"]) == f"mailto:{customer_a.email}"
    assert "You are enrolled in this training session." in message.body
    assert "Meeting link: https://meet.example.com/abc" in message.body
    assert url("session_detail", session_a.pk) in message.body
    # the detail page: the seat, the meeting link, the calendar, the cancel button
    detail = client.get(url("session_detail", session_a.pk))
    assert 'id="meeting-link"' in detail.text and "https://meet.example.com/abc" in detail.text
    assert url("invitation", session_a.pk) in detail.text
    assert url("enrolment_cancel", enrolment.pk) in detail.text


def test_the_meeting_link_is_for_the_people_with_a_seat_and_staff(
    client, customer_a, colleague_a, engineer, session_a, enrolled_a
):
    client.force_login(colleague_a)
    page = client.get(url("session_detail", session_a.pk))
    assert "https://meet.example.com/abc" not in page.text
    assert 'id="meeting-link-hidden"' in page.text
    assert url("invitation", session_a.pk) not in page.text
    assert '<button type="submit" class="btn btn-primary btn-lg enrol-button">Enrol</button>' in page.text
    client.force_login(engineer)
    assert "https://meet.example.com/abc" in client.get(url("session_detail", session_a.pk)).text


def test_a_full_session_puts_customers_on_the_waiting_list_until_a_seat_is_free(
    client, customer_a, colleague_a, third_a, engineer, session_a, django_capture_on_commit_callbacks
):
    for contact in (colleague_a, third_a):
        services.enrol(session_id=session_a.pk, contact=contact, actor=engineer)
    client.force_login(customer_a)
    listing = client.get(url("home"))
    assert "Join the waiting list" in listing.text and "2 of 2 seats taken" in listing.text
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(url("enrol", session_a.pk), follow=True)
    [message] = mail.outbox
    assert "you are number 1 on the waiting list" in message.body and not message.attachments
    assert "https://meet.example.com/abc" not in message.body  # no seat, no meeting link
    assert "you are number 1 on the waiting list" in answer.text
    enrolment = Enrolment.objects.get(session=session_a, contact=customer_a)
    assert enrolment.status == Enrolment.Status.WAITLISTED
    detail = client.get(url("session_detail", session_a.pk))
    assert 'id="waiting-position"' in detail.text and "You are number 1 on the waiting list" in detail.text
    assert "https://meet.example.com/abc" not in detail.text
    assert client.get(url("invitation", session_a.pk)).status_code == 404  # no seat, no invitation
    # enrolling twice is refused with a message
    again = client.post(url("enrol", session_a.pk), follow=True)
    assert "is enrolled already" in again.text
    # a colleague gives up the seat: customer_a gets it
    client.force_login(colleague_a)
    seat = Enrolment.objects.get(session=session_a, contact=colleague_a)
    client.post(url("enrolment_cancel", seat.pk))
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.ENROLLED


def test_a_customer_cancels_their_enrolment_and_may_enrol_again(client, customer_a, colleague_a, session_a, enrolled_a):
    client.force_login(colleague_a)
    assert client.post(url("enrolment_cancel", enrolled_a.pk)).status_code == 404  # not theirs
    client.force_login(customer_a)
    answer = client.post(url("enrolment_cancel", enrolled_a.pk), follow=True)
    assert "Your enrolment is cancelled." in answer.text
    enrolled_a.refresh_from_db()
    assert enrolled_a.status == Enrolment.Status.CANCELLED
    assert "You cancelled your enrolment. You can enrol again." in answer.text
    again = client.post(url("enrolment_cancel", enrolled_a.pk), follow=True)
    assert "cancelled already" in again.text
    client.post(url("enrol", session_a.pk))
    enrolled_a.refresh_from_db()
    assert enrolled_a.status == Enrolment.Status.ENROLLED


def test_enrolment_closes_when_the_session_starts(client, customer_a, session_a):
    into_the_past(session_a)
    client.force_login(customer_a)
    detail = client.get(url("session_detail", session_a.pk))
    assert "enrol-button" not in detail.text and "Enrolment is closed: the session has started." in detail.text
    answer = client.post(url("enrol", session_a.pk), follow=True)
    assert "enrolment is closed" in answer.text
    assert not Enrolment.objects.exists()


def test_staff_enrol_a_contact_of_the_projects_organisation(
    client, engineer, colleague_a, customer_b, session_a, django_capture_on_commit_callbacks
):
    client.force_login(engineer)
    detail = client.get(url("session_detail", session_a.pk))
    assert [c.username for c in detail.context["enrol_form"].fields["contact"].queryset] == ["cust-a2"]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(url("enrol", session_a.pk), {"contact": colleague_a.pk})
    [message] = mail.outbox
    assert message.to == [colleague_a.email] and f"{engineer} enrolled you." in message.body
    assert answer.status_code == 302 and answer["Location"].endswith("#participants")
    enrolment = Enrolment.objects.get(session=session_a, contact=colleague_a)
    assert enrolment.enrolled_by == engineer
    refused = client.post(url("enrol", session_a.pk), {"contact": customer_b.pk})
    assert refused.status_code == 400
    assert "Select a valid choice" in refused.text
    page = client.get(url("session_detail", session_a.pk))
    assert f'id="enrolment-{enrolment.pk}"' in page.text
    # staff cancel a participant's seat from the participant list
    assert client.post(url("enrolment_cancel", enrolment.pk)).status_code == 302
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.CANCELLED


def test_a_customer_enrols_only_themself(client, customer_a, colleague_a, session_a):
    client.force_login(customer_a)
    answer = client.post(url("enrol", session_a.pk), {"contact": colleague_a.pk, "next": "https://evil.example/"})
    assert answer["Location"] == url("session_detail", session_a.pk)  # never off the site
    assert list(Enrolment.objects.values_list("contact__username", flat=True)) == ["cust-a"]


# --- sessions: create, edit, cancel; materials ----------------------------------------------


def _session_post(**override) -> dict:
    starts = timezone.localtime() + datetime.timedelta(days=10)
    data = {
        "title": "Troubleshooting day",
        "format": "online",
        "location": "",
        "meeting_link": "https://meet.example.com/ts",
        "trainer": "",
        "starts_at": starts.strftime("%Y-%m-%dT09:00"),
        "ends_at": starts.strftime("%Y-%m-%dT12:30"),
        "capacity": "8",
        "language": "en",
        "description": "Bring your laptop.",
    }
    data.update(override)
    return data


def test_staff_create_a_session_of_a_plan(client, engineer, plan_a):
    client.force_login(engineer)
    chooser = client.get(url("session_create"))
    assert "plan-choice" in chooser.text and "Operator training" in chooser.text
    form = client.get(url("session_create") + f"?plan={plan_a.pk}").context["form"]
    assert form.initial["trainer"] == engineer.pk
    assert len(form.initial["topics"]) == 2
    topic = plan_a.topics.get(title="Troubleshooting")
    answer = client.post(
        url("session_create") + f"?plan={plan_a.pk}", _session_post(trainer=engineer.pk, topics=[topic.pk])
    )
    session = TrainingSession.objects.get(title="Troubleshooting day")
    assert answer.status_code == 302 and answer["Location"] == url("session_detail", session.pk)
    assert session.plan == plan_a and list(session.topics.all()) == [topic]
    assert timezone.localtime(session.starts_at).strftime("%H:%M") == "09:00"
    assert session.ends_at - session.starts_at == datetime.timedelta(hours=3, minutes=30)


def test_the_session_form_shows_what_the_service_refuses(client, engineer, plan_a, session_a, enrolled_a, colleague_a):
    client.force_login(engineer)
    create = url("session_create") + f"?plan={plan_a.pk}"
    no_link = client.post(create, _session_post(trainer=engineer.pk, meeting_link=""))
    assert no_link.status_code == 200
    assert no_link.context["form"].errors["meeting_link"] == ["An online session needs its meeting link."]
    backwards = client.post(create, _session_post(trainer=engineer.pk, ends_at="2020-01-01T08:00"))
    assert "ends_at" in backwards.context["form"].errors
    services.enrol(session_id=session_a.pk, contact=colleague_a, actor=engineer)
    data = _session_post(trainer=engineer.pk, capacity="1", meeting_link=session_a.meeting_link)
    shrink = client.post(url("session_edit", session_a.pk), data)
    assert "2 people are enrolled" in shrink.context["form"].errors["capacity"][0]
    assert TrainingSession.objects.filter(title="Troubleshooting day").count() == 0


def test_staff_edit_a_session_and_the_people_enrolled_get_the_new_invitation(
    client, engineer, session_a, enrolled_a, django_capture_on_commit_callbacks
):
    client.force_login(engineer)
    mail.outbox.clear()
    form = client.get(url("session_edit", session_a.pk)).context["form"]
    data = {name: form[name].value() for name in form.fields if name != "topics"}
    data["topics"] = [topic.pk for topic in session_a.topics.all()]
    data["starts_at"] = form["starts_at"].value().strftime("%Y-%m-%dT%H:%M")
    data["ends_at"] = (form["ends_at"].value() + datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    data["description"] = "Now three hours."
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(url("session_edit", session_a.pk), data)
    assert answer.status_code == 302, answer.context["form"].errors if answer.context else ""
    session_a.refresh_from_db()
    assert session_a.revision == 1 and session_a.description == "Now three hours."
    assert [m.to for m in mail.outbox] == [[enrolled_a.contact.email]]
    assert "changed" in mail.outbox[0].subject


def test_staff_cancel_a_session_with_a_reason(client, engineer, customer_a, session_a, enrolled_a):
    client.force_login(engineer)
    refused = client.post(url("session_cancel", session_a.pk), {"reason": ""})
    assert refused.status_code == 400 and refused.context["cancel_form"].errors["reason"]
    answer = client.post(url("session_cancel", session_a.pk), {"reason": "The trainer is ill."}, follow=True)
    assert "The session is cancelled" in answer.text
    session_a.refresh_from_db()
    assert session_a.is_cancelled
    assert 'id="edit-session"' not in answer.text
    assert client.get(url("session_edit", session_a.pk)).status_code == 302
    client.force_login(customer_a)
    detail = client.get(url("session_detail", session_a.pk))
    assert "The trainer is ill." in detail.text and 'id="cancelled-notice"' in detail.text
    assert "enrol-button" not in detail.text and "https://meet.example.com/abc" not in detail.text
    assert client.get(url("invitation", session_a.pk)).status_code == 404


def test_staff_add_and_remove_materials_which_the_customer_downloads(
    client, engineer, customer_a, customer_b, session_a
):
    client.force_login(engineer)
    upload = SimpleUploadedFile("handout.pdf", b"%PDF-1.4 handout", content_type="application/pdf")
    answer = client.post(url("material_add", session_a.pk), {"title": "Handout", "file": upload})
    assert answer.status_code == 302 and answer["Location"].endswith("#materials")
    client.post(url("material_add", session_a.pk), {"title": "Recording", "url": "https://video.example.com/1"})
    both = client.post(
        url("material_add", session_a.pk),
        {"title": "Both", "url": "https://x.example", "file": SimpleUploadedFile("a.txt", b"a")},
    )
    assert both.status_code == 400 and "Upload a file or give a link." in both.text
    neither = client.post(url("material_add", session_a.pk), {"title": "Neither"})
    assert neither.status_code == 400
    handout, recording = Material.objects.order_by("pk")
    client.force_login(customer_a)
    page = client.get(url("session_detail", session_a.pk))
    assert "Handout" in page.text and "Recording" in page.text
    assert url("material_remove", session_a.pk, handout.pk) not in page.text
    download = client.get(url("material", session_a.pk, handout.pk))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.4 handout"
    assert download["Content-Disposition"].startswith("attachment")
    link = client.get(url("material", session_a.pk, recording.pk))
    assert link.status_code == 302 and link["Location"] == "https://video.example.com/1"
    assert client.post(url("material_remove", session_a.pk, handout.pk)).status_code == 403
    client.force_login(customer_b)
    assert client.get(url("material", session_a.pk, handout.pk)).status_code == 404
    client.force_login(engineer)
    client.post(url("material_remove", session_a.pk, handout.pk))
    assert list(Material.objects.values_list("title", flat=True)) == ["Recording"]


# --- attendance, feedback, certificate, invitation ------------------------------------------


def test_the_trainer_takes_attendance_once_the_session_has_started(
    client, engineer, manager, customer_a, colleague_a, session_a, enrolled_a
):
    other = services.enrol(session_id=session_a.pk, contact=colleague_a, actor=engineer)
    client.force_login(engineer)
    early = client.get(url("attendance", session_a.pk))
    assert "Attendance is taken once the session has started." in early.text
    refused = client.post(url("attendance", session_a.pk), {f"mark-{enrolled_a.pk}": "present"})
    assert refused.status_code == 400 and "once the session has started" in refused.text
    into_the_past(session_a)
    detail = client.get(url("session_detail", session_a.pk))
    assert 'id="take-attendance"' in detail.text
    page = client.get(url("attendance", session_a.pk))
    assert f'id="mark-{enrolled_a.pk}-present"' in page.text
    empty = client.post(url("attendance", session_a.pk), {})
    assert empty.status_code == 400 and "Mark each participant present or absent." in empty.text
    answer = client.post(
        url("attendance", session_a.pk), {f"mark-{enrolled_a.pk}": "present", f"mark-{other.pk}": "absent"}, follow=True
    )
    assert "Attendance saved: 1 present, 1 absent." in answer.text
    assert dict(Enrolment.objects.values_list("contact__username", "attendance")) == {
        "cust-a": "present",
        "cust-a2": "absent",
    }
    # the marks are shown again, and a manager may correct them ("everyone was present")
    assert (
        f'id="mark-{other.pk}-absent" value="absent" autocomplete="off" checked'
        in client.get(url("attendance", session_a.pk)).text
    )
    client.force_login(manager)
    client.post(url("attendance", session_a.pk), {"all": "present"})
    assert set(Enrolment.objects.values_list("attendance", flat=True)) == {"present"}
    assert Enrolment.objects.get(pk=other.pk).attendance_by == manager


def test_only_the_trainer_and_managers_take_attendance(
    client, engineer, manager, admin_user, customer_a, session_a, enrolled_a
):
    from tests.accounts.factories import UserFactory

    into_the_past(session_a)
    colleague = UserFactory(username="eng2")
    client.force_login(colleague)
    assert client.get(url("attendance", session_a.pk)).status_code == 403
    assert client.post(url("attendance", session_a.pk), {f"mark-{enrolled_a.pk}": "present"}).status_code == 403
    assert 'id="take-attendance"' not in client.get(url("session_detail", session_a.pk)).text
    for user in (manager, admin_user):
        client.force_login(user)
        assert client.get(url("attendance", session_a.pk)).status_code == 200
    client.force_login(customer_a)
    assert client.get(url("attendance", session_a.pk)).status_code == 403
    assert client.post(url("attendance", session_a.pk), {f"mark-{enrolled_a.pk}": "present"}).status_code == 403
    enrolled_a.refresh_from_db()
    assert enrolled_a.attendance == ""


def test_the_participant_leaves_feedback_once(client, customer_a, engineer, session_a, attended_a):
    client.force_login(customer_a)
    detail = client.get(url("session_detail", session_a.pk))
    assert 'id="feedback-link"' in detail.text and 'id="certificate-link"' in detail.text
    assert client.get(url("feedback", attended_a.pk)).status_code == 200
    bad = client.post(url("feedback", attended_a.pk), {"rating": "9"})
    assert bad.status_code == 400 and bad.context["form"].errors["rating"]
    answer = client.post(url("feedback", attended_a.pk), {"rating": "4", "trainer_rating": "5", "comments": "Clear."})
    assert answer.status_code == 302
    feedback = Feedback.objects.get(enrolment=attended_a)
    assert (feedback.rating, feedback.trainer_rating, feedback.comments) == (4, 5, "Clear.")
    page = client.get(url("feedback", attended_a.pk))
    assert "You rated this session 4 of 5." in page.text and "feedback-form" not in page.text
    again = client.post(url("feedback", attended_a.pk), {"rating": "1"}, follow=True)
    assert "You have given your feedback already." in again.text
    assert Feedback.objects.get().rating == 4
    assert "Your feedback: 4 of 5." in client.get(url("session_detail", session_a.pk)).text
    # staff see it in the participant list, but do not give it
    client.force_login(engineer)
    assert "4/5 · trainer 5/5" in client.get(url("session_detail", session_a.pk)).text
    assert client.get(url("feedback", attended_a.pk)).status_code == 403


def test_feedback_and_certificate_wait_for_the_end_and_attendance(client, customer_a, engineer, session_a, enrolled_a):
    client.force_login(customer_a)
    assert client.get(url("feedback", enrolled_a.pk)).status_code == 404
    assert client.get(url("certificate", enrolled_a.pk)).status_code == 404
    into_the_past(session_a)
    assert client.get(url("feedback", enrolled_a.pk)).status_code == 404  # attendance not taken
    assert "The trainer has not taken attendance yet." in client.get(url("session_detail", session_a.pk)).text
    services.attendance_take(session_id=session_a.pk, actor=engineer, marks={enrolled_a.pk: "absent"})
    assert client.get(url("certificate", enrolled_a.pk)).status_code == 404
    assert client.post(url("feedback", enrolled_a.pk), {"rating": "5"}).status_code == 404
    assert "You were marked absent" in client.get(url("session_detail", session_a.pk)).text


def test_the_certificate_is_a_pdf_with_the_participants_name(client, customer_a, colleague_a, engineer, attended_a):
    client.force_login(customer_a)
    answer = client.get(url("certificate", attended_a.pk))
    assert answer.status_code == 200 and answer["Content-Type"] == "application/pdf"
    number = attended_a.certificate_number
    assert answer["Content-Disposition"] == f'attachment; filename="certificate-{number}.pdf"'
    text = text_of(answer.content)
    assert str(customer_a) in text and "Online operator training" in text and number in text
    assert "Certificate of completion" in text
    client.force_login(engineer)
    assert client.get(url("certificate", attended_a.pk)).status_code == 200
    client.force_login(colleague_a)
    assert client.get(url("certificate", attended_a.pk)).status_code == 404


def test_the_certificate_follows_the_readers_language(client, customer_a, attended_a):
    customer_a.language = "zh-hans"
    customer_a.save()
    client.force_login(customer_a)
    answer = client.get(url("certificate", attended_a.pk))
    assert answer.status_code == 200
    pdf = PdfReader(io.BytesIO(answer.content))
    assert pdf.metadata is not None
    assert str(customer_a) in text_of(answer.content)


def test_the_invitation_is_the_participants_own(client, customer_a, colleague_a, engineer, session_a, enrolled_a):
    client.force_login(customer_a)
    answer = client.get(url("invitation", session_a.pk))
    assert answer.status_code == 200 and answer["Content-Type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(answer.content)
    assert calendar["METHOD"] == "REQUEST"
    [event] = calendar.walk("VEVENT")
    assert str(event["ATTENDEE"]) == f"mailto:{customer_a.email}"
    assert event["UID"] == f"training-session-{session_a.pk}@servicedesk"
    assert event.decoded("DTSTART") == session_a.starts_at
    assert b"METHOD:REQUEST" in answer.content
    client.force_login(colleague_a)  # same organisation, not enrolled
    assert client.get(url("invitation", session_a.pk)).status_code == 404
    client.force_login(engineer)
    plain = icalendar.Calendar.from_ical(client.get(url("invitation", session_a.pk)).content)
    assert plain["METHOD"] == "PUBLISH"
    [event] = plain.walk("VEVENT")
    assert "ATTENDEE" not in event


# --- plans ---------------------------------------------------------------------------------


def _management(prefix: str, total: int, initial: int) -> dict:
    return {
        f"{prefix}-TOTAL_FORMS": total,
        f"{prefix}-INITIAL_FORMS": initial,
        f"{prefix}-MIN_NUM_FORMS": 0,
        f"{prefix}-MAX_NUM_FORMS": 1000,
    }


def test_staff_create_a_plan_with_topics(client, engineer, project_a):
    client.force_login(engineer)
    form = client.get(url("plan_create") + f"?project={project_a.pk}").context["form"]
    assert str(form.initial["project"]) == str(project_a.pk)
    data = {
        "project": project_a.pk,
        "title": "Administrator training",
        "audience": "System administrators",
        "notes": "",
        **_management("topics", 3, 0),
        "topics-0-kind": "principles",
        "topics-0-title": "How the system works",
        "topics-0-hours": "1.5",
        "topics-1-kind": "maintenance",
        "topics-1-title": "Daily checks",
        "topics-1-hours": "2",
        "topics-1-description": "Logs, disks, backups",
        "topics-2-kind": "custom",
        "topics-2-title": "",
        "topics-2-hours": "1",
    }
    answer = client.post(url("plan_create"), data)
    plan = TrainingPlan.objects.get(title="Administrator training")
    assert answer.status_code == 302 and answer["Location"] == url("plan_detail", plan.pk)
    assert [(t.kind, t.title, float(t.hours), t.position) for t in plan.topics.all()] == [
        ("principles", "How the system works", 1.5, 0),
        ("maintenance", "Daily checks", 2.0, 1),
    ]
    assert plan.created_by == engineer
    detail = client.get(url("plan_detail", plan.pk))
    assert "How the system works" in detail.text and "3.5 h in all" in detail.text


def test_staff_edit_a_plans_topics(client, engineer, plan_a):
    operation, troubleshooting = plan_a.topics.all()
    client.force_login(engineer)
    page = client.get(url("plan_edit", plan_a.pk))
    assert page.context["formset"].initial_form_count() == 2
    data = {
        "title": "Operator training, revised",
        "audience": "Operators",
        "notes": "",
        "is_active": "on",
        **_management("topics", 3, 2),
        "topics-0-id": operation.pk,
        "topics-0-kind": "operation",
        "topics-0-title": "Daily operation and shifts",
        "topics-0-hours": "3",
        "topics-1-id": troubleshooting.pk,
        "topics-1-kind": "troubleshooting",
        "topics-1-title": "Troubleshooting",
        "topics-1-hours": "1",
        "topics-1-DELETE": "on",
        "topics-2-kind": "custom",
        "topics-2-title": "Reports",
        "topics-2-hours": "0.5",
    }
    answer = client.post(url("plan_edit", plan_a.pk), data)
    assert answer.status_code == 302
    plan_a.refresh_from_db()
    assert plan_a.title == "Operator training, revised"
    assert [(t.pk == operation.pk, t.title) for t in plan_a.topics.all()] == [
        (True, "Daily operation and shifts"),
        (False, "Reports"),
    ]
    assert not Topic.objects.filter(pk=troubleshooting.pk).exists()


def test_the_plan_form_refuses_bad_topics(client, engineer, plan_a, session_b):
    foreign = session_b.plan.topics.get()
    client.force_login(engineer)
    data = {
        "title": "Operator training",
        "audience": "",
        "notes": "",
        "is_active": "on",
        **_management("topics", 1, 1),
        "topics-0-id": foreign.pk,
        "topics-0-kind": "custom",
        "topics-0-title": "Stolen",
        "topics-0-hours": "1",
    }
    answer = client.post(url("plan_edit", plan_a.pk), data)
    assert answer.status_code == 400 and "This topic is not in the plan." in answer.text
    assert session_b.plan.topics.get().title == "B basics"
    data.update({"topics-0-id": "", "topics-0-hours": "500"})
    too_long = client.post(url("plan_edit", plan_a.pk), data)
    assert too_long.status_code == 400 and too_long.context["formset"].errors[0]["hours"]


def test_retired_plans_are_hidden_from_customers(client, engineer, customer_a, plan_a):
    services.plan_save(actor=engineer, plan=plan_a, is_active=False)
    client.force_login(customer_a)
    assert "Operator training" not in client.get(url("plans")).text
    client.force_login(engineer)
    assert "Operator training" not in client.get(url("plans")).text
    assert "Operator training" in client.get(url("plans") + "?show=all").text
    answer = client.get(url("session_create") + f"?plan={plan_a.pk}")
    assert answer.status_code == 302 and answer["Location"] == url("plan_detail", plan_a.pk)


# --- a project's training records ------------------------------------------------------------


def test_the_project_records_show_seats_presence_and_feedback(
    client,
    engineer,
    customer_a,
    colleague_a,
    customer_b,
    project_a,
    session_a,
    enrolled_a,
    django_assert_max_num_queries,
):
    other = services.enrol(session_id=session_a.pk, contact=colleague_a, actor=engineer)
    into_the_past(session_a)
    services.attendance_take(
        session_id=session_a.pk, actor=engineer, marks={enrolled_a.pk: "present", other.pk: "present"}
    )
    services.feedback_submit(enrolment_id=enrolled_a.pk, actor=customer_a, rating=4)
    services.feedback_submit(enrolment_id=other.pk, actor=colleague_a, rating=5)
    client.force_login(customer_a)
    with django_assert_max_num_queries(10):
        page = client.get(url("project_records", project_a.pk))
    [record] = page.context["sessions"]
    assert (record.seats_taken, record.present, record.feedback_count) == (2, 2, 2)
    assert record.feedback_average == pytest.approx(4.5)
    row = page.text[page.text.index(f'id="record-{session_a.pk}"') :]
    assert "4.5 / 5" in row and "2 / 2" in row
    assert "1 session held · 2 participants present" in page.text
    client.force_login(customer_b)
    assert client.get(url("project_records", project_a.pk)).status_code == 404


def test_the_project_page_links_to_its_training_records(client, customer_a, project_a):
    client.force_login(customer_a)
    page = client.get(reverse("customers:project_detail", args=[project_a.pk]))
    assert url("project_records", project_a.pk) in page.text


def test_the_navigation_leads_to_training_and_the_knowledge_base(client, rf, customer_a):
    from servicedesk.context_processors import navigation

    client.force_login(customer_a)
    items = {item["label"]: item for item in client.get(url("home")).context["nav_items"]}
    assert items["Training"]["active"] and not items["Knowledge base"]["active"]
    assert items["Knowledge base"]["url"] == url("kb")
    request = rf.get(url("kb"))
    request.user = customer_a
    active = [item["label"] for item in navigation(request)["nav_items"] if item["active"]]
    assert active == ["Knowledge base"]
