"""The demo desk passes axe-core's WCAG 2.0 and 2.1 A and AA rules on every page, as a customer
(alice), an engineer and a manager, in English and in Chinese.

The crawl: after logging in (the login page is checked too), every page of the navigation bar
and the user menu, then from each page the links of its main content, one page per kind of URL
(`/tickets/12/` and `/tickets/31/` are one kind), two links deep: the detail pages of a ticket,
an incident, an inspection, a training session, an article, an asset, a part..., and the forms
(new ticket, new incident...). Downloads, exports, the API, the admin and logging out are left
out. The world is the demo desk (`seed_demo`), seeded once per test; the browser is shared."""

import re
from urllib.parse import urljoin, urlsplit

import pytest
from django.core.management import call_command
from playwright.sync_api import Error as PlaywrightError

from tests.browser import axe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "ServiceDesk-2026"  # the demo's (Makefile)
LANGUAGES = {"en": ("en-GB", "en"), "zh-hans": ("zh-CN", "zh-hans")}
SKIP = re.compile(
    r"/(api|admin|media|static|i18n)/|/logout/|/(export|download|print|pdf|csv|xlsx|ics|feed|calendar)\b"
    r"|\.(csv|xlsx|pdf|ics|json|png|jpg|zip|eml)$|/attachments?/|/files?/|/photos?/|/password_reset|/preview/",
    re.I,
)
PAGES_PER_ROLE = 90
# Beyond WCAG's rules, the crawl checks axe's best practices for the page's structure: one main
# landmark and no duplicate landmarks, one level-one heading, headings in order, a skip link that
# leads somewhere, no empty heading.
STRUCTURE = (
    "landmark-one-main",
    "landmark-no-duplicate-main",
    "landmark-unique",
    "page-has-heading-one",
    "heading-order",
    "empty-heading",
    "skip-link",
)


def kind(url: str) -> str:
    """The kind of a URL: its path with the numbers and references made general, no query."""
    path = urlsplit(url).path
    return re.sub(r"/[A-Za-z]*-?\d[\w-]*", "/N", path)


def links_of(page, selector: str) -> list[str]:
    return page.eval_on_selector_all(selector, "links => links.map(a => a.href)")


def crawl(page, base_url: str, *, depth: int = 2, limit: int = PAGES_PER_ROLE) -> list[str]:
    """Visits the navigation's pages then what they link to, one page per kind, `depth` links deep;
    each page is checked by the test's axe watcher before the next is opened. The URLs visited."""
    page.goto("/")
    menu = links_of(page, "#main-nav .nav-link[href], #main-nav .dropdown-menu a[href]")
    queue = [(url, 0) for url in [page.url, *menu]]
    seen_kinds: set[str] = set()
    visited = []
    while queue and len(visited) < limit:
        url, level = queue.pop(0)
        if not url.startswith(base_url) or SKIP.search(urlsplit(url).path) or kind(url) in seen_kinds:
            continue
        seen_kinds.add(kind(url))
        try:
            response = page.goto(url)
        except PlaywrightError as error:
            if "Download is starting" in str(error):
                continue  # a file, not a page
            raise
        if response is None or response.status >= 400 or "text/html" not in response.headers.get("content-type", ""):
            continue
        visited.append(page.url)
        axe.current().check(page)
        if level < depth:
            for link in links_of(page, "main a[href]"):
                link = urljoin(page.url, link).split("#")[0]
                if link and kind(link) not in seen_kinds:
                    queue.append((link, level + 1))
    return visited


# In the page: how the focused element shows its focus, and what it is.
FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  return {tag: el.tagName, id: el.id, text: (el.innerText || el.value || "").trim().slice(0, 40),
          outline: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2,
          shadow: style.boxShadow !== "none", visible: box.width > 0 && box.height > 0};
}"""


def keyboard_walk(page, *, steps: int = 40) -> None:
    """From the top of the home page: the first Tab reaches the skip link, which takes the focus
    to the main content; every element the Tab key then reaches shows a visible focus; the live
    countdowns are timers, not live regions."""
    page.goto("/")
    page.keyboard.press("Tab")
    first = page.evaluate(FOCUSED)
    assert first and "skip-link" in page.evaluate("document.activeElement.className"), first
    assert first["visible"] and first["outline"], first
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.goto("/")
    for _step in range(steps):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused is None:
            break
        assert focused["visible"] and (focused["outline"] or focused["shadow"]), focused
    for timer in page.locator("[data-due]").all():
        assert timer.get_attribute("role") == "timer" and timer.get_attribute("aria-live") == "off"


def log_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/$"))


@pytest.fixture
def demo_desk():
    call_command("seed_demo", verbosity=0)


@pytest.mark.timeout(600)
@pytest.mark.parametrize("username", ["alice", "engineer", "manager"])
def test_every_page_a_user_reaches_passes_axe_in_english_and_chinese(demo_desk, browser, live_server, username):
    watcher = axe.current()
    watcher.extra = STRUCTURE
    visited = {}
    for language, (locale, cookie) in LANGUAGES.items():
        context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900}, locale=locale)
        context.set_default_timeout(15_000)
        context.add_cookies([{"name": "django_language", "value": cookie, "url": live_server.url}])
        page = context.new_page()
        log_in(page, username)
        assert page.locator("html").get_attribute("lang") == ("zh-Hans" if language == "zh-hans" else "en")
        visited[language] = crawl(page, live_server.url, depth=2 if language == "en" else 1)
        if language == "en":
            keyboard_walk(page)
        context.close()
    assert len(visited["en"]) >= 8, visited
    assert not watcher.violations, "axe-core finds WCAG 2 A/AA violations:\n" + watcher.report()


def test_a_journey_is_failed_by_a_violation_naming_the_rule_and_the_page(page, axe_watcher):
    """The hook every journey runs under: a page changed in place (as by an htmx swap) is checked
    again before the next action, and what axe finds is kept under the page's URL."""
    page.goto("/accounts/login/")
    page.fill("input[name=username]", "nobody")  # checked here: the login page passes
    assert axe_watcher.checked == [page.url] and not axe_watcher.violations
    page.evaluate(
        """() => {
          const faint = Object.assign(document.createElement("p"), {id: "faint", textContent: "Faint"});
          faint.style.color = "#c8c8c8";
          document.querySelector("main").append(faint);
          document.body.dispatchEvent(new Event("htmx:afterSettle", {bubbles: true}));
        }"""
    )
    page.fill("input[name=password]", "nothing")
    found = axe_watcher.violations.pop(page.url)  # taken out, so this test itself passes
    assert [violation["id"] for violation in found] == ["color-contrast"]
    report = axe.describe(page.url, found)
    assert "color-contrast (serious)" in report and page.url in report and "#faint" in report
