"""Generates tests/vectors/sm2_licence.json: licences signed with SM2 and hashed with SM3
(run from the repo root):

    .venv/bin/python tests/vectors/sm_generate.py

The key is the PUBLISHED example key of GM/T 0003.5 (tests/vectors/sm2.json) — test-only,
never for anything real. Seeds are deterministic, so every SM3 value (claims root, leaf
hash, subtree root) is reproduced exactly; SM2 signatures take a fresh random nonce, so
the signature (and with it the QR text) differs on each run, and
tests/licence/test_sm_licence_vectors.py checks the vector rather than the file's bytes.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import licence
from licence import _sm2
from licence.predicates import signing_day

HERE = Path(__file__).resolve().parent
NOW = 1_767_225_600  # 2026-01-01T00:00:00Z
AUTHORITY, KEY_ID = 3, 1
ROW = {
    "family_name": "欧阳", "given_name": "慧敏", "birth_date": "1988-11-30",
    "licence_number": "310115198811304527", "vehicle_classes": "C1, D",
    "issue_date": "2021-06-15", "expiry_date": "2031-06-15", "sex": "F", "nationality": "CHN",
    "address": "上海市浦东新区张江镇碧波路六百九十号",
}


def example_key() -> licence.Sm2PrivateKey:
    vector = json.loads((HERE / "sm2.json").read_text(encoding="utf-8"))["gmt0003"][0]
    y = int(vector["public_y"], 16)
    encoded = bytes((2 + (y & 1),)) + bytes.fromhex(vector["public_x"])
    return licence.Sm2PrivateKey(bytes.fromhex(vector["private_key"]),
                                 _sm2.Sm2PublicKey.from_bytes(encoded))


def counter_bytes(label: bytes):
    state = {"n": 0}

    def take(n: int) -> bytes:
        out = b""
        while len(out) < n:
            out += hashlib.sha256(label + state["n"].to_bytes(8, "big")).digest()
            state["n"] += 1
        return out[:n]

    return take


def build() -> dict:
    key = example_key()
    claims = licence.load_schema("driving").validate(
        ROW, on=signing_day(NOW))
    items = [licence.LicenceItem(claims, NOW, NOW + 10 * 365 * 86_400,
                                 hashlib.sha256(b"sm2-ref" + bytes([i])).digest()[:16])
             for i in range(37)]
    batch = licence.build_batch(AUTHORITY, KEY_ID, key, 1, NOW, items,
                                random_bytes=counter_bytes(b"sm2-vector"))
    full = batch.licences[2]
    minimal = full.disclose(["age_over_18", "vehicle_classes"])
    return {
        "description": "Licences of an SM2-with-SM3 authority (TEST-ONLY key: the published "
                       "GM/T 0003.5 example key). SM3 values are exact; the signature is "
                       "randomised, so verify it rather than compare it.",
        "authority_public_key": key.public.encoded.hex(),
        "user_id_ascii": key.public.user_id.decode(),
        "now": NOW + 86_400,
        "anchored_roots": [r.root.hex() for r in batch.roots],
        "vectors": [
            {"name": name, "qr": lic.to_qr(), "expected": {
                "alg": licence.SM2_SM3.alg, "authority": AUTHORITY, "key_id": KEY_ID,
                "licence_type": 1, "issued_at": NOW, "subtree_size": lic.header.subtree_size,
                "claims_root": lic.claims_root().hex(), "leaf_hash": lic.leaf_hash().hex(),
                "subtree_root": lic.subtree_root().hex(), "claims": sorted(lic.claims)}}
            for name, lic in (("full", full), ("age_over_18 and vehicle_classes", minimal))
        ],
    }


if __name__ == "__main__":
    (HERE / "sm2_licence.json").write_text(
        json.dumps(build(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print("wrote tests/vectors/sm2_licence.json")
