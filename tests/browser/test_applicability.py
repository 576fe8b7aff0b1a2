"""The issue-13 California case in a real browser: the officer sees why the California law
does not apply and a warning; the administrator ticks ca-business; the law then applies."""

from __future__ import annotations

import pytest

from compliance.models import LegalEntity

pytestmark = pytest.mark.browser


def test_the_california_near_miss_is_shown_and_the_checklist_fixes_it(
    page_for, compliance_officer, admin_user, responder, site
):
    from tests.compliance.conftest import make_breach

    bank = LegalEntity.objects.create(
        name="Nordbank AG",
        country="DE",
        timezone="Europe/Berlin",
        designations=["gdpr-controller", "nis2-essential", "dora-credit-institution"],
    )
    breach = make_breach(responder)

    officer = page_for(compliance_officer)
    officer.goto(f"{site}/compliance/incidents/{breach.pk}/assessment/")
    officer.get_by_label("Legal entity").select_option(label="Nordbank AG")
    officer.get_by_label("Personal data involved").check()
    officer.get_by_label("Risk to the people concerned").select_option("high")
    officer.get_by_label("Data subjects (number)").fill("4800")
    officer.get_by_label("People per jurisdiction").fill("DE 4000\nUS-CA 800")
    officer.get_by_role("button", name="Save assessment").click()
    officer.get_by_text("Assessment saved").wait_for()
    california = officer.locator('[data-regime="CA-1798.82"]')
    assert california.get_attribute("data-applies") == "false"
    assert california.get_by_text("Warning: check the designations").is_visible()
    assert california.get_by_text("The entity is not designated ca-business").is_visible()
    assert california.get_by_text("800 of the affected people are California residents").is_visible()
    nis2 = officer.locator('[data-regime="NIS2"]')
    assert nis2.get_by_text("displaced by DORA", exact=True).is_visible()

    officer.goto(f"{site}/incidents/{breach.pk}/")
    panel = officer.locator('#obligations [data-regime="CA-1798.82"]')
    assert panel.get_attribute("data-warning") == "true"
    assert panel.is_visible()

    admin = page_for(admin_user)
    admin.goto(f"{site}/admin/compliance/legalentity/{bank.pk}/change/")
    assert admin.get_by_text("California business: Conducts business in California").is_visible()
    admin.get_by_label("ca-business - California business", exact=False).check()
    admin.get_by_role("button", name="Save", exact=True).click()
    admin.get_by_text("was changed successfully").wait_for()
    bank.refresh_from_db()
    assert "ca-business" in bank.designations

    officer.goto(f"{site}/compliance/incidents/{breach.pk}/assessment/")
    california = officer.locator('[data-regime="CA-1798.82"]')
    assert california.get_attribute("data-applies") == "true"
    assert california.get_by_text("CA-1798.82/residents").is_visible()
