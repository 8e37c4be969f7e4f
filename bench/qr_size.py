"""QR sizes of licences and live presentations, plus per-licence issuance cost.

Prints a table and writes bench/results/qr_size.json. Run: .venv/bin/python bench/qr_size.py
Claim values are realistic worst-ish: compound Chinese names, a ~20-character CJK address.
"""

from __future__ import annotations

import os
import sys
import time
import zlib
from pathlib import Path

import qrcode
from cryptography.hazmat.primitives.asymmetric import ec

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import licence
from bench.results_file import write_results
from licence._base45 import b45decode

ROW = {
    "family_name": "欧阳",
    "given_name": "慧敏晓",
    "birth_date": "1988-11-30",
    "licence_number": "310115198811304527",
    "vehicle_classes": "A1,A2,B2,C1,D",
    "issue_date": "2021-06-15",
    "expiry_date": "2031-06-15",
    "sex": "F",
    "nationality": "CHN",
    "address": "上海市浦东新区张江镇碧波路六百九十号三号楼十二层",
}
BUSINESS_ROW = {
    "credit_code": "91320102MA1X2Y3K4F", "company_name": "南京恒达信息技术有限公司",
    "legal_representative": "李明", "company_type": "有限责任公司（自然人投资或控股）",
    "registered_capital": "1000万元人民币", "established_date": "2015-03-02",
    "business_scope": "软件开发；信息技术咨询服务；数据处理和存储支持服务",
    "address": "江苏省南京市玄武区珠江路88号", "expiry_date": "2045-03-01",
}
MINIMAL = ["age_over_18", "vehicle_classes"]
BARS = {"ELC1 full": 18, "ELC1 minimal": 15, "ELP1 full": 20, "ELP1 age_over_18": 15,
        "ELP1 agent full": 20, "ELD1 handover full": 20, "ELC1 SM2 full": 18}
SM2_BATCH = 10_000  # the SM2 bar's batch size (issue #16)
BOUND_BATCH = 256  # bound copies are re-anchored in small batches (16 subtrees of 16)
NOW = 1_770_000_000


def qr_version(text: str) -> int:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(text, optimize=0)
    code.make(fit=True)
    return code.version


def measure(label: str, batch: int, text: str) -> dict[str, object]:
    payload = b45decode(text[5:])
    compressed = payload[0] == 0x78
    cbor_len = len(zlib.decompress(payload)) if compressed else len(payload)
    version = qr_version(text)
    bar = BARS.get(label)
    return {
        "case": label,
        "batch": batch,
        "cbor_bytes": cbor_len,
        "payload_bytes": len(payload),
        "zlib": compressed,
        "chars": len(text),
        "version_M": version,
        "bar": bar,
        "ok": bar is None or version <= bar,
    }


