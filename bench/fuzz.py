"""A mutation fuzz run through the decoder and the HTTP API: genuine signed licences and live
codes, mutated, must never crash the decoder or the verifier nor make the API answer 500,
and memory must stay bounded.

Run: nice .venv/bin/python bench/fuzz.py [--count 1000000] [--seed 13] [--http-share 0.05]
                                          [--verify-share 0.15]
     → prints figures, writes bench/results/fuzz.json; exits 1 on any crash or 500.

Inputs come from the verifier tests' world (tests/verifier/world.py: a registry on
eth-tester, licences of two authorities, live codes, one fixture per defect) and are mutated
at two levels, so both the outer and the inner parsers are reached:
- text: characters of the QR text replaced, inserted, deleted, cut, repeated, spliced with
  another code, the prefix swapped (base45, prefix and size limits);
- payload: the CBOR under the base45 (and zlib) mutated byte-wise, with CBOR's own
  interesting bytes (length headers, indefinite lengths, breaks, tags, floats), then
  encoded again as valid QR text (CBOR, COSE_Sign1, claims, proofs, signatures).
Targets, by share of the count: the decoder alone (licence.decode_unverified; base45 alone
for a slice), the whole verification pipeline (Verifier.verify over the world's index), and
the HTTP API through Flask's test client on the app `elicence serve` builds (claims
included): JSON bodies mixing mutated codes with random JSON values, raw bytes under random
content types, query strings, on every POST and GET endpoint.

A crash is: the decoder raising anything but the format's LicenceError, the verifier raising
or reporting a check's `internal_error`, the API answering 500 or an error document whose
reason the OpenAPI document does not list. Memory: peak RSS, and RSS growth from the first
tenth of the run to its end (a leak shows as growth).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import resource
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.results_file import write_results
from chain.config import Settings
from licence import LicenceError, decode_unverified
from licence._base45 import b45decode
from licence.qr import decode_text, encode_text
from tests.verifier.world import World, build_world
from verifier import Verifier
from verifier.openapi import ERROR_REASONS

BASE45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
CBOR_BYTES = (0x00, 0x17, 0x18, 0x19, 0x1A, 0x1B, 0x1F, 0x20, 0x38, 0x40, 0x58, 0x5B, 0x5F,
              0x60, 0x78, 0x7F, 0x80, 0x98, 0x9F, 0xA0, 0xB8, 0xBF, 0xC0, 0xC1, 0xD8, 0xF4,
              0xF5, 0xF6, 0xF7, 0xF9, 0xFA, 0xFB, 0xFF)
ODD_TEXT = ("\x00", "\ud800", "\u200b", "é", "证", " ", "\n", "ELC1:", "ELP1:", "%", "::")
CONTENT_TYPES = ("application/json", "text/plain", "application/x-www-form-urlencoded",
                 "multipart/form-data; boundary=x", "", "application/json; charset=utf-16",
                 "image/png", "application/cbor")
MAX_CRASHES_KEPT = 20


class Mutator:
    """Mutations of genuine inputs, from one seeded random source."""

    def __init__(self, rng: random.Random, texts: list[str]) -> None:
        self.rng, self.texts = rng, texts
        self.payloads = [decode_text(t) for t in texts]  # (prefix, CBOR bytes)

    def text(self) -> str:
        rng = self.rng
        text = rng.choice(self.texts)
        for _ in range(rng.randint(1, 4)):
            i = rng.randrange(len(text) + 1)
            op = rng.randrange(9)
            if op == 0:
                text = text[:i] + rng.choice(BASE45) + text[i + 1:]
            elif op == 1:
                text = text[:i] + rng.choice(BASE45 + "abcz#@") + text[i:]
            elif op == 2:
                text = text[:i] + text[i + rng.randint(1, 8):]
            elif op == 3:
                text = text[:i]
            elif op == 4:
                text = text[:i] + text[i:i + rng.randint(1, 64)] * rng.randint(2, 50) + text[i:]
            elif op == 5:
                other = rng.choice(self.texts)
                text = text[:i] + other[rng.randrange(len(other)):]
            elif op == 6:
                text = rng.choice(("ELC1:", "ELP1:", "ELC2:", "elc1:", "")) + text[5:]
            elif op == 7:
                text = text[:i] + rng.choice(ODD_TEXT) + text[i:]
            else:
                text = text.lower() if rng.random() < 0.5 else f" {text}\n"
        return text

    def payload(self) -> str:
        rng = self.rng
        prefix, data = rng.choice(self.payloads)
        raw = bytearray(data)
        for _ in range(rng.randint(1, 4)):
            i = rng.randrange(len(raw) + 1)
            op = rng.randrange(8)
            if op == 0 and raw:
                raw[min(i, len(raw) - 1)] ^= 1 << rng.randrange(8)
            elif op == 1 and raw:
                raw[min(i, len(raw) - 1)] = rng.choice(CBOR_BYTES)
            elif op == 2:
                raw[i:i] = rng.randbytes(rng.randint(1, 16))
            elif op == 3:
                del raw[i:i + rng.randint(1, 32)]
            elif op == 4:
                del raw[i:]
            elif op == 5:
                raw[i:i] = raw[i:i + rng.randint(1, 40)] * rng.randint(2, 20)
            elif op == 6 and raw:
                raw[min(i, len(raw) - 1)] = rng.choice((0x00, 0x7F, 0x80, 0xFF))
            else:
                other = rng.choice(self.payloads)[1]
                raw = raw[:i] + other[rng.randrange(len(other)):]
        if rng.random() < 0.1:
            prefix = "ELP1:" if prefix == "ELC1:" else "ELC1:"
        return encode_text(prefix, bytes(raw))

    def code(self) -> str:
        return self.text() if self.rng.random() < 0.4 else self.payload()

    def json_value(self, depth: int = 0) -> Any:
        rng = self.rng
        kind = rng.randrange(9 if depth < 3 else 6)
        if kind == 0:
            return None
        if kind == 1:
            return rng.choice((True, False))
        if kind == 2:
            return rng.choice((0, -1, 1, 2**31, 2**63, -2**63, 2**64, 10**30, 1.5, 1e308))
        if kind == 3:
            return self.code()
        if kind == 4:
            return "".join(rng.choice(BASE45 + "_-=é证\x00") for _ in range(rng.randrange(80)))
        if kind == 5:
            return rng.choice(("", "AAAA", "A" * 44, "_-" * 22, "x" * 2000))
        if kind == 6:
            return [self.json_value(depth + 1) for _ in range(rng.randrange(4))]
        keys = ("qr", "challenge", "code", "device_key", "signature", "time", "ids",
                "status_ref", "device_label", "x")
        return {rng.choice(keys): self.json_value(depth + 1) for _ in range(rng.randrange(5))}


class Crashes:
    def __init__(self) -> None:
        self.count = 0
        self.kept: list[dict[str, str]] = []

    def add(self, target: str, what: str, sample: object) -> None:
        self.count += 1
        if len(self.kept) < MAX_CRASHES_KEPT:
            self.kept.append({"target": target, "what": what, "input": repr(sample)[:400]})
            print(f"CRASH in {target}: {what}: {repr(sample)[:200]}", flush=True)


def decoder_target(crashes: Crashes, reasons: Counter) -> Callable[[str], None]:
    def run(text: str) -> None:
        try:
            decode_unverified(text)
            reasons["decoded"] += 1
        except LicenceError as exc:
            reasons[exc.reason] += 1
        except Exception as exc:  # anything else is the crash we look for
            crashes.add("decoder", f"{type(exc).__name__}: {exc}"[:200], text)
    return run


def base45_target(crashes: Crashes, reasons: Counter) -> Callable[[str], None]:
    def run(text: str) -> None:
        try:
            b45decode(text[5:])
            reasons["decoded"] += 1
        except LicenceError as exc:
            reasons[exc.reason] += 1
        except Exception as exc:
            crashes.add("base45", f"{type(exc).__name__}: {exc}"[:200], text)
    return run


def verify_target(verifier: Verifier, now: int, crashes: Crashes, verdicts: Counter
                  ) -> Callable[[str], None]:
    def run(text: str) -> None:
        try:
            result = verifier.verify(text, now=now)
        except Exception as exc:  # "never raises on bad input"
            crashes.add("verify", f"{type(exc).__name__}: {exc}"[:200], text)
            return
        verdicts[result.verdict.value] += 1
        if any(c.reason == "internal_error" for c in result.checks):
            crashes.add("verify", "a check reported internal_error", text)
    return run


def as_json(value: Any) -> dict[str, Any]:
    # ensure_ascii: lone surrogates travel as \ud800 escapes, as a client would send them
    return {"data": json.dumps(value), "content_type": "application/json"}


class HttpFuzz:
    """Mixed requests through the test client of the app `elicence serve` builds."""

    def __init__(self, world: World, home: Path, mutator: Mutator, crashes: Crashes) -> None:
        from elicence.app import create_app

        os.environ.setdefault("ELICENCE_PASSPHRASE", "fuzz bench passphrase")
        settings = Settings(home=home, extra={"rate_limit": "off",
                                              "operator_token": "fuzz-operator-token-0123456789"})
        world.sync(settings.index_path)
        self.app = create_app(settings, claims=True)
        self.app.extensions["elicence.verifier"].clock = lambda: world.now
        self.client = self.app.test_client()
        self.mutator, self.crashes, self.rng = mutator, crashes, mutator.rng
        self.statuses: Counter = Counter()

    def close(self) -> None:
        self.app.extensions["elicence.verifier"].close()

    def request(self) -> tuple[str, str, dict[str, Any]]:
        rng, m = self.rng, self.mutator
        kind = rng.randrange(10)
        if kind < 4:  # the endpoint every counter calls, with a (mutated) code
            body = {"qr": m.code()}
            if rng.random() < 0.2:
                body["challenge"] = m.json_value()
            return "POST", "/api/v1/verify", as_json(body)
        if kind == 4:
            return "POST", "/api/v1/history", as_json({"qr": m.code()})
        if kind == 5:  # a mixed JSON body anywhere a POST is taken
            path = rng.choice(("/api/v1/verify", "/api/v1/history", "/api/v1/receipts/query",
                               "/api/v1/receipts/delete", "/api/v1/claims",
                               "/api/v1/claims/copies", "/api/v1/claims/challenge"))
            return "POST", path, as_json(m.json_value())
        if kind == 6:  # raw bytes under any content type
            path = rng.choice(("/api/v1/verify", "/api/v1/history", "/api/v1/claims"))
            data = m.code().encode("utf-8", "surrogatepass") if rng.random() < 0.5 else \
                rng.randbytes(rng.randrange(300))
            return "POST", path, {"data": data, "content_type": rng.choice(CONTENT_TYPES)}
        if kind == 7:
            ref = rng.choice(("0" * 32, rng.randbytes(16).hex(), "g" * 32, "", "0" * 31, "²"))
            authority = rng.choice(("1", "2", "0", "-1", "4294967296", "x", "١", ""))
            return "GET", f"/api/v1/status?authority={authority}&ref={ref}", {}
        if kind == 8:
            since = rng.choice(("0", "²", "-1", "9" * 30, "x", ""))
            return "GET", f"/api/v1/alerts?since={since}", {"headers": {
                "Authorization": "Bearer fuzz-operator-token-0123456789"}}
        path = rng.choice(("/wallet/schemas/driving.json", "/wallet/schemas/%00.json",
                           "/static/counter/../x", "/api/v1/challenge", "/healthz",
                           "/nothing", "/wallet/static/" + "a" * 300))
        return rng.choice(("GET", "GET", "DELETE", "PUT")), path, {}

    def run_one(self) -> None:
        method, path, kwargs = self.request()
        try:
            response = self.client.open(path, method=method, **kwargs)
        except Exception as exc:  # the WSGI stack itself must not raise
            self.crashes.add("http", f"{type(exc).__name__}: {exc}"[:200], (method, path))
            return
        status = response.status_code
        self.statuses[status] += 1
        if status >= 500 and status != 503:
            self.crashes.add("http", f"answered {status}", (method, path, kwargs))
        elif status >= 400:
            try:
                reason = json.loads(response.get_data())["error"]["reason"]
            except (ValueError, KeyError, TypeError):
                reason = None
            if reason not in ERROR_REASONS:
                self.crashes.add("http", f"{status} without a listed reason ({reason})",
                                 (method, path, kwargs))
        response.close()


def rss_mib() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1_000_000, help="generated inputs")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--http-share", type=float, default=0.05)
    parser.add_argument("--verify-share", type=float, default=0.15)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="elicence-fuzz-") as tmp:
        started = time.perf_counter()
        world = build_world(Path(tmp) / "world")
        genuine = sorted(set(world.qr.values()) | {world.live("bound")})
        setup_s = time.perf_counter() - started
        rng = random.Random(args.seed)
        mutator = Mutator(rng, genuine)
        crashes = Crashes()
        reasons: Counter = Counter()
        verdicts: Counter = Counter()
        index = world.index()
        verifier = Verifier(index)
        http = HttpFuzz(world, Path(tmp) / "home", mutator, crashes)
        decode = decoder_target(crashes, reasons)
        base45 = base45_target(crashes, reasons)
        verify = verify_target(verifier, world.now, crashes, verdicts)
        counts: Counter = Counter()
        seconds: Counter = Counter()
        cpu: Counter = Counter()
        cpu_began = time.process_time()
        rss_at_tenth = None
        gc.collect()
        rss_start = rss_mib()
        began = time.perf_counter()
        for n in range(args.count):
            draw = rng.random()
            if draw < args.http_share:
                target, run = "http", http.run_one
            elif draw < args.http_share + args.verify_share:
                text = mutator.code()
                target, run = "verify", lambda t=text: verify(t)
            elif draw < args.http_share + args.verify_share + 0.05:
                text = mutator.text()
                target, run = "base45", lambda t=text: base45(t)
            else:
                text = mutator.code()
                target, run = "decoder", lambda t=text: decode(t)
            t0, c0 = time.perf_counter(), time.process_time()
            run()
            seconds[target] += time.perf_counter() - t0
            cpu[target] += time.process_time() - c0
            counts[target] += 1
            if n + 1 == args.count // 10:
                gc.collect()
                rss_at_tenth = rss_mib()
            if (n + 1) % 100_000 == 0:
                print(f"{n + 1:,} inputs, {crashes.count} crashes, RSS {rss_mib():.0f} MiB, "
                      f"{time.perf_counter() - began:.0f} s", flush=True)
        elapsed = time.perf_counter() - began
        cpu_s = time.process_time() - cpu_began
        http.close()
        index.close()
        gc.collect()
        rss_end = rss_mib()

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    growth = None if rss_at_tenth is None else round(rss_end - rss_at_tenth, 1)
    figures = {
        "inputs": args.count, "seed": args.seed, "crashes": crashes.count,
        "http_500": sum(n for s, n in http.statuses.items() if s >= 500 and s != 503),
        "elapsed_s": round(elapsed, 1), "cpu_s": round(cpu_s, 1), "setup_s": round(setup_s, 1),
        "inputs_per_s": round(args.count / elapsed) if elapsed else None,
        "peak_rss_mib": round(peak, 1), "rss_start_mib": round(rss_start, 1),
        "rss_growth_after_first_tenth_mib": growth,
        "by_target": {t: {"inputs": counts[t], "per_s": round(counts[t] / seconds[t])
                          if seconds[t] else None, "cpu_us_each": round(cpu[t] / counts[t] * 1e6)}
                      for t in sorted(counts)},
        "genuine_inputs": len(genuine),
        "decoder_outcomes": dict(reasons.most_common(30)),
        "verdicts": dict(verdicts.most_common()),
        "http_statuses": {str(s): n for s, n in sorted(http.statuses.items())},
        "crash_samples": crashes.kept,
    }
    print(f"fuzz: {args.count:,} inputs in {elapsed:.0f} s ({figures['inputs_per_s']:,}/s, "
          f"CPU {cpu_s:.0f} s): "
          f"{crashes.count} crashes, {figures['http_500']} HTTP 500s")
    for target, row in figures["by_target"].items():
        print(f"  {target:<8} {row['inputs']:>9,} inputs  {row['per_s'] or 0:>8,}/s  "
              f"{row['cpu_us_each']:>6,} µs CPU each")
    print(f"  peak RSS {peak:.0f} MiB; RSS growth after the first tenth {growth} MiB")
    print(f"  verdicts {figures['verdicts']}")
    print(f"  HTTP statuses {figures['http_statuses']}")
    write_results("fuzz", figures)
    sys.exit(1 if crashes.count else 0)


if __name__ == "__main__":
    main()
