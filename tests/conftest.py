"""Fixtures shared across parts: an ELICENCE_HOME on a real local anvil node with the
registry deployed, a council of three (2-of-3) and two accredited authorities with keys,
set up through the same `elicence` commands an operator types."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, settings

from chain.node import free_port
from elicence.cli import main
from elicence.sandbox import command_runner, set_up

# Property tests judge behaviour, never speed: a busy 2-core CI machine must not fail them.
settings.register_profile("elicence", deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("elicence")


@dataclass(frozen=True)
class Home:
    """A configured ELICENCE_HOME: `env` runs commands against it."""

    path: Path
    env: dict[str, str]

    def run(self, *args: str, ok: bool = True):
        result = CliRunner().invoke(main, list(args), env=self.env, catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, result.output
        return result

    def subprocess_env(self) -> dict[str, str]:
        return {**os.environ, **self.env}


def set_up_home(path: Path) -> Home:
    passphrase = path / "passphrase"
    passphrase.write_text("test passphrase\n")
    home = Home(path, {"ELICENCE_HOME": str(path), "ELICENCE_PASSPHRASE_FILE": str(passphrase),
                       "ELICENCE_PASSPHRASE": ""})
    set_up(command_runner(home.env), path, free_port())
    return home


@pytest.fixture(scope="module")
def chain_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Home]:
    """A fresh home per test module, on its own anvil node (stopped afterwards)."""
    home = set_up_home(tmp_path_factory.mktemp("home"))
    try:
        yield home
    finally:
        home.run("node", "stop", ok=False)
