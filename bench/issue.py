"""Issuance throughput end to end, as an authority runs it: `elicence issue` from a CSV
against a real anvil node and SQLite, PDFs off.

Prints, per file size: licences/s, elapsed, peak memory of the whole issuance (PSS of the
command and its worker processes, sampled every half second), and the time from start to the
first batch confirmed on chain. Writes bench/results/issue.json.

    .venv/bin/python bench/issue.py            # 10k and 100k, ES256 then SM2
    .venv/bin/python bench/issue.py --full     # also 1M
    .venv/bin/python bench/issue.py --sizes 10000 --no-lag --suites es256,sm2
    .venv/bin/python bench/issue.py --hsm      # keys in SoftHSM2 vs key files, same run

With --hsm, a second authority has its signing key and its role accounts inside a SoftHSM2
token (made by scripts/softhsm-test-token and `elicence authority add-account/add-key
--pkcs11`); runs of both authorities alternate on the same node, and the token's figure is
given as a share of the key files' (bar: at least 90 %). Writes bench/results/issue_hsm.json.

Each suite runs the same sizes: first with the sandbox's ES256 key, then after
`elicence authority add-key CN-31-DMV --algorithm sm2` (the newest key signs). Each row
also gives the QR version at level M of the largest licence QR the run wrote.

    .venv/bin/python bench/issue.py --per-core 10000 [--profile]

measures only what each worker process does per batch (validate rows, claim codes, salts,
digests and Merkle trees, one signature per subtree, licence bytes, QR text, report lines)
in this process, without the node, the store or other processes: CPU time, best of 3 per
suite, so the figure depends less on the other work on a shared machine than the end to end
runs do. --profile adds a cProfile of one batch per suite. Writes
bench/results/issue_per_core.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.results_file import write_results  # noqa: E402
from chain.node import free_port  # noqa: E402
from elicence.sandbox import Runner, command_runner, set_up  # noqa: E402
from issuer.issue.samples import DRIVING_FIELDS, driving_rows, write_csv  # noqa: E402

BARS = {"licences_per_s": 10_000, "seconds_for_1m": 120, "peak_memory_mib": 1024}


def group_memory_mib(pgid: int) -> float:
    """Memory of the issuance: the proportional set size (PSS) of every process in its
    process group, so pages the forked workers share with the main process count once."""
    total_kib = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[2]) != pgid:
                continue  # field 5 of stat: the process group
            for line in (stat.parent / "smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total_kib += int(line.split()[1])
        except (OSError, ValueError, IndexError):
            continue
    return total_kib / 1024


def follow(home: Path, env: dict[str, str], stop: threading.Event, lags: list[tuple]) -> None:
    """A verifier's status follower (as `elicence serve` runs it, every second): before each
    round, how far its index is behind the chain head, in blocks and seconds."""
    from chain.config import load_settings
    from chain.connect import connect
    from chain.index import LicenceIndex
    from verifier.follower import IndexSync

    settings = load_settings(home, env)
    node = connect(settings.rpc_url)
    sync = IndexSync.for_settings(settings)
    sync(int(time.time()))
    index = LicenceIndex(settings.index_path)
    while not stop.wait(1.0):
        head = node.eth.get_block("latest")
        state = index.as_of()
        if state is not None:  # behind the head: in blocks, and in the blocks' own time
            lags.append((head["number"] - state.block_number,
                         head["timestamp"] - state.block_time))
        sync(int(time.time()))
    index.close()
    sync.close()


def run_size(home: Path, env: dict[str, str], size: int, start: int,
             authority: str = "CN-31-DMV") -> dict:
    source = write_csv(home / f"rows-{size}-{start}.csv", DRIVING_FIELDS,
                       driving_rows(size, seed=size, start=start))
    out = home / f"out-{size}-{start}"
    store = home / "store.sqlite"
    command = [sys.executable, "-m", "elicence", "issue", "--authority", authority,
               "--type", "driving", "--input", str(source), "--out", str(out), "--no-pdf",
               "--quiet"]
    started = time.monotonic()
    process = subprocess.Popen(command, env={**os.environ, **env}, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, start_new_session=True)
    peak, first, ticks = 0.0, None, 0
    confirmed_before = _confirmed_count(store)
    while process.poll() is None:
        if ticks % 10 == 0:  # sampling PSS walks page tables: twice a second is enough
            peak = max(peak, group_memory_mib(process.pid))
        if first is None and _confirmed_count(store) > confirmed_before:
            first = time.monotonic() - started
        ticks += 1
        time.sleep(0.05)
    elapsed = time.monotonic() - started
    stdout, stderr = process.communicate()
    if process.returncode != 0:
        raise SystemExit(f"issue failed ({process.returncode}): {stderr.strip()}")
    issued = int(re.search(r"([\d,]+) issued", stdout).group(1).replace(",", ""))
    entries = json.loads((out / "report.json").read_text(encoding="utf-8"))["licences"]
    longest = max((e["qr"] for e in entries), key=len)
    # After the first batch is out, the rate no longer carries the fixed start-up (imports,
    # opening key files, starting workers): what a large run sustains.
    steady = (issued - min(issued, 10_000)) / (elapsed - first) if first and issued > 10_000 \
        else None
    return {"licences": size, "issued": issued, "elapsed_s": round(elapsed, 2),
            "licences_per_s": round(issued / elapsed),
            "sustained_per_s": round(steady) if steady else None,
            "peak_pss_mib": round(peak),
            "first_batch_confirmed_s": round(first, 2) if first else None,
            "qr_version_M": qr_version(longest), "qr_chars": len(longest)}


def qr_version(text: str) -> int:
    import qrcode
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(text, optimize=0)
    code.make(fit=True)
    return code.version


def _confirmed_count(store: Path) -> int:
    if not store.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{store}?mode=ro", uri=True, timeout=1) as db:
            return db.execute(
                "select count(*) from batches where state = 'confirmed'").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


HSM_AUTHORITY = "CN-31-HSM"
HSM_BAR = 0.90  # token-key throughput as a share of key-file throughput


def token_authority(home: Path, env: dict[str, str]) -> dict[str, str]:
    """A SoftHSM2 token under `home`, and an authority whose signing key and role accounts
    are all inside it (the ceremony of docs/issuing.md). Returns the token's exports."""
    from chain.config import load_settings
    from chain.installation import Installation

    made = subprocess.run([str(ROOT / "scripts" / "softhsm-test-token"), "init",
                           str(home / "hsm")], capture_output=True, text=True, check=True)
    token_env = dict(line.removeprefix("export ").split("=", 1)
                     for line in made.stdout.splitlines())
    os.environ["SOFTHSM2_CONF"] = token_env["SOFTHSM2_CONF"]
    run = command_runner({**env, **token_env})
    module, label = token_env["ELICENCE_PKCS11_MODULE"], token_env["ELICENCE_PKCS11_TOKEN"]
    for role in ("anchor", "status", "keys"):
        run("authority", "add-account", f"{HSM_AUTHORITY}-{role}", "--pkcs11", module,
            "--token", label)
    run("authority", "add", HSM_AUTHORITY, "--name-zh", "上海市公安局交通管理局（令牌）",
        "--name-en", "Shanghai Traffic Police (token keys)", "--jurisdiction", "CN-31",
        "--scope", "driving:31", "--as", "council-1")
    registry = Installation(load_settings(home)).registry()
    run("council", "approve", str(registry.proposal_count()), "--as", "council-2")
    run("authority", "add-key", HSM_AUTHORITY, "--pkcs11", module, "--token", label)
    return token_env


