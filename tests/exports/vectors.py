"""The export test vectors (tests/vectors/exports.json, quoted in docs/format.md
"Exports"): fixed key, claims, salts and time, so each export is byte for byte the same
(ES256 here signs with RFC 6979 nonces). Regenerate with
`.venv/bin/python -m tests.exports.vectors` after a deliberate format change."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding

from licence import KeySigner, load_schema
from licence.exports import (
    ExportFacts,
    KeyFacts,
    TrustFacts,
    document_signer_certificate,
    iaca_key_from_secret,
    iaca_root_certificate,
    jwk_of_key,
    mdoc,
    sd_jwt_vc,
    vc_jwt,
)

PATH = Path(__file__).resolve().parents[1] / "vectors" / "exports.json"
NOW = 1_790_000_000  # 2026-09-21T13:46:40Z
ROW = {"family_name": "欧阳", "given_name": "慧敏", "birth_date": "1988-11-30",
       "licence_number": "310115198811304527", "vehicle_classes": "A1,C1",
       "issue_date": "2021-06-15", "expiry_date": "2031-06-15", "sex": "F",
       "nationality": "CHN", "address": "上海市浦东新区碧波路690号"}
TRUST = TrustFacts("CN-31-DMV", "Shanghai Municipal Traffic Police", "CN-31",
                   "0x5FbDB2315678afecb367f032d93F642f64180aa3", 31337)


def _scalar(label: str) -> int:
    return int.from_bytes(hashlib.sha256(label.encode()).digest(), "big") % (2**255)


def counter_random(label: str) -> Callable[[int], bytes]:
    """Deterministic 'random' bytes: SHA-256 of label and a counter, as many as asked."""
    state = {"n": 0}

    def take(size: int) -> bytes:
        out = b""
        while len(out) < size:
            out += hashlib.sha256(f"{label}/{state['n']}".encode()).digest()
            state["n"] += 1
        return out[:size]
    return take


def inputs() -> tuple[KeySigner, KeyFacts, ExportFacts, dict[str, str]]:
    key = ec.derive_private_key(_scalar("elicence export vector: authority key"),
                                ec.SECP256R1())
    signer = KeySigner(key)
    record = KeyFacts(1, 1, signer.public_key, 1_780_000_000, 1_930_000_000, None)
    schema = load_schema("driving")
    facts = ExportFacts(schema=schema, claims=schema.validate(ROW), valid_from=1_780_000_000,
                        valid_until=1_930_000_000, status_ref=bytes.fromhex(
                            "6c1f0e9a4b2d3c5e7f8091a2b3c4d5e6"), authority_id=TRUST.authority_id,
                        authority_number=1, authority_name=TRUST.authority_name,
                        jurisdiction=TRUST.jurisdiction, registry=TRUST.registry,
                        chain_id=TRUST.chain_id, key_id=1)
    device = ec.derive_private_key(_scalar("elicence export vector: device key"),
                                   ec.SECP256R1()).public_key().public_numbers()
    holder = {"kty": "EC", "crv": "P-256", **{
        c: _b64(v.to_bytes(32, "big")) for c, v in (("x", device.x), ("y", device.y))}}
    return signer, record, facts, holder


def _b64(data: bytes) -> str:
    import base64

    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def exports(ds_certificate: bytes) -> dict[str, Any]:
    signer, _, facts, holder = inputs()
    return {
        "sd-jwt-vc": sd_jwt_vc(facts, signer, now=NOW, holder_jwk=holder,
                               random=counter_random("sd-jwt-vc")),
        "vc-jwt": vc_jwt(facts, signer, now=NOW, holder_jwk=holder),
        "mdoc_hex": mdoc(facts, signer, ds_certificate=ds_certificate, device_jwk=holder,
                         now=NOW, random=counter_random("mdoc")).hex(),
    }


def generate() -> dict[str, Any]:
    _, record, _, holder = inputs()
    iaca = iaca_key_from_secret(hashlib.sha256(b"elicence export vector: iaca").digest())
    root = iaca_root_certificate(TRUST, iaca, not_before=record.valid_from,
                                 not_after=record.valid_until, serial=1)
    ds = document_signer_certificate(TRUST, record, root, iaca, serial=2)
    ds_der = ds.public_bytes(Encoding.DER)
    return {
        "description": "elicence exports of one driving licence (docs/format.md, Exports)",
        "now": NOW, "now_utc": dt.datetime.fromtimestamp(NOW, dt.UTC).isoformat(),
        "claims_row": ROW, "holder_jwk": holder,
        "salts": "SHA-256(label/n) for n = 0, 1, … with label sd-jwt-vc or mdoc",
        "jwk": jwk_of_key(TRUST, record),
        "iaca_root_pem": root.public_bytes(Encoding.PEM).decode(),
        "document_signer_der_hex": ds_der.hex(),
        "exports": exports(ds_der),
    }


if __name__ == "__main__":
    PATH.write_text(json.dumps(generate(), indent=2, ensure_ascii=False) + "\n",
                    encoding="utf-8")
    print(f"wrote {PATH}")
