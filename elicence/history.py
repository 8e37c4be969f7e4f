"""`elicence history (QR_TEXT | --image FILE | - | --authority ID NUMBER) [--json]`.

The holder's or a counter's question "what happened to this licence?" is answered from the
QR code (verifier.history: the code must be genuine). Staff of the issuing authority may
ask by licence number instead; that takes the authority's own store (its credentials), so
no one else can enumerate histories by number. Both read the chain through
chain.licence_history, like `elicence status-history` (decision 0133).

Exit status: 0 shown, 1 refused (not a genuine licence, or no licence under the number),
2 unreadable input or usage error.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from chain.config import ConfigError, load_settings


@click.command("history")
@click.argument("qr_text", required=False, metavar="[QR_TEXT | - | NUMBER]")
@click.option("--image", type=click.Path(dir_okay=False, path_type=Path),
              help="A photo or scan (PNG, JPEG) containing the licence's QR code.")
@click.option("--authority", "authority_id", metavar="ID",
              help="Ask by licence NUMBER as this issuing authority (needs its store).")
@click.option("--json", "as_json", is_flag=True, help="Print the history as JSON.")
@click.option("--no-sync", is_flag=True,
              help="Do not contact the chain node; read the local index as it is.")
def history_command(qr_text: str | None, image: Path | None, authority_id: str | None,
                    as_json: bool, no_sync: bool) -> None:
    """Show a licence's life on the chain: when it was anchored, each status change with
    its public reason class, the licences it replaced and that replaced it, and for a
    phone copy when the copy was added."""
    from verifier.cli import read_input, try_sync

    if authority_id is not None and (image is not None or not qr_text or qr_text == "-"):
        raise click.UsageError("With --authority, give the licence NUMBER (and no --image).")
    text = None if authority_id is not None else read_input(qr_text, image)
    try:
        settings = load_settings()
    except ConfigError as exc:
        raise click.ClickException(exc.message) from None
    if not no_sync:
        try_sync(settings, ())
    docs = _by_number(settings, authority_id, qr_text or "") if authority_id is not None \
        else [_by_code(settings, text or "")]
    if as_json:
        body: Any = docs if authority_id is not None else docs[0]
        click.echo(json.dumps(body, ensure_ascii=False, indent=2))
        return
    from verifier.history import lines

    click.echo("\n\n".join("\n".join(lines(doc)) for doc in docs))


def _open_index(settings: Any) -> Any:
    from chain.errors import ChainError
    from chain.index import LicenceIndex

    try:
        return LicenceIndex(settings.index_path)
    except ChainError:
        return None


def _by_code(settings: Any, text: str) -> dict[str, Any]:
    import time

    from verifier.history import NotGenuine, history_document

    index = _open_index(settings)
    try:
        return history_document(text, index, now=int(time.time()))
    except NotGenuine as exc:
        raise click.ClickException(exc.message) from None
    finally:
        if index is not None:
            index.close()


def _by_number(settings: Any, authority_id: str, number: str) -> list[dict[str, Any]]:
    from chain.cli.context import command_errors
    from chain.licence_history import licence_history
    from issuer.lifecycle.history import trace
    from issuer.store import Store
    from verifier.history import document

    index = _open_index(settings)
    if index is None:
        raise click.ClickException("The status index is empty: run the command again with "
                                   "the chain node reachable.")
    try:
        found = index.authority_by_id(authority_id)
        if found is None:
            raise click.ClickException(f"No authority {authority_id} is registered on the "
                                       "chain; check the id (e.g. CN-31-DMV).")
        with command_errors():
            traces = trace(Store.open(settings.store_url), None, authority_id, number)
        if not traces:
            raise click.ClickException(f"{authority_id} has issued no licence under this "
                                       "number in this store.")
        return [document(licence_history(index, found.number, bytes.fromhex(t.status_ref),
                                         bytes.fromhex(t.root)), index) for t in traces]
    finally:
        index.close()