def compare_hsm(home: Path, env: dict[str, str], size: int, rounds: int) -> dict:
    """Alternating runs of `size` licences with key files and with token keys; the best
    run of each (the one least disturbed by the rest of the machine) is compared."""
    token_env = {**env, **token_authority(home, env)}
    runs: dict[str, list[dict]] = {"file": [], "hsm": []}
    start = 50_000_000
    for _ in range(rounds):
        for kind, authority, run_env in (("file", "CN-31-DMV", env),
                                         ("hsm", HSM_AUTHORITY, token_env)):
            result = run_size(home, run_env, size, start=start, authority=authority)
            start += size
            runs[kind].append(result)
            print(f"{kind:>4} keys, {size:,} licences: {result['licences_per_s']:>7,}/s, "
                  f"{result['elapsed_s']:.1f} s", flush=True)
    best = {kind: max(r["licences_per_s"] for r in rs) for kind, rs in runs.items()}
    share = best["hsm"] / best["file"]
    print(f"token keys: {best['hsm']:,}/s = {share:.0%} of key files' {best['file']:,}/s "
          f"(bar {HSM_BAR:.0%}: {'met' if share >= HSM_BAR else 'NOT met'})", flush=True)
    # After the first batch (start-up, opening keys, starting workers): the steady rate.
    steady = {kind: max(r["sustained_per_s"] or 0 for r in rs) for kind, rs in runs.items()}
    steady_share = steady["hsm"] / steady["file"] if steady["file"] else None
    if steady_share is not None:
        print(f"sustained after the first batch: token keys {steady['hsm']:,}/s, key files "
              f"{steady['file']:,}/s ({steady_share:.0%})", flush=True)
    return {"licences": size, "rounds": rounds, "runs": runs,
            "best_licences_per_s": best, "hsm_share_of_file": round(share, 3),
            "best_sustained_per_s": steady,
            "hsm_sustained_share_of_file": round(steady_share, 3) if steady_share else None}


