"""Signatures by a holder's device key outside live codes: the wallet proves it holds its
key when claiming a licence and when asking for its usage records. ES256 with the
signature as raw r||s (64 bytes), as WebCrypto produces it; the device key is a SEC1
P-256 point (33 bytes compressed, as bound into licences, or 65 uncompressed).
"""

from __future__ import annotations

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from . import _cose
from .errors import SignatureError


def compressed_public_key(key: ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey) -> bytes:
    """The 33-byte compressed SEC1 form used for device keys (and on chain)."""
    public = key.public_key() if isinstance(key, ec.EllipticCurvePrivateKey) else key
    return public.public_bytes(serialization.Encoding.X962,
                               serialization.PublicFormat.CompressedPoint)


def verify_device_signature(device_key: bytes, signature: bytes, message: bytes) -> None:
    """Returns only if `signature` by `device_key` covers `message`; raises SignatureError
    with reason `device_key_invalid` (not a P-256 point) or `device_signature_invalid`."""
    try:
        public = _cose.public_key_from_bytes(device_key)
    except SignatureError:
        raise SignatureError("The device key is not a valid P-256 point.",
                             reason="device_key_invalid") from None
    _cose.verify(public, signature, message, reason="device_signature_invalid")
