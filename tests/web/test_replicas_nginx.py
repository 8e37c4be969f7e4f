"""Two `elicence serve` replicas (one worker each) on one home, counting in one Redis, behind
nginx as docs/deployment.md configures it: one replica killed mid-load costs no verification
beyond those in flight, a client's budget is one budget whichever replica answers, and a
holder's usage records deleted through one replica are gone at the other."""

from __future__ import annotations

import http.client
import json
import random
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from chain.config import Settings

from ..support.services import Replica, nginx_server, redis_server, replicas
from ..verifier.world import World
from .test_receipts import signed

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

THREADS = 6
LOAD = 300
BUDGET = 320  # verifications a minute per client: the load fits, the limit test spends it


def client_address() -> str:
    # Each client connects from its own loopback address (Linux routes all of 127/8), so nginx
    # names it in X-Forwarded-For; fresh per run, since Redis counters outlive a run.
    return f"127.{random.randrange(1, 255)}.{random.randrange(256)}.{random.randrange(1, 255)}"


def post(url: str, path: str, body: dict, source: str,
         headers: dict[str, str] | None = None, timeout: float = 15) -> tuple[int, dict]:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout,
                                            source_address=(source, 0))
    try:
        connection.request("POST", path, body=json.dumps(body),
                           headers={"Content-Type": "application/json", **(headers or {})})
        answer = connection.getresponse()
        body = answer.read()
        return answer.status, json.loads(body) if body.startswith(b"{") else {}
    finally:
        connection.close()


def post_verify(url: str, source: str, headers: dict[str, str] | None = None
                ) -> tuple[int, dict]:
    return post(url, "/api/v1/verify", {"qr": "ELP1:x"}, source, headers)


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory, web_world: World
               ) -> Iterator[tuple[str, list[Replica], Path]]:
    base = tmp_path_factory.mktemp("replicas")
    home = base / "home"
    home.mkdir()
    web_world.sync(Settings(home=home).index_path)  # the world's licences, for live codes
    with redis_server() as redis_url, replicas(home, 2, {
            "ELICENCE_REDIS_URL": redis_url, "ELICENCE_TRUSTED_PROXIES": "127.0.0.1",
            "ELICENCE_RATE_LIMIT": f"{BUDGET}/minute"}) as running, \
            nginx_server(base / "nginx", [r.port for r in running]) as url:
        yield url, running, base / "nginx"


def test_a_budget_is_spent_across_both_replicas(deployment) -> None:
    url, running, _ = deployment
    source = client_address()
    answers = [post_verify(url, source)[0] for _ in range(BUDGET)]
    assert answers == [200] * BUDGET
    refused = [post_verify(url, source) for _ in range(4)]  # nginx alternates replicas
    assert [status for status, _ in refused] == [429] * 4
    for replica in running:  # each replica, asked directly as nginx would ask it, refuses too
        status, _ = post_verify(replica.url, "127.0.0.1", {"X-Forwarded-For": source})
        assert status == 429
    assert post_verify(url, client_address())[0] == 200  # another client has its own


def test_a_holders_delete_through_one_replica_is_seen_by_the_other(
        deployment, web_world: World) -> None:
    url, running, _ = deployment
    source, now = client_address(), int(time.time())  # the replicas run on the real clock
    device = web_world.device_keys["bound"]
    for age, replica in zip((0, 60), running, strict=True):  # one usage record at each replica
        code = web_world.live("bound", at=now - age)
        status, body = post(replica.url, "/api/v1/verify", {"qr": code}, "127.0.0.1",
                            {"X-Forwarded-For": source})
        assert status == 200 and "verdict" in body
    query = signed("list", device, now)
    listed = [post(replica.url, "/api/v1/receipts/query", query, "127.0.0.1",
                   {"X-Forwarded-For": source}) for replica in running]
    assert [status for status, _ in listed] == [200, 200]
    assert len(listed[0][1]["receipts"]) == 2 and listed[0][1] == listed[1][1]

    status, body = post(running[0].url, "/api/v1/receipts/delete",
                        signed("delete", device, now, ids=[]), "127.0.0.1",
                        {"X-Forwarded-For": source})
    assert (status, body) == (200, {"deleted": 2})
    for replica in running:
        assert post(replica.url, "/api/v1/receipts/query", query, "127.0.0.1",
                    {"X-Forwarded-For": source}) == (200, {"receipts": []})
    assert post(url, "/api/v1/receipts/query", query, source) == (200, {"receipts": []})


def test_killing_a_replica_mid_load_fails_only_requests_in_flight(deployment) -> None:
    url, running, nginx_dir = deployment
    source = client_address()
    done = threading.Semaphore(0)
    answered_before_kill: dict[int, int | str] = {}
    killed = threading.Event()

    def one(n: int) -> int | str:
        outcome: int | str = "not sent"
        try:
            status, body = post_verify(url, source)
            outcome = status if status != 200 or "verdict" in body else "no verdict"
        except (OSError, http.client.HTTPException) as exc:  # a connection cut mid-answer
            outcome = type(exc).__name__
        finally:
            if not killed.is_set():
                answered_before_kill[n] = outcome
            done.release()
        return outcome

    deadline = time.monotonic() + 120
    with ThreadPoolExecutor(THREADS) as pool:
        futures = [pool.submit(one, n) for n in range(LOAD)]
        for _ in range(LOAD // 3):  # a third of the load answered: kill one replica
            assert done.acquire(timeout=max(0.1, deadline - time.monotonic()))
        killed.set()
        before = dict(answered_before_kill)
        running[0].kill()
        results = [f.result(timeout=max(0.1, deadline - time.monotonic())) for f in futures]
    failed = [r for r in results if r != 200]
    assert len(results) == LOAD
    assert len(failed) <= THREADS, failed  # at most the requests in flight at the kill
    assert len(before) >= LOAD // 3 and set(before.values()) == {200}
    # nginx did meet the dead replica: requests it had sent there were moved to the other, or
    # (an answer cut halfway) failed as in flight.
    log = (nginx_dir / "error.log").read_text()
    assert any(sign in log for sign in ("while reading response header from upstream",
                                        "connect() failed", "upstream prematurely closed"))
    # The survivor answers everything on its own afterwards.
    assert [post_verify(url, source)[0] for _ in range(4)] == [200] * 4
