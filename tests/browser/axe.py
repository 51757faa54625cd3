"""axe-core in the browser journeys: every page a journey visits is checked against the WCAG 2.0
and 2.1 A and AA rules, and the test fails on any violation, naming the page.

axe-core is vendored (`vendor/axe-core-<version>/`, from the npm registry: `npm pack axe-core`),
never fetched at run time. It is injected into a page only when the page is checked.

When a page is checked: before each action of the journey on it (Playwright's Page and Locator
actions are wrapped: a click, a fill, a goto...), so every page a journey acts on or leaves is
checked, once unless htmx swapped part of it since (then again, in its new state); and at the
end of the test, the pages still open as the test left them. A page that is navigating is
checked once its new document has loaded.
"""

from __future__ import annotations

import contextlib
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Error as PlaywrightError

AXE_VERSION = "4.14.1"
AXE_JS = Path(__file__).parent / "vendor" / f"axe-core-{AXE_VERSION}" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Pages that are not the desk's own markup, never checked (docs/accessibility.md, known limits):
# the API's Swagger UI and browsable API (a developer tool for staff) and Django's admin (its
# tabular inlines, list_editable columns and split date/time fields have no labels).
NOT_CHECKED = re.compile(r"^/(api|admin)/")

_source: str | None = None

# Marks the page as needing a check again after an htmx swap.
INIT_SCRIPT = """
document.addEventListener("htmx:afterSettle", () => { window.__axeChecked = false; });
"""

# Runs in the page: injects axe once (asking for its source with "inject" when missing), runs the
# WCAG A/AA rules (those `runOnly` tags would run: not the experimental or deprecated ones) and
# the extra ones, returns the violations (or null for a document that is not an HTML page or was
# checked since its last change).
RUN = """async ([source, tags, extra, force]) => {
  if (document.contentType !== "text/html" || !document.body || location.protocol === "about:") return null;
  if (window.__axeChecked && !force) return null;
  if (document.readyState !== "complete") {
    await new Promise(resolve => window.addEventListener("load", resolve, {once: true}));
  }
  if (!window.axe) {
    if (!source) return "inject";
    (0, eval)(source);
  }
  window.__axeChecked = true;
  // the colours as they settle: a button under the mouse is checked in its hover colours, not
  // halfway through Bootstrap's 0.15 s transition to them
  if (!document.getElementById("axe-settled")) {
    const settled = document.createElement("style");
    settled.id = "axe-settled";
    settled.textContent = "*, *::before, *::after { transition: none !important; animation: none !important; }";
    document.head.appendChild(settled);
    await new Promise(resolve => requestAnimationFrame(() => requestAnimationFrame(resolve)));
  }
  const results = await window.axe.run(document, {
    runOnly: {type: "rule", values: window.axe.getRules(tags)
      .filter(rule => !rule.tags.includes("experimental") && !rule.tags.includes("deprecated"))
      .map(rule => rule.ruleId).concat(extra)},
    resultTypes: ["violations"],
  });
  return results.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map(n => ({target: n.target, summary: n.failureSummary || "", html: n.html})),
  }));
}"""


def source() -> str:
    global _source
    if _source is None:
        _source = AXE_JS.read_text(encoding="utf-8")
    return _source


def run(page_or_frame, *, force: bool = True, extra: tuple[str, ...] = ()) -> list[dict] | None:
    """The violations of the page as it is now (the WCAG rules, and the `extra` rules by id);
    None when there was nothing to check."""
    violations = page_or_frame.evaluate(RUN, [None, TAGS, list(extra), force])
    if violations == "inject":  # the page has no axe yet: once more, with axe's source
        violations = page_or_frame.evaluate(RUN, [source(), TAGS, list(extra), force])
    return violations


def describe(url: str, violations: list[dict]) -> str:
    """One block per violation: the rule, its impact and help, the page, the elements."""
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']} — on {url}")
        lines.append(f"    {violation['helpUrl']}")
        for node in violation["nodes"][:10]:
            target = " ".join(" >>> ".join(part) if isinstance(part, list) else part for part in node["target"])
            lines.append(f"    - {target}")
            lines.append(f"      {node['html'][:200]}")
            for summary in node["summary"].splitlines()[:4]:
                lines.append(f"      {summary.strip()}")
        if len(violation["nodes"]) > 10:
            lines.append(f"    ... and {len(violation['nodes']) - 10} more elements")
    return "\n".join(lines)


