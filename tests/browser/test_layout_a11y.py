"""Every main page on a phone (390x844) and a desktop (1440 px): nothing wider than the
screen, and no serious or critical axe-core violation.

The pages are filled with the demo data (``seed_demo``), so that long titles,
full tables and every kind of badge are on them, as a new user sees them.
axe-core comes with the ``axe-playwright-python`` dev dependency and is only
ever injected by this test, never served by the portal.
"""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 900}
FIXED_PAGES = {
    "dashboard": "/",
    "incidents list": "/incidents/",
    "declare form": "/incidents/new/",
    "compliance board": "/compliance/",
    "post-mortems list": "/postmortems/",
    "start a post-mortem": "/postmortems/new/",
    "action items": "/action-items/",
    "audit trail": "/audit/",
    "profile": "/profile/",
}
# Pages reached through the first matching link on a list page.
LINKED_PAGES = {
    "incident detail": ("/incidents/", r"^/incidents/\d+/$"),
    "obligation": ("/compliance/", r"^/compliance/obligations/\d+/$"),
    "report editor": ("/compliance/", r"^/compliance/reports/\d+/$"),
    "post-mortem editor": ("/postmortems/", r"^/postmortems/\d+/$"),
    "action item": ("/action-items/", r"^/action-items/\d+/$"),
}


def _sign_in(browser, site, viewport):
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(f"{site}/login/")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill("demo")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{site}/")
    return context, page


def _main_pages(page, site) -> dict[str, str]:
    pages = dict(FIXED_PAGES)
    for name, (list_url, pattern) in LINKED_PAGES.items():
        page.goto(f"{site}{list_url}")
        hrefs = page.eval_on_selector_all("main a[href]", "links => links.map(a => a.getAttribute('href'))")
        found = next((href for href in hrefs if re.match(pattern, href)), None)
        assert found, f"the demo has no link to a {name} on {list_url}"
        pages[name] = found
    incident = pages["incident detail"]
    pages["assessment"] = f"/compliance/incidents/{incident.split('/')[2]}/assessment/"
    return pages


def _problems(page, site, url: str, width: int, axe) -> list[str]:
    response = page.goto(f"{site}{url}")
    found = []
    if response is None or response.status != 200:
        found.append(f"answered {response.status if response else 'nothing'}")
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    if scroll_width > width:
        found.append(f"is {scroll_width} px wide on a {width} px screen")
    for violation in axe.run(page).response["violations"]:
        if violation["impact"] in ("serious", "critical"):
            targets = ", ".join(" ".join(node["target"]) for node in violation["nodes"][:3])
            found.append(f"axe {violation['impact']} {violation['id']}: {violation['help']} ({targets})")
    return found


def test_every_main_page_fits_a_phone_and_a_desktop_and_passes_axe(browser, site):
    from axe_playwright_python.sync_playwright import Axe

    call_command("seed_demo", force=True, stdout=io.StringIO())
    axe = Axe()
    failures = []
    for viewport in (PHONE, DESKTOP):
        context, page = _sign_in(browser, site, viewport)
        pages = _main_pages(page, site)
        assert len(pages) == len(FIXED_PAGES) + len(LINKED_PAGES) + 1
        for name, url in pages.items():
            failures += [
                f"{viewport['width']} px, {name} ({url}) {p}"
                for p in _problems(page, site, url, viewport["width"], axe)
            ]
        page.wait_for_load_state("networkidle")
        context.close()
    assert not failures, "\n".join(failures)


def test_the_phone_menu_opens_with_its_button(browser, site, responder):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(f"{site}/login/")
    page.get_by_label("Username").fill(responder.username)
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{site}/")
    nav = page.get_by_role("navigation", name="Main")
    toggle = page.get_by_role("button", name="Menu")
    assert toggle.get_attribute("aria-expanded") == "false"
    assert not nav.get_by_role("link", name="Incidents").is_visible()
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    nav.get_by_role("link", name="Incidents").click()
    page.wait_for_url(f"{site}/incidents/")
    assert page.get_by_role("heading", name="Incidents").is_visible()
    context.close()


def test_the_desktop_menu_needs_no_button(page_for, responder):
    page = page_for(responder)
    assert not page.get_by_role("button", name="Menu").is_visible()
    assert page.get_by_role("navigation", name="Main").get_by_role("link", name="Incidents").is_visible()
