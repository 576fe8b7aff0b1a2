"""Labels, guidance and pre-filled answers for the content regulators require.

Field keys are those of RULES.md section 4 (and of custom regimes). A key that
is not described here still works: its label is derived from the key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone

from compliance.choices import DoraCriterion
from compliance.models import RegulatorReport

EU_MEMBER_STATES = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "HR",
        "CY",
        "CZ",
        "DK",
        "EE",
        "FI",
        "FR",
        "DE",
        "GR",
        "IE",
        "IT",
        "LV",
        "LT",
        "LU",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SK",
        "SI",
        "ES",
        "SE",
        "HU",
    ]
)


@dataclass(frozen=True)
class FieldInfo:
    label: str
    guidance: str = ""
    multiline: bool = True


FIELD_INFO: dict[str, FieldInfo] = {
    # GDPR Art. 33(3)
    "nature_of_breach": FieldInfo(
        "Nature of the breach",
        "What happened: confidentiality, integrity or availability breach, how and when.",
    ),
    "data_subject_categories": FieldInfo(
        "Categories of data subjects", "E.g. customers, employees, children, patients."
    ),
    "approx_data_subjects": FieldInfo("Approximate number of data subjects", multiline=False),
    "record_categories": FieldInfo(
        "Categories of personal data records", "E.g. contact details, payment data, health data."
    ),
    "approx_records": FieldInfo("Approximate number of records", multiline=False),
    "contact_point": FieldInfo(
        "Contact point (DPO)", "Name and contact details of the DPO or other contact point."
    ),
    "likely_consequences": FieldInfo(
        "Likely consequences", "For the people concerned: identity theft, fraud, discrimination..."
    ),
    "measures_taken": FieldInfo(
        "Measures taken", "To address the breach and mitigate its possible adverse effects."
    ),
    "measures_proposed": FieldInfo("Measures proposed", "What will still be done."),
    "reasons_for_delay": FieldInfo(
        "Reasons for the delay", "Required because the report is submitted after its deadline."
    ),
    # HIPAA 164.404(c)
    "what_happened": FieldInfo(
        "What happened", "A brief description, including the date of the breach and of its discovery."
    ),
    "breach_date": FieldInfo("Date of the breach", multiline=False),
    "discovery_date": FieldInfo("Date of discovery", multiline=False),
    "phi_types": FieldInfo(
        "Types of PHI involved", "E.g. names, SSNs, diagnoses, medication, insurance numbers."
    ),
    "steps_for_individuals": FieldInfo(
        "Steps individuals should take", "To protect themselves from potential harm."
    ),
    "entity_actions": FieldInfo(
        "What the entity is doing", "To investigate, mitigate harm and protect against further breaches."
    ),
    "contact_procedures": FieldInfo(
        "Contact procedures", "Toll-free number, email, website or postal address."
    ),
    # NIS2
    "suspected_malicious": FieldInfo(
        "Suspected unlawful or malicious act",
        "Whether the incident is suspected to be caused by unlawful or malicious acts.",
    ),
    "cross_border_impact": FieldInfo(
        "Cross-border impact", "Whether the incident could have a cross-border impact, and where."
    ),
    "initial_assessment": FieldInfo("Initial assessment", "Severity and impact of the incident."),
    "indicators_of_compromise": FieldInfo(
        "Indicators of compromise", "Where available: IPs, domains, hashes, TTPs."
    ),
    "detailed_description": FieldInfo("Detailed description", "Including severity and impact."),
    "root_cause": FieldInfo(
        "Root cause", "The type of threat or root cause that likely triggered the incident."
    ),
    "mitigation_measures": FieldInfo("Mitigation measures", "Applied and ongoing."),
    "current_status": FieldInfo("Current status", "Where the handling of the incident stands."),
    # DORA (ITS 2025/302)
    "incident_reference": FieldInfo("Incident reference", multiline=False),
    "detection_time": FieldInfo("Detection time", multiline=False),
    "classification_time": FieldInfo("Classification time", multiline=False),
    "description": FieldInfo("Description"),
    "criteria_met": FieldInfo("Classification criteria met", "Per Delegated Regulation (EU) 2024/1772."),
    "member_states_affected": FieldInfo("Member States affected"),
    "discovery_method": FieldInfo("How the incident was discovered"),
    "origin": FieldInfo("Origin", "Internal, third-party provider, or unknown."),
    "business_continuity_activated": FieldInfo("Business continuity plan activated", multiline=False),
    "occurrence_time": FieldInfo("Occurrence time", multiline=False),
    "recovery_time": FieldInfo("Recovery time", multiline=False),
    "incident_type": FieldInfo(
        "Incident type", "E.g. cybersecurity, process failure, system failure, external event."
    ),
    "affected_services": FieldInfo("Affected services"),
    "client_impact": FieldInfo("Impact on clients"),
    "recovery_actions": FieldInfo("Recovery actions"),
    "resolution_time": FieldInfo("Resolution time", multiline=False),
    "lessons_learned": FieldInfo("Lessons learned"),
    "direct_costs": FieldInfo("Direct costs and losses", multiline=False),
    "indirect_costs": FieldInfo("Indirect costs and losses", multiline=False),
    "recoveries": FieldInfo("Recoveries", multiline=False),
    # SEC Item 1.05
    "nature": FieldInfo("Nature of the incident"),
    "scope": FieldInfo("Scope of the incident"),
    "timing": FieldInfo("Timing of the incident"),
    "material_impact": FieldInfo(
        "Material impact",
        "Material impact or reasonably likely material impact, incl. on financial condition and results.",
    ),
    "undetermined_information": FieldInfo(
        "Information not yet determined", "Item 1.05 Instruction 2: what is not determined or unavailable."
    ),
    # NYDFS extortion
    "reasons_payment_necessary": FieldInfo("Why the payment was necessary"),
    "alternatives_considered": FieldInfo("Alternatives to payment considered"),
    "diligence_on_alternatives": FieldInfo("Diligence performed on the alternatives"),
    "sanctions_compliance": FieldInfo(
        "Sanctions compliance", "Diligence to comply with OFAC and other sanctions rules."
    ),
    # LGPD
    "data_categories": FieldInfo("Categories of personal data"),
    "data_subjects": FieldInfo(
        "Data subjects", "Number, counting children, adolescents and the elderly separately."
    ),
    "security_measures": FieldInfo(
        "Security measures", "Technical and administrative measures protecting the data."
    ),
    "risks": FieldInfo("Risks", "Risks related to the incident and the possible impact on data subjects."),
    "delay_reasons": FieldInfo("Reasons for any delay"),
    "mitigation": FieldInfo(
        "Mitigation", "Measures adopted or to be adopted to reverse or mitigate the effects."
    ),
    "occurrence_date": FieldInfo("Date of occurrence", multiline=False),
    "knowledge_date": FieldInfo("Date of knowledge", multiline=False),
    "dpo_contact": FieldInfo("DPO (encarregado) contact", multiline=False),
    "cause": FieldInfo("Cause of the incident"),
    # California
    "notice_date": FieldInfo("Date of the notice", multiline=False),
}


# Caps on what a report can hold (issue 12): the keys a report may have, the answer per field,
# and all answers together. Checked at save by the services (API and web alike), 400 naming the field.
MAX_FIELD_CHARS = 20_000
MAX_TOTAL_CHARS = 100_000
MAX_FIELDS = 60


def report_allowed_keys(report: RegulatorReport) -> set[str]:
    """The regime's fields for this obligation plus the declared extras: the fields the portal
    describes (``FIELD_INFO``, e.g. ``reasons_for_delay``) and those the report already holds (prefill)."""
    return {*report_required_fields(report), *FIELD_INFO, *report.fields}


def report_field_cap_errors(report: RegulatorReport, fields: dict[str, str]) -> dict[str, str]:
    """What is wrong with ``fields`` (the answers being saved) as ``{field: message}``; empty when fine."""
    allowed = report_allowed_keys(report)
    errors = {
        key: f"{key!r} is not a field of this report (only the obligation's fields and declared extras)."
        for key in fields
        if key not in allowed
    }
    errors.update(
        {
            key: f"{key}: the answer is longer than {MAX_FIELD_CHARS:,} characters."
            for key, value in fields.items()
            if len(value) > MAX_FIELD_CHARS
        }
    )
    if errors:
        return errors
    merged = {**report.fields, **fields}
    if len(merged) > MAX_FIELDS:
        return {"fields": f"A report holds at most {MAX_FIELDS} fields, this would be {len(merged)}."}
    total = sum(len(str(value)) for value in merged.values())
    if total > MAX_TOTAL_CHARS:
        longest = max(fields, key=lambda key: len(fields[key]), default="fields")
        return {
            longest: f"{longest}: all answers together would be {total:,} characters, "
            f"more than {MAX_TOTAL_CHARS:,}; shorten this one or others."
        }
    return {}


def field_info(key: str) -> FieldInfo:
    return FIELD_INFO.get(key) or FieldInfo(key.replace("_", " ").capitalize())


def _when(value: datetime | None) -> str:
    return timezone.localtime(value).isoformat(timespec="minutes") if value else ""


def _count(value: int) -> str:
    return str(value) if value else ""


def prefill(*, incident: Any, assessment: Any, notes: list[str], decisions: dict[str, Any]) -> dict[str, str]:
    """Answers taken from what the portal already knows; the author edits them."""
    entity = assessment.entity if assessment is not None else None
    summary = incident.summary or incident.title
    actions = "\n".join(f"- {note}" for note in notes)
    eu_states = sorted(
        code
        for code in (assessment.subjects_by_jurisdiction if assessment else {})
        if code[:2] in EU_MEMBER_STATES
    )
    major = decisions.get("major")
    criteria = (
        "\n".join(
            f"- {DoraCriterion(c).label}" for c in assessment.dora_criteria if c in DoraCriterion.values
        )
        if assessment
        else ""
    )
    sources: dict[str, Callable[[], str]] = {
        "nature_of_breach": lambda: summary,
        "what_happened": lambda: summary,
        "description": lambda: summary,
        "detailed_description": lambda: summary,
        "nature": lambda: summary,
        "initial_assessment": lambda: f"Severity {incident.severity.name}. {incident.impact}".strip(),
        "approx_data_subjects": lambda: _count(assessment.data_subjects) if assessment else "",
        "data_subjects": lambda: _count(assessment.data_subjects) if assessment else "",
        "approx_records": lambda: _count(assessment.records) if assessment else "",
        "record_categories": lambda: assessment.data_categories if assessment else "",
        "data_categories": lambda: assessment.data_categories if assessment else "",
        "phi_types": lambda: assessment.data_categories if assessment and assessment.phi_involved else "",
        "contact_point": lambda: entity.dpo_contact if entity else "",
        "dpo_contact": lambda: entity.dpo_contact if entity else "",
        "likely_consequences": lambda: assessment.risk_rationale if assessment else "",
        "risks": lambda: assessment.risk_rationale if assessment else "",
        "client_impact": lambda: incident.impact,
        "material_impact": lambda: incident.impact,
        "measures_taken": lambda: actions,
        "entity_actions": lambda: actions,
        "mitigation_measures": lambda: actions,
        "recovery_actions": lambda: actions,
        "mitigation": lambda: actions,
        "breach_date": lambda: _when(incident.occurred_at),
        "occurrence_time": lambda: _when(incident.occurred_at),
        "occurrence_date": lambda: _when(incident.occurred_at),
        "discovery_date": lambda: _when(incident.aware_at or incident.detected_at),
        "knowledge_date": lambda: _when(incident.aware_at or incident.detected_at),
        "detection_time": lambda: _when(incident.detected_at),
        "classification_time": lambda: _when(major.decided_at) if major is not None and major.value else "",
        "incident_reference": lambda: incident.reference,
        "recovery_time": lambda: _when(incident.resolved_at),
        "resolution_time": lambda: _when(incident.resolved_at),
        "member_states_affected": lambda: ", ".join(eu_states),
        "criteria_met": lambda: criteria,
        "affected_services": lambda: ", ".join(service.name for service in incident.services.all()),
        "timing": lambda: (
            f"Occurred {_when(incident.occurred_at) or 'unknown'}; detected {_when(incident.detected_at)}."
        ),
    }
    return {key: source() for key, source in sources.items()}


def report_required_fields(report: RegulatorReport, *, at: datetime | None = None) -> list[str]:
    """The obligation's fields, plus reasons_for_delay once the deadline has passed."""
    fields = list(report.obligation.required_fields)
    moment = report.submitted_at or at or timezone.now()
    if (
        report.obligation.due_at is not None
        and moment > report.obligation.due_at
        and "reasons_for_delay" not in fields
    ):
        fields.append("reasons_for_delay")
    return fields


def report_missing_fields(report: RegulatorReport, *, at: datetime | None = None) -> list[str]:
    return [
        key for key in report_required_fields(report, at=at) if not str(report.fields.get(key, "")).strip()
    ]