def main() -> None:
    key = ec.derive_private_key(0xA11CE, ec.SECP256R1())
    device = ec.derive_private_key(0xDE71CE, ec.SECP256R1())
    claims = licence.load_schema("driving").validate(ROW)
    rows: list[dict[str, object]] = []
    timing: dict[str, float] = {}
    for n in (1, 1_000, 10_000, 100_000):
        items = [(claims, NOW, NOW + 10 * 365 * 86400, os.urandom(16))] * n
        start = time.perf_counter()
        batch = licence.build_batch(1, 1, key, 1, NOW, items)
        timing[f"build_batch_us_per_licence_{n}"] = (time.perf_counter() - start) / n * 1e6
        last = batch.licences[-1]  # the last subtree can be the deepest
        rows.append(measure("ELC1 full" if n == 10_000 else "ELC1 full (info)", n, last.to_qr()))
        rows.append(
            measure(
                "ELC1 minimal" if n == 10_000 else "ELC1 minimal (info)",
                n,
                last.disclose(MINIMAL).to_qr(),
            )
        )
    # The same licence signed with SM2 and SM3 (a 64-byte r||s and 16-byte SM3 nodes, like
    # ES256's: the QR should not grow).
    sm2_key = licence.generate_private_key(licence.SM2_SM3)
    items = [(claims, NOW, NOW + 10 * 365 * 86400, os.urandom(16))] * SM2_BATCH
    start = time.perf_counter()
    sm2_last = licence.build_batch(1, 1, sm2_key, 1, NOW, items).licences[-1]
    timing[f"sm2_build_batch_us_per_licence_{SM2_BATCH}"] = \
        (time.perf_counter() - start) / SM2_BATCH * 1e6
    rows.append(measure("ELC1 SM2 full", SM2_BATCH, sm2_last.to_qr()))
    rows.append(measure("ELC1 SM2 minimal (info)", SM2_BATCH,
                        sm2_last.disclose(MINIMAL).to_qr()))
    bound_items = [
        (claims, NOW, NOW + 86400 * 365, os.urandom(16), licence.compressed_public_key(device))
    ] * BOUND_BATCH
    bound = licence.build_batch(1, 1, key, 1, NOW, bound_items).licences[-1]
    challenge = os.urandom(16)
    for label, disclose in (("ELP1 full", None), ("ELP1 age_over_18", ["age_over_18"])):
        rows.append(
            measure(
                label, BOUND_BATCH, licence.present(bound, disclose, device, NOW, challenge).to_qr()
            )
        )
    # A business licence with its predicates (decision 0215), as an agent shows it.
    business = licence.load_schema("business").validate(BUSINESS_ROW)
    bound_business = licence.build_batch(1, 1, key, 2, NOW, [
        (business, NOW, NOW + 86400 * 365, os.urandom(16), licence.compressed_public_key(device))
    ] * BOUND_BATCH).licences[-1]
    for label, disclose in (("ELP1 biz full (info)", None),
                            ("ELP1 biz in_op (info)",
                             ["company_name", "credit_code", "in_operation"])):
        rows.append(measure(label, BOUND_BATCH, licence.present(
            bound_business, disclose, device, NOW, challenge).to_qr()))
    # An agent's live code with the whole licence and its delegation (decision 0220).
    agent = ec.derive_private_key(0xA6E47, ec.SECP256R1())
    delegation, shared = licence.delegate(bound, None, device,
                                          licence.compressed_public_key(agent), NOW + 86400)
    rows.append(measure("ELP1 agent full", BOUND_BATCH, licence.present_delegated(
        shared, delegation, agent, NOW, challenge).to_qr()))
    rows.append(measure("ELD1 handover full", BOUND_BATCH,
                        licence.delegated_copy_text(shared, delegation)))
    text = batch.licences[0].to_qr()
    start = time.perf_counter()
    for _ in range(200):
        licence.decode_unverified(text).verify_signature(key.public_key())
    timing["decode_and_verify_us"] = (time.perf_counter() - start) / 200 * 1e6
    schema = licence.load_schema("driving")
    start = time.perf_counter()
    for _ in range(10_000):
        schema.validate(ROW)
    timing["validate_us_per_row"] = (time.perf_counter() - start) / 10_000 * 1e6

    print(
        f"{'case':22} {'batch':>7} {'cbor':>5} {'bytes':>5} {'zlib':>5} {'chars':>5} "
        f"{'ver-M':>5} {'bar':>4}"
    )
    for r in rows:
        print(
            f"{r['case']:22} {r['batch']:>7} {r['cbor_bytes']:>5} {r['payload_bytes']:>5} "
            f"{r['zlib']!s:>5} {r['chars']:>5} {r['version_M']:>5} {r['bar'] or '':>4}"
            + ("" if r["ok"] else "  OVER BAR")
        )
    for name, value in timing.items():
        print(f"{name}: {value:.1f}")
    write_results("qr_size", {"rows": rows, "timing": timing})


if __name__ == "__main__":
    main()
