"""SM2 signatures with SM3 (GM/T 0003.2 / GB/T 32918.2) through gmssl-pyx, the C GmSSL
library: its signing nonce comes from GmSSL's CSPRNG. (The pure-Python `gmssl` package
draws its nonce from `random` and must never sign.)

Signatures are raw r||s (64 bytes) like ES256, so the wire format keeps its shape; the
signer's distinguishing identifier (user ID) goes into Z_A as GM/T 0003 requires, and
defaults to 1234567812345678 (GM/T 0009), which is what OpenSSL's `distid` must match.
Public keys travel as 33-byte compressed points, decompressed here on the SM2 curve.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass, field

import gmssl_pyx
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from . import _sm2_libcrypto
from .errors import SignatureError

DEFAULT_USER_ID = b"1234567812345678"
SIGNATURE_BYTES = 64

# The recommended curve of GM/T 0003.5 (sm2p256v1).
P = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF
A = P - 3
B = 0x28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93
N = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123
GX = 0x32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7
GY = 0xBC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0

_SM3_EMPTY = hashlib.new("sm3")  # OpenSSL's SM3, the same code `cryptography` calls


def sm3(data: bytes = b"") -> hashlib._Hash:
    """A fresh SM3 object fed `data` (hashlib-style, like hashlib.sha256)."""
    state = _SM3_EMPTY.copy()  # copying the empty state skips hashlib.new's name lookup
    state.update(data)
    return state


@dataclass(frozen=True)
class Sm2PublicKey:
    """An SM2 public key: the compressed point as registered, and x||y as GmSSL takes it."""

    encoded: bytes  # 33 bytes, 0x02/0x03 || x
    point: bytes = field(repr=False)  # 64 bytes, x || y
    user_id: bytes = DEFAULT_USER_ID

    @classmethod
    def from_bytes(cls, data: bytes, user_id: bytes = DEFAULT_USER_ID) -> Sm2PublicKey:
        """Loads a 33-byte compressed or 65-byte uncompressed SM2 point."""
        if len(data) == 65 and data[0] == 4:
            x, y = int.from_bytes(data[1:33], "big"), int.from_bytes(data[33:], "big")
            if not (x < P and y < P and (y * y - (x * x * x + A * x + B)) % P == 0):
                raise _bad_key()
            return cls(bytes((2 + (y & 1),)) + data[1:33], data[1:], user_id)
        if len(data) != 33 or data[0] not in (2, 3):
            raise _bad_key()
        x = int.from_bytes(data[1:], "big")
        if x >= P:
            raise _bad_key()
        rhs = (x * x * x + A * x + B) % P
        y = pow(rhs, (P + 1) // 4, P)  # P = 3 mod 4: the square root, if one exists
        if y * y % P != rhs:
            raise _bad_key()
        if y & 1 != data[0] - 2:
            y = P - y
        return cls(bytes(data), data[1:] + y.to_bytes(32, "big"), user_id)


@dataclass(frozen=True)
class Sm2PrivateKey:
    """An SM2 private key with its public half (GmSSL signs with both)."""

    secret: bytes = field(repr=False)  # 32 bytes; never printed
    public: Sm2PublicKey

    def public_key(self) -> Sm2PublicKey:
        return self.public


def is_p256_x(encoded: bytes) -> bool:
    """Whether a 33-byte compressed point also decodes on P-256."""
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), encoded)
    except ValueError:
        return False
    return True


def generate(user_id: bytes = DEFAULT_USER_ID) -> Sm2PrivateKey:
    """A new key whose compressed form is NOT also a P-256 point (about every second one),
    so the 33 bytes on the registry name exactly one curve (docs/decisions/0190)."""
    while True:
        point, secret = gmssl_pyx.sm2_key_generate()
        public = Sm2PublicKey(bytes((2 + (point[-1] & 1),)) + point[:32], point, user_id)
        if not is_p256_x(public.encoded):
            return Sm2PrivateKey(secret, public)


def sign(key: Sm2PrivateKey, message: bytes) -> bytes:
    """SM2 over SM3(Z_A || message), returned as r||s."""
    der = gmssl_pyx.sm2_sign(key.secret, key.public.point, message,
                             signer_id=key.public.user_id)
    r, s = decode_dss_signature(der)
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def verify(key: Sm2PublicKey, signature: bytes, message: bytes, *,
           reason: str = "signature_invalid") -> None:
    """Returns only if `signature` (r||s) by `key` covers `message`; raises SignatureError."""
    r = int.from_bytes(signature[:32], "big")
    s = int.from_bytes(signature[32:], "big")
    if len(signature) != SIGNATURE_BYTES or not (0 < r < N and 0 < s < N):
        raise SignatureError("The signature is malformed.", reason=reason)
    if _sm2_libcrypto.available():  # the same check, about 3x faster (decision 0265)
        e = _z_a_state(key.point, key.user_id).copy()
        e.update(message)
        try:
            ok = _sm2_libcrypto.signature_holds(key.point, r, s,
                                                int.from_bytes(e.digest(), "big"))
        except ValueError:  # a key object built around a point that is not on the curve
            raise _bad_key() from None
    else:
        ok = _gmssl_verify(key, r, s, message)
    if not ok:
        raise SignatureError("The signature does not match: the data was altered or signed "
                             "by another key.", reason=reason)


def _gmssl_verify(key: Sm2PublicKey, r: int, s: int, message: bytes) -> bool:
    try:
        return bool(gmssl_pyx.sm2_verify(key.point, message, encode_dss_signature(r, s),
                                         signer_id=key.user_id))
    except gmssl_pyx.GmsslInnerError:
        return False


def z_a(point: bytes, user_id: bytes = DEFAULT_USER_ID) -> bytes:
    """Z_A = SM3(ENTL || ID || a || b || xG || yG || xA || yA), GM/T 0003.2 §5.5."""
    return sm3((len(user_id) * 8).to_bytes(2, "big") + user_id + b"".join(
        v.to_bytes(32, "big") for v in (A, B, GX, GY)) + point).digest()


@functools.lru_cache(maxsize=1024)
def _z_a_state(point: bytes, user_id: bytes) -> hashlib._Hash:
    """SM3 having absorbed Z_A: a signature's e is a copy of it fed the message."""
    return sm3(z_a(point, user_id))


def _bad_key() -> SignatureError:
    return SignatureError("The public key is not a valid SM2 point.", reason="key_invalid")
