"""Gas used by the registry's operations, measured from receipts on eth-tester (py-evm).

Run: .venv/bin/python bench/gas.py   → prints a table, writes bench/results/gas.json.

"first" rows are an authority's first anchor / status change: registration leaves the
head slots non-zero so that these cost the same as every later one.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from web3 import EthereumTesterProvider, Web3

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.results_file import write_results
from chain.solc import EVM_VERSION, OPTIMIZER, load_artifact
from licence import load_schema
from licence.vocabulary import ReasonClass, Role, StatusCode

DRIVING = load_schema("driving").code
REVOKED, SUSPENDED, SUPERSEDED = StatusCode.REVOKED, StatusCode.SUSPENDED, StatusCode.SUPERSEDED
SHANGHAI = b"31".ljust(6, b"\0")
FAR_FUTURE = 2**63
ISSUED = 1_000_000  # refs are drawn at random as if from a million issued licences

# Bars from the "bounded powers" issue (gas per transaction, or per licence where noted):
# roles, scopes and reason classes may cost at most a few thousand gas over the figures
# before them (anchor 36,266, revoke 35,685, 100 revocations 874 per licence).
BARS = {
    "anchor, 1 root, first batch": 40_000,
    "anchor, 1 root, count 10,000": 40_000,
    "anchor, 16 roots, count 10,000": 48_000,
    "revoke 1 licence, first status change": 40_000,
    "revoke 1 licence": 40_000,
    "revoke 100 licences (per licence)": 1_000,
    "anchorAudit (audit log head)": 40_000,
}


class Bench:
    def __init__(self) -> None:
        self.w3 = Web3(EthereumTesterProvider())
        accounts = self.w3.eth.accounts
        self.council = accounts[:3]
        self.anchor_account, self.status_account, self.keys_account = accounts[3:6]
        artifact = load_artifact("LicenceRegistry")
        factory = self.w3.eth.contract(abi=artifact["abi"], bytecode=artifact["bytecode"])
        receipt = self.receipt(factory.constructor(self.council, 2, False), self.council[0])
        self.deploy_gas = receipt.gasUsed
        self.registry = self.w3.eth.contract(address=receipt.contractAddress, abi=artifact["abi"])
        self.fns = self.registry.functions

    def receipt(self, fn: Any, sender: str) -> Any:
        receipt = self.w3.eth.wait_for_transaction_receipt(fn.transact({"from": sender}))
        assert receipt.status == 1, fn
        return receipt

    def gas(self, fn: Any, sender: str) -> int:
        return self.receipt(fn, sender).gasUsed

    def govern(self, name: str, *args: Any) -> tuple[int, int]:
        """(propose gas, executing approve gas) for one onlySelf action."""
        action = bytes.fromhex(self.registry.encode_abi(name, args=list(args))[2:])
        proposal_id = self.fns.proposalCount().call() + 1
        propose = self.gas(self.fns.propose(action, 0), self.council[0])
        approve = self.gas(self.fns.approve(proposal_id), self.council[1])
        return propose, approve


def random_refs(count: int) -> bytes:
    # Opaque random status references: which of the million licences they name cannot
    # matter to a contract that stores no per-licence state, but draw them honestly.
    return b"".join(os.urandom(16) for _ in range(count))


def measure() -> dict[str, int]:
    bench = Bench()
    fns = bench.fns
    rows: dict[str, int] = {"deploy": bench.deploy_gas}

    propose, approve = bench.govern(
        "registerAuthority",
        "CN-31-DMV",
        "上海市公安局交通警察总队",
        "Shanghai Traffic Police",
        "CN-31",
        [(DRIVING, SHANGHAI)],
        [(bench.anchor_account, int(Role.ANCHOR)), (bench.status_account, int(Role.STATUS)),
         (bench.keys_account, int(Role.KEYS))],
    )
    rows["propose registerAuthority"] = propose
    rows["approve + execute registerAuthority"] = approve
    propose, approve = bench.govern("setScope", 1, 3, SHANGHAI, True, 0)
    rows["propose setScope"] = propose
    rows["approve + execute setScope"] = approve

    keys, anchor, status = bench.keys_account, bench.anchor_account, bench.status_account
    rows["addKey (first key)"] = bench.gas(fns.addKey(b"\x02" + os.urandom(32), 0, FAR_FUTURE),
                                           keys)
    rows["addKey"] = bench.gas(fns.addKey(b"\x03" + os.urandom(32), 0, FAR_FUTURE), keys)

    def anchor_gas(count: int, roots: int) -> int:
        return bench.gas(fns.anchor(DRIVING, SHANGHAI, count, random_refs(roots)), anchor)

    rows["anchor, 1 root, first batch"] = anchor_gas(10_000, 1)
    rows["anchor, 1 root, count 10,000"] = anchor_gas(10_000, 1)
    rows["anchor, 16 roots, count 10,000"] = anchor_gas(10_000, 16)
    rows["anchor, 16 roots, count 1"] = anchor_gas(1, 16)

    rows["anchorAudit (audit log head)"] = bench.gas(fns.anchorAudit(os.urandom(32), 1_000),
                                                     anchor)

    lost = ReasonClass.LOST_OR_STOLEN
    rows["revoke 1 licence, first status change"] = bench.gas(
        fns.setStatus(REVOKED, 0, lost, random_refs(1), b""), status)
    rows["revoke 1 licence"] = bench.gas(fns.setStatus(REVOKED, 0, lost, random_refs(1), b""),
                                         status)

    until = bench.w3.eth.get_block("latest").timestamp + 30 * 86_400
    batches = {
        "revoke 100 licences": fns.setStatus(REVOKED, 0, lost, random_refs(100), b""),
        "suspend 100 licences": fns.setStatus(SUSPENDED, until, ReasonClass.OTHER,
                                              random_refs(100), b""),
        "supersede 100 licences": fns.setStatus(
            SUPERSEDED, 0, ReasonClass.REPLACED, random_refs(100), random_refs(100)
        ),
        "revoke 256 licences (the cap)": fns.setStatus(REVOKED, 0, lost, random_refs(256), b""),
        "supersede 256 licences (the cap)": fns.setStatus(
            SUPERSEDED, 0, ReasonClass.REPLACED, random_refs(256), random_refs(256)),
    }
    for label, fn in batches.items():
        total = bench.gas(fn, status)
        rows[label] = total
        count = 256 if "256" in label else 100
        rows[f"{label} (per licence)"] = total // count
    rows["markKeyCompromised (from now)"] = bench.gas(fns.markKeyCompromised(1), keys)
    propose, approve = bench.govern("councilSetKeyCompromised", 1, 2, 1_000)
    rows["approve + execute councilSetKeyCompromised"] = approve
    propose, approve = bench.govern("councilSetStatus", 1, StatusCode.BATCH_WITHDRAWN, 0,
                                    ReasonClass.COUNCIL_WITHDRAWN, random_refs(1), b"")
    rows["approve + execute batch withdrawal"] = approve
    return rows


def main() -> None:
    rows = measure()
    width = max(map(len, rows))
    print(f"{'operation':<{width}}  {'gas':>10}  bar")
    failures = []
    for label, gas in rows.items():
        bar = BARS.get(label)
        verdict = "" if bar is None else f"≤ {bar:,} {'ok' if gas <= bar else 'MISSED'}"
        if bar is not None and gas > bar:
            failures.append(label)
        print(f"{label:<{width}}  {gas:>10,}  {verdict}")
    write_results("gas", {
        "backend": "eth-tester (py-evm, default fork)",
        "compiler": {"evmVersion": EVM_VERSION, "optimizer": OPTIMIZER},
        "issuedLicences": ISSUED,
        "gasUsed": rows,
        "bars": BARS,
        "barsMissed": failures,
    })
    if failures:
        raise SystemExit(f"bars missed: {', '.join(failures)}")


if __name__ == "__main__":
    main()
