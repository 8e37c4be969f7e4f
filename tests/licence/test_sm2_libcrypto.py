"""The SM2 check on libcrypto with per-key tables (licence/_sm2_libcrypto.py) gives GmSSL's
verdict on every genuine and altered signature, at the edges of the scalar range, and
from several threads at once."""

from __future__ import annotations

import os
import random
import threading

import pytest

from licence import SignatureError, _sm2, _sm2_libcrypto
from licence._sm2 import N


def test_the_libcrypto_check_runs_on_this_platform():
    # Debian's OpenSSL 3 has every function it needs; a silent fallback would hide a
    # threefold slowdown of fresh-root verification.
    assert _sm2_libcrypto.available()


def _both(key: _sm2.Sm2PublicKey, signature: bytes, message: bytes) -> tuple[bool, bool]:
    """(libcrypto's verdict, GmSSL's verdict) on one signature."""
    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    e = _sm2._z_a_state(key.point, key.user_id).copy()
    e.update(message)
    fast = _sm2_libcrypto.signature_holds(key.point, r, s, int.from_bytes(e.digest(), "big"))
    return fast, _sm2._gmssl_verify(key, r, s, message)


def test_genuine_and_altered_signatures_get_gmssls_verdict():
    rng = random.Random(16)
    keys = [_sm2.generate() for _ in range(6)]
    other_id = _sm2.generate(user_id=b"ALICE123@YAHOO.COM")
    for round_ in range(60):
        key = keys[round_ % len(keys)]
        message = os.urandom(rng.randrange(0, 300))
        signature = _sm2.sign(key, message)
        assert _both(key.public, signature, message) == (True, True)
        flipped = bytearray(signature)
        flipped[rng.randrange(64)] ^= 1 << rng.randrange(8)
        altered = [
            (key.public, bytes(flipped), message),
            (key.public, signature, message + b"\x00"),
            (keys[(round_ + 1) % len(keys)].public, signature, message),
            (_sm2.Sm2PublicKey(key.public.encoded, key.public.point, other_id.public.user_id),
             signature, message),
        ]
        for public, sig, msg in altered:
            r, s = int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big")
            if 0 < r < N and 0 < s < N:
                assert _both(public, sig, msg) == (False, False)
            with pytest.raises(SignatureError):
                _sm2.verify(public, sig, msg)


def test_r_plus_s_equal_to_the_order_is_refused():
    key = _sm2.generate()
    signature = _sm2.sign(key, b"m")
    r = int.from_bytes(signature[:32], "big")
    forged = signature[:32] + (N - r).to_bytes(32, "big")  # t = (r + s) mod n = 0
    assert _both(key.public, forged, b"m") == (False, False)
    with pytest.raises(SignatureError, match="does not match"):
        _sm2.verify(key.public, forged, b"m")


def test_checks_from_many_threads_keep_their_own_scratch_values():
    keys = [_sm2.generate() for _ in range(4)]
    signed = [(k, m, _sm2.sign(k, m)) for k in keys for m in (b"a", b"bb", b"ccc")]
    failures: list[str] = []

    def work(offset: int) -> None:
        for i in range(150):
            key, message, signature = signed[(offset + i) % len(signed)]
            try:
                _sm2.verify(key.public, signature, message)
            except SignatureError:
                failures.append("genuine refused")
            try:
                _sm2.verify(key.public, signature, message + b"!")
                failures.append("altered accepted")
            except SignatureError:
                pass

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


def test_z_a_matches_the_standards_example():
    # GM/T 0003.5 A.2: the published Z_A for its key and the default user ID.
    point = bytes.fromhex("09f9df311e5421a150dd7d161e4bc5c672179fad1833fc076bb08ff356f35020"
                          "ccea490ce26775a52dc6ea718cc1aa600aed05fbf35e084a6632f6072da9ad13")
    assert _sm2.z_a(point).hex() == (
        "b2e14c5c79c6df5b85f4fe7ed8db7a262b9da7e07ccb0ea9f4747b8ccda8a4f3")


def test_a_key_object_off_the_curve_is_refused_as_a_key():
    key = _sm2.generate()
    signature = _sm2.sign(key, b"m")
    x, y = key.public.point[:32], int.from_bytes(key.public.point[32:], "big")
    off = _sm2.Sm2PublicKey(key.public.encoded, x + ((y + 1) % _sm2.P).to_bytes(32, "big"))
    with pytest.raises(SignatureError) as caught:
        _sm2.verify(off, signature, b"m")
    assert caught.value.reason == "key_invalid"
