"""Fixtures shared across parts: an ELICENCE_HOME on a real local anvil node with the
registry deployed, a council of three (2-of-3) and two accredited authorities with keys,
set up through the same `elicence` commands an operator types (tests/support/home.py)."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from tests.support.home import Home, copy_home, set_up_template

# Property tests judge behaviour, never speed: a busy 2-core CI machine must not fail them.
settings.register_profile("elicence", deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("elicence")

# The demo takes anvil's default port 8545 when it is free. Demos started by tests running in
# parallel (scripts/test) would race for it, and the loser's start could meet the winner's
# node; held here for the whole run, it makes every test's demo take a free port of its own.
_default_node_port = socket.socket()
with contextlib.suppress(OSError):  # already taken (another run, a developer's demo): as good
    _default_node_port.bind(("127.0.0.1", 8545))
    _default_node_port.listen()


@pytest.fixture(scope="session")
def home_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sandbox set up once per test process, its node stopped: `chain_home` copies it."""
    return set_up_template(tmp_path_factory.mktemp("home-template")).path


@pytest.fixture(scope="module")
def chain_home(home_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Home]:
    """A fresh home per test module, on its own anvil node (stopped afterwards): a copy of
    the template, in the state a fresh set-up gives."""
    home = copy_home(home_template, tmp_path_factory.mktemp("home"))
    try:
        yield home
    finally:
        home.run("node", "stop", ok=False)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Files holding slow tests run first: in a parallel run (scripts/test) their long minutes
    then overlap the many short files instead of finishing alone at the end."""
    slow_files = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.path not in slow_files)  # a stable sort keeps the rest
