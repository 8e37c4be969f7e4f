"""What a third party needs to trust exports: the authority's registered keys as a JWKS, and
for mdoc an IACA root certificate with one document-signer certificate per key.

Each key is tied to its on-chain key record by `key_record_digest`, which anyone can
recompute from `Registry.key(authority, key)` (docs/format.md "Exports"): the JWK carries it
as `elicence_key_record`, the document-signer certificate as a URI in its subject
alternative name. The IACA root's own key is not on chain; it is an authority secret that
only signs these certificates (docs/decisions/0201).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID, ObjectIdentifier

from .. import _cose
from .._cbor import dumps
from ._jose import ec_jwk

KEY_RECORD_LABEL = "elicence/key-record/v1"
MDL_DS_EKU = ObjectIdentifier("1.0.18013.5.1.2")  # ISO/IEC 18013-5 document signer
_P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


@dataclass(frozen=True)
class KeyFacts:
    """One registered signing key, as the registry returns it."""

    authority: int
    key_id: int
    public_key: bytes  # the 33 registered bytes
    valid_from: int
    valid_until: int
    compromised_at: int | None


@dataclass(frozen=True)
class TrustFacts:
    """The authority and registry the trust material is for."""

    authority_id: str
    authority_name: str
    jurisdiction: str  # e.g. CN-31
    registry: str
    chain_id: int

    @property
    def country(self) -> str:
        return self.jurisdiction.split("-", 1)[0]


def key_record_digest(trust: TrustFacts, key: KeyFacts) -> bytes:
    """SHA-256 over the deterministic CBOR of the key record and where it is registered:
    [label, chain id, registry (20 bytes), authority, key, public key, valid from, valid
    until, compromised at (0: never)]."""
    record = [KEY_RECORD_LABEL, trust.chain_id, bytes.fromhex(trust.registry.removeprefix("0x")),
              key.authority, key.key_id, key.public_key, key.valid_from, key.valid_until,
              key.compromised_at or 0]
    return hashlib.sha256(dumps(record)).digest()


def jwk_of_key(trust: TrustFacts, key: KeyFacts) -> dict[str, Any]:
    """The public JWK of an ES256 key: kid = key number, with its validity window."""
    jwk: dict[str, Any] = {**ec_jwk(key.public_key), "kid": str(key.key_id), "alg": "ES256",
                           "use": "sig", "nbf": key.valid_from, "exp": key.valid_until,
                           "elicence_key_record": key_record_digest(trust, key).hex()}
    if key.compromised_at:
        jwk["elicence_compromised_at"] = key.compromised_at
    return jwk


def jwks(trust: TrustFacts, keys: list[KeyFacts]) -> dict[str, Any]:
    return {"keys": [jwk_of_key(trust, k) for k in keys]}


def iaca_key_from_secret(secret: bytes) -> ec.EllipticCurvePrivateKey:
    """The IACA root's P-256 key from the authority's 32-byte stored secret."""
    scalar = int.from_bytes(hashlib.sha256(b"elicence/iaca/v1" + secret).digest(), "big")
    return ec.derive_private_key(scalar % (_P256_ORDER - 1) + 1, ec.SECP256R1())


def _name(trust: TrustFacts, common_name: str) -> x509.Name:
    return x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, trust.country),
        x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME, trust.jurisdiction),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, trust.authority_name),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ])


def _time(seconds: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, dt.UTC)


def iaca_root_certificate(trust: TrustFacts, iaca_key: ec.EllipticCurvePrivateKey, *,
                          not_before: int, not_after: int, serial: int) -> x509.Certificate:
    """The self-signed IACA root (ISO/IEC 18013-5 annex B): a CA that signs only
    document-signer certificates (path length 0)."""
    name = _name(trust, f"{trust.authority_id} IACA root")
    public = iaca_key.public_key()
    return (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(public).serial_number(serial)
            .not_valid_before(_time(not_before)).not_valid_after(_time(not_after))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False,
                                         False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
            .sign(iaca_key, hashes.SHA256()))


def document_signer_certificate(trust: TrustFacts, key: KeyFacts, root: x509.Certificate,
                                iaca_key: ec.EllipticCurvePrivateKey, *,
                                serial: int) -> x509.Certificate:
    """The document-signer certificate of one registered key, valid exactly as long as the
    key record says, naming the record's digest."""
    public = _cose.public_key_from_bytes(key.public_key)
    record = f"urn:elicence:key-record:sha-256:{key_record_digest(trust, key).hex()}"
    return (x509.CertificateBuilder()
            .subject_name(_name(trust, f"{trust.authority_id} document signer key {key.key_id}"))
            .issuer_name(root.subject).public_key(public).serial_number(serial)
            .not_valid_before(_time(key.valid_from)).not_valid_after(_time(key.valid_until))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False,
                                         False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([MDL_DS_EKU]), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                iaca_key.public_key()), critical=False)
            .add_extension(x509.SubjectAlternativeName(
                [x509.UniformResourceIdentifier(record)]), critical=False)
            .sign(iaca_key, hashes.SHA256()))


