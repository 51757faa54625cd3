"""A preventive-maintenance visit in a real browser: the engineer, on a phone, opens the planned
visit from the maintenance overview, answers the checklist with the pass/fail toggles and a
value, adds a photo, writes the findings and completes the visit; the customer then signs in
and downloads the inspection report from the portal."""

import datetime
import io
import re
import tempfile
from pathlib import Path

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect
from pypdf import PdfReader

from maintenance import services
from maintenance.models import Inspection
from tests.maintenance.conftest import checklist  # noqa: F401  (shared fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
SHOTS = Path(tempfile.gettempdir())  # /tmp

FINDINGS = "The backup job of the records database fails every Sunday night."
ADVICE = "Move the backup window to Saturday."


def screenshot(page, name: str) -> None:
    """The page as it is, into /tmp/maintenance-<name>.png to look at."""
    page.screenshot(path=SHOTS / f"maintenance-{name}.png", full_page=True)


def fits_the_screen(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def test_an_engineer_completes_a_visit_on_a_phone_and_the_customer_downloads_the_report(
    page,
    log_in,
    project_a,
    customer_a,
    engineer,
    checklist,  # noqa: F811
    password,
    settings,
    tmp_path,
):
    settings.MEDIA_ROOT = tmp_path
    services.schedule_save(
        project=project_a,
        name="Quarterly inspection",
        rule="FREQ=MONTHLY;INTERVAL=3",
        first_date=timezone.localdate() + datetime.timedelta(days=3),
        engineer=engineer,
        checklist=checklist,
    )
    assert services.inspections_plan() == 1
    photo = tmp_path / "rack.png"
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), "steelblue").save(buffer, "PNG")
    photo.write_bytes(buffer.getvalue())

    # the engineer, on a phone: the navigation sits behind the toggler
    page.set_viewport_size(PHONE)
    log_in("eng", password)
    page.get_by_role("button", name="Toggle navigation").click()
    page.get_by_label("Main navigation").get_by_role("link", name="Maintenance").click()
    expect(page.locator("#count-due")).to_contain_text("1")
    page.locator("#my-visits").get_by_role("link", name=re.compile("Quarterly inspection")).click()
    page.wait_for_url(re.compile(r"/maintenance/inspections/\d+/$"))
    expect(page.locator("#inspection-status")).to_have_text("Planned")
    screenshot(page, "visit-phone")
    assert fits_the_screen(page)

    # the checklist: a toggle per pass/fail check, a value with its unit, notes
    servers = page.locator(".checklist-item", has_text="Servers up")
    servers.locator("label", has_text="Pass").click()
    expect(servers.locator("input[value=pass]")).to_be_checked()
    cpu = page.locator(".checklist-item", has_text="CPU load")
    expect(cpu.locator(".input-group-text")).to_have_text("%")
    cpu.get_by_role("textbox", name="CPU load").fill("42")
    backups = page.locator(".checklist-item", has_text="Backups restorable")
    backups.locator("label", has_text="Pass").click()
    backups.locator("label", has_text="Fail").click()  # changed its mind: a toggle, one answer
    expect(backups.locator("input[value=fail]")).to_be_checked()
    expect(backups.locator("input[value=pass]")).not_to_be_checked()
    backups.get_by_placeholder("Note (optional)").fill("The restore test failed.")
    page.get_by_label("Findings").fill(FINDINGS)
    page.get_by_label("Recommendations").fill(ADVICE)

    # a photo goes up with the answers, which are kept
    page.locator("input[name=photo]").set_input_files(str(photo))
    page.get_by_label("Caption").fill("Rack B4 after cleaning")
    page.locator("#upload-button").click()
    expect(page.get_by_text("The photo was added.")).to_be_visible()
    expect(page.locator("#inspection-status")).to_have_text("In progress")
    expect(page.locator("#photo-list img")).to_have_count(1)
    expect(page.get_by_label("Findings")).to_have_value(FINDINGS)
    expect(page.locator(".checklist-item", has_text="Backups restorable").locator("input[value=fail]")).to_be_checked()
    # the photo is served: it loads at its real width (it is lazy, so it loads once in view)
    page.locator("#photo-list img").scroll_into_view_if_needed()
    page.wait_for_function("() => document.querySelector('#photo-list img').complete")
    image_ok = page.evaluate("() => document.querySelector('#photo-list img').naturalWidth")
    assert image_ok == 640
    assert fits_the_screen(page)

    # complete: the page turns read-only with the report link
    page.locator("#complete-button").click()
    expect(page.get_by_text("The visit is completed")).to_be_visible()
    expect(page.locator("#inspection-status")).to_have_text("Completed")
    expect(page.locator("#inspection-form")).to_have_count(0)
    expect(page.locator("#checklist")).to_contain_text("The restore test failed.")
    expect(page.locator("#checklist")).to_contain_text("42 %")
    expect(page.locator("#findings")).to_have_text(FINDINGS)
    screenshot(page, "completed-phone")
    assert fits_the_screen(page)
    inspection = Inspection.objects.get()
    assert inspection.status == Inspection.Status.COMPLETED and inspection.photos.count() == 1

    # the customer signs in and downloads the report from the portal
    page.context.clear_cookies()
    page.set_viewport_size(DESKTOP)
    log_in("cust-a", password)
    page.get_by_label("Main navigation").get_by_role("link", name="Warranty", exact=True).click()
    report = page.locator("#reports .list-group-item", has_text="Quarterly inspection")
    expect(report).to_be_visible()
    screenshot(page, "portal-desktop")
    with page.expect_download() as download_info:
        report.get_by_role("link", name="Report (PDF)").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    pdf = Path(download.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())
    assert FINDINGS in text and "Rack B4 after cleaning" in text

    # and sees the visit read-only, with its photo
    report.get_by_role("link", name="Quarterly inspection").click()
    expect(page.locator("#findings")).to_have_text(FINDINGS)
    expect(page.locator("#photo-list img")).to_have_count(1)
    expect(page.locator("#inspection-form")).to_have_count(0)
    page.set_viewport_size(PHONE)
    screenshot(page, "customer-visit-phone")
    assert fits_the_screen(page)
