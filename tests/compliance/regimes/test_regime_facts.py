"""Facts parsing: what is accepted, and every refusal naming its field."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from compliance.regimes import CustomRegimeSpec, FactsError, assess, parse_facts


def minimal(**overrides: Any) -> dict[str, Any]:
    facts: dict[str, Any] = {
        "entity": {"timezone": "Europe/Berlin", "designations": ["gdpr-controller"]},
        "times": {"aware_at": "2026-03-27T16:30:00+01:00"},
    }
    facts.update(overrides)
    return facts


def refused_field(data: object, **options: Any) -> str:
    with pytest.raises(FactsError) as caught:
        parse_facts(data, **options)
    return caught.value.field


CUSTOM = CustomRegimeSpec(
    code="PCI-VISA", name="Visa", recipient="Visa", clock_start="aware_at", amount=24, unit="hours"
)


class TestAccepted:
    def test_omitted_fields_mean_false_null_zero_or_empty(self) -> None:
        facts = parse_facts({"entity": {"timezone": "UTC"}, "times": {"aware_at": "2026-01-01T00:00:00Z"}})
        assert facts.entity.designations == frozenset()
        assert facts.entity.country is None
        assert facts.times.handling_ended_at is None
        assert (facts.personal_data.involved, facts.personal_data.risk, facts.personal_data.subjects) == (
            False,
            None,
            0,
        )
        assert dict(facts.personal_data.by_jurisdiction) == {}
        assert (facts.significant, facts.major, facts.material) == (False, False, False)
        assert dict(facts.submitted) == {}

    def test_explicit_nulls_mean_omitted(self) -> None:
        facts = parse_facts(
            minimal(
                entity={"name": None, "country": None, "timezone": "Europe/Berlin", "designations": None},
                times={"aware_at": "2026-03-27T16:30:00+01:00", "classified_major_at": None},
                personal_data={"risk": None, "by_jurisdiction": None, "data_subject_exemption": None},
                submitted=None,
            )
        )
        assert facts.times.classified_major_at is None

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("2026-03-27T15:30:00Z", datetime(2026, 3, 27, 15, 30, tzinfo=UTC)),
            ("2026-03-27T21:00:00+05:30", datetime(2026, 3, 27, 15, 30, tzinfo=UTC)),
            ("2026-03-27T21:00:00+0530", datetime(2026, 3, 27, 15, 30, tzinfo=UTC)),
            ("2026-03-27T16:30+01:00", datetime(2026, 3, 27, 15, 30, tzinfo=UTC)),
            ("2026-03-27 16:30:00+01:00", datetime(2026, 3, 27, 15, 30, tzinfo=UTC)),
            ("2026-03-27T15:30:00.123456789Z", datetime(2026, 3, 27, 15, 30, 0, 123456, tzinfo=UTC)),
        ],
    )
    def test_iso_8601_time_stamps_with_an_offset(self, text: str, expected: datetime) -> None:
        assert parse_facts(minimal(times={"aware_at": text})).times.aware_at == expected

    def test_json_text_is_decoded(self) -> None:
        assert parse_facts(json.dumps(minimal())).entity.timezone == "Europe/Berlin"

    def test_a_hipaa_media_code_can_be_submitted(self) -> None:
        facts = parse_facts(minimal(submitted={"HIPAA/media:US-TX": "2026-04-01T10:00:00-05:00"}))
        assert set(facts.submitted) == {"HIPAA/media:US-TX"}

    def test_a_configured_custom_code_can_be_listed_and_submitted(self) -> None:
        facts = parse_facts(
            minimal(
                entity={"timezone": "UTC", "custom_regimes": ["PCI-VISA"]},
                submitted={"PCI-VISA/notification": "2026-03-28T10:00:00Z"},
            ),
            custom_regimes=[CUSTOM],
        )
        assert facts.entity.custom_regimes == ("PCI-VISA",)

    @pytest.mark.parametrize("risk", ["none", "low", "risk", "medium", "high"])
    def test_every_risk_value(self, risk: str) -> None:
        assert parse_facts(minimal(personal_data={"risk": risk})).personal_data.risk == risk

    def test_the_facts_are_frozen(self) -> None:
        facts = parse_facts(minimal())
        with pytest.raises(AttributeError):
            facts.major = True  # type: ignore[misc]


class TestRefused:
    @pytest.mark.parametrize(
        ("data", "field"),
        [
            ([], "facts"),
            ("{not json", "facts"),
            ('{"entity": {}, "entity": {}}', "entity"),
            ('{"entity": {"timezone": "UTC"}, "times": {"aware_at": NaN}}', "facts"),
            ({"times": {"aware_at": "2026-03-27T16:30:00+01:00"}}, "entity"),
            ({"entity": {"timezone": "UTC"}}, "times.aware_at"),
            (minimal(colour="blue"), "colour"),
            (minimal(entity="Example"), "entity"),
            (minimal(entity={"designations": []}), "entity.timezone"),
            (minimal(entity={"timezone": None}), "entity.timezone"),
            (minimal(entity={"timezone": "UTC", "colour": "blue"}), "entity.colour"),
            (minimal(times={}), "times.aware_at"),
            (minimal(times={"aware_at": None}), "times.aware_at"),
            (
                minimal(times={"aware_at": "2026-03-27T16:30:00+01:00", "noticed_at": None}),
                "times.noticed_at",
            ),
            (minimal(times="2026-03-27"), "times"),
            (minimal(personal_data={"colour": "blue"}), "personal_data.colour"),
            (minimal(personal_data=[]), "personal_data"),
        ],
    )
    def test_structure(self, data: object, field: str) -> None:
        assert refused_field(data) == field

    @pytest.mark.parametrize(
        "text",
        [
            "2026-03-27T16:30:00",  # naive
            "2026-03-27",
            "yesterday",
            "2026-02-30T10:00:00Z",  # no such day
            "2026-03-27T24:00:00Z",
            "2026-03-27T16:30:00+24:00",
            "1900-01-01T00:00:00Z",  # absurd year
            "20260327T163000Z",  # basic format
            "2026-03-27T16:30:00z",
            "",
            "2026-03-27T16:30:00+01:00\x00",
        ],
    )
    def test_bad_time_stamps(self, text: str) -> None:
        assert refused_field(minimal(times={"aware_at": text})) == "times.aware_at"

    @pytest.mark.parametrize(
        "text",
        [
            "[" * 100_000 + "]" * 100_000,
            '{"entity": {"timezone": "UTC"}, "subjects": ' + "9" * 5000 + "}",
            b"\xff\xfe{",
        ],
    )
    def test_hostile_json_text_is_refused_cleanly(self, text: str | bytes) -> None:
        assert refused_field(text) == "facts"

    def test_a_naive_time_stamp_is_explained(self) -> None:
        with pytest.raises(FactsError, match="has no UTC offset"):
            parse_facts(minimal(times={"aware_at": "2026-03-27T16:30:00"}))

    @pytest.mark.parametrize("value", [1774625400, True, ["2026-03-27T16:30:00Z"]])
    def test_time_stamps_must_be_strings(self, value: object) -> None:
        document = minimal(times={"aware_at": "2026-03-27T16:30:00Z", "handling_ended_at": value})
        assert refused_field(document) == "times.handling_ended_at"

    @pytest.mark.parametrize("value", ["true", 1, 0, None, "yes"])
    @pytest.mark.parametrize("name", ["significant", "major", "material"])
    def test_booleans_must_be_json_booleans(self, name: str, value: object) -> None:
        assert refused_field(minimal(**{name: value})) == name

    @pytest.mark.parametrize("name", ["involved", "phi", "unsecured"])
    def test_personal_data_booleans_must_be_json_booleans(self, name: str) -> None:
        assert refused_field(minimal(personal_data={name: 1})) == f"personal_data.{name}"

    @pytest.mark.parametrize("value", [-1, 1.5, 12.0, "12", True, None, 10**10 + 1])
    def test_counts_must_be_sane_whole_numbers(self, value: object) -> None:
        assert refused_field(minimal(personal_data={"subjects": value})) == "personal_data.subjects"
        document = minimal(personal_data={"by_jurisdiction": {"US-TX": value}})
        assert refused_field(document) == "personal_data.by_jurisdiction.US-TX"

    def test_ten_billion_is_still_accepted(self) -> None:
        assert parse_facts(minimal(personal_data={"subjects": 10**10})).personal_data.subjects == 10**10

    @pytest.mark.parametrize("key", ["Texas", "us-tx", "US-TEXAS", "USA", "", "US_TX"])
    def test_jurisdiction_keys_must_be_iso_3166(self, key: str) -> None:
        document = minimal(personal_data={"by_jurisdiction": {key: 3}})
        assert refused_field(document) == f"personal_data.by_jurisdiction.{key}"

    def test_by_jurisdiction_must_be_an_object(self) -> None:
        document = minimal(personal_data={"by_jurisdiction": [["US-TX", 3]]})
        assert refused_field(document) == "personal_data.by_jurisdiction"

    def test_unknown_designations(self) -> None:
        document = minimal(
            entity={"timezone": "UTC", "designations": ["gdpr-controller", "ndb-entity", "gdpr"]}
        )
        assert refused_field(document) == "entity.designations[2]"

    @pytest.mark.parametrize(
        ("designations", "field"),
        [
            ("gdpr-controller", "entity.designations"),
            ([7], "entity.designations[0]"),
            (["gdpr-controller\x00"], "entity.designations[0]"),
            (["dora-bank"], "entity.designations[0]"),
        ],
    )
    def test_designations_must_be_a_list_of_known_names(self, designations: object, field: str) -> None:
        assert refused_field(minimal(entity={"timezone": "UTC", "designations": designations})) == field

    @pytest.mark.parametrize("timezone", ["Mars/Olympus_Mons", "europe/berlin", "CEST", "+01:00", 1, ""])
    def test_unknown_time_zones(self, timezone: object) -> None:
        assert refused_field(minimal(entity={"timezone": timezone})) == "entity.timezone"

    @pytest.mark.parametrize("country", ["Germany", "de", "D", "DEU", 49])
    def test_bad_country_codes(self, country: object) -> None:
        assert refused_field(minimal(entity={"timezone": "UTC", "country": country})) == "entity.country"

    def test_nul_bytes_are_refused(self) -> None:
        assert refused_field(minimal(entity={"timezone": "UTC", "name": "Example\x00Ltd"})) == "entity.name"

    @pytest.mark.parametrize("risk", ["catastrophic", "HIGH", "", 3])
    def test_unknown_risk_values(self, risk: object) -> None:
        assert refused_field(minimal(personal_data={"risk": risk})) == "personal_data.risk"

    @pytest.mark.parametrize("exemption", ["consent", "Encryption", True])
    def test_unknown_exemptions(self, exemption: object) -> None:
        document = minimal(personal_data={"data_subject_exemption": exemption})
        assert refused_field(document) == "personal_data.data_subject_exemption"

    @pytest.mark.parametrize(
        "code",
        [
            "GDPR/press",
            "GDPR",
            "HIPAA/media",
            "HIPAA/media:Texas",
            "HIPAA/media:FR",
            "PCI-VISA/notification",
            "NIS2/final/extra",
            "CIRCIA/report",
        ],
    )
    def test_submitted_keys_must_be_known_obligation_codes(self, code: str) -> None:
        assert refused_field(minimal(submitted={code: "2026-03-28T10:00:00Z"})) == f"submitted.{code}"

    def test_submitted_times_must_be_valid(self) -> None:
        document = minimal(submitted={"NIS2/notification": "2026-03-28"})
        assert refused_field(document) == "submitted.NIS2/notification"

    def test_custom_regimes_must_be_configured(self) -> None:
        document = minimal(entity={"timezone": "UTC", "custom_regimes": ["PCI-VISA", "PCI-AMEX"]})
        assert refused_field(document, custom_regimes=[CUSTOM]) == "entity.custom_regimes[1]"
        assert refused_field(minimal(entity={"timezone": "UTC", "custom_regimes": ["PCI-VISA"]})) == (
            "entity.custom_regimes[0]"
        )

    def test_assess_refuses_facts_naming_a_regime_it_was_not_given(self) -> None:
        facts = parse_facts(
            minimal(entity={"timezone": "UTC", "custom_regimes": ["PCI-VISA"]}), custom_regimes=[CUSTOM]
        )
        with pytest.raises(FactsError) as caught:
            assess(facts)
        assert caught.value.field == "entity.custom_regimes[0]"

    def test_the_error_is_a_value_error_with_the_field_in_its_text(self) -> None:
        with pytest.raises(ValueError, match=r"^entity\.timezone: 'Mars/Olympus_Mons' is not a known IANA"):
            parse_facts(minimal(entity={"timezone": "Mars/Olympus_Mons"}))
