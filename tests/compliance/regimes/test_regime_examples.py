"""The worked examples of RULES.md (copied into ./examples): every expected obligation
appears with exactly that due time (string comparison) and provisional flag, every
`absent` code is absent."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from compliance.regimes import assess_json

EXAMPLES = sorted((Path(__file__).parent / "examples").glob("*.json"))


def test_the_examples_are_there() -> None:
    assert len(EXAMPLES) >= 10


@pytest.mark.parametrize("path", EXAMPLES, ids=[path.stem for path in EXAMPLES])
def test_example(path: Path) -> None:
    example: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    result = assess_json(example["facts"])
    by_code = {obligation["code"]: obligation for obligation in result["obligations"]}
    for expected in example["expected"]:
        assert expected["code"] in by_code, f"{expected['code']} missing from {sorted(by_code)}"
        obligation = by_code[expected["code"]]
        assert obligation["due_at"] == expected["due_at"], expected["code"]
        if "provisional" in expected:
            assert obligation["provisional"] is expected["provisional"], expected["code"]
    for code in example.get("absent", []):
        assert code not in by_code
