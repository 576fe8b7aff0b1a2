"""Demo compliance data: the group's legal entities, assessments of the demo
breaches, and regulator reports in every status (called by ``seed_demo``)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, TextIO

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from compliance import services
from compliance.choices import DecisionKind, ObligationStatus, ReportAction, ReportStatus
from compliance.models import Assessment, CompetentAuthority, LegalEntity, Obligation, RegulatorReport
from compliance.report_fields import field_info
from incidents.choices import IncidentStatus
from incidents.models import Incident

ENTITIES: list[dict[str, Any]] = [
    {
        "name": "Nordbank AG",
        "lei": "529900T8BM49AURSDO55",
        "country": "DE",
        "timezone": "Europe/Berlin",
        "designations": ["gdpr-controller", "nis2-essential", "dora-credit-institution"],
        "dpo_contact": "Dr. Anna Weber, datenschutz@nordbank.example, +49 69 1234 5678",
        "authorities": [
            (
                "GDPR",
                "Hessian Commissioner for Data Protection (HBDI)",
                "poststelle@datenschutz.hessen.example",
                "https://datenschutz.hessen.example/meldung",
            ),
            ("NIS2", "BSI - Federal Office for Information Security", "meldestelle@bsi.example", ""),
            (
                "DORA",
                "BaFin - Federal Financial Supervisory Authority",
                "ikt-vorfaelle@bafin.example",
                "https://portal.mvp.bafin.example",
            ),
        ],
    },
    {
        "name": "Lakeside Health Inc.",
        "lei": "",
        "country": "US",
        "subdivision": "US-CA",
        "timezone": "America/Los_Angeles",
        "designations": ["hipaa-covered-entity", "ca-business"],
        "dpo_contact": "Privacy Office, privacy@lakeside-health.example, 1-800-555-0199",
        "authorities": [
            ("HIPAA", "HHS Office for Civil Rights", "", "https://ocrportal.hhs.example/ocr/breach"),
            ("CA-1798.82", "California Attorney General", "", "https://oag.ca.example/privacy/databreach"),
        ],
    },
    {
        "name": "Meridian Holdings Corp.",
        "lei": "",
        "country": "US",
        "subdivision": "US-NY",
        "timezone": "America/New_York",
        "designations": ["sec-registrant", "nydfs-covered-entity"],
        "dpo_contact": "Office of the CISO, ciso@meridian.example",
        "authorities": [
            (
                "SEC-8K",
                "U.S. Securities and Exchange Commission (EDGAR)",
                "",
                "https://www.edgarfiling.sec.example",
            ),
            ("NYDFS", "NY Department of Financial Services", "", "https://myportal.dfs.ny.example"),
        ],
    },
    {
        "name": "Meridian Technology Services India Pvt. Ltd.",
        "lei": "",
        "country": "IN",
        "timezone": "Asia/Kolkata",
        "designations": ["certin-service-provider"],
        "dpo_contact": "Grievance Officer, grievance@meridian-india.example",
        "authorities": [("CERT-IN", "CERT-In", "incident@cert-in.example", "")],
    },
    {
        "name": "Meridian Serviços Financeiros Ltda.",
        "lei": "",
        "country": "BR",
        "timezone": "America/Sao_Paulo",
        "designations": ["lgpd-controller"],
        "dpo_contact": "Encarregado: Carla Souza, dpo@meridian.example.br",
        "authorities": [
            ("LGPD", "ANPD - Autoridade Nacional de Proteção de Dados", "", "https://www.gov.br/anpd")
        ],
    },
]

BREACH_CATEGORIES = [
    "data-breach",
    "ransomware",
    "unauthorised-access",
    "lost-device",
    "insider-threat",
    "phishing",
]

#: (entity name, assessment values, decisions) in rotation over the demo breaches
PROFILES: list[tuple[str, dict[str, Any], list[str]]] = [
    (
        "Nordbank AG",
        # The bank is a DORA credit institution and a NIS2 essential entity without
        # nis2-dora-parallel: NIS2 shows as displaced by DORA. 800 of the affected are California
        # residents and the bank is not designated ca-business: the near miss is shown as a warning.
        {
            "risk": "high",
            "data_subjects": 4800,
            "records": 5200,
            "data_categories": "Names, IBANs, email addresses, phone numbers",
            "subjects_by_jurisdiction": {"DE": 3500, "AT": 500, "US-CA": 800},
        },
        ["significant", "major"],
    ),
    (
        "Lakeside Health Inc.",
        {
            "risk": "high",
            "data_subjects": 2310,
            "records": 2310,
            "phi_involved": True,
            "data_categories": "Names, dates of birth, diagnoses, insurance member IDs",
            "subjects_by_jurisdiction": {"US-CA": 1720, "US-NV": 590},
        },
        [],
    ),
    (
        "Meridian Holdings Corp.",
        {
            "risk": "medium",
            "data_subjects": 420,
            "records": 900,
            "data_categories": "Employee names and work emails",
        },
        ["incident_determined", "material"],
    ),
    (
        "Nordbank AG",
        {
            "risk": "medium",
            "data_subjects": 95,
            "records": 95,
            "data_categories": "Names and postal addresses",
        },
        [],
    ),
    (
        "Meridian Serviços Financeiros Ltda.",
        {
            "risk": "high",
            "data_subjects": 3100,
            "records": 3100,
            "data_categories": "CPF numbers, names, account balances",
        },
        [],
    ),
    (
        "Meridian Technology Services India Pvt. Ltd.",
        {"risk": "low", "data_subjects": 0, "records": 0, "personal_data_involved": False},
        [],
    ),
    (
        "Nordbank AG",
        {"risk": "none", "data_subjects": 3, "records": 3, "data_categories": "Names (misdirected letter)"},
        [],
    ),
]


def _ensure_entities() -> dict[str, LegalEntity]:
    entities: dict[str, LegalEntity] = {}
    for spec in ENTITIES:
        values = {key: value for key, value in spec.items() if key not in ("name", "authorities")}
        entity, _ = LegalEntity.objects.get_or_create(name=spec["name"], defaults=values)
        for regime, name, contact, url in spec["authorities"]:
            CompetentAuthority.objects.get_or_create(
                entity=entity, regime=regime, defaults={"name": name, "contact": contact, "portal_url": url}
            )
        entities[entity.name] = entity
    return entities


def _answer(key: str, incident: Incident) -> str:
    info = field_info(key)
    if key == "reasons_for_delay":
        return "The extent of the exposure was only confirmed after the forensic provider's report."
    if key in ("suspected_malicious", "business_continuity_activated"):
        return "Yes" if incident.category.slug in ("ransomware", "unauthorised-access", "phishing") else "No"
    return f"{info.label}: as established in the investigation of {incident.reference} (see timeline and evidence)."


def _advance(
    report: RegulatorReport,
    *,
    author: Any,
    approver: Any,
    start: datetime,
    window: timedelta,
    target: str,
    now: datetime,
) -> RegulatorReport:
    """Walk a report to ``target`` with back-dated steps inside the obligation's window."""
    steps = [
        (ReportAction.SUBMIT_FOR_REVIEW, author, ReportStatus.IN_REVIEW, 0.35),
        (ReportAction.APPROVE, approver, ReportStatus.APPROVED, 0.55),
        (ReportAction.SUBMIT, approver, ReportStatus.SUBMITTED, 0.75),
    ]
    missing = services.report_missing_fields(report, at=start + window * 0.75)
    if missing:
        report = services.report_update(
            report=report,
            actor=author,
            expected_version=report.version,
            fields={key: _answer(key, report.incident) for key in missing},
        )
    for action, actor, reached, share in steps:
        if report.status == target:
            break
        at = start + window * share
        if at > now:
            break
        submission = services.SubmissionInput(
            reference=f"{report.obligation.regime}-{report.pk:05d}", submitted_at=at
        )
        report = services.report_transition(
            report=report,
            action=action,
            actor=actor,
            at=at,
            submission=submission if action == ReportAction.SUBMIT else None,
        )
        if reached == target:
            break
    return report


