"""Real-browser journeys: Debian's Chromium driven by Playwright against pytest-django's live
server. `make test` installs Chromium when it is missing (a browser download does not work on
these machines, so Playwright never fetches its own). A failing journey leaves a screenshot in
test-output/screenshots/.

Every page a journey visits is checked by axe-core against the WCAG 2 A and AA rules
(`tests/browser/axe.py`); the test fails on any violation, naming the page."""

import os
import re
from pathlib import Path

import pytest
from django.conf import settings

from tests.browser import axe

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
SCREENSHOTS = Path(settings.BASE_DIR) / "test-output" / "screenshots"


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs it (apt-get install chromium)")
    # Playwright's sync API runs an event loop in this thread; the ORM calls of the fixtures are
    # still synchronous and safe. Only while the browser tests run.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            new_context = browser.new_context

            def new_watched_context(*args, **kwargs):
                # every context a journey opens, its own or the page fixture's, is checked by axe
                context = new_context(*args, **kwargs)
                if axe.current() is not None:
                    axe.current().watch(context)
                return context

            browser.new_context = new_watched_context
            yield browser
            browser.close()
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture(autouse=True)
def axe_watcher():
    """The axe-core watcher of this test's browser contexts."""
    yield axe.start()
    axe.stop()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """After a journey that passed: the pages still open are checked, then the test fails on
    every WCAG violation axe-core found on the way."""
    result = yield
    watcher = item.funcargs.get("axe_watcher")
    if watcher is not None:
        watcher.finish()
        if watcher.violations:
            pytest.fail("axe-core finds WCAG 2 A/AA violations:\n" + watcher.report(), pytrace=False)
    return result


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call" and report.failed:
        page = item.funcargs.get("page")
        if page is not None and not page.is_closed():
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            name = re.sub(r"[^\w.-]+", "_", item.nodeid)
            page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    return report


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def log_in(page):
    def log_in(username: str, password: str):
        page.goto("/accounts/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        page.get_by_role("button", name=re.compile("^(Log in|登录)$")).click()
        page.wait_for_url(re.compile(r"/$"))

    return log_in
