"""What the app's front layers add to each request: request budget (elicence.limits),
body read with a deadline and security headers, around a WSGI app that does nothing.

Run: .venv/bin/python bench/limiter.py [--requests 20000] [--redis redis://127.0.0.1:P/0]
     → prints µs per request, writes bench/results/limiter.json. The bar is judged on CPU
       time (the process's, all threads: robust to other load on the machine); wall
       time is printed beside it and grows with the machine's load.

Requests are JSON verifications (a 1 KB body) from 1,000 client addresses, half of them
IPv6, half through a trusted proxy. The budgets are counted in memory, then in Redis: the
one --redis names, else ELICENCE_TEST_REDIS_URL, else one scripts/redis-test-server
starts (Debian's redis-server; --redis none skips it). Per decision 0245 most requests are
decided in the process and their units written to Redis every 50 ms.
Bar (issue 13): limiter overhead <= 0.1 ms per request.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import random
import shutil
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.redis_server import redis_server  # noqa: E402
from bench.results_file import write_results  # noqa: E402

BAR_MS = 0.1
BODY = b'{"qr": "' + b"E" * 1000 + b'"}'


def inner(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    environ["wsgi.input"].read()
    start_response("200 OK", [("Content-Type", "application/json"),
                              ("Content-Length", "2")])
    return [b"{}"]


def environs(count: int) -> list[dict[str, Any]]:
    rng = random.Random(5)
    out = []
    for i in range(count):
        client = f"2001:db8:{rng.randrange(500):x}::{i % 7 + 1}" if i % 2 else \
            f"198.51.{rng.randrange(2)}.{rng.randrange(250)}"
        environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/api/v1/verify",
                   "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(BODY)),
                   "REMOTE_ADDR": client, "wsgi.input_terminated": True}
        if i % 4 == 0:
            environ.update(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=client)
        out.append(environ)
    return out


def per_request_us(app: Any, requests: list[dict[str, Any]]) -> tuple[float, float]:
    """Wall and CPU (all the process's threads, the Redis writer's too) µs per request."""
    def start_response(status: str, headers: list, exc_info: Any = None) -> None:
        assert status.startswith("200"), status

    started, cpu = time.perf_counter(), time.process_time()
    for environ in requests:
        environ = dict(environ)
        environ["wsgi.input"] = io.BytesIO(BODY)
        for _ in app(environ, start_response):
            pass
    return ((time.perf_counter() - started) / len(requests) * 1e6,
            (time.process_time() - cpu) / len(requests) * 1e6)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--redis", default=os.environ.get("ELICENCE_TEST_REDIS_URL"))
    options = parser.parse_args()
    with contextlib.ExitStack() as stack:
        if options.redis is None and shutil.which("redis-server"):
            options.redis = stack.enter_context(redis_server())  # stopped at the end
        measure(options)


def measure(options: argparse.Namespace) -> None:
    from chain.config import Settings
    from elicence.app import MAX_REQUEST_BYTES
    from elicence.limits import LimitConfig, RequestLimits
    from elicence.limits_body import BodyDeadline
    from elicence.limits_counters import CounterTokens
    from elicence.web_errors import SecurityHeaders, render_error

    if options.redis == "none":
        options.redis = None
    requests = environs(options.requests)

    def stack(storage: str) -> Any:
        config = LimitConfig.from_settings(Settings(home=ROOT, extra={
            "rate_limit": "1000000/minute", "trusted_proxies": "10.0.0.0/24",
            "redis_url": storage}), env={})
        return SecurityHeaders(RequestLimits(
            BodyDeadline(inner, render_error, max_bytes=MAX_REQUEST_BYTES), config,
            CounterTokens(b"k" * 32), render_error))

    figures: dict[str, Any] = {"requests": options.requests, "bar_ms": BAR_MS}
    per_request_us(inner, requests[:2000])  # warm-up
    bare = [min(runs) for runs in zip(*(per_request_us(inner, requests) for _ in range(3)),
                                      strict=True)]
    storages = {"memory": "memory://"}
    if options.redis:
        storages["redis"] = options.redis
    for name, url in storages.items():
        app = stack(url)
        per_request_us(app, requests[:2000])
        layered = [min(runs) for runs in zip(*(per_request_us(app, requests)
                                               for _ in range(3)), strict=True)]
        wall_us, cpu_us = (layered[0] - bare[0]), (layered[1] - bare[1])
        figures[name] = {"overhead_ms": round(cpu_us / 1e3, 4),
                         "overhead_wall_ms": round(wall_us / 1e3, 4),
                         "meets_bar": cpu_us / 1e3 <= BAR_MS}
        print(f"{name}: {cpu_us:.1f} µs of CPU per request added by the front layers "
              f"({wall_us:.1f} µs wall; bar {BAR_MS * 1e3:.0f} µs)")
    write_results("limiter", figures)


if __name__ == "__main__":
    main()
