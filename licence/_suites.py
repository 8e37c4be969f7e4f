"""Signature suites: which signature algorithm an authority key uses and, with it, which hash
builds every digest, Merkle node and salt of the licences it signs.

  ES256    COSE alg -7       ECDSA P-256, SHA-256 (the original suite, bytes unchanged)
  SM2-SM3  COSE alg -65538   SM2 with SM3, user ID 1234567812345678 (GM/T 0003, GB/T 32905)

IANA registers no COSE algorithm for SM2, so the suite takes a value from the private-use
range (below -65536); docs/decisions/0190 records the choice. The registry's 33-byte key
record names the suite by its curve: a point that decodes on P-256 is an ES256 key; SM2
keys are generated so that they do not, so every registered key has exactly one suite and
a verifier accepts exactly that one (no downgrade, no cross-suite confusion).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from . import _cose, _sm2
from .errors import SignatureError

ALG_ES256 = _cose.ALG_ES256
ALG_SM2_SM3 = -65538

PublicKey = ec.EllipticCurvePublicKey | _sm2.Sm2PublicKey
PrivateKey = ec.EllipticCurvePrivateKey | _sm2.Sm2PrivateKey


@dataclass(frozen=True, eq=False)
class Suite:
    name: str  # as operators write it: es256, sm2
    label: str  # as people read it
    alg: int  # COSE algorithm value in the signed header
    new: Callable[..., Any]  # hashlib-style constructor of the suite's hash

    def __repr__(self) -> str:
        return f"<Suite {self.label}>"


ES256 = Suite("es256", "ES256 on P-256 with SHA-256", ALG_ES256, hashlib.sha256)
SM2_SM3 = Suite("sm2", "SM2 with SM3", ALG_SM2_SM3, _sm2.sm3)
SUITES = (ES256, SM2_SM3)
BY_ALG = {s.alg: s for s in SUITES}
BY_NAME = {s.name: s for s in SUITES}


def suite_of_key(key: Any) -> Suite:
    """The suite of a public or private key (an object that is not SM2 signs ES256, as an
    HSM-backed P-256 key does)."""
    return SM2_SM3 if isinstance(key, _sm2.Sm2PublicKey | _sm2.Sm2PrivateKey) else ES256


def sign(private_key: Any, message: bytes) -> bytes:
    if isinstance(private_key, _sm2.Sm2PrivateKey):
        return _sm2.sign(private_key, message)
    return _cose.sign(private_key, message)


def verify(suite: Suite, public_key: Any, signature: bytes, message: bytes, *,
           reason: str = "signature_invalid") -> None:
    """Checks `signature` under `suite`, refusing a key of any other suite."""
    if suite_of_key(public_key) is not suite:
        raise SignatureError(
            f"The licence says it is signed with {suite.label}, but the key registered for it "
            f"is an {suite_of_key(public_key).label} key: the licence is forged or damaged.",
            reason="algorithm_mismatch")
    if suite is SM2_SM3:
        _sm2.verify(public_key, signature, message, reason=reason)
    else:
        _cose.verify(public_key, signature, message, reason=reason)


def authority_key_from_bytes(data: bytes) -> PublicKey:
    """The key object for a registered 33-byte authority key, of the one suite it names.

    Remembered per process (key objects are immutable, a registry holds few keys): decoding
    costs a square root modulo p, and for an SM2 key first a failed P-256 decoding, which
    together cost more than the SM2 signature check itself (bench/verify.py --profile)."""
    return _decoded_key(bytes(data))


@functools.lru_cache(maxsize=1024)
def _decoded_key(data: bytes) -> PublicKey:
    try:
        return _cose.public_key_from_bytes(data)
    except SignatureError:
        pass
    try:
        return _sm2.Sm2PublicKey.from_bytes(data)
    except SignatureError:
        raise SignatureError("The registered key is neither a P-256 nor an SM2 point.",
                             reason="key_invalid") from None


def encoded_public_key(key: Any) -> bytes:
    """The 33-byte compressed point registered on chain for a public or private key."""
    if isinstance(key, _sm2.Sm2PrivateKey):
        return key.public.encoded
    if isinstance(key, _sm2.Sm2PublicKey):
        return key.encoded
    public = key.public_key() if isinstance(key, ec.EllipticCurvePrivateKey) else key
    return public.public_bytes(serialization.Encoding.X962,
                               serialization.PublicFormat.CompressedPoint)


def generate_private_key(suite: Suite) -> PrivateKey:
    if suite is SM2_SM3:
        return _sm2.generate()
    return ec.generate_private_key(ec.SECP256R1())


def private_scalar(key: PrivateKey) -> int:
    """The private scalar, for handing a key to signing worker processes."""
    if isinstance(key, _sm2.Sm2PrivateKey):
        return int.from_bytes(key.secret, "big")
    return key.private_numbers().private_value


def private_key_from_scalar(suite: Suite, value: int, public: bytes = b"") -> PrivateKey:
    """Rebuilds a private key; an SM2 one needs its registered public key too (GmSSL signs
    with both), and is checked against it with one signature."""
    if suite is not SM2_SM3:
        return ec.derive_private_key(value, ec.SECP256R1())
    key = _sm2.Sm2PrivateKey(value.to_bytes(32, "big"), _sm2.Sm2PublicKey.from_bytes(public))
    probe = b"elicence/key-check"
    try:
        _sm2.verify(key.public, _sm2.sign(key, probe), probe)
    except SignatureError:
        raise SignatureError("The SM2 private key does not belong to its stored public key.",
                             reason="key_invalid") from None
    return key
