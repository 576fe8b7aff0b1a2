"""Helpers shared by the post-mortem page tests."""

from __future__ import annotations

from postmortems.models import Postmortem


def body_of(response) -> str:
    return response.content.decode()


def save_data(postmortem: Postmortem, **changes: object) -> dict[str, object]:
    """The editor form as the page renders it, with ``changes`` applied."""
    data: dict[str, object] = {
        "version": postmortem.version,
        "title": postmortem.title,
        "owner": postmortem.owner_id,
        "facilitator": postmortem.facilitator_id or "",
        "reviewers": [user.pk for user in postmortem.reviewers.all()],
        "customers_affected": "",
        "records_affected": "",
        "whys": "\n".join(postmortem.whys),
        "no_action_items_reason": postmortem.no_action_items_reason,
        "factors-TOTAL_FORMS": "2",
        "factors-INITIAL_FORMS": "0",
        "factors-MIN_NUM_FORMS": "0",
        "factors-MAX_NUM_FORMS": "1000",
        "factors-0-category": "",
        "factors-0-description": "",
        "factors-1-category": "",
        "factors-1-description": "",
    }
    for section in postmortem.sections.all():
        data[f"section_{section.key}"] = section.body
    data.update(changes)
    return data
