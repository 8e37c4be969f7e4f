"""`elicence node start|stop|status`: the LOCAL development chain node (anvil).

Production networks are reached by RPC URL (ELICENCE_RPC_URL); this controls only the
node that keeps its state under $ELICENCE_HOME/node.
"""

from __future__ import annotations

import click

from chain.cli.context import command_errors, pass_installation
from chain.errors import ChainError
from chain.installation import Installation
from chain.node import DEV_BLOCK_TIME, DEV_CHAIN_ID, LocalNode


def local_node(installation: Installation, port: int | None = None) -> LocalNode:
    return LocalNode(installation.settings.node_dir, port=port or installation.settings.node_port,
                     block_time=DEV_BLOCK_TIME)


@click.group()
def node() -> None:
    """Start, stop and inspect the local chain node (anvil, state kept in ELICENCE_HOME)."""


@node.command()
@click.option("--port", type=click.IntRange(1024, 65535), help="Port on 127.0.0.1 (default 8545).")
@pass_installation
def start(installation: Installation, port: int | None) -> None:
    """Start the node in the background; its chain state survives restarts."""
    with command_errors():
        try:
            status = local_node(installation, port).start()
        except ChainError as exc:
            raise click.ClickException(exc.message) from None
        # The local node runs like a permissioned network: zero gas price, so accounts
        # created for council members and authorities need no funds.
        installation.settings.with_values(
            rpc_url=status.url, node_port=port or installation.settings.node_port,
            chain_id=DEV_CHAIN_ID, gas_price=0,
        ).save()
    click.echo(f"Node running at {status.url} (pid {status.pid}, block {status.block}).")


@node.command()
@pass_installation
def stop(installation: Installation) -> None:
    """Stop the node cleanly, writing its state to disk."""
    with command_errors():
        node_ = local_node(installation)
        was_running = node_.status().running
        node_.stop()
    click.echo("Node stopped." if was_running else "The node was not running.")


@node.command()
@pass_installation
def status(installation: Installation) -> None:
    """Say whether the node runs, where, and its latest block."""
    with command_errors():
        current = local_node(installation).status()
    if not current.running:
        click.echo("Node not running: start it with `elicence node start`.")
        raise SystemExit(3)
    block = "not answering" if current.block is None else f"block {current.block}"
    click.echo(f"Node running at {current.url} (pid {current.pid}, {block}).")
