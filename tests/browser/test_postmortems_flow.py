"""An author writes a post-mortem in a real browser, a compliance officer publishes it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from pypdf import PdfReader

from postmortems.choices import PostmortemStatus, TimelineAssessment
from postmortems.models import ActionItem, Postmortem
from tests.factories import UserFactory
from tests.postmortems.factories import resolve, start_postmortem

pytestmark = pytest.mark.browser

REQUIRED = {
    "summary": "Checkout failed for a third of users for 40 minutes.",
    "impact": "About 1,200 orders could not be placed.",
    "root_cause": "The connection pool was exhausted by a slow query.",
    "what_went_poorly": "The alert fired on the symptom, not the cause.",
    "lessons_learned": "Statement timeouts belong in every service template.",
}


def test_an_author_writes_and_a_compliance_officer_publishes(
    page_for, author, compliance_officer, incident, responder, site
):
    resolved = resolve(incident, responder)
    owner = UserFactory(username="owner", first_name="Olga", last_name="Owner", role="Post-mortem Author")
    due = timezone.localdate() + timedelta(days=14)

    page = page_for(author)
    page.goto(f"{site}/incidents/{resolved.pk}/")
    page.get_by_role("link", name="Write the post-mortem").click()
    page.wait_for_url(re.compile(r"/postmortems/new/\?incident=\d+$"))
    assert (
        page.get_by_label("Incidents covered").evaluate("select => [...select.selectedOptions].length") == 1
    )
    page.get_by_label("Standard").check()
    page.get_by_role("button", name="Start the post-mortem").click()
    page.wait_for_url(re.compile(r"/postmortems/\d+/$"))
    postmortem = Postmortem.objects.get()
    assert page.get_by_role("heading", name=re.compile(postmortem.reference)).is_visible()
    quality = page.locator("#quality-panel")
    assert "The required section “Summary” is empty." in quality.inner_text()

    for key, text in REQUIRED.items():
        page.locator(f"#id_section_{key}").fill(text)
    page.get_by_label("Five whys").fill("The pool was exhausted.\nA slow query held its connections.")
    page.get_by_label("Category of factor 1").select_option(label="Change")
    page.get_by_label("Description of factor 1").fill("A release added the slow query.")
    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_text(f"{postmortem.reference} saved.").wait_for()
    assert "The required section" not in quality.inner_text()

    page.locator("#id_item-title").fill("Add a statement timeout")
    page.locator("#id_item-owner").select_option(label="Olga Owner (owner)")
    page.locator("#id_item-due_date").fill(due.isoformat())
    page.locator("#id_item-kind").select_option(label="Prevent")
    page.get_by_role("button", name="Add action item").click()
    page.get_by_text("Action item “Add a statement timeout” added.").wait_for()
    assert "Nothing blocks publishing." in quality.inner_text()
    item = ActionItem.objects.get(postmortem=postmortem)
    assert (item.owner, item.due_date) == (owner, due)

    page.get_by_role("button", name="Submit for review").click()
    page.get_by_text(f"{postmortem.reference} submitted for review.").wait_for()
    assert page.get_by_role("button", name="Publish").count() == 0
    assert page.get_by_text("You own this post-mortem").is_visible()

    officer = page_for(compliance_officer)
    officer.goto(f"{site}/postmortems/{postmortem.pk}/")
    officer.get_by_role("button", name="Publish").click()
    officer.get_by_text(f"{postmortem.reference} published.").wait_for()
    assert officer.locator("#review .badge").first.inner_text() == "Published"
    postmortem.refresh_from_db()
    assert postmortem.status == PostmortemStatus.PUBLISHED
    assert postmortem.published_by == compliance_officer

    with officer.expect_download() as download_info:
        officer.get_by_role("link", name="Download PDF").click()
    pages = PdfReader(download_info.value.path()).pages
    text = " ".join(" ".join(page.extract_text() for page in pages).split())
    assert postmortem.title in text
    assert "statement timeout" in text


def test_timeline_marks_apply_in_place_and_keep_typed_text(page_for, author, incident, responder, site):
    postmortem = start_postmortem(author, [resolve(incident, responder)])
    page = page_for(author)
    page.goto(f"{site}/postmortems/{postmortem.pk}/")
    page.locator("#id_section_summary").fill("Typed, not saved yet")
    entry = page.locator("ol.pm-timeline > li").first
    entry.get_by_role("button", name="Star").click()
    entry.locator(".badge", has_text="Starred").wait_for()
    entry.get_by_role("button", name="Hypothesis").click()
    page.locator("ol.pm-timeline > li").first.locator(".badge", has_text="Hypothesis").wait_for()
    assert page.locator("#id_section_summary").input_value() == "Typed, not saved yet"
    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_text(f"{postmortem.reference} saved.").wait_for()
    first = postmortem.timeline_entries.order_by("occurred_at", "id").first()
    assert (first.is_starred, first.assessment) == (True, TimelineAssessment.HYPOTHESIS)
    assert postmortem.sections.get(key="summary").body == "Typed, not saved yet"
