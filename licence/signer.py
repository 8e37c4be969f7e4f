"""Who signs batch roots: anything that turns a message into a signature of its suite.

One way to sign, wherever the private key lives: build_batch asks a `Signer`, whether the
key is in this process's memory (`KeySigner`, the development key files; ES256 or SM2) or
inside a PKCS#11 token (chain.pkcs11_signers.TokenSigningKey, ES256) that never lets it out.
The signer's suite fixes the signed header's algorithm and every hash of the batch.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from . import _suites
from ._suites import Suite


@runtime_checkable
class Signer(Protocol):
    """Signs under one suite: `sign` returns the 64-byte r||s over `message` (ES256 hashes
    it with SHA-256, SM2 with SM3 and the signer's user ID)."""

    @property
    def suite(self) -> Suite: ...

    def sign(self, message: bytes) -> bytes: ...


class KeySigner:
    """A private key held in this process (opened from a key file), P-256 or SM2."""

    def __init__(self, private_key: _suites.PrivateKey) -> None:
        self.private_key = private_key
        self.suite = _suites.suite_of_key(private_key)

    def sign(self, message: bytes) -> bytes:
        return _suites.sign(self.private_key, message)

    def __reduce__(self) -> tuple:
        # Issuance workers receive the signer once, at start-up, as they received the key;
        # an SM2 key travels with its public half (GmSSL signs with both).
        public = (_suites.encoded_public_key(self.private_key)
                  if self.suite is _suites.SM2_SM3 else b"")
        return _from_value, (self.suite.name, _suites.private_scalar(self.private_key), public)

    def __repr__(self) -> str:  # never print the key
        return f"KeySigner({self.suite.name}, ***)"


def _from_value(suite: str, value: int, public: bytes) -> KeySigner:
    return KeySigner(_suites.private_key_from_scalar(_suites.BY_NAME[suite], value, public))


def as_signer(key: Signer | _suites.PrivateKey) -> Signer:
    """A signer for `key`; an in-memory private key (tests, tools) is wrapped."""
    if isinstance(key, _suites.PrivateKey):
        return KeySigner(key)
    return key
