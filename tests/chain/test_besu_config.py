"""`elicence network besu-config`: well-formed files for a four-validator QBFT network."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import rlp
from click.testing import CliRunner
from eth_account import Account
from eth_keys import keys
from web3 import EthereumTesterProvider, Web3

from chain.besu import BLOCK_GAS_LIMIT, FORKS_BY_TIME
from chain.registry import Registry
from chain.solc import load_artifact
from elicence.cli import main


def generate(tmp_path: Path, *args: str) -> Path:
    out = tmp_path / "network"
    result = CliRunner().invoke(main, ["network", "besu-config", "--validators", "4",
                                       "--out", str(out), *args])
    assert result.exit_code == 0, result.output
    return out


def test_genesis_names_the_validators_in_qbft_extra_data(tmp_path: Path) -> None:
    out = generate(tmp_path)
    genesis = json.loads((out / "genesis.json").read_text())
    vanity, validators, votes, round_, seals = rlp.decode(
        bytes.fromhex(genesis["extraData"].removeprefix("0x")))
    assert vanity == bytes(32) and votes == [] and round_ == b"" and seals == []
    expected = []
    for node in sorted(out.glob("node-*")):
        private = keys.PrivateKey(bytes.fromhex((node / "key").read_text().strip()[2:]))
        assert (node / "key.pub").read_text().strip() == private.public_key.to_hex()
        assert (node / "key").stat().st_mode & 0o077 == 0  # readable by its owner only
        expected.append(private.public_key.to_canonical_address())
    assert validators == expected and len(expected) == 4
    assert genesis["config"]["qbft"]["blockperiodseconds"] == 2
    assert genesis["config"]["zeroBaseFee"] is True


def test_node_configs_and_permissions_agree(tmp_path: Path) -> None:
    out = generate(tmp_path, "--host", "10.0.0.1", "--host", "10.0.0.2", "--host",
                   "10.0.0.3", "--host", "10.0.0.4")
    allow = tomllib.loads((out / "permissions_config.toml").read_text())["nodes-allowlist"]
    assert len(allow) == 4
    for index, node in enumerate(sorted(out.glob("node-*"))):
        config = tomllib.loads((node / "config.toml").read_text())
        own = f"enode://{(node / 'key.pub').read_text().strip()[2:]}@10.0.0.{index + 1}:"
        assert allow[index].startswith(own)
        assert sorted(config["bootnodes"]) == sorted(a for a in allow if a != allow[index])
        assert config["min-gas-price"] == 0 and config["rpc-http-host"] == "127.0.0.1"
        assert config["permissions-nodes-config-file-enabled"] is True
        assert config["permissions-accounts-config-file-enabled"] is True
        assert config["target-gas-limit"] == BLOCK_GAS_LIMIT


def test_the_registry_runs_on_the_configured_evm(tmp_path: Path) -> None:
    genesis = json.loads((generate(tmp_path) / "genesis.json").read_text())
    evm = load_artifact("LicenceRegistry")["compiler"]["evmVersion"]
    assert f"{evm}Time" in FORKS_BY_TIME and genesis["config"][f"{evm}Time"] == 0
    runtime = bytes.fromhex(load_artifact("LicenceRegistry")["deployedBytecode"][2:])
    assert len(runtime) <= genesis["config"]["contractSizeLimit"]
    w3 = Web3(EthereumTesterProvider())
    deployer = Account.create()
    w3.eth.send_transaction({"from": w3.eth.accounts[0], "to": deployer.address,
                             "value": 10**20})
    second = Account.create()
    registry, deployed = Registry.deploy(w3, deployer, [deployer.address, second.address], 2)
    assert registry.threshold() == 2
    assert deployed.gas_used < BLOCK_GAS_LIMIT == int(genesis["gasLimit"], 16)


COUNCIL = "0x" + "11" * 20
ANCHOR = "0x" + "22" * 20


def test_only_the_listed_accounts_may_send(tmp_path: Path) -> None:
    out = generate(tmp_path, "--account", COUNCIL, "--account", ANCHOR, "--account", COUNCIL)
    allow = tomllib.loads((out / "permissions_config.toml").read_text())["accounts-allowlist"]
    assert allow == [Web3.to_checksum_address(COUNCIL), Web3.to_checksum_address(ANCHOR)]
    bad = CliRunner().invoke(main, ["network", "besu-config", "--out", str(tmp_path / "y"),
                                    "--account", "CN-31-DMV-anchor"])
    assert bad.exit_code == 2 and "is not an account address" in bad.output


def test_refuses_to_overwrite_or_mismatched_hosts(tmp_path: Path) -> None:
    out = generate(tmp_path)
    again = CliRunner().invoke(main, ["network", "besu-config", "--out", str(out)])
    assert again.exit_code == 1 and "not empty" in again.output
    hosts = CliRunner().invoke(main, ["network", "besu-config", "--out", str(tmp_path / "x"),
                                      "--validators", "3", "--host", "10.0.0.1"])
    assert hosts.exit_code == 2 and "one --host per validator" in hosts.output
