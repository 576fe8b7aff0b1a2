"""The obligation and regulator report lists cost the same queries for every page size
(issue 16), for a reader who sees everything and for one whose view is filtered."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from compliance import services
from compliance.models import Obligation
from tests.compliance.conftest import _make_assessed


@pytest.fixture
def many(responder, bank, compliance_officer):
    obligations = [_make_assessed(responder, bank, compliance_officer) for _ in range(4)]
    for obligation in obligations:
        services.report_create(obligation=obligation, actor=compliance_officer)
    others = Obligation.objects.exclude(pk__in=[o.pk for o in obligations]).order_by("pk")[:4]
    for obligation in others:
        services.report_create(obligation=obligation, actor=compliance_officer)
    return obligations


def _queries(client, url: str, size: int, page: int = 1) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, {"page_size": size, "page": page})
    assert response.status_code == 200, response.content
    assert response.json()["results"]
    return len(captured.captured_queries)


@pytest.mark.parametrize("url", ["/api/v1/compliance/obligations/", "/api/v1/compliance/reports/"])
def test_the_list_costs_the_same_queries_for_every_page_size(many, api_as, compliance_officer, url):
    client = api_as(compliance_officer)
    total = client.get(url, {"page_size": 200}).json()["count"]
    assert total >= 8
    _queries(client, url, 1)  # warm the per-request lookups
    counts = {_queries(client, url, 1), _queries(client, url, 3, 2), _queries(client, url, total)}
    assert len(counts) == 1, counts


def test_the_obligation_list_of_a_responder_costs_the_same_for_every_page_size(many, api_as, responder):
    client = api_as(responder)
    url = "/api/v1/compliance/obligations/"
    total = client.get(url, {"page_size": 200}).json()["count"]
    assert total >= 4
    _queries(client, url, 1)
    assert _queries(client, url, 1) == _queries(client, url, 2, 2) == _queries(client, url, total)
