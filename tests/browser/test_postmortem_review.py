"""In a real browser: "Submit for review" takes what was typed along, and a reviewer's request
for changes reaches the author."""

from __future__ import annotations

import pytest

from postmortems import services
from postmortems.choices import PostmortemStatus
from postmortems.models import Postmortem
from tests.factories import UserFactory
from tests.postmortems.factories import resolve, start_postmortem

pytestmark = pytest.mark.browser


def test_submit_for_review_saves_the_edits_typed_since_the_last_save(
    page_for, author, incident, responder, site
):
    postmortem = start_postmortem(author, [resolve(incident, responder)])
    page = page_for(author)
    page.goto(f"{site}/postmortems/{postmortem.pk}/")
    page.locator("#id_section_summary").fill("Typed, then submitted without pressing Save.")
    page.get_by_label("Five whys").fill("The pool was exhausted.")
    page.get_by_role("button", name="Submit for review").click()
    page.get_by_text(f"{postmortem.reference} saved and submitted for review.").wait_for()
    postmortem = Postmortem.objects.get(pk=postmortem.pk)
    assert postmortem.status == PostmortemStatus.IN_REVIEW
    assert postmortem.sections.get(key="summary").body == "Typed, then submitted without pressing Save."
    assert postmortem.whys == ["The pool was exhausted."]


def test_a_reviewer_asks_for_changes_and_the_author_sees_them(page_for, author, incident, responder, site):
    reviewer = UserFactory(username="priya", first_name="Priya", last_name="Nair", role="Post-mortem Author")
    postmortem = start_postmortem(author, [resolve(incident, responder)], reviewers=[reviewer])
    services.postmortem_submit_for_review(postmortem=postmortem, actor=author)

    page = page_for(reviewer)
    page.goto(f"{site}/postmortems/{postmortem.pk}/")
    page.get_by_role("button", name="Request changes").click()
    # The browser sends the empty form (novalidate): the error sits next to the field.
    field = page.get_by_label("What needs to change")
    field.wait_for()
    assert "Say what needs to change" in page.locator("#request-changes").inner_text()
    field.fill("Explain why the alert fired **late**.")
    page.get_by_role("button", name="Request changes").click()
    page.get_by_text(f"{postmortem.reference} sent back to").wait_for()

    author_page = page_for(author)
    author_page.goto(f"{site}/postmortems/{postmortem.pk}/")
    callout = author_page.locator("#changes-requested")
    assert "Changes requested by Priya Nair" in callout.inner_text()
    assert callout.locator("strong").inner_text() == "late"
    assert Postmortem.objects.get(pk=postmortem.pk).status == PostmortemStatus.DRAFT
