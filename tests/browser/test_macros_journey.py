"""Macros in a real browser: an engineer finds the macros in the user menu, opens a customer's
ticket, finds a macro by typing in the picker, sees its preview in the customer's language
(Chinese), puts it into the reply box, then applies it; the ticket waits on the customer, and
the customer reads the reply in Chinese."""

import re

import pytest
from playwright.sync_api import expect

from tickets.models import Comment, Macro
from tickets.services import macro_save, ticket_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_engineer_previews_and_applies_a_macro_the_customer_reads_it_in_chinese(
    page, log_in, project_a, customer_a, engineer, manager, password
):
    customer_a.language = "zh-hans"
    customer_a.first_name, customer_a.last_name = "Ada", "Wong"
    customer_a.save()
    macro_save(
        actor=manager,
        scope=Macro.Scope.DESK,
        name="Resolved, please confirm",
        body_en="Dear {{ customer.name }}, {{ ticket.reference }} is resolved.",
        body_zh_hans="{{ customer.name }}您好，工单 {{ ticket.reference }} 已解决。",
    )
    macro_save(
        actor=manager,
        scope=Macro.Scope.DESK,
        name="Ask for logs",
        body_en="Dear {{ customer.name }}, please send the logs of {{ ticket.reference }}.",
        body_zh_hans="{{ customer.name }}您好，请发送 {{ ticket.reference }} 的日志。",
        set_status="waiting_on_customer",
    )
    ticket = ticket_create(actor=customer_a, project=project_a, title="Gateway restarts", description="Every hour")

    log_in("eng", password)
    # the macros sit in the user menu
    page.locator("#user-menu").click()
    page.get_by_role("link", name="Macros").click()
    expect(page.locator("#macro-table")).to_contain_text("Ask for logs")
    page.get_by_role("link", name="New macro").click()
    expect(page.locator("#macro-placeholders")).to_contain_text("{{ sla.first_response_due }}")

    # on the ticket: find the macro by typing, the preview in the customer's language
    page.goto(f"/tickets/{ticket.pk}/")
    page.locator("#macro-picker summary").click()
    page.get_by_label("Find a macro").fill("logs")
    expect(page.locator("#macro-select option:not([hidden])")).to_have_count(1)
    page.get_by_label("Find a macro").press("Enter")
    preview = page.locator("#macro-preview-text")
    expect(preview).to_have_text(f"Ada Wong您好，请发送 {ticket.reference} 的日志。")
    expect(page.locator("#macro-preview-actions")).to_contain_text("Sets the status to Waiting on customer")

    # into the reply box to edit, or applied as it is
    page.get_by_role("button", name="Insert into reply").click()
    expect(page.locator("#id_body")).to_have_value(f"Ada Wong您好，请发送 {ticket.reference} 的日志。")
    expect(page.locator("#id_body")).to_be_focused()
    page.locator("#id_body").fill("")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url(re.compile(rf"/tickets/{ticket.pk}/$"))
    expect(page.locator("#ticket-status")).to_have_text("Waiting on customer")
    expect(page.locator("#timeline")).to_contain_text(f"请发送 {ticket.reference} 的日志")
    expect(page.locator("#timeline")).to_contain_text("Macro applied: Ask for logs")
    assert Comment.objects.get(ticket=ticket).public

    # the customer reads it in Chinese, and sees no macro picker
    page.locator("#user-menu").click()
    page.get_by_role("button", name="Log out").click()
    log_in("cust-a", password)
    page.goto(f"/tickets/{ticket.pk}/")
    expect(page.locator("html")).to_have_attribute("lang", re.compile("^zh-hans$", re.IGNORECASE))
    expect(page.locator("#timeline")).to_contain_text(f"Ada Wong您好，请发送 {ticket.reference} 的日志。")
    expect(page.locator("#macro-picker")).to_have_count(0)
