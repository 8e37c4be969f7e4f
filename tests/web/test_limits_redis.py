"""Budgets shared by replicas through a real Redis (Debian redis-server, started by
scripts/redis-test-server unless ELICENCE_TEST_REDIS_URL names one), and what a replica
does when Redis is gone."""

from __future__ import annotations

import random
import socket
from collections.abc import Iterator

import pytest

from tests.support.services import redis_server

from ..verifier.world import World
from .conftest import world_app


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    with redis_server() as url:
        yield url


def fresh_client_address() -> str:
    # Redis outlives a test run: a new address per run starts with a whole budget.
    return f"198.18.{random.randrange(256)}.{random.randrange(1, 255)}"


def test_two_replicas_sharing_redis_enforce_one_budget(web_world: World, tmp_path,
                                                       redis_url: str) -> None:
    replicas = [world_app(web_world, tmp_path / f"replica-{n}", rate_limit="4/minute",
                          redis_url=redis_url) for n in (1, 2)]
    try:
        clients = [app.test_client() for app in replicas]
        address = {"REMOTE_ADDR": fresh_client_address()}
        answers = [clients[n % 2].post("/api/v1/verify", json={"qr": "x"},
                                       environ_base=address).status_code for n in range(4)]
        assert answers == [200] * 4  # two at each replica
        for client in clients:  # the budget is spent on both
            refused = client.post("/api/v1/verify", json={"qr": "x"}, environ_base=address)
            assert refused.status_code == 429
            assert int(refused.headers["Retry-After"]) >= 1
        other = clients[1].post("/api/v1/verify", json={"qr": "x"},
                                environ_base={"REMOTE_ADDR": fresh_client_address()})
        assert other.status_code == 200
    finally:
        for app in replicas:
            app.extensions["elicence.verifier"].close()


def test_without_redis_a_replica_limits_on_its_own(web_world: World, tmp_path,
                                                   caplog) -> None:
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = world_app(web_world, tmp_path / "home", rate_limit="2/minute",
                    redis_url=f"redis://127.0.0.1:{port}/0")
    try:
        client = app.test_client()
        assert [client.post("/api/v1/verify", json={"qr": "x"}).status_code
                for _ in range(3)] == [200, 200, 429]
        assert "counting in this process" in caplog.text
    finally:
        app.extensions["elicence.verifier"].close()
