"""Budgets shared through Redis without a round trip per request (elicence.limits_shared,
decision 0245), against a real Redis: what is decided locally, what is asked of Redis,
and how far two processes can overshoot a budget together."""

from __future__ import annotations

import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import limits
import pytest
import redis
from limits.storage import storage_from_string
from limits.strategies import SlidingWindowCounterRateLimiter

from elicence.limits import Budgets
from elicence.limits_shared import SLACK, SharedBudgets
from tests.support.ports import free_port
from tests.support.services import redis_server

COST = 10  # a JSON verification


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    with redis_server() as url:
        yield url


def process(redis_url: str, errors: list[Exception] | None = None) -> SharedBudgets:
    """One process's budgets; its writer thread never wakes during a test, so the test
    decides when pending units are written (flush)."""
    sink = errors if errors is not None else []
    return SharedBudgets(storage_from_string(redis_url), sink.append, sync_seconds=3600)


def script_calls(redis_url: str) -> int:
    stats = redis.Redis.from_url(redis_url).info("commandstats")
    return sum(stats.get(f"cmdstat_{name}", {}).get("calls", 0)
               for name in ("evalsha", "eval"))


def redis_count(redis_url: str, item: limits.RateLimitItem, key: str) -> int:
    """What the library itself reads from Redis for this key's budget."""
    limiter = SlidingWindowCounterRateLimiter(storage_from_string(redis_url))
    return item.amount - limiter.get_window_stats(item, key).remaining


def test_a_client_far_from_its_budget_is_counted_without_a_round_trip(redis_url) -> None:
    item, key = limits.RateLimitItemPerMinute(100_000), uuid.uuid4().hex
    budgets = process(redis_url)
    assert budgets.spend(item, key, COST) == 0  # a client new here: asked of Redis
    before = script_calls(redis_url)
    assert all(budgets.spend(item, key, COST) == 0 for _ in range(150))
    assert script_calls(redis_url) == before  # decided here
    budgets.flush()
    assert script_calls(redis_url) == before + 1  # every pending key in one call
    assert redis_count(redis_url, item, key) == 151 * COST


def test_two_processes_overshoot_a_budget_by_at_most_their_slack(redis_url) -> None:
    item, key = limits.RateLimitItemPerMinute(1000 * COST), uuid.uuid4().hex
    first, second = process(redis_url), process(redis_url)
    admitted = 0
    for n in range(3000):  # alternating, as a proxy sends one client to two replicas
        if (first, second)[n % 2].spend(item, key, COST) == 0:
            admitted += COST
    slack = int(item.amount * SLACK)
    assert item.amount <= admitted <= item.amount + 2 * slack
    first.flush()
    second.flush()
    assert redis_count(redis_url, item, key) == admitted  # nothing admitted went uncounted


def test_a_process_alone_spends_a_budget_exactly(redis_url) -> None:
    item, key = limits.RateLimitItemPerMinute(1000 * COST), uuid.uuid4().hex
    budgets = process(redis_url)
    admitted = 0
    while budgets.spend(item, key, COST) == 0:  # the last quarter is checked in Redis
        admitted += COST
    assert admitted == item.amount


def test_a_process_with_stale_knowledge_admits_at_most_its_slack(redis_url) -> None:
    item, key = limits.RateLimitItemPerMinute(1000 * COST), uuid.uuid4().hex
    first, second = process(redis_url), process(redis_url)
    assert second.spend(item, key, COST) == 0  # seen here while the budget was whole
    while first.spend(item, key, COST) == 0:  # then spent in full elsewhere
        pass
    extra = 0
    while second.spend(item, key, COST) == 0:
        extra += COST
    assert extra <= item.amount * SLACK
    assert second.spend(item, key, COST) > 0


def test_a_refused_client_is_refused_without_asking_redis_again(redis_url) -> None:
    item, key = limits.RateLimitItemPerMinute(30), uuid.uuid4().hex
    budgets = process(redis_url)
    assert [budgets.spend(item, key, COST) == 0 for _ in range(4)] == [True] * 3 + [False]
    before = script_calls(redis_url)
    waits = [budgets.spend(item, key, COST) for _ in range(20)]
    assert all(wait > 0 for wait in waits)
    assert script_calls(redis_url) == before


def test_units_admitted_while_redis_is_away_are_written_when_it_answers(tmp_path) -> None:
    port = free_port()
    with own_redis(tmp_path, port) as url:
        item, key = limits.RateLimitItemPerMinute(100_000), uuid.uuid4().hex
        budgets = process(url)
        assert all(budgets.spend(item, key, COST) == 0 for _ in range(6))
    with pytest.raises(redis.ConnectionError):  # stopped: the units stay pending
        budgets.flush()
    with own_redis(tmp_path, port) as url:
        budgets.flush()  # (the first unit was checked in the Redis that is gone)
        assert redis_count(url, item, key) == 5 * COST


@contextmanager
def own_redis(directory: Path, port: int) -> Iterator[str]:
    """A Redis of this test's own on `port`, stopped on leaving (Debian redis-server)."""
    server = subprocess.Popen(["redis-server", "--bind", "127.0.0.1", "--port", str(port),
                               "--save", "", "--appendonly", "no", "--dir", str(directory)],
                              stdout=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        client = redis.Redis.from_url(url)
        for _ in range(100):  # until it answers (at most 5 s)
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        yield url
    finally:
        server.terminate()
        server.wait(10)


def test_a_process_whose_redis_fails_counts_on_its_own(caplog) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    budgets = Budgets(f"redis://127.0.0.1:{closed}/0")
    item = limits.RateLimitItemPerMinute(2 * COST)
    assert [budgets.spend(item, "198.51.100.7", COST) == 0 for _ in range(3)] == \
        [True, True, False]
    assert "counting in this process" in caplog.text
