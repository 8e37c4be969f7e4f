"""One chain suite, two backends: eth-tester in process and a real anvil process.

Every test asking for `backend` (or `world`) runs once per backend; the anvil runs are
marked `anvil` and each gets its own node on a free port, stopped after the test. The world
itself is the shared one in tests/support/world.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.world import (
    Backend,
    World,
    anvil_backend,
    build_world,
    eth_tester_backend,
    start_anvil,
)


@pytest.fixture(params=["eth_tester", pytest.param("anvil", marks=pytest.mark.anvil)])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    if request.param == "eth_tester":
        yield eth_tester_backend()
        return
    node = start_anvil(tmp_path / "node")
    try:
        yield anvil_backend(node)
    finally:
        node.stop()


@pytest.fixture
def world(backend: Backend) -> World:
    return build_world(backend)


def ref(n: int) -> bytes:
    """A 16-byte status reference / root for tests."""
    return n.to_bytes(16, "big")


def pubkey(n: int) -> bytes:
    return b"\x02" + n.to_bytes(32, "big")