def assert_accessible(page) -> None:
    """Fails when the page, as it is now, violates a WCAG 2 A or AA rule."""
    violations = run(page)
    assert not violations, "axe-core finds WCAG 2 A/AA violations:\n" + describe(page.url, violations)


# The actions that may leave a page or change it: before each, a page not yet checked (a new
# document, or one htmx swapped part of since its check) is checked.
ACTIONS = {
    "Page": [
        "goto",
        "reload",
        "go_back",
        "go_forward",
        "click",
        "dblclick",
        "tap",
        "press",
        "fill",
        "type",
        "check",
        "uncheck",
        "set_checked",
        "select_option",
        "set_input_files",
        "dispatch_event",
        "hover",
        "close",
    ],
    "Locator": [
        "click",
        "dblclick",
        "tap",
        "press",
        "press_sequentially",
        "fill",
        "type",
        "check",
        "uncheck",
        "set_checked",
        "select_option",
        "set_input_files",
        "dispatch_event",
        "hover",
    ],
}

_current: Watcher | None = None


@dataclass
class Watcher:
    """Checks every page of the browser contexts it watches; `violations` maps a page's URL to
    what axe found there."""

    violations: dict[str, list[dict]] = field(default_factory=dict)
    checked: list[str] = field(default_factory=list)
    contexts: list = field(default_factory=list)
    closed: bool = False
    extra: tuple[str, ...] = ()  # rules checked beyond the WCAG ones (best practices)

    def watch(self, context) -> None:
        install()
        context.add_init_script(script=INIT_SCRIPT)
        self.contexts.append(context)
        close = context.close

        def close_after_check(*args, **kwargs):
            self.check_open_pages(context)
            return close(*args, **kwargs)

        context.close = close_after_check

    def watches(self, page) -> bool:
        return not self.closed and any(page.context == context for context in self.contexts)

    def check(self, page, *, force: bool = False) -> None:
        """Checks the page unless it was checked since it last changed (or `force`). A page
        that is navigating is checked once the new document is there."""
        if self.closed or page.is_closed():
            return
        for _attempt in range(3):
            url = page.url
            if not url.startswith("http") or NOT_CHECKED.search(urlsplit(url).path):
                return  # about:blank, data: and the like; the API's pages and the admin
            try:
                violations = run(page, force=force, extra=self.extra)
            except PlaywrightError as error:
                if "destroyed" in str(error) or "navigat" in str(error):
                    continue  # the page navigated during the check: check the new one
                if page.is_closed() or "closed" in str(error):
                    return
                raise
            break
        else:
            return
        if violations is None:
            return
        self.checked.append(url)
        known = {violation["id"] for violation in self.violations.get(url, [])}
        fresh = [violation for violation in violations if violation["id"] not in known]
        if fresh:
            self.violations.setdefault(url, []).extend(fresh)

    def check_open_pages(self, context) -> None:
        if self.closed:
            return
        for page in list(context.pages):
            self.check(page)

    def finish(self) -> None:
        """Checks the pages still open, then stops checking."""
        for context in self.contexts:
            with contextlib.suppress(PlaywrightError):
                self.check_open_pages(context)
        self.closed = True

    def report(self) -> str:
        return "\n".join(describe(url, violations) for url, violations in self.violations.items())


def start() -> Watcher:
    global _current
    _current = Watcher()
    return _current


def stop() -> None:
    global _current
    if _current is not None:
        _current.closed = True
    _current = None


def current() -> Watcher | None:
    return _current


_installed = False


def install() -> None:
    """Wraps the actions of Playwright's sync Page and Locator (once per session) so that the
    page is checked before each."""
    global _installed
    if _installed:
        return
    from playwright import sync_api

    for class_name, names in ACTIONS.items():
        cls = getattr(sync_api, class_name)
        for name in names:
            setattr(cls, name, _checked_first(getattr(cls, name), page_of=_PAGE_OF[class_name]))
    _installed = True


_PAGE_OF = {"Page": lambda page: page, "Locator": lambda locator: locator.page}


def _checked_first(action, *, page_of):
    @functools.wraps(action)
    def wrapper(self, *args, **kwargs):
        watcher = _current
        if watcher is not None:
            page = page_of(self)
            if watcher.watches(page):
                watcher.check(page)
        return action(self, *args, **kwargs)

    return wrapper
