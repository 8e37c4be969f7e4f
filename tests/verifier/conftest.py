"""One registry world per test session (deploying and anchoring takes a few seconds)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from chain.index import LicenceIndex

from .world import World, build_world


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return build_world(tmp_path_factory.mktemp("verifier-world"))


@pytest.fixture
def index(world: World) -> Iterator[LicenceIndex]:
    index = world.index()
    yield index
    index.close()
