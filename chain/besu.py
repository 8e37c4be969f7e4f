"""Configuration for a permissioned Hyperledger Besu network with QBFT consensus, run by the
participating authorities: a genesis file whose extraData names the validators, a node
key and a config.toml per validator, and the node permissioning allowlist.

Gas is free (zero base fee, zero minimum gas price), every fork up to Cancun is active from
block 0 (the registry is compiled for Cancun: docs/decisions/0011-compiler-settings.md),
only the listed nodes may connect, and only the listed accounts (the council's and every
authority's role accounts, and the deployer) may send transactions. Free gas makes a finite
block gas limit the only bound on how much work one sender can put into a block
(docs/decisions/0113-caps-and-permissioning.md).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import rlp
from eth_keys import keys

from chain.private_files import output_folder, private_folder, write_private

EXTRA_VANITY = bytes(32)
# Room for the registry's deployment (~4.8 M gas) and for ~28 of its largest calls (a
# supersession of 256 licences, 0.35 M gas) per block; far below what would let one
# sender stall the validators. See docs/decisions/0113-caps-and-permissioning.md.
BLOCK_GAS_LIMIT = 10_000_000
# Besu genesis fork keys up to the registry's EVM version, all active from the start.
FORKS_BY_BLOCK = ("homesteadBlock", "eip150Block", "eip155Block", "eip158Block",
                  "byzantiumBlock", "constantinopleBlock", "petersburgBlock",
                  "istanbulBlock", "berlinBlock", "londonBlock")
FORKS_BY_TIME = ("shanghaiTime", "cancunTime")


@dataclass(frozen=True)
class Validator:
    name: str
    private_key: keys.PrivateKey

    @property
    def address(self) -> str:
        return self.private_key.public_key.to_checksum_address()

    @property
    def enode_id(self) -> str:
        return self.private_key.public_key.to_hex()[2:]


def qbft_extra_data(addresses: list[str]) -> str:
    """RLP([32-byte vanity, [validators], no vote, round 0, no seals]) as in Besu's
    QbftExtraDataCodec for a genesis block."""
    validators = [bytes.fromhex(a.removeprefix("0x")) for a in addresses]
    return "0x" + rlp.encode([EXTRA_VANITY, validators, [], b"", []]).hex()


def genesis(addresses: list[str], chain_id: int, block_period: int) -> dict:
    config: dict = {"chainId": chain_id}
    config.update({fork: 0 for fork in FORKS_BY_BLOCK})
    config.update({fork: 0 for fork in FORKS_BY_TIME})
    config.update({
        "zeroBaseFee": True,
        "contractSizeLimit": 24576,
        "qbft": {"blockperiodseconds": block_period, "epochlength": 30000,
                 "requesttimeoutseconds": max(4, 2 * block_period)},
    })
    return {
        "config": config,
        "nonce": "0x0",
        "timestamp": "0x0",
        "gasLimit": hex(BLOCK_GAS_LIMIT),
        "difficulty": "0x1",
        "mixHash": "0x63746963616c2062797a616e74696e65206661756c7420746f6c6572616e6365",
        "coinbase": "0x0000000000000000000000000000000000000000",
        "alloc": {},
        "extraData": qbft_extra_data(addresses),
    }


def node_config(index: int, validators: list[Validator], p2p_base: int, rpc_base: int,
                hosts: list[str]) -> str:
    name, count = validators[index].name, len(validators)
    return f"""# Besu node {name} (QBFT validator {index + 1} of {count}); run it from this folder:
#   besu --config-file=config.toml
data-path="data"
genesis-file="../genesis.json"
node-private-key-file="key"
p2p-host="{hosts[index]}"
p2p-port={p2p_base + index}
bootnodes=[{", ".join(f'"{enode(v, hosts[i], p2p_base + i)}"' for i, v in enumerate(validators)
               if i != index)}]
rpc-http-enabled=true
rpc-http-host="127.0.0.1"
rpc-http-port={rpc_base + index}
rpc-http-api=["ETH","NET","WEB3","QBFT"]
host-allowlist=["localhost","127.0.0.1"]
min-gas-price=0
target-gas-limit={BLOCK_GAS_LIMIT}
permissions-nodes-config-file-enabled=true
permissions-nodes-config-file="../permissions_config.toml"
permissions-accounts-config-file-enabled=true
permissions-accounts-config-file="../permissions_config.toml"
"""


def enode(validator: Validator, host: str, port: int) -> str:
    return f"enode://{validator.enode_id}@{host}:{port}"


def permissions(validators: list[Validator], hosts: list[str], p2p_base: int,
                accounts: list[str]) -> str:
    """Besu's local permissioning file: the validators' enodes, the accounts that may send."""
    nodes = ",\n  ".join(f'"{enode(v, hosts[i], p2p_base + i)}"'
                         for i, v in enumerate(validators))
    senders = ",\n  ".join(f'"{a}"' for a in accounts)
    return (f"nodes-allowlist=[\n  {nodes}\n]\n"
            f"accounts-allowlist=[\n  {senders}\n]\n" if accounts else
            f"nodes-allowlist=[\n  {nodes}\n]\naccounts-allowlist=[]\n")


def write_network(out: Path, count: int, *, chain_id: int = 1337, block_period: int = 2,
                  hosts: list[str] | None = None, p2p_base: int = 30303,
                  rpc_base: int = 8545, accounts: list[str] | None = None) -> list[Validator]:
    """Writes genesis.json, permissions_config.toml and node-N/{key,key.pub,config.toml}.
    `accounts`: the addresses allowed to send transactions (checksummed, in order)."""
    hosts = hosts or ["127.0.0.1"] * count
    validators = [Validator(f"node-{i + 1}", keys.PrivateKey(os.urandom(32)))
                  for i in range(count)]
    output_folder(out)
    write_private(out / "genesis.json", json.dumps(genesis(
        [v.address for v in validators], chain_id, block_period), indent=2) + "\n")
    write_private(out / "permissions_config.toml",
                  permissions(validators, hosts, p2p_base, list(dict.fromkeys(accounts or []))))
    for index, validator in enumerate(validators):
        folder = private_folder(out / validator.name)
        write_private(folder / "key", validator.private_key.to_hex() + "\n")
        write_private(folder / "key.pub", validator.private_key.public_key.to_hex() + "\n")
        write_private(folder / "config.toml",
                      node_config(index, validators, p2p_base, rpc_base, hosts))
    return validators

