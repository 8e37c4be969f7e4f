"""`elicence status-history LICENCE_NUMBER --authority ID`: a licence's lifecycle for staff."""

from __future__ import annotations

import json

import click

from chain.cli.context import command_errors, pass_installation
from chain.installation import Installation


@click.command("status-history")
@click.argument("licence_number")
@click.option("--authority", "authority_id", required=True, metavar="ID",
              help="The authority that issued the licence, e.g. CN-31-DMV.")
@click.option("--json", "as_json", is_flag=True, help="Print the trace as JSON.")
@click.option("--no-sync", is_flag=True, help="Read the local index as it is.")
@pass_installation
def status_history(installation: Installation, licence_number: str, authority_id: str,
                   as_json: bool, no_sync: bool) -> None:
    """Show every licence issued under LICENCE_NUMBER (replacements and renewals too) with
    its anchoring and each status change from the chain index: public reason class, block
    and time, council actions marked. For authorised staff: the store's precise reason is
    shown too."""
    from chain.errors import ChainError
    from chain.index import LicenceIndex
    from chain.indexer import Indexer
    from issuer.lifecycle.history import as_json as to_json
    from issuer.lifecycle.history import lines, trace
    from issuer.store import Store

    settings = installation.settings
    with command_errors():
        if not no_sync:
            indexer = Indexer(settings.index_path, installation.registry(),
                              start_block=settings.registry_block,
                              confirmations=settings.confirmations)
            try:
                indexer.sync()
            finally:
                indexer.close()
        try:
            index: LicenceIndex | None = LicenceIndex(settings.index_path)
        except ChainError:
            index = None
        try:
            traces = trace(Store.open(settings.store_url), index, authority_id,
                           licence_number)
        finally:
            if index is not None:
                index.close()
    if not traces:
        raise click.ClickException(f"{authority_id} has issued no licence under this number "
                                   "in this store.")
    if as_json:
        click.echo(json.dumps(to_json(traces), ensure_ascii=False, indent=2))
    else:
        click.echo("\n".join(lines(traces)))
