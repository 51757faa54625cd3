"""The knowledge base answers before a ticket is filed, in a real browser: a customer opens
"Report a fault", describes the symptom in Chinese and sees the Chinese article appear beside
the form without a reload, then in English and sees the English one; "This solved it" records
the answer and no ticket is filed."""

import re
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.training.conftest import articles  # noqa: F401  (shared fixture)
from tickets.models import Ticket
from training.models import Deflection

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(tempfile.gettempdir())  # /tmp


def test_a_customer_finds_the_answer_while_reporting_a_fault(
    page,
    log_in,
    customer_a,
    project_a,
    articles,  # noqa: F811
    password,
):
    log_in("cust-a", password)
    page.get_by_role("link", name="Tickets", exact=True).click()
    page.get_by_role("link", name="Report a fault").click()
    page.wait_for_url(re.compile(r"/tickets/new/$"))
    box = page.locator("#kb-suggestion-results")
    expect(page.get_by_role("heading", name="Possible solutions")).to_be_visible()
    expect(box).to_have_attribute("aria-live", "polite")
    expect(box).to_contain_text("articles that may solve it appear here")
    page.evaluate("() => { window.notReloaded = true; }")

    # a symptom in Chinese: the Chinese article appears beside the form
    page.get_by_label("Symptoms").fill("服务器无法启动，指示灯不亮")
    chinese = box.get_by_role("link", name=re.compile("服务器故障排除指南"))
    expect(chinese).to_be_visible()
    expect(box.locator(".kb-suggestion", has_text="服务器故障排除指南")).to_contain_text("中文")
    expect(chinese).to_have_attribute("target", "_blank")  # reading it keeps the draft report

    # then in English: the English article
    page.get_by_label("Symptoms").fill("")
    page.get_by_label("Title").fill("Label printer paper jam")
    english = box.locator(".kb-suggestion", has_text="Printer paper jam")
    expect(english).to_be_visible()
    expect(english).to_contain_text("EN")
    expect(box).not_to_contain_text("服务器故障排除指南")
    assert page.evaluate("() => window.notReloaded === true")  # filled in place by htmx
    page.screenshot(path=SHOTS / "kb-suggestions.png", full_page=True)

    # "This solved it": counted, and no ticket
    english.get_by_role("button", name="This solved it").click()
    expect(page.get_by_text("Glad it helped: no ticket needed.")).to_be_visible()
    expect(page.locator("#article-title")).to_have_text("Printer paper jam")
    deflection = Deflection.objects.get()
    assert deflection.article == articles["printer"]
    assert (deflection.user, deflection.source) == (customer_a, Deflection.Source.TICKET_FORM)
    assert "printer" in deflection.query.lower()
    assert not Ticket.objects.exists()
