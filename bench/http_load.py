"""The verification API under load: `elicence serve` (gunicorn, 2 workers) on 127.0.0.1.

Run: .venv/bin/python bench/http_load.py [--licences 4000] [--seconds 10] [--rate 1000]
     → prints figures, writes bench/results/http.json.

A registry on eth-tester with one driving-licence authority; `--licences` licences are
signed in batches, anchored, 1 % revoked, and the real indexer builds the index in a
temporary ELICENCE_HOME. `elicence serve --no-follow` serves it (the index does not change
during the run). Two measurements from this (separate) process:

- throughput, closed loop: wrk (Debian's `wrk`, if installed; else Python worker processes)
  keeps `--connections` requests in flight for `--seconds`, each a POST /api/v1/verify of a
  random licence's QR text;
- latency, open loop at a fixed rate: request i is due at t0 + i / rate whether or not
  earlier ones have been answered, and its latency counts from when it was due (so a
  stalled server shows in the tail instead of slowing the generator down); at most
  `--open-connections` (512) connections, so status 0 counts the server's refusals, not
  the generator running out of sockets.

Bars (web brief): >= 2,000 verifications/s on 2 cores; p99 <= 10 ms at 1,000 requests/s.
Server and load generator share the machine's cores, so the figures are a lower bound.

With --nginx (issue 13: "through nginx -> 2 replicas, everything on"): Redis started by
scripts/redis-test-server, two replicas of one worker each on the home, nginx from
scripts/nginx-test-server in front (the configuration of docs/deployment.md), request
budgets counted in that Redis (ELICENCE_RATE_LIMIT 100000000/minute unless --rate-limit
says otherwise, so nothing is refused but every request is counted), nginx as trusted
proxy, and a tenth of the requests live codes of a device-bound licence (replay cache,
usage records; a live code sent again is refused as replayed, as at a real counter).
Bars (issue 13): >= 2,000 verifications/s; p99 <= 15 ms at 1,000 requests/s through the
proxy. The same run also times the app in this process (one thread, no HTTP), for scale
on a machine shared with other work. --quiet-wait bounds the wait for idle cores.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import gc
import hashlib
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.redis_server import PID_FILE as REDIS_PID_FILE  # noqa: E402
from bench.redis_server import pid_of, redis_server  # noqa: E402
from bench.results_file import write_results  # noqa: E402

RATE_BAR, P99_BAR_MS = 2_000, 10.0
NGINX_P99_BAR_MS = 15.0
LIVE_SHARE = 10  # one request in LIVE_SHARE is a live code (--nginx)
ROW = {
    "family_name": "欧阳", "given_name": "慧敏", "birth_date": "1988-11-30",
    "licence_number": "310115198811304527", "vehicle_classes": "C1, D",
    "issue_date": "2021-06-15", "expiry_date": "2031-06-15", "sex": "F", "nationality": "CHN",
    "address": "上海市浦东新区张江镇碧波路六百九十号",
}


def build_home(home: Path, count: int, batch_size: int = 1000) -> tuple[list[str], Any]:
    """An ELICENCE_HOME whose index holds `count` anchored licences; their QR texts, and
    a device-bound licence with its device key (for live codes)."""
    from cryptography.hazmat.primitives.asymmetric import ec
    from eth_account import Account
    from web3 import EthereumTesterProvider, Web3

    from chain.indexer import Indexer
    from chain.records import Scope
    from chain.registry import MAX_REFS, Registry
    from chain.transactions import WaitPolicy
    from licence import LicenceItem, build_batch, compressed_public_key, load_schema
    from licence.vocabulary import Role, StatusCode

    w3 = Web3(EthereumTesterProvider())
    council, dmv_account = (Account.from_key(hashlib.sha256(f"http-{i}".encode()).digest())
                            for i in range(2))
    for account in (council, dmv_account):
        w3.eth.send_transaction({"from": w3.eth.accounts[0], "to": account.address,
                                 "value": 10**21})
    registry, deployed = Registry.deploy(w3, council, [council.address], 1, dev=True,
                                         wait=WaitPolicy(timeout=30.0, poll_interval=0.01))
    registry.propose(registry.action_register_authority(
        "CN-31-DMV", "上海市公安局交通管理局", "Shanghai Traffic Police", "CN-31",
        scopes=[Scope(load_schema("driving").code, "31")],
        accounts=[(dmv_account.address, Role.ANCHOR | Role.STATUS | Role.KEYS)]))
    dmv = registry.as_account(dmv_account)
    now = int(time.time())
    key = ec.generate_private_key(ec.SECP256R1())
    dmv.add_key(compressed_public_key(key), now - 86_400, now + 10 * 365 * 86_400)
    claims = load_schema("driving").validate(ROW)
    licences = []
    for start in range(0, count, batch_size):
        items = [LicenceItem(claims, now - 86_400, now + 365 * 86_400, os.urandom(16))
                 for _ in range(min(batch_size, count - start))]
        batch = build_batch(1, 1, key, load_schema("driving").code, now, items)
        dmv.anchor(load_schema("driving").code, "31", len(items), [r.root for r in batch.roots])
        licences.extend(batch.licences)
    device = ec.generate_private_key(ec.SECP256R1())
    bound = build_batch(1, 1, key, load_schema("driving").code, now, [LicenceItem(
        claims, now - 86_400, now + 365 * 86_400, os.urandom(16),
        compressed_public_key(device))])
    dmv.anchor(load_schema("driving").code, "31", 1, [r.root for r in bound.roots])
    revoked = random.Random(1).sample(licences, len(licences) // 100)
    for i in range(0, len(revoked), MAX_REFS):
        dmv.set_status(StatusCode.REVOKED, [lic.status_ref for lic in revoked[i:i + MAX_REFS]],
                       reason_class=1)
    indexer = Indexer(home / "index.sqlite", registry, start_block=deployed.block_number)
    indexer.sync()
    indexer.close()
    return [lic.to_qr() for lic in licences], (bound.licences[0], device)


def live_bodies(bound: Any, count: int) -> list[bytes]:
    """`count` distinct live codes made now (valid for a minute): other disclosures, then
    earlier seconds."""
    from licence.presentation import present

    licence, device = bound
    names = sorted(licence.claims)
    now = int(time.time())
    return [json.dumps({"qr": present(
        licence, [n for bit, n in enumerate(names) if (i + 1) >> bit & 1] or None, device,
        now - i // 2 ** len(names)).to_qr()}).encode() for i in range(count)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(home: Path, port: int, workers: int, threads: int,
                 rate_limit: str = "off", extra_env: dict[str, str] | None = None
                 ) -> subprocess.Popen:
    import urllib.request

    # No follower here, so no new blocks: let the index's newest block age for the whole
    # run (the freshness rule reads the same cached state either way).
    env = {**os.environ, "ELICENCE_HOME": str(home), "ELICENCE_RATE_LIMIT": rate_limit,
           "ELICENCE_MAX_HEAD_AGE": "3600", **(extra_env or {})}
    process = subprocess.Popen(
        [sys.executable, "-m", "elicence", "serve", "--no-follow", "--port", str(port),
         "--workers", str(workers), "--threads", str(threads)],
        env=env, cwd=ROOT, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                if r.status == 200:
                    return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("the server did not start within 60 s")


def server_cpu_seconds(pid: int) -> float:
    """User + system CPU time of the server process and its workers so far (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        process, parent = int(stat.parent.name), int(fields[1])
        if process == pid or parent == pid:
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def post(port: int, body: bytes) -> tuple[int, bytes]:
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("POST", "/api/v1/verify", body,
                           {"Content-Type": "application/json"})
        answer = connection.getresponse()
        return answer.status, answer.read()
    finally:
        connection.close()


# ---------------------------------------------------------------------- throughput
def throughput_wrk(port: int, bodies: list[bytes], seconds: int, connections: int,
                   workdir: Path) -> dict[str, float]:
    script = workdir / "bodies.lua"
    quoted = ",\n".join(json.dumps(b.decode()) for b in bodies)  # JSON strings are Lua strings
    script.write_text(
        "local bodies = {\n" + quoted + "\n}\nlocal i = 0\n"
        "wrk.method = 'POST'\nwrk.headers['Content-Type'] = 'application/json'\n"
        "request = function()\n  i = i % #bodies + 1\n"
        "  return wrk.format(nil, '/api/v1/verify', nil, bodies[i])\nend\n", encoding="utf-8")
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script),
         f"http://127.0.0.1:{port}/"], capture_output=True, text=True, timeout=seconds + 60,
        check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out)
    scale = {"us": 1e-3, "ms": 1.0, "s": 1e3}
    return {"tool": "wrk", "per_second": round(rate),
            "non_2xx": int(errors.group(1)) if errors else 0,
            "socket_errors": socket_errors.group(1) if socket_errors else None,
            "p99_ms": round(float(p99.group(1)) * scale[p99.group(2)], 2) if p99 else None}