def per_core(size: int, suites: list[str], show_profile: bool) -> dict:
    """Licences per second of CPU for one worker's batch of `size` rows, per suite (the
    suites alternate over 3 rounds; the best round of each counts)."""
    import cProfile
    import pstats

    from issuer.issue.rows import Row
    from issuer.issue.signing import SigningSetup, fewer_collections, init_worker, sign_batch
    from licence import ES256, SM2_SM3, KeySigner, generate_private_key, load_schema

    rows = [Row(i + 2, r) for i, r in enumerate(driving_rows(size, seed=size, start=1))]
    setups = {name: SigningSetup(1, 1, KeySigner(generate_private_key(suite)),
                                 load_schema("driving").code, "CN-31-DMV", os.urandom(32))
              for name, suite in (("es256", ES256), ("sm2", SM2_SM3)) if name in suites}
    fewer_collections()  # as the workers run
    best = dict.fromkeys(setups, float("inf"))
    for _ in range(3):
        for name, setup in setups.items():
            init_worker(setup)
            started = time.process_time()
            signed = sign_batch(0, rows, 1_800_000_000)
            best[name] = min(best[name], time.process_time() - started)
            assert len(signed.licences) == size, signed.rejected[:3]
    rates = {name: round(size / seconds) for name, seconds in best.items()}
    for name, rate in rates.items():
        print(f"{name:>5} per-licence work of a worker, {size:,} licences: {rate:,}/s of CPU "
              f"({best[name] / size * 1e6:.0f} µs per licence)", flush=True)
        if show_profile:
            init_worker(setups[name])
            profiler = cProfile.Profile()
            profiler.runcall(sign_batch, 0, rows, 1_800_000_000)
            print(f"--- cProfile: {name}, one batch of {size:,} (by own time)")
            pstats.Stats(profiler, stream=sys.stdout).sort_stats("tottime").print_stats(20)
    return {"bench": "issue --per-core", "licences": size, "cpu_licences_per_s": rates,
            "cpu_us_per_licence": {n: round(b / size * 1e6, 1) for n, b in best.items()}}


