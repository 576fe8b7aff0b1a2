"""The designations a legal entity can carry: each one puts it in scope of a regime.

Kept in one place because the facts parser refuses unknown designations and the
regimes test membership; a typo must fail loudly, never silently drop a regime.
"""

from __future__ import annotations

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

DESIGNATIONS: frozenset[str] = (
    frozenset(
        {
            GDPR_CONTROLLER,
            GDPR_PROCESSOR,
            UK_GDPR_CONTROLLER,
            HIPAA_COVERED_ENTITY,
            HIPAA_BUSINESS_ASSOCIATE,
            NIS2_ESSENTIAL,
            NIS2_IMPORTANT,
            NIS2_TRUST_SERVICE_PROVIDER,
            SEC_REGISTRANT,
            NYDFS_COVERED_ENTITY,
            CERTIN_SERVICE_PROVIDER,
            LGPD_CONTROLLER,
            LGPD_SMALL_AGENT,
            PDPA_ORGANISATION,
            NDB_ENTITY,
            PIPEDA_ORGANISATION,
            CA_BUSINESS,
            CIRCIA_COVERED_ENTITY,
        }
    )
    | DORA_DESIGNATIONS
)
