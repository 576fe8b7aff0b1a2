"""The designations a legal entity can carry: each one puts it in scope of a regime
or changes how a regime counts.

Kept in one place because the facts parser refuses unknown designations and the
regimes test membership; a typo must fail loudly, never silently drop a regime.
`CATALOGUE` gives every code a label and a one-line description, for the
checklists that edit an entity's designations and for explanations.
"""

from __future__ import annotations

from dataclasses import dataclass

GDPR_CONTROLLER = "gdpr-controller"
GDPR_PROCESSOR = "gdpr-processor"
UK_GDPR_CONTROLLER = "uk-gdpr-controller"
HIPAA_COVERED_ENTITY = "hipaa-covered-entity"
HIPAA_BUSINESS_ASSOCIATE = "hipaa-business-associate"
NIS2_ESSENTIAL = "nis2-essential"
NIS2_IMPORTANT = "nis2-important"
NIS2_TRUST_SERVICE_PROVIDER = "nis2-trust-service-provider"
SEC_REGISTRANT = "sec-registrant"
NYDFS_COVERED_ENTITY = "nydfs-covered-entity"
CERTIN_SERVICE_PROVIDER = "certin-service-provider"
LGPD_CONTROLLER = "lgpd-controller"
LGPD_SMALL_AGENT = "lgpd-small-agent"
PDPA_ORGANISATION = "pdpa-organisation"
NDB_ENTITY = "ndb-entity"
PIPEDA_ORGANISATION = "pipeda-organisation"
CA_BUSINESS = "ca-business"
CIRCIA_COVERED_ENTITY = "circia-covered-entity"
# A Member State requires the DORA reports to go to its NIS2 CSIRT too (DORA Art. 19(1)).
NIS2_DORA_PARALLEL = "nis2-dora-parallel"

NIS2_ENTITIES = frozenset({NIS2_ESSENTIAL, NIS2_IMPORTANT})

DORA_CREDIT_INSTITUTION = "dora-credit-institution"
DORA_CENTRAL_COUNTERPARTY = "dora-central-counterparty"
DORA_TRADING_VENUE_OPERATOR = "dora-trading-venue-operator"

# The financial entities of Regulation (EU) 2022/2554 Art. 2(1); ICT third-party
# providers (Art. 2(1)(u)) report nothing themselves and are deliberately absent.
DORA_DESIGNATIONS = frozenset(
    {
        DORA_CREDIT_INSTITUTION,
        "dora-payment-institution",
        "dora-account-information-service-provider",
        "dora-e-money-institution",
        "dora-investment-firm",
        "dora-crypto-asset-service-provider",
        "dora-central-securities-depository",
        DORA_CENTRAL_COUNTERPARTY,
        DORA_TRADING_VENUE_OPERATOR,
        "dora-trade-repository",
        "dora-aifm",
        "dora-ucits-management-company",
        "dora-data-reporting-service-provider",
        "dora-insurance-undertaking",
        "dora-reinsurance-undertaking",
        "dora-insurance-intermediary",
        "dora-iorp",
        "dora-credit-rating-agency",
        "dora-benchmark-administrator",
        "dora-crowdfunding-service-provider",
        "dora-securitisation-repository",
        "dora-other",
    }
)

# Delegated Regulation (EU) 2025/301 Art. 5(5): these may not use the weekend rule
# for the initial notification and the intermediate report.
DORA_WEEKEND_RULE_EXCLUDED = (
    frozenset({DORA_CREDIT_INSTITUTION, DORA_CENTRAL_COUNTERPARTY, DORA_TRADING_VENUE_OPERATOR})
    | NIS2_ENTITIES
)


@dataclass(frozen=True, slots=True)
class DesignationInfo:
    """One designation code with its label, a one-line description and the regime it concerns."""

    code: str
    label: str
    description: str
    regime: str


_DORA_ENTITY_LABELS: dict[str, str] = {
    DORA_CREDIT_INSTITUTION: "Credit institution",
    "dora-payment-institution": "Payment institution",
    "dora-account-information-service-provider": "Account information service provider",
    "dora-e-money-institution": "Electronic money institution",
    "dora-investment-firm": "Investment firm",
    "dora-crypto-asset-service-provider": "Crypto-asset service provider",
    "dora-central-securities-depository": "Central securities depository",
    DORA_CENTRAL_COUNTERPARTY: "Central counterparty",
    DORA_TRADING_VENUE_OPERATOR: "Trading venue operator",
    "dora-trade-repository": "Trade repository",
    "dora-aifm": "Alternative investment fund manager",
    "dora-ucits-management-company": "UCITS management company",
    "dora-data-reporting-service-provider": "Data reporting service provider",
    "dora-insurance-undertaking": "Insurance undertaking",
    "dora-reinsurance-undertaking": "Reinsurance undertaking",
    "dora-insurance-intermediary": "Insurance or reinsurance intermediary",
    "dora-iorp": "Institution for occupational retirement provision",
    "dora-credit-rating-agency": "Credit rating agency",
    "dora-benchmark-administrator": "Administrator of critical benchmarks",
    "dora-crowdfunding-service-provider": "Crowdfunding service provider",
    "dora-securitisation-repository": "Securitisation repository",
    "dora-other": "Other DORA financial entity",
}


