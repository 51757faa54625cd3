import re

import pytest
from playwright.sync_api import expect

from tests.customers.factories import InstalledProductFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_customer_sees_its_projects_and_not_another_organisations(
    page, log_in, customer_a, project_a, project_b, password
):
    InstalledProductFactory(project=project_a, name="Gateway", version="3.1")
    log_in("cust-a", password)
    expect(page.get_by_role("heading", name=re.compile("Welcome"))).to_be_visible()
    expect(page.get_by_role("link", name="Project A")).to_be_visible()
    expect(page.get_by_text("Project B")).to_have_count(0)

    page.get_by_role("link", name="Project A").click()
    expect(page.locator("#products")).to_contain_text("Gateway")
    expect(page.locator("#history")).to_have_count(0)  # the change history is for staff

    response = page.goto(f"/projects/{project_b.pk}/")
    assert response.status == 404
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()


def test_the_language_switch_shows_the_portal_in_chinese(page, log_in, customer_a, project_a, password):
    page.goto("/accounts/login/")
    page.get_by_role("button", name="简体中文").click()
    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    log_in("cust-a", password)
    expect(page.get_by_role("link", name="首页")).to_be_visible()
    expect(page.get_by_role("heading", name="您的交付项目")).to_be_visible()
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="Your delivered projects")).to_be_visible()


def test_staff_see_every_organisation_and_the_api_docs_draw(page, log_in, manager, project_a, project_b, password):
    log_in("mgr", password)
    page.locator("#user-menu").click()  # organisations and projects are in the user menu
    page.get_by_role("link", name="Organisations", exact=True).click()
    expect(page.get_by_role("link", name="Organisation A")).to_be_visible()
    expect(page.get_by_role("link", name="Organisation B")).to_be_visible()

    page.locator("#user-menu").click()  # the API docs are in the user menu
    page.get_by_role("link", name="API", exact=True).click()
    expect(page.locator(".opblock").first).to_be_visible()  # Swagger UI drew the operations
    # Swagger UI draws only the operations near the viewport: the first ones, in path order
    expect(page.get_by_text("/api/v1/article-categories/").first).to_be_visible()


def test_logging_out_returns_to_the_login_page(page, log_in, engineer, password):
    log_in("eng", password)
    page.locator("#user-menu").click()
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
