"""Runs every benchmark in bench/ and prints one table: each figure, its bar from the
issues, and whether it passes. Writes bench/results/latest.json.

    scripts/bench            # settings that finish in under 15 minutes on 2 cores
    scripts/bench --full     # also the full-size runs (1,000,000 licences, 1,000,000 fuzz
                             # inputs)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


@dataclass(frozen=True)
class Figure:
    bench: str
    name: str
    value: float | None
    unit: str
    bar: float | None = None
    higher_is_better: bool = False
    failed: bool = False  # the benchmark itself did not finish

    @property
    def verdict(self) -> str:
        if self.failed:
            return "failed"
        if self.bar is None:
            return ""
        if self.value is None:
            return "missing"
        good = self.value >= self.bar if self.higher_is_better else self.value <= self.bar
        return "pass" if good else "short"


def qr_size(d: dict) -> list[Figure]:
    return [Figure("qr_size", f"{r['case']}, batch {r['batch']:,} (QR version at M)",
                   r["version_M"], "", r["bar"]) for r in d["rows"]]


def gas(d: dict) -> list[Figure]:
    bars = d["bars"]
    return [Figure("gas", name, used, "gas", bars.get(name))
            for name, used in d["gasUsed"].items()]


def issue(d: dict) -> list[Figure]:
    figures = []
    for run in d["runs"]:
        if run.get("suite") == "sm2":  # issue #16: SM2 sustained, one signature per batch
            size = f"SM2, {run['licences']:,} licences"
            # The bar is set at 100,000; a run of one batch has no rate after its first.
            figures += [
                Figure("issue", f"{size}: sustained after the first batch",
                       run.get("sustained_per_s"), "/s",
                       9_000 if run["licences"] >= 100_000 else None, True),
                Figure("issue", f"{size}: throughput end to end", run["licences_per_s"],
                       "/s"),
                Figure("issue", f"{size}: printed QR (version at M)", run.get("qr_version_M"),
                       "", 18)]
            continue
        size = f"{run['licences']:,} licences"
        figures += [
            Figure("issue", f"{size}: throughput end to end", run["licences_per_s"], "/s",
                   10_000, True),
            Figure("issue", f"{size}: sustained after the first batch",
                   run.get("sustained_per_s"), "/s"),
            Figure("issue", f"{size}: peak memory (PSS)", run.get("peak_pss_mib"), "MiB",
                   1024),
            Figure("issue", f"{size}: first batch confirmed after",
                   run["first_batch_confirmed_s"], "s"),
        ]
        if run["licences"] == 1_000_000:
            figures.append(Figure("issue", f"{size}: elapsed", run["elapsed_s"], "s", 120))
    return figures


def render(d: dict) -> list[Figure]:
    return [Figure("render", "PDF letters, 2 workers", d["pdf_per_s_pool"], "/s", 100, True),
            Figure("render", "QR PNG images, one process", d["png_per_s_one_process"], "/s")]


def verify(d: dict) -> list[Figure]:
    warm = d["printed_warm"]
    return [Figure("verify", "printed, in process: p50", warm["p50_ms"], "ms", 0.3),
            Figure("verify", "printed, in process: per core", warm["cpu_per_second"], "/s",
                   4000, True),
            Figure("verify", "live presentation: p50", d["live"]["p50_ms"], "ms"),
            Figure("verify", "live, with challenge and replay cache: p50",
                   d["live_challenge"]["p50_ms"], "ms", d["live_challenge_p50_bar_ms"]),
            *sm2_verify(d.get("suites", {}))]


def sm2_verify(suites: dict) -> list[Figure]:
    """Issue #16's SM2 bars, and ES256's fresh-root figure beside them for comparison."""
    figures = []
    if "printed_fresh_root" in suites.get("es256", {}):
        figures.append(Figure("verify", "printed, a fresh batch root: p50",
                              suites["es256"]["printed_fresh_root"]["p50_ms"], "ms"))
    if "sm2" in suites:
        sm2 = suites["sm2"]
        figures += [
            Figure("verify", "SM2 printed, warm: p50", sm2["printed_warm"]["p50_ms"], "ms",
                   0.3),
            Figure("verify", "SM2 printed, a fresh batch root (cold): p50",
                   (sm2.get("printed_fresh_root") or {}).get("p50_ms"), "ms", 0.8),
            Figure("verify", "SM2 printed, a fresh verifier each time: p50",
                   sm2["printed_cold"]["p50_ms"], "ms")]
    return figures


def http_load(d: dict) -> list[Figure]:
    return [Figure("http", "HTTP API, closed loop", d["closed_loop"]["per_second"], "/s",
                   2000, True),
            Figure("http", "HTTP API at 1,000 requests/s: p99", d["open_loop"]["p99_ms"],
                   "ms", 10)]


def http_nginx(d: dict) -> list[Figure]:
    return [Figure("http_nginx", "nginx -> 2 replicas, everything on, closed loop",
                   d["closed_loop"]["per_second"], "/s", d["rate_bar_per_second"], True),
            Figure("http_nginx", "nginx -> 2 replicas at 1,000 requests/s: p99",
                   d["open_loop"]["p99_ms"], "ms", d["p99_bar_ms"]),
            # Over capacity the proxy answers 503 + Retry-After (decision 0255): anything
            # else but a verdict (a 500, a cut connection, no answer) is a failure.
            Figure("http_nginx", "same load: answers neither a verdict nor a 503",
                   sum(n for status, n in d["open_loop"]["statuses"].items()
                       if status not in ("200", "503")), "", 0),
            Figure("http_nginx", "same run, in process (one thread): verifications",
                   (d.get("in_process") or {}).get("per_second"), "/s")]


