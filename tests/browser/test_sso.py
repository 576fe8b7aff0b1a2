"""Single sign-on in a real Chromium, through the local OIDC provider and back."""

from __future__ import annotations

import pytest

from portal.models import AuditEvent
from tests.identity.conftest import idp, provider_server  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser


def test_a_compliance_officer_signs_in_and_out_through_the_provider(browser, site, idp, settings):  # noqa: F811
    settings.SITE_URL = site
    settings.MFA_REQUIRED_GROUPS = ["Administrator", "Compliance Officer"]
    idp.next_claims.update(
        {"sub": "dpo-7", "preferred_username": "dana", "given_name": "Dana", "groups": ["dpo"]}
    )
    idp.amr = ["pwd", "otp"]  # the provider asked for the second factor itself
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(f"{site}/login/")
        page.get_by_role("link", name="Sign in with Test IdP").click()
        page.wait_for_url(f"{site}/")
        assert page.get_by_role("heading", name="Dashboard").is_visible()
        nav = page.get_by_role("navigation", name="Main")
        assert nav.get_by_role("link", name="Compliance").count() == 1
        assert page.get_by_role("link", name="Dana Martin").is_visible()
        page.get_by_role("button", name="Sign out").click()
        page.wait_for_url(f"{site}/login/")
        assert idp.end_session_calls[-1]["post_logout_redirect_uri"] == f"{site}/login/"
        page.goto(f"{site}/")
        page.wait_for_url(f"{site}/login/?next=/")
        event = AuditEvent.objects.get(action="auth.sso_login")
        assert event.changes["roles"] == ["Compliance Officer"]
    finally:
        page.wait_for_load_state("networkidle")
        context.close()
