"""A hung chain node must not hold the server's workers: /wallet/api/key against a node
that accepts connections and never answers (a real socket) gives a quick 503, never
queues requests behind the one already waiting, and does not ask a failed node again for
a while."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest
from flask import Flask

from chain.config import Settings
from wallet.web import NODE_PAUSE, KeyLookup

from ..verifier.world import World
from .conftest import world_app

REGISTRY = "0x" + "12" * 20


class HungNode:
    """Accepts connections, reads what comes, never answers."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.accepted: list[socket.socket] = []
        self.connected = threading.Condition()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.listener.getsockname()[1]}"

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            with self.connected:
                self.accepted.append(connection)
                self.connected.notify_all()

    def wait_for_connections(self, count: int) -> None:
        with self.connected:
            assert self.connected.wait_for(lambda: len(self.accepted) >= count, timeout=30)

    def close(self) -> None:
        self.listener.close()
        for connection in self.accepted:
            connection.close()


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def hung() -> Iterator[HungNode]:
    node = HungNode()
    yield node
    node.close()


@pytest.fixture
def app(web_world: World, tmp_path, hung: HungNode) -> Iterator[Flask]:
    app = world_app(web_world, tmp_path / "home", rate_limit="off")
    app.extensions["elicence.wallet"] = KeyLookup(
        Settings(home=tmp_path / "home", rpc_url=hung.url, registry_address=REGISTRY),
        clock=app.extensions.setdefault("test.clock", Clock()))
    yield app
    app.extensions["elicence.verifier"].close()


def key_answer(app: Flask) -> tuple[int, str]:
    answer = app.test_client().get("/wallet/api/key?authority=1&key=1")
    return answer.status_code, answer.get_json()["error"]["reason"]


def test_a_hung_node_gives_503_and_is_not_asked_again_for_a_while(app: Flask,
                                                                  hung: HungNode) -> None:
    assert key_answer(app) == (503, "key_unavailable")  # after one short deadline, no retry
    assert len(hung.accepted) == 1
    for _ in range(5):  # answered at once: the node is not asked while it is paused
        assert key_answer(app) == (503, "key_unavailable")
    assert len(hung.accepted) == 1
    app.extensions["test.clock"].now += NODE_PAUSE + 1
    assert key_answer(app) == (503, "key_unavailable")  # asked again after the pause
    assert len(hung.accepted) == 2


def test_requests_never_queue_behind_one_waiting_on_the_node(
        app: Flask, hung: HungNode, monkeypatch: pytest.MonkeyPatch) -> None:
    # The first request waits until the node hangs up (not a deadline), so the second is
    # answered while it is certainly still waiting.
    monkeypatch.setattr("wallet.web.KEY_TIMEOUT", 600.0)
    first: list[tuple[int, str]] = []
    waiting = threading.Thread(target=lambda: first.append(key_answer(app)))
    waiting.start()
    hung.wait_for_connections(1)  # the first request is now waiting on the node
    answer = app.test_client().get("/wallet/api/key?authority=1&key=1")
    assert waiting.is_alive()  # answered while the first is still waiting
    assert answer.status_code == 503
    assert answer.get_json()["error"]["message"].endswith("try again later.")
    assert answer.headers["Cache-Control"] == "no-store"
    hung.close()  # the node hangs up: the first request ends with a 503 too
    waiting.join()
    assert first == [(503, "key_unavailable")] and len(hung.accepted) == 1
