"""The running claim service follows the authority's signing key on chain (decision 0290):
after `authority rotate-key` the next claim, refresh and export are signed with the new key
and verify; after `authority mark-compromised` with no other key in force, claims, refreshes
and exports are refused in one sentence and nothing is signed, and the claim code still
works once the authority has a new key.

The app re-reads the key record on every request here (`claims_key_check_seconds: 0` in the
home's config.json) so the tests wait on no clock; `elicence serve` looks every 5 s."""

from __future__ import annotations

import itertools
import json
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric import ec

import licence
from chain.config import ConfigError, Settings
from elicence.cli import main
from issuer.claims.exchange import claim_message
from issuer.claims.export import export_message
from issuer.claims.refresh import refresh_message
from issuer.claims.web import KEY_CHECK_SECONDS, key_check_setting
from licence._cose import sign
from tests.exports.support import check
from tests.support.claiming import b64, claimed, compressed, unb64
from tests.support.home import Home
from tests.support.issuing import anchored_batches, issue_driving, registry
from tests.support.refreshing import sign_copy_days_ago
from verifier.openapi import ERROR_REASONS, document

pytestmark = [pytest.mark.anvil, pytest.mark.timeout(600)]

DMV = "CN-31-DMV"
_LATER = itertools.count()


@pytest.fixture(scope="module")
def issued(chain_home: Home, tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    return issue_driving(chain_home, tmp_path_factory.mktemp("issue"), 6, start=71_000)


@pytest.fixture(scope="module")
def app(chain_home: Home, issued: list[dict]):
    config = chain_home.path / "config.json"
    settings = json.loads(config.read_text())
    config.write_text(json.dumps({**settings, "claims_key_check_seconds": 0}))
    with chain_home.app() as app:
        yield app


def signed_body(message, status_ref: bytes, device: ec.EllipticCurvePrivateKey,
                **extra) -> dict:
    when = int(time.time()) + next(_LATER)  # each request later than the copy's last one
    key = compressed(device)
    return {**extra, "device_key": b64(key), "status_ref": b64(status_ref), "time": when,
            "signature": b64(sign(device, message(when, status_ref, key)))}


def refresh(app, copy: licence.Licence, device: ec.EllipticCurvePrivateKey):
    return app.test_client().post("/api/v1/claims/refresh",
                                  json=signed_body(refresh_message, copy.status_ref, device))


def export(app, copy: licence.Licence, device: ec.EllipticCurvePrivateKey):
    return app.test_client().post("/api/v1/claims/export", json=signed_body(
        lambda t, ref, key: export_message("sd-jwt-vc", t, ref, key), copy.status_ref, device,
        format="sd-jwt-vc"))


def claim_answer(app, entry: dict, device: ec.EllipticCurvePrivateKey):
    client = app.test_client()
    challenge = unb64(client.post("/api/v1/claims/challenge").get_json()["challenge"])
    key = compressed(device)
    return client.post("/api/v1/claims", json={
        "code": entry["claim_code"], "device_key": b64(key), "challenge": b64(challenge),
        "signature": b64(sign(device, claim_message(challenge, entry["claim_code"], key)))})


def refused(answer, route: str) -> tuple[int, str]:
    """(status, reason) of a refusal, checked to be one sentence and as documented."""
    error = answer.get_json()["error"]
    assert error["message"].count(". ") == 0 and error["message_zh"]  # one sentence each
    documented = document()["paths"][route]["post"]["responses"]
    assert error["reason"] in ERROR_REASONS and str(answer.status_code) in documented
    return answer.status_code, error["reason"]


def key_in_force(home: Home) -> int:
    contract = registry(home)
    record = contract.authority(contract.authority_by_id(DMV))
    now = int(time.time())
    return max(k for k in range(1, record.key_count + 1)
               if (key := contract.key(record.number, k)).compromised_at is None
               and key.valid_from <= now < key.valid_until)


def verifies(home: Home, copy: licence.Licence, device: ec.EllipticCurvePrivateKey) -> None:
    """The copy's signature checks against its on-chain key, and a counter accepts it."""
    key = registry(home).key(copy.header.authority, copy.header.key_id)
    copy.verify_signature(licence.public_key_from_bytes(key.public_key))
    shown = licence.present(copy, ["age_over_18"], device, int(time.time())).to_qr()
    result = json.loads(home.run("verify", shown, "--json", ok=False).output)
    assert result["verdict"] == "valid", result


def test_a_compromised_key_with_no_successor_signs_nothing_until_a_new_key(
        chain_home: Home, app, issued: list[dict]) -> None:
    holder, newcomer = (ec.generate_private_key(ec.SECP256R1()) for _ in range(2))
    old_key = key_in_force(chain_home)
    copy = claimed(app, issued[0], holder)
    assert copy.header.key_id == old_key
    # A copy old enough that a refresh signs it again.
    sign_copy_days_ago(app, issued[0]["licence_number"], compressed(holder), 2,
                       int(time.time()))

    chain_home.run("authority", "mark-compromised", DMV, "--key", str(old_key))
    anchors = len(anchored_batches(chain_home))
    assert refused(claim_answer(app, issued[1], newcomer), "/api/v1/claims") == (
        503, "issuer_unavailable")
    assert refused(refresh(app, copy, holder), "/api/v1/claims/refresh") == (
        503, "issuer_unavailable")
    assert refused(export(app, copy, holder), "/api/v1/claims/export") == (
        503, "issuer_unavailable")
    assert len(anchored_batches(chain_home)) == anchors  # nothing signed, nothing anchored

    # The refused claim did not use up the code: with a new key it is claimed and verifies.
    chain_home.run("authority", "add-key", DMV)
    new_key = key_in_force(chain_home)
    assert new_key != old_key
    answer = claim_answer(app, issued[1], newcomer)
    assert answer.status_code == 200, answer.get_json()
    fresh = licence.Licence.from_bytes_unverified(unb64(answer.get_json()["licence"]))
    assert fresh.header.key_id == new_key
    verifies(chain_home, fresh, newcomer)


def test_after_a_rotation_claims_refreshes_and_exports_use_the_new_key(
        chain_home: Home, app, issued: list[dict], tmp_path: Path) -> None:
    holder, newcomer = (ec.generate_private_key(ec.SECP256R1()) for _ in range(2))
    old_key = key_in_force(chain_home)
    copy = claimed(app, issued[2], holder)
    before = export(app, copy, holder)
    assert before.status_code == 200 and before.get_json()["key_id"] == old_key
    sign_copy_days_ago(app, issued[2]["licence_number"], compressed(holder), 2,
                       int(time.time()))

    chain_home.run("authority", "rotate-key", DMV)
    new_key = key_in_force(chain_home)
    assert new_key != old_key

    answer = claim_answer(app, issued[3], newcomer)
    assert answer.status_code == 200, answer.get_json()
    claimed_copy = licence.Licence.from_bytes_unverified(unb64(answer.get_json()["licence"]))
    assert claimed_copy.header.key_id == new_key
    verifies(chain_home, claimed_copy, newcomer)

    refreshed = refresh(app, copy, holder)
    assert refreshed.status_code == 200 and refreshed.get_json()["refreshed"] is True
    new_copy = licence.Licence.from_bytes_unverified(unb64(refreshed.get_json()["licence"]))
    assert new_copy.header.key_id == new_key
    verifies(chain_home, new_copy, holder)

    exported = export(app, new_copy, holder)
    assert exported.status_code == 200, exported.get_json()
    assert exported.get_json()["key_id"] == new_key
    chain_home.run("authority", "export-trust", DMV, "--out", str(tmp_path))
    verdict = check("check_sd_jwt_vc.mjs", {
        "sd_jwt": exported.get_json()["export"],
        "jwks": json.loads((tmp_path / "jwks.json").read_text()),
        "holder_private_jwk": private_jwk(holder), "disclose": ["age_over_18"],
        "nonce": "n-71", "audience": "https://counter.example.org"})
    assert verdict["accepted"] and verdict["kid"] == str(new_key), verdict


def private_jwk(device: ec.EllipticCurvePrivateKey) -> dict[str, str]:
    n = device.private_numbers()
    return {"kty": "EC", "crv": "P-256", "x": b64(n.public_numbers.x.to_bytes(32, "big")),
            "y": b64(n.public_numbers.y.to_bytes(32, "big")),
            "d": b64(n.private_value.to_bytes(32, "big"))}


@pytest.mark.parametrize("value", [-1, 301, "5", True, None])
def test_a_key_check_interval_that_is_not_0_to_300_seconds_is_refused(
        tmp_path: Path, value: object) -> None:
    settings = Settings(home=tmp_path, extra={"claims_key_check_seconds": value})
    with pytest.raises(ConfigError) as refused_setting:
        key_check_setting(settings)
    assert refused_setting.value.message == (
        f"claims_key_check_seconds in {tmp_path / 'config.json'} must be a number of seconds "
        f"from 0 to 300, not {value!r}: fix or remove it.")


def test_the_key_check_interval_defaults_to_five_seconds(tmp_path: Path) -> None:
    assert key_check_setting(Settings(home=tmp_path)) == KEY_CHECK_SECONDS == 5
    assert key_check_setting(Settings(home=tmp_path,
                                      extra={"claims_key_check_seconds": 0})) == 0


def test_serve_claims_refuses_a_bad_key_check_interval_before_starting(
        tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text(json.dumps({"claims_key_check_seconds": 3600}))
    result = CliRunner().invoke(main, ["serve", "--no-follow", "--claims"],
                                env={"ELICENCE_HOME": str(tmp_path)})
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.strip() == (
        f"Error: claims_key_check_seconds in {tmp_path / 'config.json'} must be a number of "
        "seconds from 0 to 300, not 3600: fix or remove it.")
