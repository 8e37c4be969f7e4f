"""`elicence counter-token ID`: mints the token a counter's system sends (as
`Authorization: Counter <token>`) to spend its own request budget (elicence.limits)."""

from __future__ import annotations

import click

from chain.config import load_settings
from licence.errors import ElicenceError


@click.command("counter-token")
@click.argument("counter_id")
def counter_token(counter_id: str) -> None:
    """Print the request-budget token of the counter COUNTER_ID (as ELICENCE_COUNTER_ID).

    Every replica sharing this installation's verifier state accepts it. Keep it like a
    password: it buys the counter's budget (ELICENCE_COUNTER_RATE_LIMIT), nothing else.
    """
    import os

    from verifier.state import STATE_URL_VARIABLE, StateStore

    from .limits_counters import CounterTokens

    settings = load_settings()
    store = StateStore(os.environ.get(STATE_URL_VARIABLE) or StateStore.sqlite_url(
        settings.home))
    try:
        click.echo(CounterTokens(store.secret).mint(counter_id))
    except ElicenceError as exc:
        raise click.ClickException(exc.message) from None
    finally:
        store.close()
