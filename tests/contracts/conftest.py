"""Fixtures for the registry contract tests: one world per backend (eth-tester in process,
and a real anvil node), reset to a snapshot before each test."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from eth_tester import EthereumTester, PyEVMBackend
from web3 import EthereumTesterProvider, Web3

from chain.connect import connect
from tests.support.world import start_anvil

from .world import ACCOUNTS, World, build_world


@pytest.fixture(scope="session")
def anvil_web3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Web3]:
    """A private anvil node on 127.0.0.1 with node-managed accounts (the raw interface sends
    from them), stopped at the end of the session."""
    node = start_anvil(tmp_path_factory.mktemp("contracts-node"),
                       extra_args=("--accounts", str(ACCOUNTS)))
    try:
        yield connect(node.url)
    finally:
        node.stop()


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
