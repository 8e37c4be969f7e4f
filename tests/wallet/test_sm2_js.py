"""The wallet's SM2-with-SM3 suite (wallet/static/js/suites.js over the sm-crypto-v2 browser
bundle the wallet serves) under Node: the GB/T 32905 SM3 answers, the GM/T 0003 SM2
example, signatures made by the Python signer (GmSSL), and the SM2 licences of
tests/vectors/sm2_licence.json, genuine ones accepted with the exact SM3 commitments and
altered ones refused with the reason the Python reference gives."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

import licence
from licence import _cbor, _sm2
from licence._base45 import b45encode
from licence.licence import K_CLAIMS, K_PROTECTED, K_SIGNATURE

HERE = Path(__file__).resolve().parent
VECTORS = HERE.parents[0] / "vectors"
SM3 = json.loads((VECTORS / "sm3.json").read_text(encoding="utf-8"))
SM2 = json.loads((VECTORS / "sm2.json").read_text(encoding="utf-8"))
LICENCES = json.loads((VECTORS / "sm2_licence.json").read_text(encoding="utf-8"))
ES256_KEY = json.loads((VECTORS / "valid" / "licence_full.json").read_text())[
    "authority_public_key"]
SM2_KEY = LICENCES["authority_public_key"]


def elc1(m: dict) -> str:
    return "ELC1:" + b45encode(_cbor.dumps(m))


def compressed(x: str, y: str) -> str:
    return ("03" if int(y, 16) & 1 else "02") + x


def sm2_cases() -> dict[str, dict[str, Any]]:
    base = SM2["gmt0003"][0]
    cases = {}
    for change in [None, *SM2["invalid"]]:
        v = {**base, **({change["change"]: change["value"]} if change else {})}
        cases[change["name"] if change else "genuine"] = {
            "public_key_hex": compressed(v["public_x"], v["public_y"]),
            "user_id": v["user_id_ascii"], "message_hex": v["message_ascii"].encode().hex(),
            "signature_hex": v["r"] + v["s"]}
    key = _sm2.generate()
    message = "elicence 电子证照".encode() * 7
    signature = _sm2.sign(key, message)
    gmssl = {"public_key_hex": key.public.encoded.hex(), "user_id": "1234567812345678",
             "message_hex": message.hex(), "signature_hex": signature.hex()}
    cases["gmssl signature"] = gmssl
    cases["gmssl signature, message altered"] = {**gmssl, "message_hex": (message + b".").hex()}
    cases["gmssl signature, one bit flipped"] = {
        **gmssl, "signature_hex": bytes([signature[0] ^ 1, *signature[1:]]).hex()}
    return cases


def licence_cases() -> dict[str, dict[str, Any]]:
    full = LICENCES["vectors"][0]
    cases = {v["name"]: {"qr": v["qr"], "authority_public_key": SM2_KEY}
             for v in LICENCES["vectors"]}
    m = licence.decode_unverified(full["qr"]).to_map()
    header = _cbor.loads_limited(m[K_PROTECTED])
    claims = dict(m[K_CLAIMS])
    key = next(k for k, v in claims.items() if isinstance(v, str))
    altered = {
        "claim changed": elc1({**m, K_CLAIMS: {**claims, key: claims[key] + "X"}}),
        "signature changed": elc1({**m, K_SIGNATURE: bytes([m[K_SIGNATURE][0] ^ 1,
                                                            *m[K_SIGNATURE][1:]])}),
        "header says ES256": elc1({**m, K_PROTECTED: _cbor.dumps({**header, 1: -7})}),
        "header names an unknown algorithm": elc1(
            {**m, K_PROTECTED: _cbor.dumps({**header, 1: -65539})}),
    }
    for name, qr in altered.items():
        cases[name] = {"qr": qr, "authority_public_key": SM2_KEY}
    other = _sm2.generate().public.encoded.hex()
    cases["another SM2 authority's key"] = {"qr": full["qr"], "authority_public_key": other}
    cases["an ES256 key registered for it"] = {"qr": full["qr"], "authority_public_key": ES256_KEY}
    return cases


def python_outcome(case: dict[str, Any]) -> str:
    try:
        lic = licence.decode_unverified(case["qr"])
        lic.verify_signature(licence.authority_key_from_bytes(
            bytes.fromhex(case["authority_public_key"])))
    except licence.LicenceError as exc:
        return f"error:{exc.reason}"
    return "valid"


@pytest.fixture(scope="module")
def js() -> dict[str, Any]:
    cases = {
        "sm3": [{"name": v["name"], "message_hex": v["message_ascii"].encode().hex()}
                for v in SM3["gbt32905"]]
        + [{"name": "long", "message_hex": (bytes(range(256)) * 9).hex()}],
        "sm2": [{"name": n, **c} for n, c in SM2_CASES.items()],
        "licences": [{"name": n, **c} for n, c in LICENCE_CASES.items()],
    }
    done = subprocess.run(
        ["node", "--experimental-default-type=module", str(HERE / "js" / "sm2_vectors.mjs")],
        input=json.dumps(cases), capture_output=True, text=True, timeout=120, check=True)
    return json.loads(done.stdout)


SM2_CASES = sm2_cases()
LICENCE_CASES = licence_cases()


@pytest.mark.parametrize("vector", SM3["gbt32905"], ids=lambda v: v["name"])
def test_sm3_known_answers(js, vector) -> None:
    assert js["sm3"][vector["name"]] == vector["digest"]


def test_sm3_agrees_with_python_on_a_long_message(js) -> None:
    assert js["sm3"]["long"] == _sm2.sm3(bytes(range(256)) * 9).hexdigest()


def test_sm2_genuine_signatures_verify(js) -> None:
    assert js["sm2"]["genuine"] is True
    assert js["sm2"]["gmssl signature"] is True


@pytest.mark.parametrize("name", [n for n in SM2_CASES if n not in {"genuine", "gmssl signature"}])
def test_sm2_altered_signatures_are_refused(js, name: str) -> None:
    assert js["sm2"][name] is False


@pytest.mark.parametrize("vector", LICENCES["vectors"], ids=lambda v: v["name"])
def test_sm2_licence_vectors_are_accepted_with_their_sm3_commitments(js, vector) -> None:
    result = js["licences"][vector["name"]]
    assert result["outcome"] == "valid"
    fields, expected = result["fields"], vector["expected"]
    assert {k: fields[k] for k in expected} == expected
    assert fields["subtree_root"] in LICENCES["anchored_roots"]


@pytest.mark.parametrize("name", [n for n in LICENCE_CASES
                                  if n not in {v["name"] for v in LICENCES["vectors"]}])
def test_altered_sm2_licences_are_refused_as_python_refuses_them(js, name: str) -> None:
    outcome = js["licences"][name]["outcome"]
    assert outcome.startswith("error:")
    assert outcome == python_outcome(LICENCE_CASES[name])
