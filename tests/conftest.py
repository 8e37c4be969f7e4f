"""Fixtures shared across parts: an ELICENCE_HOME on a real local anvil node with the
registry deployed, a council of three (2-of-3) and two accredited authorities with keys,
set up through the same `elicence` commands an operator types (tests/support/home.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

from tests.support.home import Home, set_up_home

# Property tests judge behaviour, never speed: a busy 2-core CI machine must not fail them.
settings.register_profile("elicence", deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("elicence")


@pytest.fixture(scope="module")
def chain_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Home]:
    """A fresh home per test module, on its own anvil node (stopped afterwards)."""
    home = set_up_home(tmp_path_factory.mktemp("home"))
    try:
        yield home
    finally:
        home.run("node", "stop", ok=False)
