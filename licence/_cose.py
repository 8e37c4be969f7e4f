"""The small part of COSE_Sign1 (RFC 9052) the format uses: ES256 over a Sig_structure
with a detached payload, signatures as raw r||s (64 bytes, as WebCrypto produces them).
"""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from ._cbor import dumps
from .errors import SignatureError

# Context labels (external_aad): a licence signature never verifies as a presentation one.
LICENCE_CONTEXT = b"elicence/licence-root/v1"
PRESENTATION_CONTEXT = b"elicence/presentation/v1"

ALG_ES256 = -7
SIGNATURE_BYTES = 64
_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


def sig_structure(protected: bytes, context: bytes, payload: bytes) -> bytes:
    return dumps(["Signature1", protected, context, payload])


def sign(private_key: ec.EllipticCurvePrivateKey, message: bytes) -> bytes:
    """ES256 with deterministic nonces (RFC 6979), returned as r||s."""
    der = private_key.sign(message, ec.ECDSA(hashes.SHA256(), deterministic_signing=True))
    r, s = decode_dss_signature(der)
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def verify(public_key: ec.EllipticCurvePublicKey, signature: bytes, message: bytes,
           *, reason: str = "signature_invalid") -> None:
    if not isinstance(public_key, ec.EllipticCurvePublicKey) or \
            not isinstance(public_key.curve, ec.SECP256R1):
        raise SignatureError("The verification key is not a P-256 public key.",
                             reason="key_invalid")
    r = int.from_bytes(signature[:32], "big")
    s = int.from_bytes(signature[32:], "big")
    if len(signature) != SIGNATURE_BYTES or not (0 < r < _ORDER and 0 < s < _ORDER):
        raise SignatureError("The signature is malformed.", reason=reason)
    try:
        public_key.verify(encode_dss_signature(r, s), message, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise SignatureError("The signature does not match: the data was altered or signed "
                             "by another key.", reason=reason) from None


def public_key_from_bytes(data: bytes) -> ec.EllipticCurvePublicKey:
    """Loads a 33-byte compressed (or 65-byte uncompressed) SEC1 P-256 key."""
    try:
        return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), data)
    except ValueError:
        raise SignatureError("The public key is not a valid P-256 point.",
                             reason="key_invalid") from None
