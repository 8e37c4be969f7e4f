"""What the audit trail costs an issuance of 100,000 licences, as an authority runs it
(`elicence issue` against a real anvil node and SQLite, PDFs off).

The issuance is run once, audited as always; then the audit work of that command is done
again on its own, several times, in this process: hashing the input file, reading the
job's transaction hashes, appending the entry and anchoring the new head on chain (one
transaction). Its median over the issuance time is the share the bar limits (≤ 5 %).
Writes bench/results/audit.json.

    .venv/bin/python bench/audit.py [--licences 100000]
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

from bench.issue import fresh_home, run_size  # noqa: E402
from bench.results_file import write_results  # noqa: E402
from chain.config import load_settings  # noqa: E402
from chain.installation import Installation  # noqa: E402
from issuer.audit import AuditRecord, anchor_head, append  # noqa: E402
from issuer.audit.entry import ISSUE  # noqa: E402
from issuer.audit.facts import issue_transactions  # noqa: E402
from issuer.authority import role_account  # noqa: E402
from issuer.cli.acting import file_sha256  # noqa: E402
from issuer.store import Store  # noqa: E402
from licence import load_schema  # noqa: E402
from licence.vocabulary import Role  # noqa: E402

BARS = {"audit_share_of_issuance": 0.05}
DMV = "CN-31-DMV"
REPEATS = 5
FIRST_NUMBER = 70_000_000


def audit_once(store: Store, installation: Installation, source: Path, licence_type: int,
               count: int) -> float:
    """The audit work of one `elicence issue` command of `count` licences, timed."""
    started = time.perf_counter()
    sha = file_sha256(source)
    record = AuditRecord(DMV, "bench", ISSUE, file_sha256=sha, licence_count=count,
                         detail={"type": "driving", "dry_run": False})
    record.tx_hashes = issue_transactions(store, DMV, licence_type, sha, 10_000)
    append(store, record)
    anchor_head(store, installation.registry(role_account(DMV, Role.ANCHOR)), DMV)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--licences", type=int, default=100_000)
    args = parser.parse_args()
    home, env, run = fresh_home("bench-audit")
    try:
        issued = run_size(home, env, args.licences, start=FIRST_NUMBER)
        os.environ.update(env)  # the key store reads its passphrase from the environment
        installation = Installation(load_settings(home, env))
        store = Store.open(installation.settings.store_url)
        source = home / f"rows-{args.licences}-{FIRST_NUMBER}.csv"  # run_size's file
        code = load_schema("driving").code
        timings = [audit_once(store, installation, source, code, issued["issued"])
                   for _ in range(REPEATS)]
    finally:
        run("node", "stop")
    audit_s = statistics.median(timings)
    share = audit_s / (issued["elapsed_s"] - audit_s)
    print(f"{issued['issued']:,} licences issued in {issued['elapsed_s']:.1f} s "
          f"({issued['licences_per_s']:,}/s, audited); the audit work of that command: "
          f"{audit_s * 1000:.0f} ms median of {REPEATS} "
          f"({', '.join(f'{t * 1000:.0f}' for t in timings)} ms) = {share:.2%} of issuance "
          f"(bar ≤ {BARS['audit_share_of_issuance']:.0%}: "
          f"{'ok' if share <= BARS['audit_share_of_issuance'] else 'MISSED'})")
    write_results("audit", {"bench": "audit", "bars": BARS, "issuance": issued,
                            "audit_ms": [round(t * 1000, 1) for t in timings],
                            "audit_median_ms": round(audit_s * 1000, 1),
                            "share_of_issuance": round(share, 4)})


if __name__ == "__main__":
    main()
