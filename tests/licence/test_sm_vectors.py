"""Known answers for SM3 (GB/T 32905) and SM2 (GM/T 0003.5), and interoperation with
OpenSSL's command line (`openssl pkeyutl -rawin -digest sm3 -pkeyopt distid:...`)."""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
from pathlib import Path

import gmssl_pyx
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from licence import SignatureError, _sm2, claims_tree

VECTORS = Path(__file__).resolve().parents[1] / "vectors"
SM3 = json.loads((VECTORS / "sm3.json").read_text(encoding="utf-8"))
SM2 = json.loads((VECTORS / "sm2.json").read_text(encoding="utf-8"))
GX = 0x32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7
GY = 0xBC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0


# -- a textbook reference of the standard's formulas, only to recompute the known answers
def _add(p1, p2):
    if p1 is None:
        return p2
    if p2 is None:
        return p1
    (x1, y1), (x2, y2) = p1, p2
    if x1 == x2 and (y1 + y2) % _sm2.P == 0:
        return None
    if p1 == p2:
        lam = (3 * x1 * x1 + _sm2.A) * pow(2 * y1, -1, _sm2.P)
    else:
        lam = (y2 - y1) * pow(x2 - x1, -1, _sm2.P)
    x3 = (lam * lam - x1 - x2) % _sm2.P
    return x3, (lam * (x1 - x3) - y1) % _sm2.P


def _mul(k, point=(GX, GY)):
    out = None
    while k:
        if k & 1:
            out = _add(out, point)
        point, k = _add(point, point), k >> 1
    return out


def _z_a(user_id: bytes, px: int, py: int) -> bytes:
    data = (len(user_id) * 8).to_bytes(2, "big") + user_id + b"".join(
        v.to_bytes(32, "big") for v in (_sm2.A, _sm2.B, GX, GY, px, py))
    return _sm2.sm3(data).digest()


# -- SM3
@pytest.mark.parametrize("vector", SM3["gbt32905"], ids=lambda v: v["name"])
def test_sm3_known_answers_from_every_implementation(vector):
    message = vector["message_ascii"].encode()
    assert _sm2.sm3(message).hexdigest() == vector["digest"]
    digest = hashes.Hash(hashes.SM3())
    digest.update(message)
    assert digest.finalize().hex() == vector["digest"]
    assert gmssl_pyx.sm3_hash(message).hex() == vector["digest"]


def test_sm3_state_copies_do_not_leak_between_calls():
    first = _sm2.sm3(b"abc")
    first.update(b"more")
    assert _sm2.sm3(b"abc").hexdigest() == SM3["gbt32905"][0]["digest"]


def test_licence_salts_are_hmac_sm3():
    seed = bytes(range(16))
    keys = [bytes((k,)) for k in range(12)]
    salts = claims_tree.derive_salts(seed, keys, _sm2.sm3)
    assert salts == [gmssl_pyx.sm3_hmac(seed, k)[:16] for k in keys]
    assert salts != claims_tree.derive_salts(seed, keys)  # SHA-256 salts differ


# -- SM2 (GM/T 0003.5)
@pytest.mark.parametrize("vector", SM2["gmt0003"], ids=lambda v: v["name"])
def test_sm2_example_recomputed_by_the_standards_formulas(vector):
    d, k = int(vector["private_key"], 16), int(vector["k"], 16)
    px, py = _mul(d)
    assert (px, py) == (int(vector["public_x"], 16), int(vector["public_y"], 16))
    z_a = _z_a(vector["user_id_ascii"].encode(), px, py)
    assert z_a.hex() == vector["z_a"]
    e = _sm2.sm3(z_a + vector["message_ascii"].encode()).digest()
    assert e.hex() == vector["e"]
    r = (int.from_bytes(e, "big") + _mul(k)[0]) % _sm2.N
    s = pow(1 + d, -1, _sm2.N) * (k - r * d) % _sm2.N
    assert (f"{r:064x}", f"{s:064x}") == (vector["r"], vector["s"])


def _vector_key(vector) -> _sm2.Sm2PublicKey:
    y = int(vector["public_y"], 16)
    encoded = bytes((2 + (y & 1),)) + bytes.fromhex(vector["public_x"])
    return _sm2.Sm2PublicKey.from_bytes(encoded, vector["user_id_ascii"].encode())


@pytest.mark.parametrize("vector", SM2["gmt0003"], ids=lambda v: v["name"])
def test_sm2_example_verifies_with_the_format_verifier(vector):
    key = _vector_key(vector)
    assert key.point.hex() == vector["public_x"] + vector["public_y"]
    _sm2.verify(key, bytes.fromhex(vector["r"] + vector["s"]), vector["message_ascii"].encode())


