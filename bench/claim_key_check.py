"""What following the signing key on chain costs the claim service (decision 0290): the
time `ClaimService.authority` takes when it may answer from what it holds, and when it
looks at the authority's key record on chain (every `claims_key_check_seconds`, 5 s by
default), against a real anvil node. A claim anchors a batch (a transaction) anyway; an
export or a refresh that signs nothing new otherwise reads nothing from the chain.

Prints the figures and writes bench/results/claim_key_check.json.

    .venv/bin/python bench/claim_key_check.py [--calls 200]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.issue import fresh_home  # noqa: E402
from bench.results_file import write_results  # noqa: E402
from chain.config import load_settings  # noqa: E402
from chain.installation import Installation  # noqa: E402
from issuer.claims.web import KEY_CHECK_SECONDS, ClaimService  # noqa: E402
from issuer.store import Store  # noqa: E402

DMV = "CN-31-DMV"


def timed_calls(service: ClaimService, calls: int) -> list[float]:
    """`calls` timings (seconds) of service.authority(DMV), after one warm-up call."""
    service.authority(DMV)  # opens the key files once (slow on purpose)
    timings = []
    for _ in range(calls):
        started = time.perf_counter()
        service.authority(DMV)
        timings.append(time.perf_counter() - started)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()
    home, env, run = fresh_home("bench-claim-key-check")
    try:
        os.environ.update(env)  # the key store reads its passphrase from the environment
        installation = Installation(load_settings(home, env))
        store = Store.open(installation.settings.store_url)
        held = timed_calls(ClaimService(installation, store, b"b" * 32, 300), args.calls)
        looked = timed_calls(ClaimService(installation, store, b"b" * 32, 0), args.calls)
    finally:
        run("node", "stop")
    held_us = statistics.median(held) * 1e6
    look_ms = statistics.median(looked) * 1e3
    share = look_ms / 1e3 / KEY_CHECK_SECONDS  # of the time, mostly waiting on the node
    print(f"ClaimService.authority, median of {args.calls} calls: {held_us:.1f} µs from what "
          f"it holds, {look_ms:.2f} ms when it looks at the key record on chain; one look "
          f"every {KEY_CHECK_SECONDS} s holds the service's lock {share:.2%} of the time per "
          "authority, instead of adding the look to every request")
    write_results("claim_key_check", {
        "calls": args.calls, "held_median_us": round(held_us, 1),
        "look_median_ms": round(look_ms, 3), "key_check_seconds": KEY_CHECK_SECONDS,
        "look_share_of_time_per_authority": round(share, 6)})


if __name__ == "__main__":
    main()
