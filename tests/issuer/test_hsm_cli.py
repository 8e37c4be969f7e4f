"""The key ceremony and issuance with every authority key in a SoftHSM2 token, through the
`elicence` commands an agency types, on a real anvil node: role accounts and the signing
key made in the token, the authority registered with them, licences issued (signing in
forked workers, anchoring from the token account) and verified valid."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from cryptography.hazmat.primitives.asymmetric import ec

import licence
from chain.config import load_settings
from elicence.app import create_app
from elicence.cli import main
from issuer.issue.samples import DRIVING_FIELDS, driving_rows, write_csv
from tests.support.issuing import issued_licences
from tests.support.ports import free_port
from tests.support.softhsm import SoftToken, softhsm_token

from .test_claims import unb64, wallet_claim

pytestmark = pytest.mark.anvil
ROLES = ("anchor", "status", "keys")


def run(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def ok(env: dict[str, str], *args: str) -> str:
    result = run(env, *args)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def token() -> SoftToken:
    return softhsm_token("hsm-cli")


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory, token: SoftToken) -> Iterator[dict[str, str]]:
    path = tmp_path_factory.mktemp("home")
    (path / "passphrase").write_text("file keys: council members and the claim secret\n")
    env = {"ELICENCE_HOME": str(path), "ELICENCE_PASSPHRASE_FILE": str(path / "passphrase"),
           "ELICENCE_PASSPHRASE": "", "ELICENCE_PKCS11_PIN": "", **token.env}
    ok(env, "node", "start", "--port", str(free_port()))
    try:
        ok(env, "registry", "deploy", "--council", "council-1", "--council", "council-2",
           "--council", "council-3")
        yield env
    finally:
        run(env, "node", "stop")


def test_ceremony_then_issue_and_verify_with_keys_in_the_token(
        home: dict[str, str], token: SoftToken, tmp_path: Path) -> None:
    for role in ROLES:
        made = ok(home, "authority", "add-account", f"CN-31-DMV-{role}", "--pkcs11",
                  token.module, "--token", token.label)
        assert f"made in token '{token.label}'" in made
    out = ok(home, "authority", "add", "CN-31-DMV", "--name-zh", "上海市公安局交通管理局",
             "--name-en", "Shanghai Traffic Police", "--jurisdiction", "CN-31",
             "--scope", "driving:31", "--as", "council-1")
    proposal = re.search(r"Proposal (\d+) has", out).group(1)  # type: ignore[union-attr]
    ok(home, "council", "approve", proposal, "--as", "council-2")
    out = ok(home, "authority", "add-key", "CN-31-DMV", "--pkcs11", token.module)
    assert f"made in token '{token.label}', referenced by keys/signing/CN-31-DMV-1.json" in out
    reference = json.loads((Path(home["ELICENCE_HOME"]) / "keys" / "signing" /
                            "CN-31-DMV-1.json").read_text())
    assert "ciphertext" not in reference and reference["pkcs11"]["token"] == token.label

    source = write_csv(tmp_path / "rows.csv", DRIVING_FIELDS, driving_rows(45, seed=7, start=7))
    out_dir = tmp_path / "out"
    issued = ok(home, "issue", "--authority", "CN-31-DMV", "--type", "driving", "--input",
                str(source), "--out", str(out_dir), "--batch-size", "15", "--workers", "2",
                "--no-pdf")
    assert "45 issued, 0 rejected, 3 batches" in issued
    report = json.loads((out_dir / "report.json").read_text(encoding="utf-8"))
    for entry in (report["licences"][0], report["licences"][-1]):
        verified = run(home, "verify", entry["qr"])
        assert verified.exit_code == 0, verified.output
        assert "VALID" in verified.output.upper()

    # A wrong PIN: refused in one sentence, before anything is signed or sent.
    wrong = {**home, "ELICENCE_PKCS11_PIN_FILE": "", "ELICENCE_PKCS11_PIN": "00000000"}
    again = write_csv(tmp_path / "more.csv", DRIVING_FIELDS, driving_rows(5, seed=9, start=900))
    refused = run(wrong, "issue", "--authority", "CN-31-DMV", "--type", "driving", "--input",
                  str(again), "--out", str(tmp_path / "refused"), "--no-pdf")
    assert refused.exit_code == 1
    assert refused.output.strip() == (f"Error: The PIN is not correct for token "
                                      f"'{token.label}': check ELICENCE_PKCS11_PIN_FILE (the "
                                      "token locks after repeated wrong PINs).")
    assert "00000000" not in refused.output

    # Rotation makes the next key in the token too; what it signs verifies valid.
    rotated = ok(home, "authority", "rotate-key", "CN-31-DMV", "--pkcs11", token.module)
    assert "Key 2 of CN-31-DMV now signs; retired key(s): 1." in rotated
    ok(home, "issue", "--authority", "CN-31-DMV", "--type", "driving", "--input", str(again),
       "--out", str(tmp_path / "after-rotation"), "--no-pdf")
    entry = json.loads((tmp_path / "after-rotation" / "report.json").read_text())["licences"][0]
    assert licence.decode_unverified(entry["qr"]).header.key_id == 2
    assert run(home, "verify", entry["qr"]).exit_code == 0


def test_a_claim_is_signed_and_anchored_with_the_token_keys(home: dict[str, str],
                                                           tmp_path: Path) -> None:
    """The claim server signs the bound copy with the token's signing key and anchors it
    from the token's anchor account (runs after the ceremony test, on its authority)."""
    source = write_csv(tmp_path / "rows.csv", DRIVING_FIELDS, driving_rows(2, seed=5, start=70))
    ok(home, "issue", "--authority", "CN-31-DMV", "--type", "driving", "--input", str(source),
       "--out", str(tmp_path / "out"), "--no-pdf")
    entry = issued_licences(tmp_path / "out")[0]
    with pytest.MonkeyPatch.context() as patch:
        for name, value in home.items():
            patch.setenv(name, value)
        client = create_app(load_settings(Path(home["ELICENCE_HOME"]), home)).test_client()
        device = ec.generate_private_key(ec.SECP256R1())
        answer = wallet_claim(client, entry["claim_code"], device)
    assert answer.status_code == 200, answer.get_json()
    bound = licence.Licence.from_bytes_unverified(unb64(answer.get_json()["licence"]))
    assert bound.device_digest == licence.device_key_digest(
        licence.compressed_public_key(device))
    shown = licence.present(bound, ["age_over_18"], device, int(time.time()))
    verified = run(home, "verify", shown.to_qr())
    assert "VALID" in verified.output.upper(), verified.output


def test_pkcs11_options_go_together(home: dict[str, str], token: SoftToken) -> None:
    lone = run({**home, "ELICENCE_PKCS11_TOKEN": ""}, "authority", "add-key", "CN-31-DMV",
               "--pkcs11", token.module)
    assert lone.exit_code == 2 and "--pkcs11 needs --token LABEL" in lone.output
    no_token = run(home, "authority", "add-account", "CN-31-DMV-extra")
    assert no_token.exit_code == 2 and "give --pkcs11 MODULE --token LABEL" in no_token.output
