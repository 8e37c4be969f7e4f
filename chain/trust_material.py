"""The trust material of an authority's exports, read from the registry and the keystore:
the registered keys as the export formats state them, the IACA root key (an authority
secret in the keystore, made on first use) and the certificates it signs
(docs/decisions/0201)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import cached_property

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from chain.installation import Installation
from chain.registry import Registry
from licence import ES256, SignatureError, authority_key_from_bytes, suite_of_key
from licence.exports import (
    KeyFacts,
    TrustFacts,
    document_signer_certificate,
    iaca_key_from_secret,
    iaca_root_certificate,
)

# The serial numbers are fixed per key so that certificates made at different times for the
# same key are the same certificate (bar the signature), and a root re-made keeps its name.
ROOT_SERIAL = 1
_DS_SERIAL_BASE = 1 << 32


def iaca_secret_name(ident: str) -> str:
    return f"{ident}-iaca"


def is_es256(public_key: bytes) -> bool:
    try:
        return suite_of_key(authority_key_from_bytes(public_key)) is ES256
    except SignatureError:
        return False


@dataclass
class AuthorityTrust:
    """One authority's registered keys and certificates, as of the registry's latest block."""

    trust: TrustFacts
    keys: list[KeyFacts]
    iaca_key: ec.EllipticCurvePrivateKey

    @property
    def es256_keys(self) -> list[KeyFacts]:
        return [k for k in self.keys if is_es256(k.public_key)]

    @property
    def other_keys(self) -> list[KeyFacts]:
        return [k for k in self.keys if not is_es256(k.public_key)]

    def key(self, key_id: int) -> KeyFacts:
        return next(k for k in self.keys if k.key_id == key_id)

    @cached_property
    def root(self) -> x509.Certificate:
        """The IACA root, valid from the first key's start to the last key's end."""
        starts = [k.valid_from for k in self.keys] or [int(time.time())]
        ends = [k.valid_until for k in self.keys] or [int(time.time()) + 86400]
        return iaca_root_certificate(self.trust, self.iaca_key, not_before=min(starts),
                                     not_after=max(ends), serial=ROOT_SERIAL)

    def document_signer(self, key: KeyFacts) -> x509.Certificate:
        return document_signer_certificate(self.trust, key, self.root, self.iaca_key,
                                           serial=_DS_SERIAL_BASE + key.key_id)


def authority_trust(installation: Installation, registry: Registry, ident: str
                    ) -> AuthorityTrust:
    """Reads `ident`'s record and keys; the IACA secret is made on the first call."""
    number = installation.authority_number(registry, ident)
    record = registry.authority(number)
    chain_id = int(installation.w3.eth.chain_id)
    trust = TrustFacts(authority_id=record.id, authority_name=record.name_en,
                       jurisdiction=record.jurisdiction, registry=registry.address,
                       chain_id=chain_id)
    keys = []
    for key_id in range(1, record.key_count + 1):
        k = registry.key(number, key_id)
        keys.append(KeyFacts(k.authority, k.key_id, k.public_key, k.valid_from, k.valid_until,
                             k.compromised_at))
    secret = installation.keystore.secret(iaca_secret_name(ident), create=True)
    return AuthorityTrust(trust, keys, iaca_key_from_secret(secret))