def _closed_loop_worker(port: int, bodies: list[bytes], until: float, out) -> None:
    count = errors = 0
    rng = random.Random(os.getpid())
    while time.time() < until:
        status, _ = post(port, rng.choice(bodies))
        count += 1
        errors += status != 200
    out.put((count, errors))


def throughput_python(port: int, bodies: list[bytes], seconds: int,
                      processes: int) -> dict[str, float]:
    import multiprocessing

    queue: multiprocessing.Queue = multiprocessing.Queue()
    started = time.time()
    until = started + seconds
    workers = [multiprocessing.Process(target=_closed_loop_worker,
                                       args=(port, bodies, until, queue))
               for _ in range(processes)]
    for w in workers:
        w.start()
    results = [queue.get(timeout=seconds + 60) for _ in workers]
    for w in workers:
        w.join(10)
    elapsed = time.time() - started
    return {"tool": f"python, {processes} processes",
            "per_second": round(sum(c for c, _ in results) / elapsed),
            "non_2xx": sum(e for _, e in results)}


# ---------------------------------------------------------------------- open-loop latency
def open_loop(port: int, bodies: list[bytes], rate: int, seconds: int,
              connections: int = 32, max_connections: int = 512,
              drain: float = 60.0) -> dict[str, float]:
    """Request i is due at t0 + i / rate and goes out on an idle kept-alive connection (a
    new one when all are busy, as a browser would, up to `max_connections`; past that it
    waits for one to come free); its latency counts from when it was due. The generator so
    never runs out of its own sockets: status 0 is the server refusing or cutting a
    connection, -1 no answer in time. One asyncio thread with prepared request bytes: a
    light generator, so the server gets the cores, and no thread of the generator waits on
    another for the GIL."""
    import asyncio

    total = rate * seconds
    requests = [b"POST /api/v1/verify HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
                % (len(body), body) for body in bodies]
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    open_now = most_open = 0

    async def exchange(idle: collections.deque, slots: asyncio.Semaphore, request: bytes,
                       due: float) -> None:
        nonlocal open_now, most_open
        status, writer = 0, None
        async with slots:  # at most max_connections requests (and connections) at once
            try:
                # The longest idle first: every connection stays in use, like many counters.
                if idle:
                    reader, writer = idle.popleft()
                else:
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                    open_now += 1
                    most_open = max(most_open, open_now)
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").lower().split("\r\n")
                length = next(int(line.split(":", 1)[1]) for line in lines
                              if line.startswith("content-length:"))
                await reader.readexactly(length)
                status = int(lines[0].split()[1])
                if "connection: close" in lines:
                    writer.close()
                    open_now -= 1
                else:
                    idle.append((reader, writer))
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError,
                    StopIteration, ValueError):
                status = 0
                if writer is not None:  # a connection that failed is not reused
                    writer.close()
                    open_now -= 1
        latencies.append(time.perf_counter() - due)
        statuses[status] = statuses.get(status, 0) + 1

    async def run() -> float:
        nonlocal open_now
        loop = asyncio.get_running_loop()
        idle: collections.deque = collections.deque()
        slots = asyncio.Semaphore(max_connections)
        for _ in range(connections):
            idle.append(await asyncio.open_connection("127.0.0.1", port))
        open_now = connections
        rng = random.Random(7)
        tasks: dict[asyncio.Task, float] = {}
        t0 = time.perf_counter() + 0.2
        for i in range(total):
            due = t0 + i / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            task = loop.create_task(exchange(idle, slots, rng.choice(requests), due))
            tasks[task] = due
            task.add_done_callback(lambda done: tasks.pop(done, None))
        # Requests still unanswered `drain` seconds after the last was due are failures.
        if tasks:
            await asyncio.wait(list(tasks), timeout=drain)
        given_up = time.perf_counter()
        for task, due in list(tasks.items()):
            task.cancel()
            latencies.append(given_up - due)
            statuses[-1] = statuses.get(-1, 0) + 1  # -1: no answer in time
        elapsed = time.perf_counter() - t0
        for _, writer in idle:
            writer.close()
        return elapsed

    # The generator's own garbage collection would stall every request in flight and
    # count as server latency: the set-up's objects are frozen out of it first.
    gc.collect()
    gc.freeze()
    elapsed = asyncio.run(run())
    ordered = sorted(latencies)

    def q(p: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(len(ordered) * p))] * 1e3, 3)

    return {"rate": rate, "requests": len(ordered), "connections": connections,
            "max_connections": max_connections, "most_connections_open": most_open,
            "achieved_per_second": round(len(ordered) / elapsed), "p50_ms": q(0.5),
            "p90_ms": q(0.9), "p99_ms": q(0.99), "p999_ms": q(0.999),
            "max_ms": round(ordered[-1] * 1e3, 3),
            "mean_ms": round(statistics.fmean(ordered) * 1e3, 3), "statuses": statuses}


