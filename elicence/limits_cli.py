"""`elicence counter-token ID`: mints the token a counter's system sends (as
`Authorization: Counter <token>`) to spend its own request budget (elicence.limits)."""

from __future__ import annotations

import click

from chain.config import load_settings
from licence.errors import ElicenceError


@click.command("counter-token")
@click.argument("counter_id")
@click.option("--url", metavar="BASE", help="Print the link that gives the token to the "
              "counter page on the counter's device (e.g. https://verify.example.gov.cn).")
def counter_token(counter_id: str, url: str | None) -> None:
    """Print the request-budget token of the counter COUNTER_ID (as ELICENCE_COUNTER_ID).

    Every replica sharing this installation's verifier state accepts it. Keep it like a
    password: it buys the counter's budget (ELICENCE_COUNTER_RATE_LIMIT), nothing else.
    With --url, print BASE/verify#counter-token=TOKEN: opened once on the counter's device,
    the counter page keeps the token and sends it (the fragment never reaches a server).
    """
    from verifier.state import StateStore

    from .limits_counters import CounterTokens

    store = StateStore(StateStore.home_url(load_settings().home))
    try:
        token = CounterTokens(store.secret).mint(counter_id)
        if url is not None and not url.startswith(("https://", "http://")):
            raise click.UsageError(f"--url must be the verifier's address, like "
                                   f"https://verify.example.gov.cn, not {url!r}.")
        click.echo(token if url is None else f"{url.rstrip('/')}/verify#counter-token={token}")
    except ElicenceError as exc:
        raise click.ClickException(exc.message) from None
    finally:
        store.close()
