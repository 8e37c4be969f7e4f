"""The wallet's one CBOR reader (wallet/static/js/cbor.js, under Node) and its two callers:
the licence format (format.js cborDecode) and mdoc exports (export_cbor.js decode). Every
input of tests/wallet/cbor_reader_cases.json gives each caller its listed value or its one
refusal message, for the reason the table names; the reader's options do what they say."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
TABLE = json.loads((HERE / "cbor_reader_cases.json").read_text(encoding="utf-8"))
CALLERS = ("licence", "mdoc")


@pytest.fixture(scope="module")
def js() -> dict[str, Any]:
    done = subprocess.run(
        ["node", "--experimental-default-type=module", str(HERE / "js" / "cbor.mjs")],
        capture_output=True, text=True, timeout=60, check=True)
    return json.loads(done.stdout)


def expected_of(case: dict[str, Any], caller: str) -> dict[str, Any]:
    """What the caller and its rules give: the value, or the caller's error and the problem."""
    want = case[caller]
    if isinstance(want, str):
        return {"caller": {"value": want}, "reader": {"value": want}}
    return {"caller": {"error": TABLE["callers"][caller]}, "reader": want}


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("case", TABLE["cases"], ids=lambda c: c["name"])
def test_each_caller_reads_or_refuses_as_listed(js, case: dict[str, Any], caller: str) -> None:
    assert js["cases"][case["name"]][caller] == expected_of(case, caller)


@pytest.mark.parametrize("case", TABLE["options"], ids=lambda c: c["name"])
def test_the_readers_options(js, case: dict[str, Any]) -> None:
    want = case["expected"]
    assert js["options"][case["name"]] == ({"value": want} if isinstance(want, str) else want)


def test_every_problem_the_reader_names_is_shown_by_a_case(js) -> None:
    shown = {want["refused"] for case in TABLE["cases"] for want in (case["licence"], case["mdoc"])
             if isinstance(want, dict)}
    shown |= {c["expected"]["refused"] for c in TABLE["options"] if isinstance(c["expected"], dict)}
    assert shown == set(js["problems"])


def test_the_callers_differ_only_where_their_rules_do() -> None:
    # Same bytes, different rules: big integers, tags, nesting 9 to 16 deep, doubled keys.
    differ = {c["name"] for c in TABLE["cases"] if c["licence"] != c["mdoc"]}
    assert differ == {
        "uint_2_53", "uint_64_max", "nint_64_min", "tag_embedded_cbor", "tag_full_date",
        "tag_number_past_2_53", "duplicate_integer_key", "duplicate_key_not_shortest",
        "duplicate_text_key", "duplicate_bytes_key", "duplicate_array_key", "depth_9",
        "depth_9_in_maps", "depth_16", "depth_17_in_tags", "array_count_past_2_53",
        "bytes_length_past_2_53"}


def test_a_caller_must_state_every_rule(js) -> None:
    # A wrong or missing option is the caller's bug: a TypeError naming it, before any input.
    for option, outcome in js["badOptions"].items():
        assert outcome.startswith(f"TypeError: cborReader: {option} must be"), option
