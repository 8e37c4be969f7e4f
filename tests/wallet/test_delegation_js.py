"""The wallet's JS delegations (wallet/static/js/delegation.js) against the Python
reference, both ways: what the holder's wallet signs and hands over, what the agent's
wallet shows, what a revocation sends."""

from __future__ import annotations

import base64
import json
import subprocess

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

import licence
from verifier.delegations import check_revocation

from .jsformat import HERE, jwk, schema_json
from .test_format_js import BUSINESS, DRIVING, NOW, bound_copy

UNTIL = NOW + 7 * 86_400


def run(tasks: list[dict]) -> list[dict]:
    done = subprocess.run(
        ["node", "--experimental-default-type=module", str(HERE / "js" / "delegation.mjs")],
        input=json.dumps({"tasks": tasks}), capture_output=True, text=True, timeout=60,
        check=True)
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def keys():
    return {name: ec.generate_private_key(ec.SECP256R1())
            for name in ("holder", "agent", "authority", "stranger")}


def job(bound, keys, names, *, agent="agent", handover=None, challenge=b"\x01\x02\x03\x04"):
    task = {"licence": bound.to_bytes().hex(), "schema": schema_json(bound.header.licence_type),
            "agent_jwk": jwk(keys[agent]),
            "agent_key": licence.compressed_public_key(keys[agent]).hex(),
            "names": names, "until": UNTIL, "now": NOW + 60, "challenge": challenge.hex()}
    if handover is None:
        task |= {"holder_jwk": jwk(keys["holder"]),
                 "holder_key": licence.compressed_public_key(keys["holder"]).hex()}
    else:
        task["handover"] = handover
    return task


def check_live(text: str, keys, bound, names) -> licence.Presentation:
    shown = licence.decode_unverified(text)
    assert isinstance(shown, licence.Presentation)
    shown.verify_device(NOW + 60, b"\x01\x02\x03\x04")
    shown.licence.verify_signature(keys["authority"].public_key())
    (delegation,) = shown.delegations
    delegation.verify_signature()
    delegation.check_claims(shown.licence)
    assert set(shown.licence.claims) == (set(bound.claims) if names is None else set(names))
    return shown


@pytest.mark.parametrize(("row", "kind", "names"), [
    (DRIVING, "driving", None), (DRIVING, "driving", ["age_over_18", "family_name"]),
    (BUSINESS, "business", ["company_name", "credit_code"])])
def test_js_delegation_and_agent_code_verify_in_python(keys, row, kind, names) -> None:
    bound = bound_copy(row, kind, keys["holder"], keys["authority"])
    (out,) = run([job(bound, keys, names)])
    agent_key = licence.compressed_public_key(keys["agent"])
    _, delegation = licence.read_delegated_copy(out["handover"], agent_key)
    assert delegation.id.hex() == out["id"] == out["read_id"]
    shown = check_live(out["live"], keys, bound, names)
    assert shown.delegations[0].id == delegation.id
    revocation = check_revocation(base64.urlsafe_b64decode(out["revocation"]["delegation"] + "=="),
                                  base64.urlsafe_b64decode(out["revocation"]["signature"] + "=="))
    assert revocation.id == delegation.id
    assert out["key_text"].startswith("ELDK:") and out["key_back"] == agent_key.hex()


def test_python_handover_is_read_by_the_js_agent(keys) -> None:
    bound = bound_copy(DRIVING, "driving", keys["holder"], keys["authority"])
    delegation, shared = licence.delegate(bound, ["age_over_18"], keys["holder"],
                                          licence.compressed_public_key(keys["agent"]), UNTIL)
    text = licence.delegated_copy_text(shared, delegation)
    (out,) = run([job(bound, keys, ["age_over_18"], handover=text)])
    assert out["read_id"] == delegation.id.hex()
    check_live(out["live"], keys, bound, ["age_over_18"])


def test_js_agent_refuses_a_handover_for_another_wallet(keys) -> None:
    bound = bound_copy(DRIVING, "driving", keys["holder"], keys["authority"])
    delegation, shared = licence.delegate(bound, ["age_over_18"], keys["holder"],
                                          licence.compressed_public_key(keys["agent"]), UNTIL)
    text = licence.delegated_copy_text(shared, delegation)
    (out,) = run([job(bound, keys, None, agent="stranger", handover=text)])
    assert out["error"] == "delegate_key_mismatch" and "live" not in out


def test_js_refuses_a_whole_licence_too_long_to_show_with_a_delegation(keys) -> None:
    from bench.qr_size import BUSINESS_ROW
    bound = bound_copy(BUSINESS_ROW, "business", keys["holder"], keys["authority"],
                       batch_size=256)
    too_long, preset = run([job(bound, keys, None), job(bound, keys, ["company_name",
                                                                      "credit_code",
                                                                      "in_operation"])])
    assert too_long == {"make_error": "delegation_too_large"}
    check_live(preset["live"], keys, bound, ["company_name", "credit_code", "in_operation"])
