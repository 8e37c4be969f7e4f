"""`elicence authority export-trust` and `elicence export` end to end on a real anvil node:
issue, export in each format, and let the independent libraries check what the commands
wrote against what export-trust wrote; invalid licences and bad keys are refused."""

from __future__ import annotations

import base64
import json
import stat
from pathlib import Path

import pytest
from cryptography import x509

from chain.config import load_settings
from licence.exports import key_record_digest
from licence.exports.trust import KeyFacts, TrustFacts
from tests.support.issuing import issue_driving, registry

from ..conftest import Home
from .support import check, device_jwks

pytestmark = [pytest.mark.anvil, pytest.mark.timeout(600)]


@pytest.fixture(scope="module")
def issued(chain_home: Home, tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    return issue_driving(chain_home, tmp_path_factory.mktemp("issue"), 4, start=52_000)


@pytest.fixture(scope="module")
def trust_dir(chain_home: Home, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("trust")
    result = chain_home.run("authority", "export-trust", "CN-31-DMV", "--out", str(out))
    assert "Wrote the trust material of CN-31-DMV (1 key(s): 1)" in result.output
    return out


@pytest.fixture(scope="module")
def holder(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    public, private = device_jwks()
    path = tmp_path_factory.mktemp("holder") / "device.jwk"
    path.write_text(json.dumps(public))
    return path, private


def test_export_trust_ties_each_key_to_its_key_record(chain_home: Home, trust_dir: Path) -> None:
    jwks = json.loads((trust_dir / "jwks.json").read_text())
    [jwk] = jwks["keys"]
    contract = registry(chain_home)
    record = contract.key(1, 1)
    assert jwk["kid"] == "1" and jwk["alg"] == "ES256"
    assert (jwk["nbf"], jwk["exp"]) == (record.valid_from, record.valid_until)
    trust = TrustFacts("CN-31-DMV", "", "CN-31", contract.address,
                       int(contract.w3.eth.chain_id))
    digest = key_record_digest(trust, KeyFacts(1, 1, record.public_key, record.valid_from,
                                               record.valid_until, record.compromised_at))
    assert jwk["elicence_key_record"] == digest.hex()
    signer = x509.load_pem_x509_certificate((trust_dir / "document-signer-1.pem").read_bytes())
    root = x509.load_pem_x509_certificate((trust_dir / "iaca-root.pem").read_bytes())
    signer.verify_directly_issued_by(root)
    uris = signer.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert uris.get_values_for_type(x509.UniformResourceIdentifier) == [
        f"urn:elicence:key-record:sha-256:{digest.hex()}"]


def test_sd_jwt_vc_export_passes_the_sd_jwt_library(chain_home: Home, issued, trust_dir,
                                                    holder, tmp_path: Path) -> None:
    key_file, private = holder
    out = tmp_path / "licence.sd-jwt"
    chain_home.run("export", issued[0]["qr"], "--format", "sd-jwt-vc", "--holder-key",
                   str(key_file), "--out", str(out))
    assert stat.S_IMODE(out.stat().st_mode) == 0o600  # personal data
    job = {"sd_jwt": out.read_text(), "jwks": json.loads((trust_dir / "jwks.json").read_text()),
           "holder_private_jwk": private, "disclose": ["licence_number", "age_over_18"],
           "nonce": "nonce-7", "audience": "https://counter.example.org"}
    verdict = check("check_sd_jwt_vc.mjs", job)
    assert verdict["accepted"], verdict
    assert verdict["disclosed"]["licence_number"] == issued[0]["licence_number"]
    status = verdict["status"]["elicence_registry"]
    assert status["status_ref"] == issued[0]["status_ref"]
    assert status["registry"] == load_settings(chain_home.path, chain_home.env).registry_address


def test_vc_jwt_export_passes_jose(chain_home: Home, issued, trust_dir) -> None:
    exported = chain_home.run("export", issued[1]["qr"], "--format", "vc-jwt").output.strip()
    verdict = check("check_vc_jwt.mjs", {
        "vc_jwt": exported, "jwks": json.loads((trust_dir / "jwks.json").read_text())})
    assert verdict["accepted"], verdict
    assert verdict["subject"]["licence_number"] == issued[1]["licence_number"]
    assert verdict["status"]["statusReference"] == issued[1]["status_ref"]


def test_mdoc_export_passes_auth0_mdl_against_the_exported_root(chain_home: Home, issued,
                                                                trust_dir, holder) -> None:
    key_file, private = holder
    exported = chain_home.run("export", issued[2]["qr"], "--format", "mdoc", "--holder-key",
                              str(key_file)).output.strip()
    verdict = check("check_mdoc.mjs", {
        "mdoc_b64": exported, "iaca_root_pem": (trust_dir / "iaca-root.pem").read_text(),
        "device_private_jwk": private, "elements": ["document_number", "issuing_country"],
        "transcript_b64": base64.b64encode(b"counter-session").decode()})
    assert verdict["accepted"], verdict
    assert verdict["disclosed"] == {"document_number": issued[2]["licence_number"],
                                    "issuing_country": "CN"}


def test_mdoc_needs_the_holder_device_key(chain_home: Home, issued) -> None:
    result = chain_home.run("export", issued[2]["qr"], "--format", "mdoc", ok=False)
    assert result.exit_code == 2
    assert "give the device's public key with --holder-key" in result.output


def test_a_private_holder_key_is_refused(chain_home: Home, issued, tmp_path: Path) -> None:
    _, private = device_jwks()
    path = tmp_path / "private.jwk"
    path.write_text(json.dumps(private))
    result = chain_home.run("export", issued[0]["qr"], "--format", "sd-jwt-vc",
                            "--holder-key", str(path), ok=False)
    assert result.exit_code == 2
    assert "holds a private key" in result.output


def test_a_revoked_licence_is_not_exported(chain_home: Home, issued) -> None:
    chain_home.run("revoke", "--authority", "CN-31-DMV", issued[3]["licence_number"],
                   "--reason", "fraud")
    result = chain_home.run("export", issued[3]["qr"], "--format", "vc-jwt", ok=False)
    assert result.exit_code == 1
    assert result.output.startswith("Not exported: the licence is revoked.")


def test_a_forged_licence_is_not_exported(chain_home: Home, issued) -> None:
    text = issued[0]["qr"]
    forged = text[:-6] + ("A" if text[-6] != "A" else "B") + text[-5:]
    result = chain_home.run("export", forged, "--format", "vc-jwt", ok=False)
    assert result.exit_code in (1, 2)
    assert result.output.startswith("Not exported: the licence is")
    assert "eyJ" not in result.output


def test_sm2_signing_key_is_refused_in_one_sentence(chain_home: Home, issued) -> None:
    chain_home.run("authority", "rotate-key", "CN-31-DMV", "--algorithm", "sm2")
    # Within the rotation margin key 1 (ES256) is still current and would sign; ask for 2.
    result = chain_home.run("export", issued[0]["qr"], "--format", "sd-jwt-vc", "--key", "2",
                            ok=False)
    assert result.exit_code == 1
    assert result.output.strip() == (
        "Exports are signed with ES256 only: JOSE and COSE register no algorithm for SM2, so "
        "register an ES256 key for the authority (elicence authority add-key ID --algorithm "
        "es256) and export with it.")
    out = chain_home.run("authority", "export-trust", "CN-31-DMV", "--out",
                         str(Path(chain_home.path) / "trust-after-sm2")).output
    assert "Key 2 is an SM2 key and is left out" in out
