"""The per-module home is a copy of one set-up home (tests/support/home.copy_home): it must
be a home of its own, as a fresh set-up would give, naming neither the template's folder
nor its node's port."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from chain.config import load_settings
from tests.support.home import Home

pytestmark = pytest.mark.anvil


def test_the_copy_names_neither_the_templates_folder_nor_its_port(
        chain_home: Home, home_template: Path) -> None:
    template, own = load_settings(home_template), load_settings(chain_home.path)
    assert own.node_port != template.node_port
    assert own.rpc_url == f"http://127.0.0.1:{own.node_port}"
    assert own.registry_address == template.registry_address  # the same chain, copied
    traces = (str(home_template).encode(), f"127.0.0.1:{template.node_port}".encode())
    for path in chain_home.path.rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            assert not [t for t in traces if t in content], path


def test_the_copy_runs_its_own_node(chain_home: Home, home_template: Path) -> None:
    port = load_settings(chain_home.path).node_port
    assert f"127.0.0.1:{port}" in chain_home.run("node", "status").output
    assert "CN-31-DMV" in chain_home.run("authority", "list").output  # the copied registry
    stopped = Home(home_template, {**chain_home.env, "ELICENCE_HOME": str(home_template)})
    assert stopped.run("node", "status", ok=False).exit_code == 3  # the template stays stopped


def test_the_copy_is_private(chain_home: Home) -> None:
    """Folders 0700 and files 0600, as `elicence` made them (the passphrase file is the
    tests' own)."""
    loose = {}
    for folder, _, files in os.walk(chain_home.path):
        for path, wanted in [(Path(folder), 0o700), *((Path(folder) / f, 0o600) for f in files)]:
            mode = stat.S_IMODE(path.stat().st_mode)
            if mode != wanted and path.name != "passphrase":
                loose[str(path)] = f"{mode:04o}"
    assert loose == {}