def _dora(code: str) -> DesignationInfo:
    label = _DORA_ENTITY_LABELS[code]
    description = f"{label} under DORA Art. 2(1): reports major ICT-related incidents under DORA"
    if code in (DORA_CREDIT_INSTITUTION, DORA_CENTRAL_COUNTERPARTY, DORA_TRADING_VENUE_OPERATOR):
        description += " (no weekend rule for the initial and intermediate reports)"
    return DesignationInfo(code, f"DORA: {label.lower()}", description, "DORA")


CATALOGUE: tuple[DesignationInfo, ...] = (
    DesignationInfo(
        GDPR_CONTROLLER,
        "GDPR controller",
        "Decides the purposes of processing personal data in the EU: notifies the supervisory authority "
        "and data subjects (GDPR Art. 33, 34)",
        "GDPR",
    ),
    DesignationInfo(
        GDPR_PROCESSOR,
        "GDPR processor",
        "Processes personal data on behalf of a controller: informs the controller (GDPR Art. 33(2))",
        "GDPR",
    ),
    DesignationInfo(
        UK_GDPR_CONTROLLER,
        "UK GDPR controller",
        "Controller under the UK GDPR: notifies the ICO and data subjects",
        "UK-GDPR",
    ),
    DesignationInfo(
        HIPAA_COVERED_ENTITY,
        "HIPAA covered entity",
        "US health plan, clearinghouse or provider: notifies individuals, media and HHS (45 CFR 164.404-408)",
        "HIPAA",
    ),
    DesignationInfo(
        HIPAA_BUSINESS_ASSOCIATE,
        "HIPAA business associate",
        "Handles PHI for a covered entity: notifies the covered entity (45 CFR 164.410)",
        "HIPAA",
    ),
    DesignationInfo(
        NIS2_ESSENTIAL,
        "NIS2 essential entity",
        "Essential entity under NIS2: reports significant incidents (Art. 23), unless DORA displaces NIS2",
        "NIS2",
    ),
    DesignationInfo(
        NIS2_IMPORTANT,
        "NIS2 important entity",
        "Important entity under NIS2: reports significant incidents (Art. 23), unless DORA displaces NIS2",
        "NIS2",
    ),
    DesignationInfo(
        NIS2_TRUST_SERVICE_PROVIDER,
        "NIS2 trust service provider",
        "Shortens the NIS2 notification to 24 hours; does not by itself bring NIS2 into scope",
        "NIS2",
    ),
    DesignationInfo(
        NIS2_DORA_PARALLEL,
        "NIS2 reports beside DORA",
        "A Member State requires the NIS2 reports as well as DORA's (DORA Art. 19(1)): NIS2 is not "
        "displaced by DORA",
        "NIS2",
    ),
    *(_dora(code) for code in _DORA_ENTITY_LABELS),
    DesignationInfo(
        SEC_REGISTRANT,
        "SEC registrant",
        "Files reports with the US SEC: material cybersecurity incidents go on Form 8-K Item 1.05",
        "SEC-8K",
    ),
    DesignationInfo(
        NYDFS_COVERED_ENTITY,
        "NYDFS covered entity",
        "Licensed by the New York DFS: notifies the Superintendent (23 NYCRR 500.17)",
        "NYDFS",
    ),
    DesignationInfo(
        CERTIN_SERVICE_PROVIDER,
        "CERT-In service provider",
        "Service provider, intermediary or body corporate in India: reports cyber incidents to CERT-In "
        "within 6 hours",
        "CERT-IN",
    ),
    DesignationInfo(
        LGPD_CONTROLLER,
        "LGPD controller",
        "Controller under Brazil's LGPD: communicates incidents to the ANPD and data subjects",
        "LGPD",
    ),
    DesignationInfo(
        LGPD_SMALL_AGENT,
        "LGPD small processing agent",
        "Small processing agent (Resolution CD/ANPD 2/2022): doubles the LGPD communication deadline",
        "LGPD",
    ),
    DesignationInfo(
        PDPA_ORGANISATION,
        "PDPA organisation (Singapore)",
        "Organisation under Singapore's PDPA: notifies the PDPC of notifiable data breaches",
        "PDPA-SG",
    ),
    DesignationInfo(
        NDB_ENTITY,
        "NDB entity (Australia)",
        "APP entity under the Privacy Act 1988: assesses suspected breaches and notifies the OAIC",
        "NDB-AU",
    ),
    DesignationInfo(
        PIPEDA_ORGANISATION,
        "PIPEDA organisation (Canada)",
        "Organisation under PIPEDA: reports breaches with a real risk of significant harm to the OPC",
        "PIPEDA",
    ),
    DesignationInfo(
        CA_BUSINESS,
        "California business",
        "Conducts business in California and owns or licenses residents' personal information "
        "(Cal. Civ. Code 1798.82)",
        "CA-1798.82",
    ),
    DesignationInfo(
        CIRCIA_COVERED_ENTITY,
        "CIRCIA covered entity",
        "US critical-infrastructure entity under CIRCIA (not in force: no final rule yet)",
        "CIRCIA",
    ),
)

BY_CODE: dict[str, DesignationInfo] = {info.code: info for info in CATALOGUE}
DESIGNATIONS: frozenset[str] = frozenset(BY_CODE)


def designation_info(code: str) -> DesignationInfo | None:
    """The catalogue entry of a designation code, or None for an unknown code."""
    return BY_CODE.get(code)
