"""The wallet's JS decoder and local checks (wallet/static/js/decode.js, verify.js, under
Node) give every QR vector in tests/vectors its documented outcome, and agree with the
Python reference on crafted inputs the vectors do not cover."""

from __future__ import annotations

import json
import subprocess
import zlib
from pathlib import Path
from typing import Any

import pytest

import licence
from licence import _cbor, limits
from licence._base45 import b45encode
from licence.licence import K_CLAIMS, K_PROTECTED, K_VALID_UNTIL

from ..licence.test_licence_vectors import verify_offline

HERE = Path(__file__).resolve().parent
VECTORS = HERE.parents[0] / "vectors"
FILES = sorted(f"{p.parent.name}/{p.stem}" for p in VECTORS.glob("*/*.json"))

# What the wallet cannot decide by design, and why; everything else about these vectors is
# still asserted (decoding, signature, proofs, the expected fields).
NOT_LOCAL = {
    "status/revoked": "its verdict (revoked) comes from a StatusChanged event in the "
                      "verifier's chain index; a wallet has no status index, so only the "
                      "licence's own soundness is checked here",
}


def run_node(extra: dict[str, dict[str, Any]]) -> dict[str, Any]:
    done = subprocess.run(
        ["node", "--experimental-default-type=module", str(HERE / "js" / "vectors.mjs")],
        input=json.dumps({"extra": extra}), capture_output=True, text=True, timeout=120,
        check=True)
    return json.loads(done.stdout)


def vector(name: str) -> dict[str, Any]:
    return json.loads((VECTORS / f"{name}.json").read_text(encoding="utf-8"))


def crafted() -> dict[str, dict[str, Any]]:
    """Inputs outside the vector files, each probing one decoder rule; the Python reference
    decides their expected outcome."""
    full = vector("valid/licence_full")
    pres = vector("valid/presentation_age_over_18")
    lic = licence.decode_unverified(full["qr"])
    assert isinstance(lic, licence.Licence)
    raw = lic.to_bytes()
    m = lic.to_map()
    header = _cbor.loads_limited(lic.protected)

    def elc1(data: bytes) -> str:
        return "ELC1:" + b45encode(data)

    cases = {
        "zlib_trailing_data": elc1(zlib.compress(raw, 9) + b"\x00"),
        "cbor_too_many_items": elc1(b"\x99\x02\x58" + b"\x00" * 600),
        "cbor_indefinite": elc1(b"\x9f\x00\xff"),
        "cbor_tag": elc1(b"\xc1\x00"),
        "cbor_float": elc1(b"\xf9\x00\x00"),
        "cbor_bad_utf8": elc1(b"\x61\xff"),
        "empty_payload": "ELC1:",
        "base45_broken_length": "ELC1:A",
        "text_with_bom": elc1(_cbor.dumps({**m, K_CLAIMS: {**m[K_CLAIMS], 1: "\ufeff欧阳"}})),
        "uint_beyond_2_53": elc1(_cbor.dumps({**m, K_VALID_UNTIL: 2**60})),
        "kid_leading_zero": elc1(_cbor.dumps({**m, K_PROTECTED: _cbor.dumps(
            {**header, 4: b"\x00\x01"})})),
        "presentation_short_signature": "ELP1:" + b45encode(_cbor.dumps([b"\xa0", b"\x00" * 63])),
    }
    out = {name: {**full, "qr": qr} for name, qr in cases.items()}
    out["presentation_from_future"] = {**pres, "now": pres["now"] - 100}
    return out


def python_outcome(v: dict[str, Any]) -> str:
    try:
        verify_offline(v)
    except licence.LicenceError as exc:
        return f"error:{exc.reason}"
    return "valid"


@pytest.fixture(scope="module")
def js() -> dict[str, Any]:
    answer = run_node(crafted())
    return {"limits": answer["limits"], **{r["file"]: r for r in answer["results"]}}


def test_every_vector_file_is_run(js) -> None:
    assert FILES and set(FILES) <= set(js)
    assert set(NOT_LOCAL) <= set(FILES)  # no stale exemption


@pytest.mark.parametrize("name", FILES)
def test_vector_outcome(js, name: str) -> None:
    v, result = vector(name), js[name]
    if name.startswith("invalid/"):
        assert result["outcome"] == f"error:{v['reason']}"
        return
    # valid/ and status/: every local check passes and the decoded facts are the expected
    # ones; the subtree root is among the batch's anchored roots the file lists.
    assert result["outcome"] == "valid"
    assert result["fields"] == v["expected"]
    if "anchored_roots" in v:
        assert result["fields"]["subtree_root"] in v["anchored_roots"]
    if name in NOT_LOCAL:
        assert v["expected_verdict"] != "valid"  # the part left to the counter, see NOT_LOCAL


@pytest.mark.parametrize("name", sorted(crafted()))
def test_crafted_input_matches_python(js, name: str) -> None:
    assert js[f"extra/{name}"]["outcome"] == python_outcome(crafted()[name])


def test_js_limits_are_the_formats(js) -> None:
    # The JS copy of licence/limits.py holds the same values.
    assert js["limits"] == {name: getattr(limits, name) for name in js["limits"]}
