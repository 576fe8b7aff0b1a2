"""Real-browser tests: Playwright driving Debian's Chromium against a live server.

Outside CI a missing Chromium skips these tests with how to install it; in
CI (CI=true) a missing browser is a failure.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Playwright's sync API runs an event loop in this thread; the ORM calls our
# fixtures make are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _browser_available() -> bool:
    return os.path.exists(CHROMIUM) or shutil.which(CHROMIUM) is not None


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not _browser_available():
        message = f"Chromium not found at {CHROMIUM}: install it with 'apt-get install -y chromium'."
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


@pytest.fixture
def site(tx_db, live_server, settings):
    """The live server's URL, with the test database behind it."""
    settings.DEBUG = False
    return live_server.url


@pytest.fixture
def page_for(browser, site):
    contexts = []

    def open_as(user, password: str = "correct horse battery staple"):
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(f"{site}/login/")
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{site}/")
        return page

    yield open_as
    for context in contexts:
        # Let every request the page started finish before the live server and
        # the test database go away: a straggler would hit a closed database.
        for page in context.pages:
            page.wait_for_load_state("networkidle")
        context.close()
