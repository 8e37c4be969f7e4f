"""Generates the licence format test vectors in this directory (run from the repo root):

    .venv/bin/python tests/vectors/generate.py

Everything is derived from FIXED TEST KEYS (test_keys.json — test-only, never use them for
anything real), a deterministic seed source and deterministic ECDSA (RFC 6979), so running
the script again reproduces every file byte for byte. tests/licence/test_licence_vectors.py
checks each vector and that the files match this script's output.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sys
import zlib
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import licence
from licence import _cbor, _cose
from licence._base45 import b45encode
from licence.licence import (
    K_CLAIMS,
    K_INDEX,
    K_MULTIPROOF,
    K_PROOF,
    K_PROTECTED,
    K_REGION,
    K_SIGNATURE,
)
from licence.predicates import signing_day

HERE = Path(__file__).resolve().parent
NOW = 1_767_225_600  # 2026-01-01T00:00:00Z
AUTHORITY, KEY_ID = 3, 1
ROW = {
    "family_name": "欧阳", "given_name": "慧敏", "birth_date": "1988-11-30",
    "licence_number": "310115198811304527", "vehicle_classes": "C1,D",
    "issue_date": "2021-06-15", "expiry_date": "2031-06-15", "sex": "F", "nationality": "CHN",
    "address": "上海市浦东新区张江镇碧波路六百九十号",
}
CHALLENGE = bytes.fromhex("00112233445566778899aabbccddeeff")


def test_key(label: str) -> ec.EllipticCurvePrivateKey:
    scalar = int.from_bytes(hashlib.sha256(b"elicence TEST ONLY key " + label.encode()).digest())
    return ec.derive_private_key(scalar % (_ORDER - 1) + 1, ec.SECP256R1())


_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


def counter_bytes(label: bytes):
    state = {"n": 0}

    def take(n: int) -> bytes:
        out = b""
        while len(out) < n:
            out += hashlib.sha256(label + state["n"].to_bytes(8, "big")).digest()
            state["n"] += 1
        return out[:n]

    return take


def json_claims(claims: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in claims.items()}


def qr_of(prefix: str, m: Any) -> str:
    return prefix + b45encode(_cbor.dumps(m))


def build_vectors() -> dict[str, Any]:
    keys = {name: test_key(name) for name in ("authority", "device", "other")}
    pub = licence.compressed_public_key(keys["authority"]).hex()
    claims = licence.load_schema("driving").validate(
        ROW, on=signing_day(NOW))
    refs = [hashlib.sha256(b"status ref %d" % i).digest()[:16] for i in range(40)]
    batch = licence.build_batch(
        AUTHORITY, KEY_ID, keys["authority"], 1, NOW,
        [(claims, NOW, NOW + 5 * 365 * 86400, refs[i]) for i in range(37)],
        random_bytes=counter_bytes(b"vectors batch"))
    device_pub = licence.compressed_public_key(keys["device"])
    bound = licence.build_batch(
        AUTHORITY, KEY_ID, keys["authority"], 1, NOW,
        [(claims, NOW, NOW + 365 * 86400, refs[38 + i], device_pub) for i in range(2)],
        random_bytes=counter_bytes(b"vectors bound")).licences[1]
    # A licence narrower than its batch's scope region ("44") carries its own ("4403").
    regional = licence.build_batch(
        AUTHORITY, KEY_ID, keys["authority"], 1, NOW,
        [licence.LicenceItem(claims, NOW, NOW + 5 * 365 * 86400, refs[35 + i], None, region)
         for i, region in enumerate(("4403", "44", "4403"))],
        random_bytes=counter_bytes(b"vectors regional"), region="44")
    lic = batch.licences[21]
    minimal = lic.disclose(["age_over_18", "vehicle_classes"])
    base = {"authority_public_key": pub, "now": NOW + 30, "challenge": None}
    anchored = [r.root.hex() for r in batch.roots]

    def expected(one: licence.Licence) -> dict[str, Any]:
        return {"authority": AUTHORITY, "key_id": KEY_ID, "licence_type": 1,
                "issued_at": NOW, "subtree_root": one.subtree_root().hex(),
                "status_ref": one.status_ref.hex(), "valid_from": one.valid_from,
                "valid_until": one.valid_until, "claims": json_claims(dict(one.claims))}

    pres = licence.present(bound, ["age_over_18"], keys["device"], NOW + 10, CHALLENGE)
    out: dict[str, Any] = {
        "test_keys.json": {
            "WARNING": "TEST ONLY keys for reproducible vectors. Never use them for real.",
            **{name: {"private_scalar_hex": format(k.private_numbers().private_value, "064x"),
                      "public_compressed_hex": licence.compressed_public_key(k).hex()}
               for name, k in keys.items()}},
        "valid/licence_full.json": {
            **base, "description": "Full driving licence (seed + all claims), batch of 37.",
            "qr": lic.to_qr(), "anchored_roots": anchored, "expected": expected(lic)},
        "valid/licence_minimal.json": {
            **base, "description": "Same licence disclosing age_over_18 and vehicle_classes.",
            "qr": minimal.to_qr(), "anchored_roots": anchored, "expected": expected(minimal)},
        "valid/licence_region.json": {
            **base, "description": "Driving licence carrying its own region 4403 (key 13), "
            "narrower than its batch's scope region 44; a batch of 3.",
            "batch_region": "44", "region": "4403",
            "qr": regional.licences[2].to_qr(),
            "anchored_roots": [r.root.hex() for r in regional.roots],
            "expected": expected(regional.licences[2])},
        "valid/presentation_age_over_18.json": {
            **base, "challenge": CHALLENGE.hex(),
            "description": "Live presentation of a wallet-bound copy showing age_over_18.",
            "qr": pres.to_qr(), "device_public_key": device_pub.hex(),
            "expected": expected(pres.licence)},
        "status/revoked.json": {
            **base, "description": "A valid licence whose status reference was revoked; the "
            "verifier's index holds the StatusChanged event below, so the verdict is revoked.",
            "qr": batch.licences[4].to_qr(), "anchored_roots": anchored,
            "expected": expected(batch.licences[4]),
            "status_event": {"event": "StatusChanged", "authority": AUTHORITY, "status": 1,
                             "until": 0, "reason": 1,
                             "refs": (refs[9] + batch.licences[4].status_ref).hex(),
                             "successors": ""},
            "expected_verdict": "revoked"},
    }
    full = lic.to_map()
    part = minimal.to_map()
    protected = licence.RootHeader.decode_unverified(lic.protected)
    invalid: list[tuple[str, str, str, dict[str, Any]]] = []

    def bad(name: str, reason: str, description: str, qr: str, **extra: Any) -> None:
        invalid.append((name, reason, description, {"qr": qr, **extra}))

    licence_bytes = lic.to_bytes()
    bad("prefix_unknown", "prefix_unknown", "Wrong prefix.", "ELX1:" + lic.to_qr()[5:])
    bad("text_too_long", "text_too_long", "More than 4296 characters.", "ELC1:" + "0" * 4300)
    bad("base45_invalid", "base45_invalid", "Lower-case letters are not base45.",
        lic.to_qr().lower().replace("elc1:", "ELC1:"))
    bad("zlib_invalid", "zlib_invalid", "Truncated zlib stream.",
        "ELC1:" + b45encode(zlib.compress(licence_bytes, 9)[:-4]))
    bad("decompressed_too_large", "decompressed_too_large", "A zlib bomb (expands > 8192 B).",
        "ELC1:" + b45encode(zlib.compress(b"\xa0" * 100_000, 9)))
    bad("cbor_trailing", "cbor_invalid", "A byte after the licence map.",
        "ELC1:" + b45encode(licence_bytes + b"\x00"))
    bad("cbor_not_canonical", "cbor_not_canonical", "Map length in a needless extra byte.",
        "ELC1:" + b45encode(b"\xb8" + bytes([licence_bytes[0] & 31]) + licence_bytes[1:]))
    bad("cbor_too_deep", "cbor_too_deep", "Arrays nested six deep.",
        "ELC1:" + b45encode(b"\x81" * 6 + b"\x00"))
    bad("missing_signature", "structure_invalid", "The signature field (2) is absent.",
        qr_of("ELC1:", {k: v for k, v in full.items() if k != K_SIGNATURE}))
    bad("claim_unknown", "claim_unknown", "Claim key 23 is not in the driving schema.",
        qr_of("ELC1:", {**full, K_CLAIMS: {**full[K_CLAIMS], 23: "x"}}))
    bad("claim_invalid", "claim_invalid", "Vehicle class Z is not a Chinese class.",
        qr_of("ELC1:", {**full, K_CLAIMS: {**full[K_CLAIMS], 5: ["Z"]}}))
    other_type = licence.RootHeader(protected.authority, protected.key_id, 9,
                                    protected.issued_at, protected.subtree_size).encode()
    bad("licence_type_unknown", "licence_type_unknown", "Signed header names licence type 9.",
        qr_of("ELC1:", {**full, K_PROTECTED: other_type}))
    es384 = _cbor.dumps({**_cbor.loads_limited(lic.protected), 1: -35})
    bad("algorithm_unsupported", "algorithm_unsupported", "Signed header says ES384.",
        qr_of("ELC1:", {**full, K_PROTECTED: es384}))
    bad("proof_too_deep", "proof_too_deep", "A batch proof of 21 nodes.",
        qr_of("ELC1:", {**full, K_PROOF: b"\x00" * 16 * 21}))
    bad("claim_altered", "signature_invalid", "family_name changed after signing.",
        qr_of("ELC1:", {**full, K_CLAIMS: {**full[K_CLAIMS], 1: "王"}}))
    bad("age_altered", "signature_invalid", "age_over_60 flipped in a full licence.",
        qr_of("ELC1:", {**full, K_CLAIMS: {**full[K_CLAIMS], 13: True}}))
    bad("multiproof_extra_node", "claims_proof_invalid", "One node too many in the multiproof.",
        qr_of("ELC1:", {**part, K_MULTIPROOF: part[K_MULTIPROOF] + b"\x00" * 16}))
    bad("batch_proof_short", "proof_invalid", "Last batch proof node removed.",
        qr_of("ELC1:", {**full, K_PROOF: full[K_PROOF][:-16]}))
    bad("leaf_index_out_of_range", "leaf_index_out_of_range", "Leaf index beyond subtree size.",
        qr_of("ELC1:", {**full, K_INDEX: protected.subtree_size}))
    own = regional.licences[2].to_map()
    bad("region_altered", "signature_invalid", "The licence's own region changed after "
        "signing (4403 to 4401).", qr_of("ELC1:", {**own, K_REGION: "4401"}))
    bad("region_removed", "signature_invalid", "The licence's own region removed after "
        "signing, to pass as its batch's wider region.",
        qr_of("ELC1:", {k: v for k, v in own.items() if k != K_REGION}))
    bad("region_invalid", "region_invalid", "Region 440 has an odd number of digits.",
        qr_of("ELC1:", {**own, K_REGION: "440"}))
    other_sig = _cose.sign(keys["other"], _cose.sig_structure(lic.protected,
                                                              _cose.LICENCE_CONTEXT,
                                                              lic.subtree_root()))
    bad("signed_by_other_key", "signature_invalid", "Root signed by a key that is not the "
        "authority's.", qr_of("ELC1:", {**full, K_SIGNATURE: other_sig}))
    bad("presentation_stale", "presentation_stale", "Presented 61 s before `now`.",
        pres.to_qr(), now=NOW + 10 + 61, challenge=CHALLENGE.hex())
    tampered = pres.body.replace((NOW + 10).to_bytes(4, "big"), (NOW + 11).to_bytes(4, "big"))
    bad("presentation_time_altered", "device_signature_invalid", "Presentation time changed "
        "after the device signed.", "ELP1:" + b45encode(_cbor.dumps([tampered, pres.signature])),
        challenge=CHALLENGE.hex())
    bad("challenge_mismatch", "challenge_mismatch", "Verifier expected another challenge.",
        pres.to_qr(), challenge="ffeeddccbbaa99887766554433221100")
    bad("bound_copy_as_elc1", "bound_licence_not_live", "A wallet-bound copy shown as a "
        "printed licence, without the device's live signature.", bound.to_qr())
    for name, reason, description, fields in invalid:
        out[f"invalid/{name}.json"] = {**base, "description": description, "reason": reason,
                                       **fields}
    return out


def render(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=2) + "\n"


def main() -> None:
    for rel, obj in build_vectors().items():
        path = HERE / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render(obj), encoding="utf-8")
        print("wrote", path.relative_to(HERE.parents[1]))


if __name__ == "__main__":
    main()
