"""The API docs group every operation under one area, each area with a description."""

from __future__ import annotations

from collections import Counter

from drf_spectacular.generators import SchemaGenerator

from portal.api_areas import API_AREAS, api_area


def test_every_operation_is_grouped_under_one_described_area(db):
    schema = SchemaGenerator().get_schema(request=None, public=True)
    assert [tag["name"] for tag in schema["tags"]] == list(API_AREAS)
    assert all(tag["description"] for tag in schema["tags"])
    counts: Counter[str] = Counter()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert len(operation["tags"]) == 1, (method, path)
            assert operation["tags"][0] in API_AREAS, (method, path, operation["tags"])
            counts[operation["tags"][0]] += 1
    assert set(counts) == set(API_AREAS)


def test_paths_map_to_their_area():
    assert api_area("/api/v1/incidents/{id}/acknowledge/") == "incidents"
    assert api_area("/api/v1/playbooks/") == "response plan"
    assert api_area("/api/v1/compliance/deadlines.ics") == "compliance"
    assert api_area("/api/v1/action-items/{id}/") == "post-mortems"
    assert api_area("/api/v1/webhook-subscriptions/") == "integrations"
    assert api_area("/api/v1/auth/token/") == "accounts"
    assert api_area("/api/v1/something-new/") is None
    assert api_area("/healthz") is None