def fresh_home(name: str) -> tuple[Path, dict[str, str], Runner]:
    """A new sandbox home `var/NAME` on its own node: (home, its environment, its runner)."""
    home = ROOT / "var" / name
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    (home / "passphrase").write_text("bench\n")
    env = {"ELICENCE_HOME": str(home), "ELICENCE_PASSPHRASE_FILE": str(home / "passphrase"),
           "ELICENCE_PASSPHRASE": ""}
    run = command_runner(env)
    set_up(run, home, free_port())
    return home, env, run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="also issue 1,000,000 licences")
    parser.add_argument("--hsm", action="store_true",
                        help="compare keys in a SoftHSM2 token with key files instead")
    parser.add_argument("--size", type=int, default=20_000,
                        help="licences per run with --hsm (default 20,000)")
    parser.add_argument("--rounds", type=int, default=2,
                        help="alternating runs of each kind with --hsm (default 2)")
    parser.add_argument("--sizes", type=lambda v: [int(s) for s in v.split(",")],
                        help="comma-separated file sizes (default 10000,100000)")
    parser.add_argument("--suites", type=lambda v: v.split(","), default=["es256", "sm2"],
                        help="signature suites, es256 first (default es256,sm2)")
    parser.add_argument("--no-lag", action="store_true",
                        help="skip the index follow-lag run (100,000 licences)")
    parser.add_argument("--per-core", type=int, metavar="N",
                        help="only a worker's per-licence work on N rows, CPU time, in process")
    parser.add_argument("--profile", action="store_true",
                        help="with --per-core: also a cProfile of one batch per suite")
    args = parser.parse_args()
    if args.suites[0] != "es256" or not set(args.suites) <= {"es256", "sm2"}:
        parser.error("--suites is es256 or es256,sm2")
    if args.per_core:
        write_results("issue_per_core", per_core(args.per_core, args.suites, args.profile))
        return
    sizes = args.sizes or [10_000, 100_000] + ([1_000_000] if args.full else [])
    home, env, run = fresh_home("bench-issue")
    if args.hsm:
        try:
            figures = compare_hsm(home, env, args.size, args.rounds)
        finally:
            run("node", "stop")
        write_results("issue_hsm", {"bench": "issue --hsm", "bar": HSM_BAR, **figures})
        return
    results = []
    lag: dict = {}
    try:
        # Index follow lag while 100,000 licences are issued (a run of its own, so the
        # follower's CPU does not colour the throughput figures).
        if not args.no_lag:
            stop, lags = threading.Event(), []
            follower = threading.Thread(target=follow, args=(home, env, stop, lags))
            follower.start()
            try:
                run_size(home, env, 100_000, start=90_000_000)
            finally:
                stop.set()
                follower.join()
            lag = {"rounds": len(lags),
                   "max_blocks_behind": max((b for b, _ in lags), default=0),
                   "max_seconds_behind": max((t for _, t in lags), default=0.0)}
            print(f"index follow lag during a 100,000-licence issuance: at most "
                  f"{lag['max_blocks_behind']} blocks, {lag['max_seconds_behind']} s behind "
                  f"({lag['rounds']} rounds)", flush=True)
        for number, suite in enumerate(args.suites):
            if suite == "sm2":
                run("authority", "add-key", "CN-31-DMV", "--algorithm", "sm2")
            for offset, size in enumerate(sizes):
                start = (number * 10 + offset + 1) * 10_000_000
                result = {"suite": suite, **run_size(home, env, size, start=start)}
                results.append(result)
                print(f"{suite:>5} {size:>9,} licences: {result['licences_per_s']:>7,}/s "
                      f"(sustained {result['sustained_per_s'] or '-'}/s), "
                      f"{result['elapsed_s']:>7.1f} s, peak {result['peak_pss_mib']:>5} MiB, "
                      f"first batch confirmed after {result['first_batch_confirmed_s']} s, "
                      f"QR version {result['qr_version_M']} at M", flush=True)
    finally:
        run("node", "stop")
    write_results("issue", {"bench": "issue", "bars": BARS, "runs": results,
                            "index_follow_lag": lag})


if __name__ == "__main__":
    main()
