"""The hotline in sight, in a real browser: a visitor finds the desk's number on the login page;
a customer finds its organisation's own number and the liaison on emergency duty for its
project on the portal home and beside the fault report form."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from customers import services as customer_services
from emergency import rotas
from tests.tickets.conftest import groups  # noqa: F401  (shared fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def contacts(admin_user, org_a, project_a, groups):  # noqa: F811
    groups.liaison.phone = "+86 138 0000 0001"
    groups.liaison.save()
    customer_services.hotline_number_save(
        actor=admin_user, label="24-hour hotline", number="400-800-1234", hours="24 x 7"
    )
    customer_services.hotline_number_save(
        actor=admin_user, organisation=org_a, label="Plant line", number="010-5555-0000", hours="8:00-20:00"
    )
    # one person on the rota: on duty whatever the day, from a first shift long past
    rotas.rota_save(
        name="Liaisons",
        timezone="Asia/Shanghai",
        handover=datetime.time(9),
        shift_days=7,
        starts_on=datetime.date(2020, 1, 6),
        members=[groups.liaison],
        projects=[project_a],
    )
    return groups.liaison


def test_the_hotline_is_in_sight_from_the_login_page_to_the_fault_form(page, log_in, customer_a, contacts, password):
    # a visitor: the desk's number on the login page
    page.goto("/accounts/login/")
    login_hotline = page.locator("#hotline")
    expect(login_hotline).to_contain_text("400-800-1234")
    expect(login_hotline).to_contain_text("24 x 7")
    expect(login_hotline.get_by_role("link", name="400-800-1234")).to_have_attribute("href", "tel:400-800-1234")

    # the customer: its organisation's own number and the liaison on duty, on the home page
    log_in("cust-a", password)
    card = page.locator("#hotline")
    expect(card).to_contain_text("010-5555-0000")
    expect(card).to_contain_text("8:00-20:00")
    expect(card).not_to_contain_text("400-800-1234")
    expect(card.locator(".duty-liaison")).to_contain_text(str(contacts))
    expect(card.locator(".duty-liaison")).to_contain_text("+86 138 0000 0001")

    # and beside the fault report form
    page.get_by_role("link", name="Report a fault").first.click()
    page.wait_for_url(re.compile(r"/tickets/new/$"))
    card = page.locator("#hotline")
    expect(card).to_contain_text("010-5555-0000")
    expect(card.locator(".duty-liaison")).to_contain_text("+86 138 0000 0001")