@pytest.mark.parametrize("bad", SM2["invalid"], ids=lambda v: v["name"])
def test_sm2_example_altered_is_refused(bad):
    vector = {**SM2["gmt0003"][0], bad["change"]: bad["value"]}
    key = _vector_key(vector)
    with pytest.raises(SignatureError) as caught:
        _sm2.verify(key, bytes.fromhex(vector["r"] + vector["s"]),
                    vector["message_ascii"].encode())
    assert caught.value.reason == bad["reason"]


def test_compressed_and_uncompressed_keys_agree_and_off_curve_points_are_refused():
    key = _sm2.generate()
    assert _sm2.Sm2PublicKey.from_bytes(b"\x04" + key.public.point) == key.public
    assert not _sm2.is_p256_x(key.public.encoded)  # registrable: names one curve
    for bad in (b"\x02" + b"\xff" * 32, b"\x05" + key.public.encoded[1:], key.public.encoded[:-1]):
        with pytest.raises(SignatureError) as caught:
            _sm2.Sm2PublicKey.from_bytes(bad)
        assert caught.value.reason == "key_invalid"


def test_sm2_signing_nonce_is_fresh_each_time():
    key = _sm2.generate()
    assert _sm2.sign(key, b"same message") != _sm2.sign(key, b"same message")


# -- OpenSSL's command line
def _spki_pem(point: bytes) -> str:
    """SubjectPublicKeyInfo of an SM2 point: id-ecPublicKey with the sm2 curve OID."""
    der = bytes.fromhex("3059301306072a8648ce3d020106082a811ccf5501822d034200") + b"\x04" + point
    return ("-----BEGIN PUBLIC KEY-----\n" + base64.encodebytes(der).decode()
            + "-----END PUBLIC KEY-----\n")


def _openssl(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["openssl", *args], capture_output=True, check=False, timeout=60)


@pytest.mark.parametrize("user_id", [_sm2.DEFAULT_USER_ID, b"ALICE123@YAHOO.COM"])
def test_openssl_verifies_our_sm2_signatures(tmp_path, user_id):
    key = _sm2.generate(user_id)
    message = b"elicence interop \xe7\x94\xb5\xe5\xad\x90\xe8\xaf\x81\xe7\x85\xa7"
    signature = _sm2.sign(key, message)
    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    (tmp_path / "pub.pem").write_text(_spki_pem(key.public.point))
    (tmp_path / "msg").write_bytes(message)
    (tmp_path / "sig").write_bytes(encode_dss_signature(r, s))
    verify = ["pkeyutl", "-verify", "-pubin", "-inkey", str(tmp_path / "pub.pem"), "-rawin",
              "-digest", "sm3", "-pkeyopt", f"distid:{user_id.decode()}",
              "-in", str(tmp_path / "msg"), "-sigfile", str(tmp_path / "sig")]
    done = _openssl(*verify)
    assert done.returncode == 0, done.stderr
    assert b"Signature Verified Successfully" in done.stdout
    (tmp_path / "msg").write_bytes(message + b".")
    assert _openssl(*verify).returncode != 0  # and OpenSSL does refuse a changed message


@pytest.mark.parametrize("user_id", [_sm2.DEFAULT_USER_ID, b"ALICE123@YAHOO.COM"])
def test_we_verify_openssl_sm2_signatures(tmp_path, user_id):
    key_pem, message = tmp_path / "key.pem", b"signed by OpenSSL"
    (tmp_path / "msg").write_bytes(message)
    assert _openssl("genpkey", "-algorithm", "SM2", "-out", str(key_pem)).returncode == 0
    spki = _openssl("pkey", "-in", str(key_pem), "-pubout", "-outform", "DER").stdout
    point = spki[-65:]
    assert point[0] == 4
    done = _openssl("pkeyutl", "-sign", "-inkey", str(key_pem), "-rawin", "-digest", "sm3",
                    "-pkeyopt", f"distid:{user_id.decode()}", "-in", str(tmp_path / "msg"))
    assert done.returncode == 0, done.stderr
    r, s = decode_dss_signature(done.stdout)
    signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    key = _sm2.Sm2PublicKey.from_bytes(point, user_id)
    _sm2.verify(key, signature, message)
    with pytest.raises(SignatureError):
        _sm2.verify(key, signature, message + b"!")
    other_id = _sm2.Sm2PublicKey.from_bytes(point, b"another signer")
    with pytest.raises(SignatureError):  # the user ID is part of what is signed
        _sm2.verify(other_id, signature, message)


def test_hashlib_provides_sm3():
    assert "sm3" in hashlib.algorithms_available
