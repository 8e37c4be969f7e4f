"""Exports made from a real licence's claims with a real authority key, without a chain:
the facts a registry would give, and the trust material export-trust would write."""

from __future__ import annotations

import base64
import json
import subprocess
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding

from issuer.issue.samples import driving_rows
from licence import ES256, KeySigner, encoded_public_key, generate_private_key, load_schema
from licence.exports import (
    ExportFacts,
    KeyFacts,
    TrustFacts,
    document_signer_certificate,
    iaca_key_from_secret,
    iaca_root_certificate,
    jwks,
)

ROOT = Path(__file__).resolve().parents[2]
INTEROP = ROOT / "tests" / "interop"
YEAR = 365 * 86400
REGISTRY = "0x5FbDB2315678afecb367f032d93F642f64180aa3"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def device_jwks() -> tuple[dict[str, str], dict[str, str]]:
    """A holder device key: (public JWK, private JWK)."""
    key = ec.generate_private_key(ec.SECP256R1())
    n = key.private_numbers()
    public = {"kty": "EC", "crv": "P-256", "x": b64url(n.public_numbers.x.to_bytes(32, "big")),
              "y": b64url(n.public_numbers.y.to_bytes(32, "big"))}
    return public, {**public, "d": b64url(n.private_value.to_bytes(32, "big"))}


@dataclass
class Authority:
    """An authority with one registered ES256 key (key 2: kid must not be guessed as 1)."""

    trust: TrustFacts
    key: KeyFacts
    signer: KeySigner
    iaca_secret: bytes

    @classmethod
    def make(cls, now: int | None = None) -> Authority:
        now = int(time.time()) if now is None else now
        private = generate_private_key(ES256)
        trust = TrustFacts("CN-31-DMV", "Shanghai Traffic Police", "CN-31", REGISTRY, 31337)
        key = KeyFacts(1, 2, encoded_public_key(private), now - 86400, now + 5 * YEAR, None)
        return cls(trust, key, KeySigner(private), b"\x07" * 32)

    @property
    def iaca_key(self) -> ec.EllipticCurvePrivateKey:
        return iaca_key_from_secret(self.iaca_secret)

    def root(self):
        return iaca_root_certificate(self.trust, self.iaca_key, not_before=self.key.valid_from,
                                     not_after=self.key.valid_until, serial=1)

    def root_pem(self) -> str:
        return self.root().public_bytes(Encoding.PEM).decode("ascii")

    def ds_der(self, key: KeyFacts | None = None) -> bytes:
        cert = document_signer_certificate(self.trust, key or self.key, self.root(),
                                           self.iaca_key, serial=2)
        return cert.public_bytes(Encoding.DER)

    def jwks(self) -> dict[str, Any]:
        return jwks(self.trust, [self.key])

    def facts(self, **changes: Any) -> ExportFacts:
        row = next(iter(driving_rows(1, seed=7, start=7)))
        now = int(time.time())
        facts = ExportFacts(
            schema=load_schema("driving"), claims=load_schema("driving").validate(row),
            valid_from=now - 3600, valid_until=now + 2 * YEAR, status_ref=bytes(range(16)),
            authority_id=self.trust.authority_id, authority_number=1,
            authority_name=self.trust.authority_name, jurisdiction=self.trust.jurisdiction,
            registry=REGISTRY, chain_id=31337, key_id=self.key.key_id)
        return replace(facts, **changes)


def check(script: str, job: dict[str, Any]) -> dict[str, Any]:
    """Runs a checker under node; its verdict as a dict with `accepted`."""
    done = subprocess.run(["node", str(INTEROP / script)], input=json.dumps(job), text=True,
                          capture_output=True, timeout=120, cwd=ROOT)
    assert done.returncode in (0, 1), done.stderr + done.stdout
    verdict = json.loads(done.stdout)
    assert verdict["accepted"] == (done.returncode == 0), verdict
    return verdict
