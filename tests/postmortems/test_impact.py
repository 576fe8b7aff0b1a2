"""The post-mortem's impact takes the people and records affected from the compliance assessment
when its authors gave no figure of their own."""

from __future__ import annotations

import pytest

from compliance import services as compliance_services
from compliance.models import LegalEntity
from postmortems import services
from postmortems.exports import postmortem_document
from postmortems.quality import postmortem_impact
from postmortems.selectors import postmortem_content


@pytest.fixture
def assessed(resolved_incident, compliance_officer):
    entity = LegalEntity.objects.create(
        name="Example Shop GmbH", country="DE", timezone="Europe/Berlin", designations=["gdpr-controller"]
    )
    compliance_services.assessment_save(
        incident=resolved_incident,
        actor=compliance_officer,
        data={"entity": entity, "personal_data_involved": True, "data_subjects": 2300, "records": 4100},
    )
    return resolved_incident


def test_without_an_assessment_the_figures_are_unknown(postmortem):
    impact = postmortem_impact(postmortem_content(postmortem.pk))
    assert (impact["customers_affected"], impact["records_affected"]) == (None, None)
    assert impact["customers_affected_source"] is None
    assert impact["assessed_incidents"] == []


def test_the_assessment_fills_what_the_postmortem_leaves_empty(postmortem, assessed, author):
    impact = postmortem_impact(postmortem_content(postmortem.pk))
    assert (impact["customers_affected"], impact["records_affected"]) == (2300, 4100)
    assert impact["customers_affected_source"] == "assessment"
    assert impact["assessed_incidents"] == [assessed.reference]
    services.postmortem_update(postmortem=postmortem, actor=author, data={"customers_affected": 2000})
    impact = postmortem_impact(postmortem_content(postmortem.pk))
    assert (impact["customers_affected"], impact["customers_affected_source"]) == (2000, "postmortem")
    assert (impact["records_affected"], impact["records_affected_source"]) == (4100, "assessment")


def test_the_page_the_api_and_the_pdf_document_show_the_assessed_figures(
    client, api_as, postmortem, assessed, author
):
    client.force_login(author)
    page = client.get(f"/postmortems/{postmortem.pk}/").content.decode()
    assert "2,300 (from the compliance assessment)" in page
    assert "Leave empty to use the compliance assessment&#x27;s 2,300 people affected." in page
    impact = api_as(author).get(f"/api/v1/postmortems/{postmortem.pk}/").json()["impact"]
    assert (impact["customers_affected"], impact["customers_affected_source"]) == (2300, "assessment")
    rows = dict(postmortem_document(postmortem_content(postmortem.pk))["impact_rows"])
    assert rows["Records affected"] == "4,100 (from the compliance assessment)"
