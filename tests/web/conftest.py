"""The verifier's web app over a real registry world (eth-tester, real indexer, real SQLite).

The app is the one `create_app` builds; its verifier's clock is set to the world's
verification time, as every time-dependent part takes its time from outside.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from chain.config import Settings
from elicence.app import create_app

from ..verifier.world import World, build_world


@pytest.fixture(scope="session")
def web_world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return build_world(tmp_path_factory.mktemp("web-world"))


def world_app(world: World, home: Path | None = None, *, claims: bool = False,
              **extra: str) -> Flask:
    """An app whose ELICENCE_HOME holds (a copy of) the world's index; with `claims`, the
    claim exchange too, its secrets under a test passphrase."""
    settings = Settings(home=home or world.index_path.parent, extra=dict(extra))
    if home is not None:
        home.mkdir(parents=True, exist_ok=True)
        world.sync(settings.index_path)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ELICENCE_PASSPHRASE", "correct horse battery staple")
        app = create_app(settings, claims=claims)
    app.extensions["elicence.verifier"].clock = lambda: world.now
    return app


@pytest.fixture(scope="session")
def app(web_world: World) -> Iterator[Flask]:
    app = world_app(web_world, rate_limit="off", counter_id="bank-7",
                    counter_name_zh="七号柜台", counter_name_en="Counter 7")
    yield app
    app.extensions["elicence.verifier"].close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()
