"""The quality panel, review and publication on the post-mortem page."""

from __future__ import annotations

from postmortems import services
from postmortems.choices import PostmortemStatus
from postmortems.models import Postmortem
from tests.postmortems.factories import make_publishable
from tests.ui.postmortems.helpers import body_of

# --- quality, review, publication ---------------------------------------------------------------------


def test_the_quality_panel_lists_the_blocking_errors_and_publishing_waits(
    logged_in, postmortem, author, reviewer
):
    body = body_of(logged_in(author).get(f"/postmortems/{postmortem.pk}/"))
    assert "The required section “Summary” is empty." in body
    assert "Name at least one contributing factor" in body
    assert "Add an action item, or write down why none is needed." in body
    assert 'href="#id_section_summary"' in body
    services.postmortem_submit_for_review(postmortem=postmortem, actor=author)
    client = logged_in(reviewer)
    page = body_of(client.get(f"/postmortems/{postmortem.pk}/"))
    assert 'disabled aria-describedby="publish-blocked"' in page
    response = client.post(f"/postmortems/{postmortem.pk}/transition/publish/", {"version": "2"}, follow=True)
    assert "cannot be published yet" in body_of(response)
    assert "The required section “Summary” is empty." in body_of(response)
    assert Postmortem.objects.get(pk=postmortem.pk).status == PostmortemStatus.IN_REVIEW


def test_warnings_do_not_block_publishing(logged_in, postmortem, author, reviewer):
    postmortem = make_publishable(postmortem, author)
    services.postmortem_update(
        postmortem=postmortem, actor=author, data={"sections": {"summary": "It was human error."}}
    )
    services.postmortem_submit_for_review(postmortem=postmortem, actor=author)
    body = body_of(logged_in(reviewer).get(f"/postmortems/{postmortem.pk}/"))
    assert "blame language" in body
    assert "Nothing blocks publishing." in body
    assert f'action="/postmortems/{postmortem.pk}/transition/publish/"' in body
    assert "publish-blocked" not in body


def test_review_buttons_follow_the_four_eyes_rule(logged_in, postmortem, author, reviewer, auditor):
    postmortem = make_publishable(postmortem, author)
    publish_url = f"/postmortems/{postmortem.pk}/transition/publish/"
    services.postmortem_submit_for_review(postmortem=postmortem, actor=author)
    version = Postmortem.objects.get(pk=postmortem.pk).version
    owner_page = body_of(logged_in(author).get(f"/postmortems/{postmortem.pk}/"))
    assert publish_url not in owner_page
    assert "You own this post-mortem" in owner_page
    refused = logged_in(author).post(publish_url, {"version": version}, follow=True)
    assert "You own this post-mortem" in body_of(refused)
    assert publish_url not in body_of(logged_in(auditor).get(f"/postmortems/{postmortem.pk}/"))
    client = logged_in(reviewer)
    assert publish_url in body_of(client.get(f"/postmortems/{postmortem.pk}/"))
    published = client.post(publish_url, {"version": version}, follow=True)
    assert f"{postmortem.reference} published." in body_of(published)
    postmortem.refresh_from_db()
    assert postmortem.status == PostmortemStatus.PUBLISHED
    assert postmortem.published_by == reviewer
    page = body_of(logged_in(author).get(f"/postmortems/{postmortem.pk}/"))
    assert "Revise (new draft)" in page
    assert 'name="section_summary"' not in page
    assert "Revision 1" in page