def cpu_idle(seconds: float = 1.0) -> float:
    """The share of all cores' time spent idle over the next `seconds` (Linux /proc)."""
    def sample() -> tuple[int, int]:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        return fields[3] + fields[4], sum(fields)  # idle + iowait, total

    idle0, total0 = sample()
    time.sleep(seconds)
    idle1, total1 = sample()
    return (idle1 - idle0) / max(1, total1 - total0)


def wait_until_quiet(least_idle: float = 0.9, limit: float = 60.0) -> float:
    """Flushes written files and waits (at most `limit` s) until the cores are mostly
    idle: a benchmark run just before (or any other job) still finishing its disk writes
    would otherwise be measured as server latency. Returns the idle share reached."""
    os.sync()
    deadline = time.monotonic() + limit
    idle = cpu_idle()
    while idle < least_idle and time.monotonic() < deadline:
        idle = cpu_idle()
    return idle


@contextlib.contextmanager
def deployment(home: Path, options: argparse.Namespace):  # type: ignore[no-untyped-def]
    """Yields the port to load, a function listing the server's process ids (their CPU is
    the server's), and the environment the replicas run with."""
    if not options.nginx:
        port = free_port()
        server = start_server(home, port, options.workers, options.threads,
                              options.rate_limit)
        try:
            yield port, lambda: [server.pid], {}
        finally:
            server.terminate()
            server.wait(15)
        return
    scripts = ROOT / "scripts"
    with redis_server() as redis:
        extra_env = {"ELICENCE_REDIS_URL": redis, "ELICENCE_TRUSTED_PROXIES": "127.0.0.1"}
        ports = [free_port() for _ in range(2)]
        servers = []
        nginx_env = {**os.environ, "ELICENCE_TEST_NGINX_DIR": str(home / "nginx"),
                     "PYTHON": sys.executable}
        try:
            for replica in ports:
                servers.append(start_server(home, replica, 1, options.threads,
                                            options.rate_limit, extra_env))
            url = subprocess.run([str(scripts / "nginx-test-server"), "start", *map(str, ports)],
                                 env=nginx_env, capture_output=True, text=True,
                                 check=True).stdout.strip().rpartition("=")[2]
            print(f"nginx {url} -> replicas on {ports}, budgets in Redis {redis}")

            def pids() -> list[int]:
                found = [server.pid for server in servers]
                for pid_file in (home / "nginx" / "nginx.pid", REDIS_PID_FILE):
                    pid = pid_of(pid_file)
                    if pid is not None:
                        found.append(pid)
                return found

            yield int(url.rpartition(":")[2]), pids, extra_env
        finally:
            subprocess.run([str(scripts / "nginx-test-server"), "stop"], env=nginx_env,
                           check=False)
            for server in servers:
                server.terminate()
                server.wait(15)


