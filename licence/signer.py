"""Who signs batch roots: anything that turns a message into an ES256 signature (raw r||s).

One way to sign, wherever the private key lives: build_batch asks a `Signer`, whether the
key is in this process's memory (`KeySigner`, the development key files) or inside a
PKCS#11 token (chain.pkcs11_signers.TokenSigningKey) that never lets it out.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from cryptography.hazmat.primitives.asymmetric import ec

from . import _cose


@runtime_checkable
class Signer(Protocol):
    """Signs with a P-256 key: `sign_es256` returns the 64-byte r||s of ES256 over SHA-256."""

    def sign_es256(self, message: bytes) -> bytes: ...


class KeySigner:
    """A P-256 private key held in this process (opened from a key file)."""

    def __init__(self, private_key: ec.EllipticCurvePrivateKey) -> None:
        self.private_key = private_key

    def sign_es256(self, message: bytes) -> bytes:
        return _cose.sign(self.private_key, message)

    def __reduce__(self) -> tuple:
        # Issuance workers receive the signer once, at start-up, as they received the key.
        return _from_value, (self.private_key.private_numbers().private_value,)

    def __repr__(self) -> str:  # never print the key
        return "KeySigner(***)"


def _from_value(value: int) -> KeySigner:
    return KeySigner(ec.derive_private_key(value, ec.SECP256R1()))


def as_signer(key: Signer | ec.EllipticCurvePrivateKey) -> Signer:
    """A signer for `key`; an in-memory private key (tests, tools) is wrapped."""
    return KeySigner(key) if isinstance(key, ec.EllipticCurvePrivateKey) else key