def _report_obligations(incident: Incident, *, author: Any, approver: Any, now: datetime, target: str) -> int:
    """Report every open obligation of the incident (follow-ups appear as earlier ones are submitted)."""
    made = 0
    for _ in range(4):
        pending = [
            o
            for o in Obligation.objects.filter(incident=incident, status=ObligationStatus.OPEN)
            if not o.reports.exists() and o.clock_start and o.clock_start < now
        ]
        if not pending:
            break
        for obligation in pending:
            assert obligation.clock_start is not None  # pending keeps started clocks only
            start = obligation.clock_start + timedelta(minutes=30)
            window = (obligation.due_at - start) if obligation.due_at else timedelta(hours=36)
            if start > now:
                continue
            report = services.report_create(obligation=obligation, actor=author, at=start)
            _advance(
                report, author=author, approver=approver, start=start, window=window, target=target, now=now
            )
            made += 1
    return made


def seed_compliance(*, stdout: TextIO) -> None:
    users = get_user_model().objects
    author = users.filter(username="compliance").first()
    approver = users.filter(username="admin").first()
    if author is None or approver is None:
        stdout.write("Compliance demo skipped: the demo users are missing.")
        return
    now = timezone.now()
    with transaction.atomic():
        entities = _ensure_entities()
        incidents = list(
            Incident.objects.filter(category__slug__in=BREACH_CATEGORIES, is_exercise=False)
            .exclude(status=IncidentStatus.DECLINED)
            .order_by("detected_at", "id")
        )
        created = reports = 0
        for index, incident in enumerate(incidents):
            if Assessment.objects.filter(incident=incident).exists():
                continue
            entity_name, values, decisions = PROFILES[index % len(PROFILES)]
            data = {
                "entity": entities[entity_name],
                "personal_data_involved": True,
                "risk_rationale": "Assessed by the DPO with the incident commander.",
                **values,
            }
            assessment = services.assessment_save(incident=incident, actor=author, data=data)
            decided_at = (incident.aware_at or incident.detected_at) + timedelta(hours=3)
            for kind in decisions:
                if decided_at < now:
                    services.decision_record(
                        assessment=assessment,
                        kind=kind,
                        value=True,
                        decided_at=decided_at,
                        actor=author,
                        rationale=f"{DecisionKind(kind).label}: criteria met per the classification checklist.",
                    )
            created += 1
            finished = incident.status in (IncidentStatus.RESOLVED, IncidentStatus.CLOSED)
            # Past incidents are fully reported; the open ones show work in progress at each stage.
            target = (
                ReportStatus.SUBMITTED
                if finished
                else [ReportStatus.DRAFT, ReportStatus.IN_REVIEW, ReportStatus.APPROVED][index % 3]
            )
            if finished or index % 4 != 0:
                reports += _report_obligations(
                    incident, author=author, approver=approver, now=now, target=target
                )
    open_count = Obligation.objects.filter(status=ObligationStatus.OPEN).count()
    stdout.write(
        f"Compliance: {len(entities)} legal entities, {created} new assessments, {reports} new reports; "
        f"{open_count} obligations open."
    )
