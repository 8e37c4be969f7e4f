"""The JOSE pieces the JWT-based exports share: base64url, EC JWKs and compact JWS signed by
a `Signer` (a key file or a PKCS#11 token key alike).

ES256 only: JOSE registers no algorithm for SM2, so an SM2 key cannot sign a JWS that
anyone else's library would accept (docs/decisions/0200).
"""

from __future__ import annotations

import base64
import binascii
import json
from functools import lru_cache
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from .. import _cose
from .._suites import ES256
from ..errors import SignatureError
from ..signer import Signer
from .errors import ExportError

SM2_REFUSAL = ("Exports are signed with ES256 only: JOSE and COSE register no algorithm for SM2, "
               "so register an ES256 key for the authority (elicence authority add-key ID "
               "--algorithm es256) and export with it.")


# One encoder and one translation table for every call: an SD-JWT VC export makes ~40
# base64url strings and ~15 JSON texts per licence, and json.dumps with non-default options
# builds a new encoder each time (bench/export.py).
_URLSAFE = bytes.maketrans(b"+/", b"-_")
_COMPACT = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


def b64url(data: bytes) -> str:
    return binascii.b2a_base64(data, newline=False).translate(_URLSAFE).rstrip(b"=").decode(
        "ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def compact_json(value: Any) -> bytes:
    return _COMPACT.encode(value).encode("utf-8")


def require_es256(signer: Signer) -> None:
    if signer.suite is not ES256:
        raise ExportError(SM2_REFUSAL, reason="export_algorithm_unsupported")


def ec_jwk(public_key: bytes) -> dict[str, str]:
    """The public JWK of a 33-byte compressed (or 65-byte) P-256 point."""
    try:
        key = _cose.public_key_from_bytes(public_key)
    except SignatureError:
        raise ExportError(SM2_REFUSAL, reason="export_algorithm_unsupported") from None
    numbers = key.public_numbers()
    return {"kty": "EC", "crv": "P-256", "x": b64url(numbers.x.to_bytes(32, "big")),
            "y": b64url(numbers.y.to_bytes(32, "big"))}


def holder_key(jwk: dict[str, Any]) -> ec.EllipticCurvePublicKey:
    """Checks a holder's public JWK (a P-256 point, no private part) and returns the key."""
    if not isinstance(jwk, dict) or jwk.get("kty") != "EC" or jwk.get("crv") != "P-256":
        raise ExportError("The holder key is not a P-256 public JWK (kty EC, crv P-256): "
                          "give the wallet's device public key.", reason="holder_key_invalid")
    if "d" in jwk:
        raise ExportError("The holder key file holds a private key: give only the public "
                          "JWK, the private half stays on the holder's device.",
                          reason="holder_key_invalid")
    x, y = jwk.get("x"), jwk.get("y")
    if not isinstance(x, str) or not isinstance(y, str):
        raise ExportError(_NOT_ON_CURVE, reason="holder_key_invalid")
    return _point(x, y)


_NOT_ON_CURVE = ("The holder key's x and y are not a point on P-256: give the wallet's device "
                 "public key as a JWK.")


@lru_cache(maxsize=256)
def _point(x: str, y: str) -> ec.EllipticCurvePublicKey:
    # Checking the point costs as much as a signature: a bulk export checks each key once.
    try:
        numbers = (int.from_bytes(b64url_decode(v), "big") for v in (x, y))
        return ec.EllipticCurvePublicNumbers(*numbers, ec.SECP256R1()).public_key()
    except (TypeError, ValueError):
        raise ExportError(_NOT_ON_CURVE, reason="holder_key_invalid") from None


def public_holder_jwk(jwk: dict[str, Any]) -> dict[str, str]:
    """The holder key reduced to its public members, after checking it."""
    holder_key(jwk)
    return {"kty": "EC", "crv": "P-256", "x": jwk["x"], "y": jwk["y"]}


def sign_compact(header: dict[str, Any], payload: dict[str, Any], signer: Signer) -> str:
    """A compact JWS; the signer's r||s is exactly JWS ES256's signature form."""
    require_es256(signer)
    signing_input = f"{b64url(compact_json(header))}.{b64url(compact_json(payload))}"
    return f"{signing_input}.{b64url(signer.sign(signing_input.encode('ascii')))}"
