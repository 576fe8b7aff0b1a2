"""Hostile but valid JSON is a 400 naming the problem before any view runs, on every kind of endpoint."""

from __future__ import annotations

import json

import pytest

from incidents.models import Incident, Severity
from portal import safejson

DEEP = "[" * 200 + "]" * 200
VERY_DEEP = "[" * 100_000 + "]" * 100_000
HOSTILE = {
    "overflow": ('{"title": 1e999}', "out of range"),
    "nan": ('{"title": NaN}', "NaN"),
    "infinity": ('{"title": -Infinity}', "-Infinity"),
    "huge integer": ('{"title": 1' + "0" * 400 + "}", "too large"),
    "int64 overflow": ('{"title": 9223372036854775808}', "too large"),
    "nested": ('{"title": ' + DEEP + "}", "nested deeper than 64"),
    "stack-deep": (VERY_DEEP, "nested deeper than 64"),
    "huge array": ('{"title": [' + ",".join(["0"] * 20_001) + "]}", "at most 10000"),
}


@pytest.mark.parametrize("name", HOSTILE)
def test_the_decoder_refuses_hostile_documents_with_a_reason(name):
    text, reason = HOSTILE[name]
    with pytest.raises(safejson.JSONRefused, match=reason):
        safejson.loads(text)


def test_the_decoder_accepts_ordinary_documents():
    text = json.dumps({"a": [1, 2.5, -3, {"b": [None, True, "x" * 1000]}], "n": 2**63 - 1})
    assert safejson.loads(text) == json.loads(text)
    assert safejson.loads("[" * 63 + "]" * 63) is not None


def _problem(response) -> str:
    """The refusal's text: ``detail`` for the whole document, or the message under the member's name."""
    body = response.json()
    if "detail" in body:
        return body["detail"]
    assert list(body) == ["title"], body  # every hostile value above sits in "title"
    return " ".join(body["title"])


def _post(client, url: str, body: str, method: str = "post"):
    return getattr(client, method)(url, data=body, content_type="application/json")


@pytest.mark.parametrize("name", HOSTILE)
def test_the_anonymous_token_endpoint_answers_400_naming_the_problem(client, db, name):
    text, reason = HOSTILE[name]
    response = _post(client, "/api/v1/auth/token/", text)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert reason in _problem(response)


@pytest.mark.parametrize("name", ["overflow", "nan", "nested", "huge array", "int64 overflow"])
def test_authenticated_writes_answer_400_and_change_nothing(client, admin_user, incident, name):
    text, reason = HOSTILE[name]
    client.force_login(admin_user)
    before = Incident.objects.count(), Severity.objects.count()
    for url, method in (
        ("/api/v1/incidents/", "post"),
        ("/api/v1/severities/", "post"),
        (f"/api/v1/incidents/{incident.pk}/", "patch"),
        (f"/api/v1/incidents/{incident.pk}/timeline/", "post"),
    ):
        response = _post(client, url, text, method)
        assert response.status_code == 400, (url, response.content)
        assert reason in _problem(response), url
    assert (Incident.objects.count(), Severity.objects.count()) == before


def test_api_error_bodies_are_json_even_outside_any_view(client, admin_user):
    client.force_login(admin_user)
    missing = client.get("/api/v1/no-such-thing/")
    assert missing.status_code == 404
    assert missing.json() == {"detail": "Not found."}
    wrong_method = client.put("/api/v1/auth/token/", data="{}", content_type="application/json")
    assert wrong_method.status_code == 405
    assert "detail" in wrong_method.json()
    wrong_type = client.post("/api/v1/severities/", data="<x/>", content_type="application/xml")
    assert wrong_type.status_code == 415
    assert "detail" in wrong_type.json()
    # Outside /api/ the usual HTML page stays.
    page = client.get("/no-such-page/")
    assert page.status_code == 404
    assert not page["Content-Type"].startswith("application/json")


def test_an_unhandled_error_under_api_is_a_json_500(client, admin_user, monkeypatch, settings):
    from portal.api import views as portal_views

    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(portal_views.ObtainTokenView, "post", explode)
    client.raise_request_exception = False
    response = _post(client, "/api/v1/auth/token/", "{}")
    assert response.status_code == 500
    assert response.json() == {"detail": "Server error; it has been logged."}
