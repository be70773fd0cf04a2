"""Real-browser fixtures shared by every app's tests/browser/ (each conftest re-exports them).

Every page a test opens is watched for console errors, uncaught exceptions and Content Security
Policy violations. A test during which any happened fails: the strict CSP (no inline scripts or
styles) must hold on every screen, not only on the ones somebody thought of checking by hand.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Playwright,
    ViewportSize,
    WebError,
    sync_playwright,
)

from clientela.conftest import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT: ViewportSize = {"width": 1280, "height": 800}

if not CHROMIUM.exists():
    pytest.skip(
        f"{CHROMIUM} is missing: the browser tests drive Debian's Chromium "
        "(apt-get install chromium); Playwright's own browsers are not used",
        allow_module_level=True,
    )

# Reported from the page through an exposed function. Init scripts and exposed functions are
# injected by the DevTools protocol, so they run without loosening the page's CSP.
CSP_WATCH = """
document.addEventListener("securitypolicyviolation", function (event) {
  window.__clientelaCspViolation(event.violatedDirective + " blocked " +
    (event.blockedURI || "inline code") + " in " + event.sourceFile + ":" + event.lineNumber);
});
"""


class BrowserProblems:
    """What went wrong in a test's pages; a test may allow what it provokes on purpose."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        self.pages: list[Page] = []
        self._allowed: list[re.Pattern[str]] = []

    def allow(self, pattern: str) -> None:
        self._allowed.append(re.compile(pattern))

    def unexpected(self) -> list[str]:
        return [p for p in self.seen if not any(a.search(p) for a in self._allowed)]

    def settle(self) -> None:
        """Let events already on their way from the browser arrive before judging."""
        for page in self.pages:
            if not page.is_closed():
                page.wait_for_timeout(100)

    def watch(self, context: BrowserContext) -> None:
        context.expose_function("__clientelaCspViolation", self._csp_violation)
        context.add_init_script(CSP_WATCH)
        context.on("console", self._console)
        context.on("weberror", self._page_error)
        context.on("page", self._track)  # a bound method: Playwright cannot wrap a builtin

    def _track(self, page: Page) -> None:
        self.pages.append(page)

    def _csp_violation(self, text: str) -> None:
        self.seen.append(f"CSP violation: {text}")

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.seen.append(f"console error: {message.text} ({message.location.get('url')})")

    def _page_error(self, error: WebError) -> None:
        self.seen.append(f"page error: {error.error}")


PROBLEMS = pytest.StashKey[BrowserProblems]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Any:
    """Fail (not error) a browser test whose pages logged errors or broke the CSP."""
    result = yield
    problems = item.stash.get(PROBLEMS, None)
    if problems is not None:
        problems.settle()
        if unexpected := problems.unexpected():
            pytest.fail("the browser reported:\n" + "\n".join(unexpected), pytrace=False)
    return result


# One Playwright and one Chromium for all the browser tests, stopped right after the last of
# them (package scope, not session): Playwright's sync API keeps an asyncio loop running in this
# thread, and while it runs, any later test that calls async_to_sync (task workers, ASGI) fails
# with "You cannot use AsyncToSync in the same thread as an async event loop".
@pytest.fixture(scope="package", name="playwright")
def playwright_fixture() -> Iterator[Playwright]:
    # The same running loop makes Django's async-safety check refuse the tests' ORM calls.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as pw:
            yield pw
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


@pytest.fixture
def browser_problems(request: pytest.FixtureRequest) -> BrowserProblems:
    problems = BrowserProblems()
    request.node.stash[PROBLEMS] = problems
    return problems


@pytest.fixture
def open_page(
    browser: Browser, live_server: Any, browser_problems: BrowserProblems
) -> Iterator[Callable[..., Page]]:
    """``open_page(viewport=…)``: a page in a fresh context (no cookies) on the live server."""
    cache.clear()  # login throttling counts live in the cache; each test starts with none
    contexts: list[BrowserContext] = []

    def open_(*, viewport: ViewportSize | None = None) -> Page:
        context = browser.new_context(
            base_url=live_server.url, viewport=viewport or VIEWPORT, locale="en-US"
        )
        context.set_default_timeout(10_000)
        browser_problems.watch(context)
        contexts.append(context)
        return context.new_page()

    yield open_
    for context in contexts:
        context.close()


@pytest.fixture
def page(open_page: Callable[..., Page]) -> Page:
    return open_page()


@pytest.fixture
def url(live_server: Any) -> Callable[[str], str]:
    """``url("/login/")``: the live server's full address of a path, to compare with page.url."""
    return lambda path: f"{live_server.url}{path}"


@pytest.fixture
def sign_in() -> Callable[..., None]:
    """``sign_in(page, username)``: fill and send the sign-in form with the shared password."""

    def sign_in_(page: Page, username: str, password: str = PASSWORD) -> None:
        # CSS selectors rather than labels: these steps also run with the interface in pt-BR.
        page.goto("/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        page.click("form:not(.lang-form) button[type=submit]")
        page.wait_for_load_state()

    return sign_in_


@pytest.fixture
def sign_out() -> Callable[[Page], None]:
    """Log out the way a person does: open the user menu, press its log-out button."""

    def sign_out_(page: Page) -> None:
        page.click(".user-menu summary")
        page.click(".user-menu form[action='/logout/'] button")
        page.wait_for_url("**/login/")

    return sign_out_
