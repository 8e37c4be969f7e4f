"""The status follower against the world's real registry, and /healthz reporting it."""

from __future__ import annotations

import time
from pathlib import Path

from chain.index import LicenceIndex
from chain.registry import Registry
from verifier.follower import Follower, IndexSync, read_state

from ..verifier.world import World
from .conftest import world_app


def index_sync(world: World, home: Path) -> IndexSync:
    return IndexSync(home / "index.sqlite", lambda: world.registry,
                     start_block=world.deploy_block)


def unreachable() -> Registry:
    raise ConnectionError("node away")


def test_a_sync_round_fills_the_index_and_records_the_head(web_world: World,
                                                            tmp_path: Path) -> None:
    sync = index_sync(web_world, tmp_path)
    follower = Follower(sync, tmp_path, clock=lambda: web_world.now)
    state = follower.step()
    sync.close()
    head = web_world.w3.eth.block_number
    assert (state.last_success, state.chain_head, state.error) == (web_world.now, head, None)
    assert read_state(tmp_path) == state
    index = LicenceIndex(tmp_path / "index.sqlite")
    try:
        as_of = index.as_of()
        assert as_of is not None and (as_of.block_number, as_of.synced_at) == (head,
                                                                               web_world.now)
    finally:
        index.close()


def test_node_away_keeps_the_last_success_and_verification_goes_on(
        web_world: World, tmp_path: Path) -> None:
    home = tmp_path / "home"
    app = world_app(web_world, home, rate_limit="off")  # index synced at world.now
    service = app.extensions["elicence.verifier"]
    client = app.test_client()
    try:
        times = iter([web_world.now - 10, web_world.now])
        Follower(index_sync(web_world, home), home, clock=lambda: next(times)).step()
        away = Follower(IndexSync(home / "index.sqlite", unreachable), home,
                        clock=lambda: web_world.now)
        state = away.step()
        assert state.error == "ConnectionError" and state.last_success == web_world.now - 10
        health = client.get("/healthz")
        body = health.get_json()
        assert health.status_code == 200 and body["chain_reachable"] is False
        assert body["sync_error"] == "ConnectionError" and body["index"]["lag_blocks"] == 0
        assert client.post("/api/v1/verify", json={"qr": web_world.qr["good"]}
                           ).get_json()["verdict"] == "valid"

        service.clock = lambda: web_world.now + 301  # the index is now too old to say valid
        assert client.get("/healthz").status_code == 503
        stale = client.post("/api/v1/verify", json={"qr": web_world.qr["good"]}).get_json()
        assert (stale["verdict"], stale["reason"]) == ("unknown", "status_index_stale")
        revoked = client.post("/api/v1/verify", json={"qr": web_world.qr["revoked"]})
        assert revoked.get_json()["verdict"] == "revoked"  # final, even from an old index
    finally:
        service.close()


def test_healthz_when_reachable(web_world: World, tmp_path: Path) -> None:
    home = tmp_path / "home"
    app = world_app(web_world, home, rate_limit="off")
    try:
        Follower(index_sync(web_world, home), home, clock=lambda: web_world.now).step()
        body = app.test_client().get("/healthz").get_json()
        assert body["status"] == "ok" and body["chain_reachable"] is True
        assert body["last_sync"] == web_world.now and body["index"]["lag_seconds"] == 0
    finally:
        app.extensions["elicence.verifier"].close()


def test_the_thread_syncs_until_stopped(web_world: World, tmp_path: Path) -> None:
    rounds: list[int] = []

    def sync(now: int) -> int:
        rounds.append(now)
        return 1

    follower = Follower(sync, tmp_path, interval=0.01).start()
    deadline = time.monotonic() + 10
    while len(rounds) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    follower.stop()
    count = len(rounds)
    assert count >= 3
    time.sleep(0.05)
    assert len(rounds) == count  # stopped
