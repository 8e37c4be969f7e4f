"""Wallet figures: live QR size per disclosure preset, time from tapping "Show QR code" to the
code on screen, and the app shell's transfer size.

Run: .venv/bin/python bench/wallet.py [--samples 20]
     → prints figures, writes bench/results/wallet.json.

A sandbox home on a local anvil node (as `elicence sandbox`), one driving licence issued
and claimed by the real wallet in headless Chromium (360 px phone emulation, the system's
Chromium). For each preset the page builds, signs (WebCrypto) and draws the live code
`--samples` times; the time runs from the click to the next animation frame after the
canvas holds the new code. Bars (wallet brief): full ≤ version 20-M, age over 18 only
≤ version 15-M.
"""

from __future__ import annotations

import argparse
import gzip
import os
import shutil
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from bench.browser import launch, open_phone, serving  # noqa: E402
from bench.results_file import write_results  # noqa: E402
from chain.config import load_settings  # noqa: E402
from chain.node import free_port  # noqa: E402
from elicence.app import create_app  # noqa: E402
from elicence.sandbox import command_runner, set_up  # noqa: E402
from issuer.issue.outputs import read_claim_codes  # noqa: E402
from issuer.issue.samples import DRIVING_FIELDS, driving_rows, write_csv  # noqa: E402
from licence.qr import decode_text  # noqa: E402
from wallet.web import shell_files  # noqa: E402

BARS = {"full": 20, "age18": 15}
PRESETS = ("full", "age18", "driving")
TIME_TO_QR = """async () => {
  const started = performance.now();
  document.getElementById("present-button").click();
  while (!document.getElementById("qr").dataset.qr) {
    await new Promise((resolve) => requestAnimationFrame(resolve));
  }
  await new Promise((resolve) => requestAnimationFrame(resolve));
  return performance.now() - started;
}"""


def shell_size(app) -> dict:
    client = app.test_client()
    urls, version = shell_files()
    raw = gzipped = 0
    for url in urls:
        body = client.get(url).get_data()
        raw += len(body)
        gzipped += len(gzip.compress(body, 9))
    return {"files": len(urls), "bytes": raw, "gzip_bytes": gzipped, "version": version}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=20)
    args = parser.parse_args()
    home = ROOT / "var" / "bench-wallet"
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    (home / "passphrase").write_text("bench\n")
    env = {"ELICENCE_HOME": str(home), "ELICENCE_PASSPHRASE_FILE": str(home / "passphrase"),
           "ELICENCE_PASSPHRASE": "", "ELICENCE_RATE_LIMIT": "off"}
    run = command_runner(env)
    set_up(run, home, free_port())
    try:
        source = write_csv(home / "rows.csv", DRIVING_FIELDS, driving_rows(1, seed=77))
        run("issue", "--authority", "CN-31-DMV", "--type", "driving", "--input", str(source),
            "--out", str(home / "out"), "--no-pdf")
        code = read_claim_codes(home / "out")[0]["claim_code"]
        os.environ.update(env)
        app = create_app(load_settings(home, env))
        with serving(app) as url:
            report = measure(url, code, args.samples)
        report["shell"] = shell_size(app)
    finally:
        run("node", "stop")
    report.update(bench="wallet", bars_qr_version_m=BARS)
    for preset, figures in report["presets"].items():
        print(f"{preset:>8}: {figures['qr_chars']} chars, {figures['payload_bytes']} B, "
              f"version {figures['qr_version']}-M; tap to QR p50 {figures['p50_ms']} ms, "
              f"p95 {figures['p95_ms']} ms")
    shell = report["shell"]
    print(f"app shell: {shell['files']} files, {shell['bytes']:,} B ({shell['gzip_bytes']:,} B "
          f"gzipped)")
    write_results("wallet", report)


def measure(url: str, code: str, samples: int) -> dict:
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = open_phone(browser, f"{url}/wallet/#claim={code}")
        page.click("#claim-submit")
        page.wait_for_selector("#claim-status.good")
        page.click("[data-view=licences]")
        page.click("#cards li:first-child button.present")
        presets = {}
        for preset in PRESETS:
            page.check(f"#preset-{preset}")
            times = [page.evaluate(TIME_TO_QR) for _ in range(samples)]
            text = page.get_attribute("#qr", "data-qr")
            times.sort()
            presets[preset] = {
                "qr_chars": len(text), "payload_bytes": len(decode_text(text)[1]),
                "qr_version": int(page.get_attribute("#qr", "data-version")),
                "p50_ms": round(statistics.median(times), 1),
                "p95_ms": round(times[min(len(times) - 1, int(len(times) * 0.95))], 1),
                "samples": samples}
        browser.close()
    return {"presets": presets}


if __name__ == "__main__":
    main()
