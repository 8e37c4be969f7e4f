"""A configured ELICENCE_HOME on a real local anvil node, set up through the same `elicence`
commands an operator types, and the web app built on it."""

from __future__ import annotations

import os
import shutil
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


def _home(path: Path, **extra_env: str) -> Home:
    return Home(path, {"ELICENCE_HOME": str(path),
                       "ELICENCE_PASSPHRASE_FILE": str(path / "passphrase"),
                       "ELICENCE_PASSPHRASE": "", **extra_env})


def set_up_home(path: Path, **extra_env: str) -> Home:
    """The sandbox set up afresh in `path`, its node running on a port of its own;
    `extra_env` (e.g. ELICENCE_DATABASE_URL) is part of the home's environment."""
    home = _home(path, **extra_env)
    (path / "passphrase").write_text("test passphrase\n")
    set_up(command_runner(home.env), path, free_port())
    return home


def set_up_template(path: Path) -> Home:
    """The sandbox set up in `path` with its node stopped (state.json written): a home
    for `copy_home` to copy instead of repeating the set-up's minute of transactions."""
    home = _home(path)
    try:
        set_up_home(path)
    finally:
        home.run("node", "stop", ok=False)
    return home


# The template's node log names the template's port; the copy's node starts its own.
_NOT_COPIED = shutil.ignore_patterns("anvil.log")


def copy_home(template: Path, path: Path) -> Home:
    """A copy of `template` (a stopped home) in `path`, its node started on a port of its
    own: the chain, keys and store as the set-up left them, sharing nothing with the
    template. Nothing in a home names its folder, and `set_up` on a set-up home only starts
    the node, which records its port in config.json (and mines a current head)."""
    shutil.copytree(template, path, ignore=_NOT_COPIED, dirs_exist_ok=True)  # modes kept
    home = _home(path)
    set_up(command_runner(home.env), path, free_port())
    return home
