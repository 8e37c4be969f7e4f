"""The SM2 signature check's curve arithmetic on OpenSSL 3's libcrypto, with tables
precomputed per key.

A check computes (x1, y1) = s·G + t·P and compares (e + x1) mod n with r (GM/T 0003.2
§7.1). GmSSL (gmssl-pyx) does this in about 0.9 ms here, OpenSSL's generic curve code in
about 0.5 ms; most of it is the 256 point doublings. A registry holds few keys and each
signs for years, so this module gives G and every key P a precomputed multiples table
(EC_GROUP_precompute_mult on a curve group whose generator is that point, about 1 ms once
per key) and computes s·G and t·P each from its table: about 0.25 ms per check
(docs/decisions/0265).

Only public data passes through here (verification), so OpenSSL's variable-time wNAF code
is fine. The groups are built from the explicit curve parameters, so OpenSSL's generic
Montgomery code runs whatever curve-specific code a build has for the named SM2 curve
(whose tables assume the standard generator). A self-test with the GM/T 0003.5 example,
and a tampered copy of it, runs at load; if libcrypto is missing, lacks these functions
or fails the test, `available()` is False and _sm2 checks with GmSSL alone.

ctypes releases the GIL during each call, so the scratch numbers and points are per
thread; the groups are only read once built.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import threading
from typing import Any

_vp = ctypes.c_void_p
_int = ctypes.c_int
_PROTOTYPES: dict[str, tuple[Any, list[Any]]] = {
    "BN_CTX_new": (_vp, []),
    "BN_CTX_free": (None, [_vp]),
    "BN_new": (_vp, []),
    "BN_free": (None, [_vp]),
    "BN_bin2bn": (_vp, [ctypes.c_char_p, _int, _vp]),
    "BN_bn2binpad": (_int, [_vp, ctypes.c_char_p, _int]),
    "EC_GROUP_new_curve_GFp": (_vp, [_vp, _vp, _vp, _vp]),
    "EC_GROUP_set_generator": (_int, [_vp, _vp, _vp, _vp]),
    "EC_GROUP_precompute_mult": (_int, [_vp, _vp]),
    "EC_GROUP_free": (None, [_vp]),
    "EC_POINT_new": (_vp, [_vp]),
    "EC_POINT_free": (None, [_vp]),
    "EC_POINT_oct2point": (_int, [_vp, _vp, ctypes.c_char_p, ctypes.c_size_t, _vp]),
    "EC_POINT_mul": (_int, [_vp, _vp, _vp, _vp, _vp, _vp]),
    "EC_POINT_add": (_int, [_vp, _vp, _vp, _vp, _vp]),
    "EC_POINT_get_affine_coordinates": (_int, [_vp, _vp, _vp, _vp, _vp]),
}

# GM/T 0003.5 sm2p256v1 (the same numbers as _sm2's, which imports this module).
_P = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF
_A = _P - 3
_B = 0x28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93
_N = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123
_G = bytes.fromhex("32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7"
                   "BC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0")


def _load() -> Any:
    name = ctypes.util.find_library("crypto")
    if name is None:
        return None
    try:
        lib = ctypes.CDLL(name)
        version = lib.OpenSSL_version_num
        version.restype = ctypes.c_ulong
        if version() < 0x30000000:
            return None
        for symbol, (restype, argtypes) in _PROTOTYPES.items():
            function = getattr(lib, symbol)
            function.restype, function.argtypes = restype, argtypes
    except (OSError, AttributeError):
        return None
    return lib


_lib = _load()


class _Scratch(threading.local):
    """One thread's working numbers and points (any group of ours can use them: every
    group is the same curve with the same Montgomery field)."""

    def __init__(self) -> None:
        self.lib = _lib
        self.ctx = _lib.BN_CTX_new()
        self.s, self.t, self.x, self.zero = (_lib.BN_new() for _ in range(4))
        self.sg, self.tp = _lib.EC_POINT_new(_base.group), _lib.EC_POINT_new(_base.group)
        self.out = ctypes.create_string_buffer(32)
        if not all((self.ctx, self.s, self.t, self.x, self.zero, self.sg, self.tp)):
            raise MemoryError("libcrypto could not allocate SM2 scratch values")

    def __del__(self) -> None:
        lib = self.lib  # held: at interpreter exit the module's globals may be gone
        for point in (self.sg, self.tp):
            lib.EC_POINT_free(point)
        for number in (self.s, self.t, self.x, self.zero):
            lib.BN_free(number)
        lib.BN_CTX_free(self.ctx)


class _Table:
    """The SM2 curve with `point` (64 bytes, x||y) as its generator and that point's
    precomputed multiples: t·point costs a handful of doublings instead of 256."""

    def __init__(self, point: bytes) -> None:
        self.lib = _lib
        self.group = self.generator = None
        ctx = _lib.BN_CTX_new()
        numbers = [_lib.BN_bin2bn(v.to_bytes(32, "big"), 32, None) for v in (_P, _A, _B, _N)]
        one = _lib.BN_bin2bn(b"\x01", 1, None)
        try:
            self.group = _lib.EC_GROUP_new_curve_GFp(*numbers[:3], ctx)
            self.generator = _lib.EC_POINT_new(self.group) if self.group else None
            # oct2point refuses a point that is not on the curve.
            ok = (self.generator is not None
                  and _lib.EC_POINT_oct2point(self.group, self.generator, b"\x04" + point, 65,
                                              ctx)
                  and _lib.EC_GROUP_set_generator(self.group, self.generator, numbers[3], one)
                  and _lib.EC_GROUP_precompute_mult(self.group, ctx))
        finally:
            for number in (*numbers, one):
                _lib.BN_free(number)
            _lib.BN_CTX_free(ctx)
        if not ok:
            raise ValueError("libcrypto refused the SM2 point")

    def __del__(self) -> None:
        if self.generator:
            self.lib.EC_POINT_free(self.generator)
        if self.group:
            self.lib.EC_GROUP_free(self.group)


def _sum_x(key: _Table, s: int, t: int) -> int | None:
    """x of s·G + t·P (P: `key`'s point), or None for the point at infinity."""
    scratch = _scratch
    _lib.BN_bin2bn(s.to_bytes(32, "big"), 32, scratch.s)
    _lib.BN_bin2bn(t.to_bytes(32, "big"), 32, scratch.t)
    # Each product on its own table. The zero multiple of a second point keeps OpenSSL
    # on its table-using path (a lone scalar goes to its constant-time ladder instead).
    if not (_lib.EC_POINT_mul(_base.group, scratch.sg, scratch.s, _base.generator,
                              scratch.zero, scratch.ctx)
            and _lib.EC_POINT_mul(key.group, scratch.tp, scratch.t, key.generator,
                                  scratch.zero, scratch.ctx)
            and _lib.EC_POINT_add(_base.group, scratch.sg, scratch.sg, scratch.tp,
                                  scratch.ctx)
            and _lib.EC_POINT_get_affine_coordinates(_base.group, scratch.sg, scratch.x, None,
                                                     scratch.ctx)):
        return None  # the sum is the point at infinity (or libcrypto failed): no x
    _lib.BN_bn2binpad(scratch.x, scratch.out, 32)
    return int.from_bytes(scratch.out.raw, "big")


@functools.lru_cache(maxsize=1024)
def _table(point: bytes) -> _Table:
    return _Table(point)


def signature_holds(point: bytes, r: int, s: int, e: int) -> bool:
    """GM/T 0003.2 §7.1 B5–B7 for public key `point` (64 bytes), signature (r, s) already
    checked to lie in [1, n-1], and e = SM3(Z_A || message) as an integer."""
    t = (r + s) % _N
    if t == 0:
        return False
    x1 = _sum_x(_table(point), s, t)
    return x1 is not None and (e + x1) % _N == r


def _self_test() -> bool:
    """The GM/T 0003.5 A.2 example holds, and fails with r, s or e changed."""
    point = bytes.fromhex("09f9df311e5421a150dd7d161e4bc5c672179fad1833fc076bb08ff356f35020"
                          "ccea490ce26775a52dc6ea718cc1aa600aed05fbf35e084a6632f6072da9ad13")
    e = 0xF0B43E94BA45ACCAACE692ED534382EB17E6AB5A19CE7B31F4486FDFC0D28640
    r = 0xF5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3
    s = 0xB1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA
    try:
        return (signature_holds(point, r, s, e) and not signature_holds(point, r, s, e + 1)
                and not signature_holds(point, r, s + 1, e)
                and not signature_holds(point, r + 1, s, e))
    except (ValueError, MemoryError):
        return False
    finally:
        _table.cache_clear()


_base: Any = None
_scratch: Any = None
if _lib is not None:
    try:
        _base = _Table(_G)
        _scratch = _Scratch()
    except (ValueError, MemoryError):
        _lib = None
if _lib is not None and not _self_test():
    _lib = None


def available() -> bool:
    """Whether SM2 checks run here (else _sm2 uses GmSSL's sm2_verify)."""
    return _lib is not None
