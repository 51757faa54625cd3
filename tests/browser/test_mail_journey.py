"""The email intake in a real browser: an email from a sender the desk does not know waits for
triage; an engineer finds it through the user menu (with the number waiting), reads it, and
opens a ticket for a contact of the project (choosing the project narrows the reporters, by
htmx); the ticket says it came by email. The list and the email, at 1280 px, in English and
in Chinese, are saved to /tmp/mpages-*.png to look at."""

import re
import tempfile
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path

import pytest
from playwright.sync_api import expect

from mail.models import InboundMessage
from mail.services import message_ingest
from tests.accounts.factories import CustomerFactory
from tests.customers.factories import ProjectFactory
from tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(tempfile.gettempdir())  # /tmp


def screenshot(page, name: str) -> None:
    page.screenshot(path=SHOTS / f"mpages-{name}.png", full_page=True)


def fits_the_screen(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def bar_on_one_line(page) -> bool:
    return page.evaluate("() => document.querySelector('nav.navbar .container-fluid').scrollHeight") < 60


def an_email() -> bytes:
    message = EmailMessage()
    # the receiving server vouches for the sender's domain (settings.MAIL_AUTHSERV_ID below)
    message["Authentication-Results"] = "mx.desk.example; dmarc=pass header.from=waterworks.example"
    message["From"] = "Zhou Min <zhou.min@waterworks.example>"
    message["To"] = "support@desk.example"
    message["Cc"] = "duty@waterworks.example"
    message["Subject"] = "泵站 3 报警 / Pump station 3 alarm"
    message["Date"] = formatdate()
    message["Message-ID"] = "<alarm-1@waterworks.example>"
    message.set_content(
        "Since 08:00 the SCADA screen shows <b>alarm 42</b> every ten minutes.\n\n"
        "自 08:00 起，监控画面每十分钟报警一次。\n\n-- \nZhou Min\nDuty engineer"
    )
    message.add_attachment(b"alarm log", maintype="text", subtype="plain", filename="alarm.log")
    return message.as_bytes()


def test_an_engineer_files_a_waiting_email_as_a_ticket(
    page, log_in, engineer, customer_a, customer_b, project_a, password, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    settings.MAIL_AUTHSERV_ID = "mx.desk.example"
    settings.MAIL_ADDRESS = "support@desk.example"  # the desk's own address, never copied
    ProjectFactory(organisation=project_a.organisation, name="Billing system")
    other_contact = CustomerFactory(
        username="cust-a2", first_name="Li", last_name="Na", organisation=project_a.organisation
    )
    record, _new = message_ingest(raw=an_email())
    assert record.status == InboundMessage.Status.TRIAGE

    log_in("eng", password)
    assert bar_on_one_line(page)
    expect(page.locator("#triage-waiting")).to_contain_text("1")
    page.locator("#user-menu").click()
    page.get_by_role("link", name=re.compile(r"^Email")).click()
    page.wait_for_url(re.compile(r"/mail/$"))
    expect(page.get_by_role("heading", name="Inbound email")).to_be_visible()
    row = page.locator("#mail-list tbody tr").first
    expect(row).to_contain_text("Zhou Min")
    expect(row).to_contain_text("zhou.min@waterworks.example")
    expect(row).to_contain_text("Waiting for triage")
    assert fits_the_screen(page) and bar_on_one_line(page)
    screenshot(page, "list-en")

    row.get_by_role("link", name=re.compile("Pump station 3 alarm")).click()
    page.wait_for_url(re.compile(rf"/mail/{record.pk}/$"))
    # the sender's markup is text, never markup
    expect(page.locator("#mail-body")).to_contain_text("<b>alarm 42</b>")
    expect(page.locator("#mail-attachments")).to_contain_text("alarm.log")
    expect(page.locator("#mail-reason")).to_contain_text("The sender is not a known contact.")
    assert fits_the_screen(page)
    screenshot(page, "detail-en")

    # choosing the project narrows the reporters to its organisation's contacts (htmx)
    reporters = page.locator("#id_reporter option")
    assert customer_b.get_full_name() in " ".join(reporters.all_inner_texts())
    page.locator("#id_project").select_option(label=f"{project_a.organisation.name} · {project_a.name}")
    expect(page.locator("#id_reporter option", has_text=customer_b.get_full_name())).to_have_count(0)
    expect(page.locator("#id_reporter option", has_text=other_contact.get_full_name())).to_have_count(1)
    page.locator("#id_reporter").select_option(str(customer_a.pk))
    page.locator("#id_priority").select_option("high")
    page.locator("#open-ticket-form").get_by_role("button", name="Open a ticket").click()

    page.wait_for_url(re.compile(r"/tickets/\d+/$"))
    ticket = Ticket.objects.get()
    assert (ticket.reporter, ticket.project, ticket.priority) == (customer_a, project_a, "high")
    expect(page.locator(".alert-success")).to_contain_text(f"Ticket {ticket.reference} was opened from the email.")
    expect(page.locator("#ticket-by-email")).to_have_text("✉ by email")
    # the copied address is no contact of the organisation: it waits for staff, who approve it
    expect(page.locator("#cc")).not_to_contain_text("duty@waterworks.example")
    expect(page.locator("#cc-requests")).to_contain_text("duty@waterworks.example")
    screenshot(page, "ticket-en")
    page.get_by_role("button", name="Approve duty@waterworks.example").click()
    expect(page.locator("#cc")).to_contain_text("duty@waterworks.example")
    expect(page.locator("#cc-requests")).to_have_count(0)

    # nothing waits any more
    expect(page.locator("#triage-waiting")).to_have_count(0)
    page.goto("/mail/")
    expect(page.locator("#mail-list tbody")).to_contain_text("No email waits for triage.")

    # in Chinese: the list of everything and the email
    page.get_by_role("button", name="简体中文").click()
    page.goto("/mail/?status=all")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    assert fits_the_screen(page) and bar_on_one_line(page)
    screenshot(page, "list-zh")
    page.goto(f"/mail/{record.pk}/")
    assert fits_the_screen(page)
    screenshot(page, "detail-zh")
