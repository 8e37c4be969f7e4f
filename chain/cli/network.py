"""`elicence network besu-config`: files for a permissioned Besu QBFT network."""

from __future__ import annotations

from pathlib import Path

import click

from chain.besu import write_network
from chain.cli.context import command_errors


@click.group()
def network() -> None:
    """Configuration for the permissioned chain the authorities run."""


@network.command("besu-config")
@click.option("--validators", type=click.IntRange(1, 64), default=4, show_default=True,
              help="Number of validator nodes (QBFT tolerates (n-1)/3 failing).")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write genesis.json, permissions and one folder per node.")
@click.option("--chain-id", type=click.IntRange(1), default=1337, show_default=True)
@click.option("--block-period", type=click.IntRange(1, 60), default=2, show_default=True,
              help="Seconds between blocks.")
@click.option("--host", "hosts", multiple=True, metavar="HOST",
              help="Each node's address, in order (default: all 127.0.0.1).")
@click.option("--account", "accounts", multiple=True, metavar="ADDRESS",
              help="An account allowed to send transactions: the deployer, each council "
                   "member and each authority role account. Repeat.")
def besu_config(validators: int, out_dir: Path, chain_id: int, block_period: int,
                hosts: tuple[str, ...], accounts: tuple[str, ...]) -> None:
    """Write a genesis file and node configuration for a Besu QBFT network.

    Gas is free within a finite block gas limit, forks up to Cancun are active from
    block 0, only the listed nodes may connect and only the listed accounts may send
    transactions (add a new authority's accounts as docs/deployment.md explains).
    Each node's key is written to node-N/key: move it to that node's machine (or its
    HSM) and keep it out of backups that leave the agency.
    """
    from eth_utils import is_address, to_checksum_address

    for account in accounts:
        if not is_address(account):
            raise click.BadParameter(f"{account!r} is not an account address (0x and 40 hex "
                                     "digits).", param_hint="--account")
    if hosts and len(hosts) != validators:
        raise click.BadParameter(f"give one --host per validator ({validators}), or none.",
                                 param_hint="--host")
    if out_dir.exists() and any(out_dir.iterdir()):
        raise click.ClickException(f"{out_dir} is not empty: choose a new folder, so no key "
                                   "is overwritten.")
    with command_errors():  # an existing folder open to other users is refused
        written = write_network(out_dir, validators, chain_id=chain_id,
                                block_period=block_period, hosts=list(hosts) or None,
                                accounts=[to_checksum_address(a) for a in accounts])
    click.echo(f"Wrote a {validators}-validator QBFT network to {out_dir}: genesis.json, "
               "permissions_config.toml and " + ", ".join(v.name for v in written) + ".")
    if not accounts:
        click.echo("No --account given: no account may send transactions until you add them to "
                   "accounts-allowlist in permissions_config.toml.")
    click.echo("Start each node from its folder: besu --config-file=config.toml")
