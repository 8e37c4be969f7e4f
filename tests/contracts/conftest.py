"""Fixtures for the registry contract tests: one world per backend (eth-tester in process,
and a real anvil node), reset to a snapshot before each test."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from eth_tester import EthereumTester, PyEVMBackend
from web3 import EthereumTesterProvider, Web3

from .world import ACCOUNTS, World, build_world

ANVIL = Path(__file__).resolve().parents[2] / "node_modules" / ".bin" / "anvil"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def anvil_web3() -> Iterator[Web3]:
    """A private anvil node on 127.0.0.1, stopped at the end of the session."""
    if not ANVIL.exists():
        pytest.fail(f"{ANVIL} is missing: run scripts/bootstrap to install the npm tools.")
    port = _free_port()
    node = subprocess.Popen(
        [str(ANVIL), "--host", "127.0.0.1", "--port", str(port), "--silent",
         "--accounts", str(ACCOUNTS)],
        stdout=subprocess.DEVNULL,
    )
    try:
        w3 = Web3(Web3.HTTPProvider(f"http://127.0.0.1:{port}", request_kwargs={"timeout": 30}))
        for _ in range(200):
            if node.poll() is not None:
                pytest.fail(f"anvil exited with code {node.returncode} on port {port}.")
            if w3.is_connected():
                break
            time.sleep(0.05)
        else:
            pytest.fail(f"anvil did not answer on port {port} within 10 s.")
        yield w3
    finally:
        node.terminate()
        node.wait(timeout=10)


@pytest.fixture(
    scope="session",
    params=["eth-tester", pytest.param("anvil", marks=pytest.mark.anvil)],
)
def _world(request: pytest.FixtureRequest) -> World:
    if request.param == "anvil":
        return build_world(request.getfixturevalue("anvil_web3"))
    genesis = PyEVMBackend.generate_genesis_state(num_accounts=ACCOUNTS)
    tester = EthereumTester(PyEVMBackend(genesis_state=genesis))
    return build_world(Web3(EthereumTesterProvider(tester)))


@pytest.fixture
def world(_world: World) -> Iterator[World]:
    """The shared world, rolled back after the test."""
    snapshot = _world.snapshot()
    yield _world
    _world.revert(snapshot)


@pytest.fixture
def fns(world: World) -> Any:
    return world.registry.functions
