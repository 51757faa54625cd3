"""A training session in a real browser: a customer signs in, opens Training, enrols in an
online session from the list and gets the invitation by email; after the session the trainer,
on a phone, marks them present; the customer leaves feedback and downloads the certificate."""

import datetime
import io
import re
import tempfile
from pathlib import Path

import icalendar
import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from notifications.models import Delivery
from tests.training.conftest import plan_a, session_a  # noqa: F401  (shared fixtures)
from training.models import Enrolment, Feedback, TrainingSession

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
SHOTS = Path(tempfile.gettempdir())  # /tmp


def screenshot(page, name: str) -> None:
    """The page as it is, into /tmp/training-<name>.png to look at."""
    page.screenshot(path=SHOTS / f"training-{name}.png", full_page=True)


def fits_the_screen(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def nav_fits_one_line(page) -> bool:
    """The top bar's items sit on one row (none wrapped below the first)."""
    return page.evaluate(
        """() => {
            const tops = [...document.querySelectorAll('#main-nav .nav-link, #language-switcher, #user-menu')]
                .map(el => el.getBoundingClientRect().top);
            return Math.max(...tops) - Math.min(...tops) < 20;
        }"""
    )


def test_a_customer_enrols_attends_gives_feedback_and_downloads_the_certificate(
    page,
    log_in,
    customer_a,
    engineer,
    session_a,  # noqa: F811
    password,
):
    # the customer opens Training from the top bar and enrols from the list
    log_in("cust-a", password)
    assert nav_fits_one_line(page)
    page.get_by_label("Main navigation").get_by_role("link", name="Training", exact=True).click()
    page.wait_for_url(re.compile(r"/training/$"))
    item = page.locator(".session-item", has_text="Online operator training")
    expect(item).to_contain_text("0 of 2 seats taken")
    expect(item.locator(".session-format")).to_have_text("Online")
    screenshot(page, "list-desktop")
    item.get_by_role("button", name="Enrol", exact=True).click()
    expect(page.get_by_text("You are enrolled.")).to_be_visible()
    item = page.locator(".session-item", has_text="Online operator training")
    expect(item.locator(".my-state")).to_have_text("Enrolled")
    expect(item).to_contain_text("1 of 2 seats taken")
    expect(item.get_by_role("button", name="Enrol")).to_have_count(0)

    # the invitation went out by email, with the calendar file attached
    enrolment = Enrolment.objects.get(contact=customer_a)
    assert enrolment.status == Enrolment.Status.ENROLLED
    delivery = Delivery.objects.get(recipient=customer_a, channel=Delivery.Channel.EMAIL)
    assert delivery.attachments[0]["mimetype"] == "text/calendar; method=REQUEST"
    [message] = [m for m in mail.outbox if m.to == [customer_a.email]]
    [invite] = [a for a in message.attachments if a[2].startswith("text/calendar")]
    calendar = icalendar.Calendar.from_ical(invite[1])
    assert calendar["METHOD"] == "REQUEST"
    assert str(calendar.walk("VEVENT")[0]["ATTENDEE"]) == f"mailto:{customer_a.email}"

    # the session's page: the meeting link and the calendar for the person with a seat
    item.get_by_role("link", name="Online operator training").click()
    expect(page.locator("#my-enrolment-state")).to_have_text("Enrolled")
    expect(page.locator("#meeting-link")).to_have_attribute("href", "https://meet.example.com/abc")
    with page.expect_download() as download_info:
        page.locator("#add-to-calendar").click()
    assert b"METHOD:REQUEST" in Path(download_info.value.path()).read_bytes()
    screenshot(page, "detail-desktop")

    # the session is held (moved into the past here); the trainer takes attendance on a phone
    now = timezone.now()
    TrainingSession.objects.filter(pk=session_a.pk).update(
        starts_at=now - datetime.timedelta(hours=3), ends_at=now - datetime.timedelta(hours=1)
    )
    page.context.clear_cookies()
    page.set_viewport_size(PHONE)
    log_in("eng", password)
    page.goto(f"/training/sessions/{session_a.pk}/")
    page.locator("#take-attendance").click()
    row = page.locator(".attendance-row", has_text=str(customer_a))
    row.locator("label", has_text="Present").click()
    expect(row.locator("input[value=present]")).to_be_checked()
    screenshot(page, "attendance-phone")
    assert fits_the_screen(page)
    page.locator("#save-attendance").click()
    expect(page.get_by_text("Attendance saved: 1 present, 0 absent.")).to_be_visible()
    expect(page.locator(f"#enrolment-{enrolment.pk}")).to_contain_text("Present")
    enrolment.refresh_from_db()
    assert enrolment.attendance == Enrolment.Attendance.PRESENT and enrolment.attendance_by == engineer

    # the customer gives feedback and downloads the certificate
    page.context.clear_cookies()
    page.set_viewport_size(DESKTOP)
    log_in("cust-a", password)
    page.goto(f"/training/sessions/{session_a.pk}/")
    page.locator("#feedback-link").click()
    page.locator("#fieldset-rating label", has_text="5").click()
    page.locator("#fieldset-trainer_rating label", has_text="4").click()
    page.get_by_label("Comments").fill("Clear and practical.")
    screenshot(page, "feedback-desktop")
    page.locator("#send-feedback").click()
    expect(page.get_by_text("Thank you for your feedback.")).to_be_visible()
    expect(page.locator("#feedback-given")).to_contain_text("5 of 5")
    feedback = Feedback.objects.get(enrolment=enrolment)
    assert (feedback.rating, feedback.trainer_rating, feedback.comments) == (5, 4, "Clear and practical.")
    with page.expect_download() as download_info:
        page.locator("#certificate-link").click()
    download = download_info.value
    assert download.suggested_filename == f"certificate-{enrolment.certificate_number}.pdf"
    pdf = Path(download.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())
    assert str(customer_a) in text and "Online operator training" in text
    screenshot(page, "done-desktop")
    page.set_viewport_size(PHONE)
    assert fits_the_screen(page)
