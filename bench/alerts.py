"""What the alert detectors cost a verification: the same printed licences verified by a
Verifier logging as the server does (VerificationLog) and by one whose log also feeds the
alert monitor (ObservedLog → AlertMonitor over a SQLite state store), in alternating
rounds so both see the same machine load.

Run: .venv/bin/python bench/alerts.py [--batches 2] [--batch-size 10000] [--samples 20000]
     → prints figures, writes bench/results/alerts.json.

Traffic: 95 % genuine licences and 5 % unreadable codes, from 50 client addresses, at a
simulated 2,000 verifications per second (time advances with the count). The request path
only appends an observation; the flush (the server's flusher thread, every
`flush_interval` seconds) is run between rounds here and timed on its own, as the CPU it
takes from the process per verification. Bar (issue #13): the detectors add little to a
verification (median within a few microseconds) and a flush stays far below a second.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.results_file import write_results
from bench.verify import setup
from chain.index import LicenceIndex
from verifier import Verifier
from verifier.alerts import AlertMonitor, AlertSettings, CounterPlace
from verifier.alerts.monitor import ObservedLog
from verifier.audit import VerificationLog
from verifier.state import StateStore

RATE = 2_000  # simulated verifications per second
ROUND = 1_000


def _us(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1e6, 2)


def summary(values: list[float]) -> dict[str, float]:
    return {"p50_us": round(statistics.median(values) * 1e6, 2), "p90_us": _us(values, 0.9),
            "p99_us": _us(values, 0.99), "mean_us": round(statistics.fmean(values) * 1e6, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=20_000)
    options = parser.parse_args()
    options.cold = options.live = 0
    options.suites = ["es256"]  # bench/verify.py's setup: one authority key suffices here
    rng = random.Random(13)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        by_suite, path, now, _, _ = setup(options, work)
        licences = by_suite["es256"]
        texts = [lic.to_qr() if rng.random() >= 0.05 else "ELC1:NOT-A-LICENCE-" + str(i)
                 for i, lic in enumerate(rng.choices(licences, k=options.samples))]
        clients = [f"198.51.100.{rng.randrange(50)}" for _ in texts]
        del licences
        gc.collect()
        gc.freeze()
        index = LicenceIndex(path)
        store = StateStore(StateStore.sqlite_url(work / "state"))
        salt = b"b" * 32
        monitor = AlertMonitor(store, CounterPlace("bench-1", "310115", 31.23, 121.47),
                               AlertSettings())
        flushes: list[float] = []
        flush_cpu: list[float] = []  # the flushing thread's CPU time: what it takes from HTTP
        plain_log = VerificationLog(work / "plain.jsonl", salt, "bench-1")
        observed = ObservedLog(VerificationLog(work / "observed.jsonl", salt, "bench-1"),
                               monitor)
        plain = Verifier(index, log=plain_log)
        watched = Verifier(index, log=observed)
        for text in texts[:200]:  # warm-up: imports and caches of both
            plain.verify(text, now=now)
            watched.verify(text, now=now)
        monitor.flush(now)
        before: list[float] = []
        after: list[float] = []
        per_flush = RATE * monitor.settings.flush_interval
        for start in range(0, len(texts), ROUND):
            for verifier, out in ((plain, before), (watched, after)):
                for i in range(start, min(start + ROUND, len(texts))):
                    at = now + i // RATE
                    observed.client = clients[i]
                    t = time.perf_counter()
                    verifier.verify(texts[i], now=at)
                    out.append(time.perf_counter() - t)
            if (start + ROUND) % per_flush == 0:  # what the flusher thread does meanwhile
                t, cpu = time.perf_counter(), time.thread_time()
                monitor.flush(now + (start + ROUND) // RATE)
                flushes.append(time.perf_counter() - t)
                flush_cpu.append(time.thread_time() - cpu)
        raised = monitor.store.since(0)
        # The request path's own addition, alone: one observe() call (best of 5 runs).
        sample = [plain.verify(text, now=now) for text in texts[:1000]]
        monitor.flush(now)
        observe_runs = []
        for _ in range(5):
            t = time.perf_counter()
            for i, v in enumerate(sample):
                monitor.observe(v, now=now, authority=1, status_ref=b"r" * 16,
                                client=clients[i])
            observe_runs.append((time.perf_counter() - t) / len(sample))
            monitor.flush(now)
        plain_log.close()
        observed.close()
        store.close()
        index.close()

    figures = {
        "verifications": len(texts), "simulated_rate": RATE,
        "without_alerts": summary(before), "with_alerts": summary(after),
        "added_p50_us": round((statistics.median(after) - statistics.median(before)) * 1e6, 2),
        "added_mean_us": round((statistics.fmean(after) - statistics.fmean(before)) * 1e6, 2),
        "observe_us": round(min(observe_runs) * 1e6, 3),
        "flushes": len(flushes), "observations_per_flush": per_flush,
        "flush_ms": {"p50": round(statistics.median(flushes) * 1e3, 2),
                     "max": round(max(flushes) * 1e3, 2)},
        "flush_us_per_verification": round(statistics.median(flushes) / per_flush * 1e6, 2),
        "flush_cpu_ms": {"p50": round(statistics.median(flush_cpu) * 1e3, 2),
                         "max": round(max(flush_cpu) * 1e3, 2)},
        "flush_cpu_us_per_verification": round(
            statistics.fmean(flush_cpu) / per_flush * 1e6, 2),
        "dropped": monitor.dropped,
        "alerts_raised": len(raised),
    }
    for label in ("without_alerts", "with_alerts"):
        f = figures[label]
        print(f"{label:>15}: p50 {f['p50_us']} µs, p90 {f['p90_us']} µs, "
              f"p99 {f['p99_us']} µs, mean {f['mean_us']} µs")
    print(f"on the request path the detectors add {figures['added_p50_us']} µs at the median "
          f"and {figures['added_mean_us']} µs on average per verification (one observe() "
          f"call alone: {figures['observe_us']} µs)")
    print(f"flusher thread: {figures['flushes']} flushes of {per_flush} observations, "
          f"{figures['flush_ms']['p50']} ms each (max {figures['flush_ms']['max']} ms), "
          f"{figures['flush_us_per_verification']} µs per verification; CPU "
          f"{figures['flush_cpu_ms']['p50']} ms each (max {figures['flush_cpu_ms']['max']} "
          f"ms), {figures['flush_cpu_us_per_verification']} µs per verification (mean); "
          f"{figures['alerts_raised']} alerts raised, {monitor.dropped} observations dropped")
    write_results("alerts", figures)


if __name__ == "__main__":
    main()
