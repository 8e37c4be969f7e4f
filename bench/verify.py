"""In-process verification speed: printed licences (warm and cold caches) and live codes.

Run: .venv/bin/python bench/verify.py [--batches 20] [--batch-size 10000] [--samples 20000]
                                       [--suites es256,sm2] [--profile]
     → prints figures, writes bench/results/verify.json.

With `--suites es256,sm2` (the default) the authority also holds an SM2 key and the same
number of batches is signed with it; the SM2 rows (warm, cold, QR version) are printed next
to the ES256 ones, which keep their labels and JSON keys. Each suite also gets a "fresh
batch root" row (`printed_fresh_root`): one verifier, warmed up on the first batch, shown
one licence of every other signed root, so each verification checks a root signature it
has not seen — issue #16's "cold" for SM2 (bar p50 <= 0.8 ms; warm <= 0.3 ms).

A registry on eth-tester with one driving-licence authority; `--batches` batches of
`--batch-size` licences are signed (each split into 16 subtrees, so licences share signed
roots as they do in production), anchored, 1 % of them revoked, and the real indexer
builds the SQLite index. Then `--samples` licences drawn at random from all batches are
verified one after another by one Verifier (warm: the verified-root and key caches fill as
they would at a busy counter), and `--cold` more each by a fresh Verifier (every root
signature checked with ECDSA, every key and batch read from SQLite). Bars (verifier
brief): printed licences p50 <= 0.3 ms and >= 4,000 verifications/s on one core.

`--rounds N` repeats every timed row N times in the same process and keeps the round
with the lowest CPU p50 (each row's `rounds_cpu_p50_ms` lists all of them): on a shared,
loaded machine one round's p50 swings by a third, and the best round is what the code
costs when it gets a core (docs/decisions/0296).
Index build time over 1M status events is measured by bench/chain_index.py.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import qrcode
from cryptography.hazmat.primitives.asymmetric import ec
from eth_account import Account
from web3 import EthereumTesterProvider, Web3

from bench.results_file import write_results
from chain.index import LicenceIndex
from chain.indexer import Indexer
from chain.records import Scope
from chain.registry import MAX_REFS, Registry
from chain.transactions import WaitPolicy
from licence import (
    SM2_SM3,
    LicenceItem,
    build_batch,
    compressed_public_key,
    encoded_public_key,
    generate_private_key,
    load_schema,
    present,
)
from licence.vocabulary import Role, StatusCode
from verifier import Verifier

P50_BAR_MS = 0.3
LIVE_P50_BAR_MS = 0.5  # live codes with the counter challenge and the replay cache
RATE_BAR = 4_000
ROW = {
    "family_name": "欧阳", "given_name": "慧敏", "birth_date": "1988-11-30",
    "licence_number": "310115198811304527", "vehicle_classes": "C1, D",
    "issue_date": "2021-06-15", "expiry_date": "2031-06-15", "sex": "F", "nationality": "CHN",
    "address": "上海市浦东新区张江镇碧波路六百九十号",
}


def setup(options: argparse.Namespace, workdir: Path):  # type: ignore[no-untyped-def]
    w3 = Web3(EthereumTesterProvider())
    council, dmv_account = (Account.from_key(hashlib.sha256(f"bench-{i}".encode()).digest())
                            for i in range(2))
    for account in (council, dmv_account):
        w3.eth.send_transaction({"from": w3.eth.accounts[0], "to": account.address,
                                 "value": 10**21})
    wait = WaitPolicy(timeout=30.0, poll_interval=0.01)
    registry, deployed = Registry.deploy(w3, council, [council.address], 1, dev=True, wait=wait)
    registry.propose(registry.action_register_authority(
        "CN-31-DMV", "上海市公安局交通管理局", "Shanghai Traffic Police", "CN-31",
        scopes=[Scope(load_schema("driving").code, "31")],
        accounts=[(dmv_account.address, Role.ANCHOR | Role.STATUS | Role.KEYS)]))
    dmv = registry.as_account(dmv_account)
    now = int(w3.eth.get_block("latest")["timestamp"])
    key = ec.generate_private_key(ec.SECP256R1())
    dmv.add_key(compressed_public_key(key), now - 86_400, now + 10 * 365 * 86_400)
    claims = load_schema("driving").validate(ROW)
    signers = {"es256": (1, key)}
    if "sm2" in options.suites:
        sm2_key = generate_private_key(SM2_SM3)
        dmv.add_key(encoded_public_key(sm2_key), now - 86_400, now + 10 * 365 * 86_400)
        signers["sm2"] = (2, sm2_key)
    by_suite: dict[str, list] = {}
    started = time.perf_counter()
    for suite in options.suites:
        key_id, signer = signers[suite]
        by_suite[suite] = []
        for _ in range(options.batches):
            items = [LicenceItem(claims, now - 86_400, now + 365 * 86_400, os.urandom(16))
                     for _ in range(options.batch_size)]
            batch = build_batch(1, key_id, signer, load_schema("driving").code, now, items)
            dmv.anchor(load_schema("driving").code, "31", len(items),
                       [r.root for r in batch.roots])
            by_suite[suite].extend(batch.licences)
    licences = [lic for suite in options.suites for lic in by_suite[suite]]
    issue_seconds = time.perf_counter() - started
    device = ec.generate_private_key(ec.SECP256R1())
    bound_batch = build_batch(1, 1, key, load_schema("driving").code, now, [LicenceItem(
        claims, now - 86_400, now + 365 * 86_400, os.urandom(16), compressed_public_key(device))])
    dmv.anchor(load_schema("driving").code, "31", 1, [r.root for r in bound_batch.roots])
    revoked = random.Random(1).sample(licences, len(licences) // 100)
    for i in range(0, len(revoked), MAX_REFS):
        dmv.set_status(StatusCode.REVOKED,
                       [lic.status_ref for lic in revoked[i : i + MAX_REFS]])
    path = workdir / "index.sqlite"
    indexer = Indexer(path, registry, start_block=deployed.block_number)
    indexer.sync(now=now)
    indexer.close()
    return by_suite, path, now, issue_seconds, (bound_batch.licences[0], device)


def timed(verifier_for, texts: list[str], now: int):  # type: ignore[no-untyped-def]
    """Per-verification wall and CPU seconds, and verdict counts.

    CPU time (this thread's) is what "per core" means; wall time also counts waiting for
    a core, which on a shared 2-core machine inflates the tail."""
    wall, cpu, verdicts = [], [], {}
    gc.collect()
    for text in texts:
        verifier = verifier_for()
        c, t = time.thread_time(), time.perf_counter()
        result = verifier.verify(text, now=now)
        wall.append(time.perf_counter() - t)
        cpu.append(time.thread_time() - c)
        verdicts[result.verdict] = verdicts.get(result.verdict, 0) + 1
    return wall, cpu, verdicts


def profile(run, label: str, *args) -> None:  # type: ignore[no-untyped-def]
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.runcall(run, *args)
    print(f"--- cProfile: {label} (by own time)")
    pstats.Stats(profiler, stream=sys.stdout).sort_stats("tottime").print_stats(18)


def fresh_root_texts(licences: list, batch_size: int) -> tuple[list[str], list[str]]:
    """The first batch's licences (to warm a verifier up on), and one licence of every
    signed subtree root of the other batches (each a root that verifier has not seen)."""
    warm_up = [lic.to_qr() for lic in licences[:batch_size:max(1, batch_size // 200)]]
    seen, fresh = set(), []
    for lic in licences[batch_size:]:
        if lic.protected + lic.signature not in seen:
            seen.add(lic.protected + lic.signature)  # one signature per subtree root
            fresh.append(lic.to_qr())
    return warm_up, fresh


def fresh_roots(index, warm_up: list[str], fresh: list[str],  # type: ignore[no-untyped-def]
                now: int) -> dict[str, float]:
    """"Cold" as a counter meets it: a verifier that has run a while (keys decoded, SQLite
    statements prepared) shown a licence whose batch root it has not checked yet, so the
    root signature is verified and the batch read from the index."""
    verifier = Verifier(index)
    for text in warm_up:
        verifier.verify(text, now=now)
    wall, cpu, _ = timed(lambda: verifier, fresh, now)
    return figures(wall, cpu)


def live_with_challenge(index, bound, device, now: int, count: int,  # type: ignore[no-untyped-def]
                        workdir: Path):
    """Live codes answering the counter's challenge, through the challenge check and the
    replay cache in a SQLite state store (each code new: every one is a cache insert)."""
    from verifier import default_checks
    from verifier.challenges import CounterChallenges
    from verifier.checks.challenge import ChallengeCheck, ChallengePolicy
    from verifier.checks.replay import ReplayCheck
    from verifier.replay import SqlReplayCache
    from verifier.state import StateStore

    workdir.mkdir(exist_ok=True)
    store = StateStore(StateStore.sqlite_url(workdir / "state"))
    challenges = CounterChallenges(store.secret, "bench-counter")
    cache = SqlReplayCache(store)
    verifier = Verifier(index, checks=[*default_checks(), ChallengeCheck(
        challenges, ChallengePolicy.REQUIRED), ReplayCheck(cache)])
    value = challenges.current(now).value
    names = sorted(bound.claims)
    texts = []
    for i in range(count):  # distinct codes: another disclosure, or another second
        subset = [name for bit, name in enumerate(names) if (i + 1) >> bit & 1] or None
        texts.append(present(bound, subset, device, now - i // 2 ** len(names),
                             value).to_qr())
    wall, cpu, verdicts = timed(lambda: verifier, texts, now)
    cache.close()
    store.close()
    return figures(wall, cpu), verdicts


def qr_version(text: str) -> int:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(text, optimize=0)
    code.make(fit=True)
    return code.version


def best_round(rounds: int, measure):  # type: ignore[no-untyped-def]
    """Runs `measure()` -> (figures, extra) `rounds` times; the round with the lowest CPU
    p50, with every round's CPU p50 added to its figures."""
    results = [measure(i) for i in range(rounds)]
    figures_, extra = min(results, key=lambda r: r[0]["cpu_p50_ms"])
    return {**figures_, "rounds_cpu_p50_ms": [r[0]["cpu_p50_ms"] for r in results]}, extra


def _ms(values: list[float], q: float) -> float:
    return round(values[min(len(values) - 1, int(len(values) * q))] * 1e3, 4)


def _figures_of(measured):  # type: ignore[no-untyped-def]
    wall, cpu, verdicts = measured
    return figures(wall, cpu), verdicts


def figures(wall: list[float], cpu: list[float]) -> dict[str, float]:
    wall, cpu = sorted(wall), sorted(cpu)
    return {
        "p50_ms": round(statistics.median(wall) * 1e3, 4), "p90_ms": _ms(wall, 0.9),
        "p99_ms": _ms(wall, 0.99), "mean_ms": round(statistics.fmean(wall) * 1e3, 4),
        "per_second": round(len(wall) / sum(wall)),
        "cpu_p50_ms": round(statistics.median(cpu) * 1e3, 4), "cpu_p99_ms": _ms(cpu, 0.99),
        "cpu_per_second": round(len(cpu) / sum(cpu)),
    }


def show(label: str, f: dict[str, float]) -> str:
    rounds = f.get("rounds_cpu_p50_ms", [])
    return (f"{label}: p50 {f['p50_ms']} ms (CPU {f['cpu_p50_ms']} ms), p99 {f['p99_ms']} ms, "
            f"{f['per_second']}/s wall, {f['cpu_per_second']}/s per core (CPU time)"
            + (f" [CPU p50 per round: {', '.join(map(str, rounds))}]" if len(rounds) > 1
               else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=20_000)
    parser.add_argument("--cold", type=int, default=1_000)
    parser.add_argument("--live", type=int, default=2_000)
    parser.add_argument("--profile", action="store_true",
                        help="also print a cProfile of 200 cold and of the fresh-root "
                        "verifications per suite")
    parser.add_argument("--suites", type=lambda v: v.split(","), default=["es256", "sm2"],
                        help="signature suites to measure, es256 first (default es256,sm2)")
    parser.add_argument("--rounds", type=int, default=1,
                        help="time every row this many times, keep the lowest CPU p50")
    options = parser.parse_args()
    if options.suites[0] != "es256" or not set(options.suites) <= {"es256", "sm2"}:
        parser.error("--suites is es256 or es256,sm2")
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        by_suite, path, now, issue_seconds, (bound, device) = setup(options, Path(tmp))
        count = sum(len(v) for v in by_suite.values())
        print(f"issued and anchored {count} licences in {options.batches} batches per suite "
              f"({issue_seconds:.1f} s)")
        texts_of, fresh_of = {}, {}
        for suite, licences in by_suite.items():
            sample = rng.sample(licences, min(options.samples, len(licences)))
            texts_of[suite] = [lic.to_qr() for lic in sample]
            fresh_of[suite] = fresh_root_texts(licences, options.batch_size)
        del by_suite, licences, sample  # a counter's process does not hold 200,000 licences:
        gc.collect()  # the garbage collector should not keep scanning the bench's setup data
        gc.freeze()
        index = LicenceIndex(path)
        texts = texts_of["es256"]

        shared = Verifier(index)
        per_suite = {}
        for suite, suite_texts in texts_of.items():
            label = "printed" if suite == "es256" else f"{suite.upper()} printed"
            for text in suite_texts[:200]:  # warm-up: imports, schema and statement caches
                shared.verify(text, now=now)
            suite_warm, verdicts = best_round(options.rounds, lambda _, t=suite_texts: _figures_of(
                timed(lambda: shared, t, now)))
            print(show(f"{label}, warm caches", suite_warm), verdicts)
            if options.profile:  # where a cold verification's time goes (cProfile)
                profile(timed, f"{label}, cold caches", lambda: Verifier(index),
                        suite_texts[:200], now)
            suite_cold, _ = best_round(options.rounds, lambda _, t=suite_texts: _figures_of(
                timed(lambda: Verifier(index), t[: options.cold], now)))
            print(show(f"{label}, cold caches", suite_cold))
            if options.profile:  # and where a fresh root's time goes
                profile(fresh_roots, f"{label}, a fresh batch root each time", index,
                        *fresh_of[suite], now)
            suite_fresh, _ = best_round(options.rounds, lambda _, f=fresh_of[suite]: (
                fresh_roots(index, *f, now), None))
            print(show(f"{label}, a fresh batch root each time", suite_fresh) +
                  f" ({len(fresh_of[suite][1])} roots)")
            per_suite[suite] = {"printed_warm": suite_warm, "printed_cold": suite_cold,
                                "printed_fresh_root": suite_fresh,
                                "fresh_roots": len(fresh_of[suite][1]),
                                "warm_verdicts": verdicts,
                                "qr_version_M": max(qr_version(t) for t in suite_texts[:100])}
        warm, cold = per_suite["es256"]["printed_warm"], per_suite["es256"]["printed_cold"]
        warm_verdicts = per_suite["es256"]["warm_verdicts"]
        print("QR version at M (largest of 100 full licences): " + ", ".join(
            f"{s} {f['qr_version_M']}" for s, f in per_suite.items()))

        # One bound licence, many fresh presentations of it: each carries a new device
        # signature, so this measures the per-scan cost of a live code.
        live_texts = []
        for i in range(options.live):
            live_texts.append(present(bound, ["age_over_18"] if i % 2 else None, device,
                                      now).to_qr())
        live, live_verdicts = best_round(options.rounds, lambda _: _figures_of(
            timed(lambda: shared, live_texts, now)))
        print(show("live (a device signature each time)", live), live_verdicts)

        challenged, challenged_verdicts = best_round(options.rounds, lambda i: (
            live_with_challenge(index, bound, device, now, options.live, Path(tmp) / f"r{i}")))
        print(show("live with challenge and replay cache", challenged), challenged_verdicts)
        index.close()

    results = {
        "licences": count, "batches": options.batches,
        "batch_size": options.batch_size, "samples": len(texts), "cold_samples": options.cold,
        "rounds": options.rounds,
        "printed_warm": warm, "printed_cold": cold, "live": live,
        "live_challenge": challenged, "live_challenge_p50_bar_ms": LIVE_P50_BAR_MS,
        "live_challenge_verdicts": challenged_verdicts, "suites": per_suite,
        "warm_verdicts": warm_verdicts,
        "p50_bar_ms": P50_BAR_MS, "rate_bar_per_second": RATE_BAR,
        "meets_bars_cpu_time": warm["cpu_p50_ms"] <= P50_BAR_MS
        and warm["cpu_per_second"] >= RATE_BAR,
        "meets_bars_wall_time": warm["p50_ms"] <= P50_BAR_MS and warm["per_second"] >= RATE_BAR,
    }
    write_results("verify", results)


if __name__ == "__main__":
    main()