def limiter(d: dict) -> list[Figure]:
    return [Figure("limiter", f"front layers per request, budgets in {store}",
                   d[store]["overhead_ms"], "ms", d["bar_ms"])
            for store in ("memory", "redis") if store in d]


def image(d: dict) -> list[Figure]:
    names = {"jpeg": "1000×1000 photo, JPEG", "png": "1000×1000 photo, PNG",
             "jpeg_no_code": "1000×1000 photo without a code, JPEG"}
    return [Figure("image", f"{label}: CPU p95", d[case]["p95_ms"], "ms", d["bar_ms"])
            for case, label in names.items() if case in d]


def chain_index(d: dict) -> list[Figure]:
    return [Figure("chain_index", f"index build, {d['status_refs']:,} status refs in "
                   f"{d['status_events']:,} events", d["index_build_seconds"], "s", 120),
            Figure("chain_index", "index build, 1M one-ref events (estimated)",
                   d["estimated_1m_single_ref_events_seconds"], "s", 120),
            Figure("chain_index", "status lookups of one verification: p50",
                   d["verification_lookups_p50_ms"], "ms")]


def wallet(d: dict) -> list[Figure]:
    bars = d["bars_qr_version_m"]
    figures = [Figure("wallet", f"live QR, preset {name} (version at M)", p["qr_version"], "",
                      bars.get(name)) for name, p in d["presets"].items()]
    figures += [Figure("wallet", f"tap to QR, preset {name}: p50", p["p50_ms"], "ms")
                for name, p in d["presets"].items()]
    figures.append(Figure("wallet", "app shell transfer (gzip)", d["shell"]["gzip_bytes"],
                          "B"))
    return figures


def fuzz(d: dict) -> list[Figure]:
    size = f"{d['inputs']:,} mutated inputs"
    return [Figure("fuzz", f"{size}: crashes", d["crashes"], "", 0),
            Figure("fuzz", f"{size}: HTTP 500 answers", d["http_500"], "", 0),
            Figure("fuzz", f"{size}: peak RSS", d["peak_rss_mib"], "MiB", 1024),
            Figure("fuzz", f"{size}: RSS growth after the first tenth",
                   d["rss_growth_after_first_tenth_mib"], "MiB", 64),
            Figure("fuzz", f"{size}: throughput", d["inputs_per_s"], "/s")]


def export(d: dict) -> list[Figure]:
    return [Figure("export", f"export as {r['format']}: per core", r["cpu_per_second"], "/s",
                   r["bar"], True) for r in d["rows"]]


# (script, arguments, arguments with --full, result file, figures)
BENCHES: list[tuple[str, list[str], list[str], str, Callable[[dict], list[Figure]]]] = [
    ("qr_size.py", [], [], "qr_size", qr_size),
    ("gas.py", [], [], "gas", gas),
    ("verify.py", [], [], "verify", verify),
    ("render.py", [], [], "render", render),
    ("issue.py", [], ["--full"], "issue", issue),
    ("chain_index.py", ["--refs", "200000", "--single", "1000"], [], "chain_index",
     chain_index),
    ("http_load.py", [], [], "http", http_load),
    ("http_load.py", ["--nginx", "--quiet-wait", "10"], [], "http_nginx", http_nginx),
    ("limiter.py", ["--requests", "10000"], [], "limiter", limiter),
    ("image.py", [], [], "image", image),
    ("wallet.py", [], [], "wallet", wallet),
    ("fuzz.py", ["--count", "50000"], ["--count", "1000000"], "fuzz", fuzz),
    ("export.py", [], [], "export", export),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="include 1,000,000-licence runs")
    parser.add_argument("--only", nargs="*", help="run only these benches (by result name)")
    args = parser.parse_args()
    figures: list[Figure] = []
    timings = {}
    for script, quick, full, result, extract in BENCHES:
        if args.only and result not in args.only:
            continue
        command = [sys.executable, str(ROOT / "bench" / script),
                   *(full if args.full and full else quick)]
        print(f"--- {script} {' '.join(command[2:])}", flush=True)
        started = time.monotonic()
        done = subprocess.run(command, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
        timings[script] = round(time.monotonic() - started, 1)
        if done.returncode != 0:
            figures.append(Figure(result, f"{script} exited with {done.returncode}", None, "",
                                  failed=True))
            continue
        figures += extract(json.loads((RESULTS / f"{result}.json").read_text()))
    print_table(figures)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps({
        "full": args.full, "load_average": os.getloadavg(), "seconds": timings,
        "figures": [{**asdict(f), "verdict": f.verdict} for f in figures]}, indent=2) + "\n")
    print(f"wrote {(RESULTS / 'latest.json').relative_to(ROOT)}")


def number(value: float, unit: str) -> str:
    text = f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"
    return f"{text} {unit}".strip()


def print_table(figures: list[Figure]) -> None:
    width = max(len(f"{f.bench}: {f.name}") for f in figures) if figures else 20
    print(f"\n{'figure':<{width}}  {'value':>14}  {'bar':>14}  result")
    for f in figures:
        value = "-" if f.value is None else number(f.value, f.unit)
        bar = "" if f.bar is None else ("≥ " if f.higher_is_better else "≤ ") + \
            number(f.bar, f.unit)
        print(f"{f'{f.bench}: {f.name}':<{width}}  {value:>14}  {bar:>14}  {f.verdict}")


if __name__ == "__main__":
    main()