def in_process_rate(home: Path, bodies: list[bytes], extra_env: dict[str, str],
                    seconds: float = 3.0) -> dict[str, float]:
    """The same app (limits in the same Redis, replay cache, usage records) called in
    this process without HTTP: what one core gives right now on this machine."""
    import io

    from chain.config import load_settings
    from elicence.app import create_app

    saved = dict(os.environ)
    os.environ.update({"ELICENCE_HOME": str(home), "ELICENCE_MAX_HEAD_AGE": "3600",
                       "ELICENCE_RATE_LIMIT": "100000000/minute", **extra_env})
    try:
        app = create_app(load_settings(), claims=False)
    finally:
        os.environ.clear()
        os.environ.update(saved)

    def start_response(status: str, headers: list, exc_info: Any = None) -> None:
        assert status.startswith("200"), status

    count, rng = 0, random.Random(5)
    wall, cpu = time.perf_counter(), time.process_time()
    while time.perf_counter() - wall < seconds:
        body = rng.choice(bodies)
        environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/api/v1/verify",
                   "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(body)),
                   "REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "198.51.100.7",
                   "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80",
                   "wsgi.input": io.BytesIO(body), "wsgi.url_scheme": "http",
                   "wsgi.input_terminated": True}
        for _ in app.wsgi_app(environ, start_response):
            pass
        count += 1
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    app.extensions["elicence.verifier"].close()
    return {"requests": count, "per_second": round(count / wall),
            "per_cpu_second": round(count / cpu)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--licences", type=int, default=4000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rate", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1, help="per worker")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--open-connections", type=int, default=512,
                        help="most connections the open loop holds; a request due when "
                             "all are busy waits for one (its wait counts as latency)")
    parser.add_argument("--nginx", action="store_true",
                        help="two replicas behind nginx, budgets in Redis, live codes")
    parser.add_argument("--quiet-wait", type=float, default=60.0,
                        help="at most this many seconds waiting for idle cores per phase")
    parser.add_argument("--rate-limit", default=None,
                        help="ELICENCE_RATE_LIMIT for the server, e.g. 100000000/minute to "
                             "measure the limiter's cost without refusals (with "
                             "ELICENCE_REDIS_URL set, counted in that Redis); default off, "
                             "or 100000000/minute with --nginx")
    options = parser.parse_args()
    # Stopped (e.g. by `timeout`): leave through the finally blocks, which stop the servers.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if options.rate_limit is None:
        options.rate_limit = "100000000/minute" if options.nginx else "off"
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        started = time.perf_counter()
        texts, bound = build_home(home, options.licences)
        print(f"issued, anchored and indexed {len(texts)} licences "
              f"({time.perf_counter() - started:.1f} s)")
        bodies = [json.dumps({"qr": t}).encode() for t in
                  random.Random(3).sample(texts, min(500, len(texts)))]
        with deployment(home, options) as (port, pids, extra_env):
            if options.nginx:  # a tenth live codes, fresh for this run's minute
                live = live_bodies(bound, len(bodies) // (LIVE_SHARE - 1))
                bodies = bodies + live
                random.Random(4).shuffle(bodies)
            verdicts: dict[str, int] = {}
            for body in bodies:  # warm-up, and a check of what the server answers
                status, answer = post(port, body)
                verdict = json.loads(answer)["verdict"] if status == 200 else str(status)
                verdicts[verdict] = verdicts.get(verdict, 0) + 1
            print(f"warm-up verdicts: {verdicts}")
            idle_before = wait_until_quiet(limit=options.quiet_wait)
            print(f"cores idle before measuring: {idle_before:.0%}")

            def cpu_now() -> float:
                return sum(server_cpu_seconds(pid) for pid in pids())

            cpu_before, wall_before = cpu_now(), time.perf_counter()
            if shutil.which("wrk"):
                closed = throughput_wrk(port, bodies, options.seconds, options.connections,
                                        home)
            else:
                closed = throughput_python(port, bodies, options.seconds, 4)
            cpu = cpu_now() - cpu_before
            served = closed["per_second"] * (time.perf_counter() - wall_before)
            closed["server_cpu_ms_per_request"] = round(cpu / served * 1e3, 3)
            closed["server_cores_busy"] = round(cpu / (time.perf_counter() - wall_before), 2)
            print(f"closed loop ({closed['tool']}, {options.connections} connections): "
                  f"{closed['per_second']} verifications/s, non-2xx {closed['non_2xx']}; "
                  f"server CPU {closed['server_cpu_ms_per_request']} ms per request, "
                  f"{closed['server_cores_busy']} cores busy")
            wait_until_quiet(limit=options.quiet_wait)  # the closed loop's connections
            opened = open_loop(port, bodies, options.rate, options.seconds,
                               max_connections=options.open_connections,
                               drain=options.quiet_wait + 5 if options.nginx else 60.0)
            print(f"open loop at {opened['rate']}/s: p50 {opened['p50_ms']} ms, p99 "
                  f"{opened['p99_ms']} ms, p99.9 {opened['p999_ms']} ms, max "
                  f"{opened['max_ms']} ms, statuses {opened['statuses']}, "
                  f"{opened['most_connections_open']} connections at most")
            in_process = in_process_rate(home, bodies, extra_env) if options.nginx else None
            if in_process:
                print(f"in this process (one thread, no HTTP, same app and Redis): "
                      f"{in_process['per_second']} verifications/s wall, "
                      f"{in_process['per_cpu_second']} per CPU second")
    p99_bar = NGINX_P99_BAR_MS if options.nginx else P99_BAR_MS
    results = {
        "licences": options.licences, "workers": options.workers, "threads": options.threads,
        "seconds": options.seconds, "rate_limit": options.rate_limit,
        "nginx": options.nginx, "live_share": (1 / LIVE_SHARE) if options.nginx else 0,
        "redis": options.nginx or bool(os.environ.get("ELICENCE_REDIS_URL")),
        "warmup_verdicts": verdicts, "closed_loop": closed, "open_loop": opened,
        "in_process": in_process,
        "rate_bar_per_second": RATE_BAR, "p99_bar_ms": p99_bar,
        "meets_rate_bar": closed["per_second"] >= RATE_BAR and closed["non_2xx"] == 0,
        "meets_p99_bar": opened["p99_ms"] <= p99_bar and set(opened["statuses"]) == {200},
        "cpu_idle_before": round(idle_before, 3),
    }
    write_results("http_nginx" if options.nginx else "http", results)


if __name__ == "__main__":
    main()
