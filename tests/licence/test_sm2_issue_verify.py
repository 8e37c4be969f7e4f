"""An authority signing with SM2, end to end on a real anvil node: `authority add-key
--algorithm sm2`, `elicence issue`, then `elicence verify` in process and
POST /api/v1/verify on `elicence serve` over HTTP."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

import licence
from chain.config import load_settings
from elicence.app import create_app
from issuer.issue.samples import DRIVING_FIELDS, driving_rows, write_csv
from tests.support.issuing import issued_licences
from tests.support.ports import free_port

from ..conftest import Home
from ..issuer.test_claims import unb64, wallet_claim

pytestmark = [pytest.mark.anvil, pytest.mark.timeout(300)]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def sm2_run(chain_home: Home, tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    """The licences an SM2 key issued, as report.json lists them, with their claim codes."""
    out = chain_home.run("authority", "add-key", "CN-31-DMV", "--algorithm", "sm2").output
    assert "Key 2 of CN-31-DMV registered (SM2 with SM3)" in out
    folder = tmp_path_factory.mktemp("sm2-issue")
    source = write_csv(folder / "rows.csv", DRIVING_FIELDS,
                       iter(driving_rows(6, seed=7100, start=7100)))
    chain_home.run("issue", "--authority", "CN-31-DMV", "--type", "driving", "--input",
                   str(source), "--out", str(folder / "out"), "--no-pdf")
    return issued_licences(folder / "out")


@pytest.fixture(scope="module")
def sm2_issued(sm2_run: list[dict]) -> list[str]:
    return [entry["qr"] for entry in sm2_run]


def test_the_sm2_key_file_records_its_algorithm_and_show_names_it(chain_home: Home,
                                                                  sm2_issued) -> None:
    document = json.loads((chain_home.path / "keys" / "signing" / "CN-31-DMV-2.json")
                          .read_text(encoding="utf-8"))
    assert document["public"]["algorithm"] == "sm2"
    encoded = bytes.fromhex(document["public"]["public_key"])
    assert licence.suite_of_key(licence.authority_key_from_bytes(encoded)) is licence.SM2_SM3
    shown = chain_home.run("authority", "show", "CN-31-DMV").output
    lines = {line.split(":")[0].strip(): line for line in shown.splitlines()}
    assert "(ES256 on P-256 with SHA-256)" in lines["key 1"]
    assert "(SM2 with SM3)" in lines["key 2"]


def test_issuance_signs_with_the_sm2_key(sm2_issued) -> None:
    assert len(sm2_issued) == 6
    for text in sm2_issued:
        header = licence.decode_unverified(text).header
        assert header.key_id == 2 and header.suite is licence.SM2_SM3


def test_cli_verifies_sm2_licences_valid(chain_home: Home, sm2_issued) -> None:
    for text in sm2_issued[:3]:
        result = chain_home.run("verify", text, "--json", ok=False)
        assert result.exit_code == 0, result.output
        assert json.loads(result.output)["verdict"] == "valid"


def _post(port: int, text: str) -> dict:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/verify",
                                     json.dumps({"qr": text}).encode(),
                                     {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read())


def test_http_api_verifies_sm2_licences(chain_home: Home, sm2_issued) -> None:
    port = free_port()
    env = {**chain_home.subprocess_env(), "ELICENCE_RATE_LIMIT": "off"}
    server = subprocess.Popen(
        [sys.executable, "-m", "elicence", "serve", "--port", str(port), "--workers", "1"],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                answer = _post(port, sm2_issued[0])
                if answer["verdict"] == "valid":
                    break
            except OSError:
                pass
            assert server.poll() is None and time.monotonic() < deadline, "serve did not verify"
            time.sleep(0.3)
        lic = licence.decode_unverified(sm2_issued[1])
        tampered = dataclasses.replace(lic, claims={**lic.claims, "family_name": "王"})
        refused = _post(port, tampered.to_qr())
        assert refused["verdict"] == "invalid"
        assert refused["reason"] == "signature_invalid"
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(20)


def test_rotation_keeps_the_sm2_suite(chain_home: Home, sm2_issued) -> None:
    out = chain_home.run("authority", "rotate-key", "CN-31-DMV").output
    assert "Key 3 of CN-31-DMV now signs" in out
    shown = chain_home.run("authority", "show", "CN-31-DMV").output
    assert "(SM2 with SM3)" in next(line for line in shown.splitlines() if "key 3:" in line)


def test_wallet_claim_of_an_sm2_licence_gives_an_sm2_copy_shown_live(
        chain_home: Home, sm2_run: list[dict]) -> None:
    with pytest.MonkeyPatch.context() as patch:
        for name, value in chain_home.env.items():
            patch.setenv(name, value)
        client = create_app(load_settings(chain_home.path, chain_home.env)).test_client()
        device = ec.generate_private_key(ec.SECP256R1())
        answer = wallet_claim(client, sm2_run[0]["claim_code"], device)
    assert answer.status_code == 200, answer.get_json()
    bound = licence.Licence.from_bytes_unverified(unb64(answer.get_json()["licence"]))
    assert bound.header.suite is licence.SM2_SM3
    assert bound.device_digest == licence.device_key_digest(
        licence.compressed_public_key(device), licence.SM2_SM3.new)
    live = licence.present(bound, ["age_over_18"], device, int(time.time())).to_qr()
    result = chain_home.run("verify", live, "--json", ok=False)
    assert json.loads(result.output)["verdict"] == "valid", result.output
