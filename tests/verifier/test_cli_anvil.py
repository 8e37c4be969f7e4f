"""`elicence verify` against a real anvil node: it builds the index from nothing first,
then a revocation sent afterwards is seen by the next verification."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from chain.connect import connect
from chain.node import LocalNode, dev_accounts
from elicence.cli import main
from licence import LicenceItem, build_batch, compressed_public_key, load_schema
from licence.vocabulary import StatusCode
from tests.support.facts import DRIVING
from tests.support.ports import free_port
from tests.support.world import DMV, deploy_one_council

from ..licence.licence_testdata import DRIVING_ROW
from .world import DAY, YEAR, private_key, ref

pytestmark = [pytest.mark.anvil, pytest.mark.timeout(120)]


@pytest.fixture
def node(tmp_path: Path) -> Iterator[LocalNode]:
    node = LocalNode(tmp_path / "node", port=free_port())
    node.start(timeout=30)
    try:
        yield node
    finally:
        node.stop()


def test_cli_syncs_from_a_live_node(node: LocalNode, tmp_path: Path) -> None:
    w3 = connect(node.url)
    council, dmv_account = dev_accounts(2)
    deployment = deploy_one_council(w3, council, [(DMV, dmv_account)])
    registry, deployed, (dmv,) = deployment.registry, deployment.deployed, deployment.authorities
    now = int(time.time())
    key = private_key("anvil-dmv")
    dmv.add_key(compressed_public_key(key), now - DAY, now + YEAR)
    claims = load_schema("driving").validate(DRIVING_ROW)
    batch = build_batch(1, 1, key, DRIVING, now, [
        LicenceItem(claims, now - DAY, now + YEAR, ref(f"anvil-{i}")) for i in range(3)])
    dmv.anchor(DRIVING, "31", 3, [r.root for r in batch.roots])

    home = tmp_path / "home"
    env = {"ELICENCE_HOME": str(home), "ELICENCE_RPC_URL": node.url,
           "ELICENCE_REGISTRY_ADDRESS": registry.address}
    home.mkdir()
    (home / "config.json").write_text(json.dumps({"registry_block": deployed.block_number}))
    runner = CliRunner()
    first = runner.invoke(main, ["verify", "--json", batch.licences[0].to_qr()], env=env)
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)["verdict"] == "valid"
    assert (home / "index.sqlite").exists() and first.stderr == ""

    dmv.set_status(StatusCode.REVOKED, [ref("anvil-0")])
    second = runner.invoke(main, ["verify", batch.licences[0].to_qr()], env=env)
    assert second.exit_code == 1 and second.stdout.startswith("REVOKED")
    assert runner.invoke(main, ["verify", batch.licences[1].to_qr()], env=env).exit_code == 0
