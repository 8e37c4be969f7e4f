"""How long one licence's history takes to read (chain.licence_history, the reader behind
`POST /api/v1/history` and `elicence history`) as an authority's status events grow.

Run: .venv/bin/python bench/history.py [--events 10000 100000] [--asks 50]
     → prints figures, writes bench/results/history.json.

Each size builds an index of that many single-ref StatusChanged events (the worst case:
one row per licence) through the real indexer's store step, as bench/chain_index.py's
synthetic run does, then reads the history of licences picked at random. The reader scans
the authority's events, so the time grows with them: the figure says how far a person's
tap stays quick. No bar from the issue; a tap answered within a second is the aim.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.chain_index import synthetic_events
from bench.results_file import write_results
from chain.index import LicenceIndex
from chain.licence_history import licence_history

TAP_AIM_MS = 1000.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--asks", type=int, default=50)
    options = parser.parse_args()
    figures: dict[str, object] = {"asks_per_size": options.asks, "tap_aim_ms": TAP_AIM_MS}
    with tempfile.TemporaryDirectory() as tmp:
        for count in options.events:
            path = Path(tmp) / f"index-{count}.sqlite"
            synthetic_events(path, count)
            index = LicenceIndex(path)
            try:
                refs = [bytes(r[0]) for r in index._db.execute(  # bench only: pick real refs
                    "SELECT ref FROM statuses ORDER BY RANDOM() LIMIT ?", (options.asks,))]
                times = []
                for ref in refs:
                    started = time.perf_counter()
                    history = licence_history(index, 1, ref, None)
                    times.append((time.perf_counter() - started) * 1000)
                    assert [c.event for c in history.changes] == ["revoked"]
            finally:
                index.close()
            figures[f"history_p50_ms_at_{count}_events"] = round(statistics.median(times), 1)
            figures[f"history_max_ms_at_{count}_events"] = round(max(times), 1)
    for name, value in figures.items():
        print(f"{name:>34}: {value}")
    write_results("history", figures)


if __name__ == "__main__":
    random.seed(7)
    main()
