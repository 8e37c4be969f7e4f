"""Licence letter rendering speed: PDFs per second (one process and a worker pool), QR PNGs.

Run: .venv/bin/python bench/render.py [--letters 500] [--workers 2]
     → prints figures, writes bench/results/render.json.
Letters carry real ELC1 QR texts (one signed batch, every licence with its own claims).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ec

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.results_file import write_results
from issuer.render import LetterData, qr_matrix, render_licence_pdf, render_many, render_qr_png
from licence import build_batch, load_schema

ISSUED_AT = 1_767_225_600  # 2026-01-01
FAMILY = ["欧阳", "司马", "王", "李", "张", "诸葛", "陈", "刘"]
GIVEN = ["明华", "慧敏", "建国", "晓东", "丽", "子涵", "浩然", "雨桐"]


def letters(count: int) -> list[LetterData]:
    schema = load_schema("driving")
    rows = []
    for i in range(count):
        rows.append(schema.validate({
            "family_name": FAMILY[i % len(FAMILY)], "given_name": GIVEN[i * 7 % len(GIVEN)],
            "birth_date": f"19{60 + i % 40}-0{1 + i % 9}-1{i % 10}",
            "licence_number": f"3101151988{i:08d}", "vehicle_classes": "C1, D",
            "issue_date": "2021-06-15", "expiry_date": "2031-06-15", "sex": "MF"[i % 2],
            "nationality": "CHN", "address": f"上海市浦东新区世纪大道{100 + i % 900}号环球金融中心",
        }))
    key = ec.generate_private_key(ec.SECP256R1())
    until = ISSUED_AT + 10 * 365 * 86400
    batch = build_batch(1, 1, key, schema.code, ISSUED_AT,
                        [(c, ISSUED_AT, until, os.urandom(16)) for c in rows])
    return [LetterData(
        licence_type="driving", claims=lic.claims, authority_id="CN-31-DMV",
        authority_name_zh="上海市公安局交通警察总队",
        authority_name_en="Shanghai Municipal Traffic Police", jurisdiction="CN-31",
        qr_text=lic.to_qr(), claim_code="K7Q2-9XHM-3PWD-T8VN",
        claim_expires=dt.date(2026, 2, 1), verify_url="https://verify.example.gov.cn",
        wallet_url="https://wallet.example.gov.cn", status_ref=lic.status_ref,
        issued_at=dt.date(2026, 1, 1), valid_from=dt.date(2026, 1, 1),
        valid_until=dt.date(2035, 12, 30)) for lic in batch.licences]


def rate(count: int, seconds: float) -> float:
    return round(count / seconds, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=500)
    parser.add_argument("--workers", type=int, default=2)
    options = parser.parse_args()
    items = letters(options.letters)
    qr_chars = sorted(len(d.qr_text) for d in items)
    versions = sorted({qr_matrix(d.qr_text).version for d in items})
    render_licence_pdf(items[0])  # font parsing happens once per process: not measured

    single = items[: max(1, options.letters // 5)]
    start = time.perf_counter()
    sizes = [len(render_licence_pdf(d)) for d in single]
    one_process = time.perf_counter() - start

    with tempfile.TemporaryDirectory() as folder:
        jobs = [(Path(folder) / f"letter-{i:05d}.pdf", d) for i, d in enumerate(items)]
        load = os.getloadavg()[0]
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        written = render_many(jobs, workers=options.workers)
        pooled = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        worker_cpu = after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime

    start = time.perf_counter()
    png_bytes = [len(render_qr_png(d.qr_text)) for d in single]
    png = time.perf_counter() - start

    figures = {
        "letters": written,
        "workers": options.workers,
        "pdf_per_s_pool": rate(written, pooled),
        "load_average_before_pool": round(load, 2),
        "pdf_cpu_ms_in_workers": round(1000 * worker_cpu / written, 2),
        # What the pool reaches when no other process competes for the cores.
        "pdf_per_s_pool_idle_cores": rate(written * options.workers, worker_cpu),
        "pdf_per_s_one_process": rate(len(single), one_process),
        "pdf_ms_one_process": round(1000 * one_process / len(single), 2),
        "pdf_bytes_mean": round(sum(sizes) / len(sizes)),
        "png_per_s_one_process": rate(len(single), png),
        "png_bytes_mean": round(sum(png_bytes) / len(png_bytes)),
        "qr_chars": [qr_chars[0], qr_chars[-1]],
        "qr_versions": versions,
    }
    for name, value in figures.items():
        print(f"{name:24} {value}")
    write_results("render", figures)


if __name__ == "__main__":
    main()
