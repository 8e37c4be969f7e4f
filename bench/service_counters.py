"""What a counter token's counter costs the server's verify path: VerifierService.verify (the
step below HTTP: pipeline, verification log line, alert observation) for requests without a
token and for a token's counter with an entry in config.json's "counters" table (its own
names and place, decision 0288), in alternating rounds so both see the same machine load.

Run: .venv/bin/python bench/service_counters.py [--batch-size 10000] [--samples 20000]
     → prints figures, writes bench/results/service_counters.json.

Figures are the verifying thread's CPU time per verification over rounds of 1,000 (best
round and median round): on a shared machine, wall time mostly measures the neighbours.
Bar (decision 0288): a counter's records cost no more than the installation's.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.results_file import write_results
from bench.verify import setup
from chain.config import Settings
from verifier.web.service import VerifierService, WebConfig

ROUND = 1_000
COUNTERS = {"tax-3": {"name_en": "Tax window", "region": "330106",
                      "latitude": 30.27, "longitude": 120.15}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch-size", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=20_000)
    options = parser.parse_args()
    options.batches, options.cold, options.live, options.suites = 1, 0, 0, ["es256"]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        by_suite, index_path, now, _, _ = setup(options, work)
        home = work / "home"
        home.mkdir()
        settings = Settings(home=home, extra={
            "counter_id": "hall", "counter_region": "310115", "rate_limit": "off",
            "alert_flush_interval": "86400",  # the flusher's cost: bench/alerts.py
            "counters": COUNTERS})
        shutil.copy(index_path, settings.index_path)
        service = VerifierService(WebConfig.from_settings(settings, env={}), clock=lambda: now)
        rng = random.Random(3)
        texts = [lic.to_qr() for lic in rng.choices(by_suite["es256"], k=options.samples)]
        askers: dict[str, str | None] = {"no_token": None, "token_counter": "tax-3"}
        for counter in askers.values():  # warm-up: caches of both counters' verifiers
            for text in texts[:500]:
                service.verify(text, None, "198.51.100.1", counter)
        rounds: dict[str, list[float]] = {name: [] for name in askers}
        for start in range(0, len(texts), ROUND):
            for name, counter in askers.items():
                cpu = time.thread_time()
                for text in texts[start:start + ROUND]:
                    service.verify(text, None, "198.51.100.1", counter)
                rounds[name].append((time.thread_time() - cpu) / ROUND)
        service.close()
    figures = {"samples_each": options.samples, "round": ROUND}
    for name, values in rounds.items():
        figures[name] = {"cpu_best_round_us": round(min(values) * 1e6, 1),
                         "cpu_median_round_us": round(statistics.median(values) * 1e6, 1)}
        print(f"{name:>13}: CPU per verification {figures[name]['cpu_median_round_us']} µs "
              f"(median round), {figures[name]['cpu_best_round_us']} µs (best round)")
    write_results("service_counters", figures)


if __name__ == "__main__":
    main()
