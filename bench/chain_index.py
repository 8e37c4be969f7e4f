"""Building the event index from a million status changes, and verifier lookups on it.

Run: .venv/bin/python bench/chain_index.py [--refs 1000000] [--per-tx 1000]
     → prints figures, writes bench/results/chain_index.json.

Three measurements. (1) Real: an anvil process, the registry from contracts/build,
`--refs` status changes in transactions of `--per-tx` refs, signed locally; the index is
built from nothing over HTTP (eth_getLogs) into SQLite on disk, then verifier lookups.
(2) Real, one ref per event: `--single` events on anvil, to measure the full per-event cost
including the RPC transfer. (3) `--synthetic` single-ref StatusChanged logs, in the form the
node returns them, through the same decoder and store (no RPC: a million transactions would
take hours to create here). Bars (chain brief): building from 1M status events ≤ 120 s;
a verifier's lookups p50 ≤ 0.3 ms in total.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.results_file import write_results
from chain.connect import connect, get_logs
from chain.indexer import Indexer
from chain.node import LocalNode, dev_accounts, free_port
from chain.records import Scope
from chain.registry import MAX_REFS, Registry
from chain.transactions import WaitPolicy
from licence import load_schema
from licence.vocabulary import Role, StatusCode

BUILD_BAR_S = 120.0
LOOKUP_BAR_MS = 0.3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--refs", type=int, default=1_000_000)
    parser.add_argument("--per-tx", type=int, default=MAX_REFS)
    parser.add_argument("--lookups", type=int, default=20_000)
    parser.add_argument("--single", type=int, default=3_000)
    parser.add_argument("--synthetic", type=int, default=1_000_000)
    options = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        node = LocalNode(Path(tmp) / "node", port=free_port())
        node.start()
        try:
            figures = run(node, Path(tmp) / "index.sqlite", options)
            figures.update(single_ref_events(node, Path(tmp) / "single.sqlite", options.single))
        finally:
            node.stop()
        figures.update(synthetic_events(Path(tmp) / "synthetic.sqlite", options.synthetic))
    # A million events at (store + RPC transfer) microseconds each.
    rpc_us = figures["single_full_sync_us_per_event"] - figures["single_store_us_per_event"]
    figures["estimated_1m_single_ref_events_seconds"] = round(
        (figures["synthetic_store_us_per_event"] + rpc_us) * 1_000_000 / 1e6, 1)
    figures["build_bar_s"] = BUILD_BAR_S
    figures["lookup_bar_ms"] = LOOKUP_BAR_MS
    for name, value in figures.items():
        print(f"{name:>36}: {value}")
    write_results("chain_index", figures)


def deploy(node: LocalNode) -> tuple[Registry, Registry, int]:
    w3 = connect(node.url)
    council, account = dev_accounts(2)
    registry, deployed = Registry.deploy(w3, council, [council.address], 1, dev=True,
                                         wait=WaitPolicy(timeout=600))
    registry.propose(registry.action_register_authority(
        f"CN-31-DMV-{deployed.block_number}", "上海市公安局交通管理局",
        "Shanghai Traffic Police", "CN-31", scopes=[Scope(load_schema("driving").code, "31")],
        accounts=[(account.address, Role.ANCHOR | Role.STATUS | Role.KEYS)]))
    return registry, registry.as_account(account), deployed.block_number


def single_ref_events(node: LocalNode, path: Path, count: int) -> dict[str, float]:
    """`count` StatusChanged events of one ref each, indexed over HTTP from anvil."""
    registry, dmv, start = deploy(node)
    pending = []
    for _ in range(count):
        pending.append(dmv.submit_set_status(StatusCode.REVOKED, [os.urandom(16)], gas=120_000))
        if len(pending) >= 64:
            dmv.wait(pending.pop(0))
    for tx_hash in pending:
        dmv.wait(tx_hash)
    indexer = Indexer(path, registry, start_block=start)
    started = time.perf_counter()
    report = indexer.sync()
    full = time.perf_counter() - started
    # The same logs again, without the RPC transfer: store cost only.
    logs = get_logs(registry.w3, registry.address, start, report.to_block)
    times = {_number(log): (bytes(32), 0) for log in logs}
    again = Indexer(path.with_suffix(".again"), registry, start_block=start)
    started = time.perf_counter()
    again.store(logs, times, report.to_block)
    stored = time.perf_counter() - started
    return {
        "single_events": report.events,
        "single_full_sync_us_per_event": round(full / report.events * 1e6, 1),
        "single_store_us_per_event": round(stored / report.events * 1e6, 1),
    }


def synthetic_events(path: Path, count: int) -> dict[str, float]:
    """`count` single-ref StatusChanged logs with correct heads, stored in 2,000-block chunks."""
    from eth_abi import encode
    from eth_utils import keccak
    from web3 import EthereumTesterProvider, Web3

    # The indexer only needs the ABI and an address here; eth-tester stands in for the node.
    w3 = Web3(EthereumTesterProvider())
    (council,) = dev_accounts(1)
    w3.eth.send_transaction({"from": w3.eth.accounts[0], "to": council.address,
                             "value": 10**20})
    registry, _ = Registry.deploy(w3, council, [council.address], 1, dev=True)
    topic = "0x" + registry.events.topic("StatusChanged").hex()
    authority = "0x" + (1).to_bytes(32, "big").hex()
    indexer = Indexer(path, registry, start_block=0)
    head = bytes(32)
    elapsed = 0.0
    chunk = 2_000
    for first in range(0, count, chunk):
        logs, times = [], {}
        for number in range(first + 1, min(first + chunk, count) + 1):
            ref = os.urandom(16)
            head = keccak(head + b"\x01" + bytes(9) + ref)  # status, until, reason class
            data = encode(["uint8", "uint64", "uint8", "bytes", "bytes", "bytes32"],
                          [StatusCode.REVOKED, 0, 0, ref, b"", head])
            logs.append({"address": registry.address, "topics": [topic, authority],
                         "data": "0x" + data.hex(), "blockNumber": hex(number),
                         "logIndex": "0x0", "transactionHash": "0x" + os.urandom(32).hex(),
                         "blockHash": "0x" + os.urandom(32).hex()})
            times[number] = (os.urandom(32), 1_700_000_000 + number)
        started = time.perf_counter()
        indexer.store(logs, times, number)
        elapsed += time.perf_counter() - started
    assert indexer.db.execute("SELECT COUNT(*) FROM statuses").fetchone()[0] == count
    return {
        "synthetic_events": count,
        "synthetic_store_seconds": round(elapsed, 1),
        "synthetic_store_us_per_event": round(elapsed / count * 1e6, 1),
    }


def _number(log: dict[str, str]) -> int:
    return int(log["blockNumber"], 16)


def run(node: LocalNode, path: Path, options: argparse.Namespace) -> dict[str, object]:
    wait = WaitPolicy(timeout=600)
    registry, dmv, start_block = deploy(node)
    w3 = registry.w3
    now = int(w3.eth.get_block("latest")["timestamp"])
    key = dmv.add_key(b"\x02" + os.urandom(32), now - 60, now + 10**8)

    rng = random.Random(7)
    roots = [rng.randbytes(16) for _ in range(200)]
    for start in range(0, len(roots), 16):
        dmv.anchor(load_schema("driving").code, "31", 10_000, roots[start:start + 16])

    # The chain work: refs in transactions of `per_tx` each, many in flight at once.
    refs = [rng.randbytes(16) for _ in range(options.refs)]
    started = time.perf_counter()
    pending = []
    for start in range(0, len(refs), options.per_tx):
        chunk = refs[start:start + options.per_tx]
        if start // options.per_tx % 10 == 9:
            pending.append(dmv.submit_set_status(StatusCode.SUSPENDED, chunk, until=now + 10**7))
        else:
            pending.append(dmv.submit_set_status(StatusCode.REVOKED, chunk))
        if len(pending) >= 64:
            dmv.wait(pending.pop(0), wait)
    for tx_hash in pending:
        dmv.wait(tx_hash, wait)
    chain_seconds = time.perf_counter() - started
    events = (len(refs) + options.per_tx - 1) // options.per_tx

    # The measured part: an index built from nothing, then verified against the chain.
    started = time.perf_counter()
    indexer = Indexer(path, registry, start_block=start_block)
    report = indexer.sync()
    build_seconds = time.perf_counter() - started
    started = time.perf_counter()
    indexer.check_heads()
    check_seconds = time.perf_counter() - started

    index = indexer.reader()
    key_id = key.event("KeyAdded").args["keyId"]
    samples = []
    for _ in range(options.lookups):
        root, ref = rng.choice(roots), rng.choice(refs)
        t0 = time.perf_counter()
        batch = index.batch(root)
        assert batch is not None
        index.accreditation_at(batch.authority, batch.anchored_at)
        index.key(batch.authority, key_id)
        index.status(batch.authority, ref)
        samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    return {
        "status_refs": len(refs),
        "status_events": events,
        "refs_per_event": options.per_tx,
        "blocks_read": report.to_block - report.from_block + 1,
        "chain_submit_seconds": round(chain_seconds, 1),
        "index_build_seconds": round(build_seconds, 2),
        "index_refs_per_second": round(len(refs) / build_seconds),
        "head_check_seconds": round(check_seconds, 3),
        "index_file_mb": round(sum(f.stat().st_size for f in path.parent.glob(path.name + "*"))
                               / 2**20, 1),
        "lookups": len(samples),
        "verification_lookups_p50_ms": round(statistics.median(samples), 4),
        "verification_lookups_p99_ms": round(samples[int(len(samples) * 0.99)], 4),
        "lookups_per_verification": 4,
    }


if __name__ == "__main__":
    main()
