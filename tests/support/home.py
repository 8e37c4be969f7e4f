"""A configured ELICENCE_HOME on a real local anvil node, set up through the same `elicence`
commands an operator types, and the web app built on it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask

from chain.config import load_settings
from elicence.app import create_app
from elicence.cli import main
from elicence.sandbox import command_runner, set_up

from .ports import free_port


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

    @contextmanager
    def app(self, **extra_env: str) -> Iterator[Flask]:
        """The web app as `elicence serve` builds it on this home, with the home's
        environment (and `extra_env`) set while it is in use."""
        with pytest.MonkeyPatch.context() as patch:
            for name, value in {**self.env, **extra_env}.items():
                patch.setenv(name, value)
            yield create_app(load_settings(self.path, self.env))


def set_up_home(path: Path) -> Home:
    passphrase = path / "passphrase"
    passphrase.write_text("test passphrase\n")
    home = Home(path, {"ELICENCE_HOME": str(path), "ELICENCE_PASSPHRASE_FILE": str(passphrase),
                       "ELICENCE_PASSPHRASE": ""})
    set_up(command_runner(home.env), path, free_port())
    return home
