"""`elicence alerts`: the installation's alerts, from its shared state store.

Reads the store the verifier replicas write (ELICENCE_VERIFIER_STATE_URL, or the SQLite
file in ELICENCE_HOME); creates nothing. Exit status 0 whether or not there are alerts.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import time
from typing import Any

import click
from sqlalchemy.exc import SQLAlchemyError

from chain.config import ConfigError, load_settings

from ..state import STATE_FILE, STATE_URL_VARIABLE, StateStore
from ..timefmt import utc_text
from .store import Alert, AlertStore

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86_400}
_SINCE_HELP = "an age such as 30m, 24h or 7d, a date such as 2026-12-01, or unix seconds"


def parse_since(text: str, now: int) -> int:
    """The unix time `text` names: an age back from now, an ISO date or time, or seconds."""
    given = text.strip().lower()
    age = re.fullmatch(r"(\d{1,7})([smhd])", given)
    if age:
        return now - int(age[1]) * _UNITS[age[2]]
    if given.isdigit():
        return int(given)
    try:
        when = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise click.BadParameter(f"give {_SINCE_HELP}, not {text!r}.") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return int(when.timestamp())


@click.command("alerts")
@click.option("--since", "since_text", default="24h", show_default=True,
              help=f"List alerts raised since this: {_SINCE_HELP}.")
@click.option("--json", "as_json", is_flag=True, help="Print the alerts as JSON.")
def alerts_command(since_text: str, as_json: bool) -> None:
    """List the alerts the verifier's detectors raised (cloned licences, replayed live
    codes, bursts of failures, status enumeration, an authority's key trouble)."""
    since = parse_since(since_text, int(time.time()))
    try:
        settings = load_settings()
    except ConfigError as exc:
        raise click.ClickException(exc.message) from None
    url = os.environ.get(STATE_URL_VARIABLE) or None
    if url is None and not (settings.home / STATE_FILE).exists():
        found: list[Alert] = []  # no verifier has run in this home: nothing to list
    else:
        try:
            state = StateStore(url or StateStore.sqlite_url(settings.home))
            try:
                found = AlertStore(state).since(since)
            finally:
                state.close()
        except SQLAlchemyError as exc:
            raise click.ClickException(
                f"The verifier's state store cannot be read ({type(exc).__name__}): check "
                f"{STATE_URL_VARIABLE} or ELICENCE_HOME.") from None
    if as_json:
        click.echo(json.dumps({"since": since, "alerts": [a.to_json() for a in found]},
                              ensure_ascii=False, indent=2))
        return
    if not found:
        click.echo(f"No alerts since {utc_text(since)}.")
        return
    for alert in found:
        click.echo(f"{utc_text(alert.time)}  {alert.kind:<22} {alert.id}  {summary(alert)}")


def summary(alert: Alert) -> str:
    """One line a duty officer reads: what happened, where, how much."""
    e: dict[str, Any] = dict(alert.evidence)
    if alert.kind == "cloned_licence":
        a, b = e["sightings"]
        far = f"{e['distance_km']:.0f} km" if "distance_km" in e else \
            f"regions {a['region']} and {b['region']}"
        return (f"licence {e['ref'][:12]}… at {a['counter']} then {b['counter']}: {far} in "
                f"{e['seconds_between']} s")
    if alert.kind == "replayed_code":
        return f"live code of licence {str(e['ref'])[:12]}… shown again at {e['counter']}"
    if alert.kind == "failure_burst":
        return (f"{e['failures']} failed verifications in {e['window_seconds']} s from "
                f"{e['scope']} {e[e['scope']]}")
    if alert.kind == "status_enumeration":
        return (f"{e['distinct_lookups']} status references looked up in "
                f"{e['window_seconds']} s by client {e['client']}")
    if alert.kind == "authority_key_trouble":
        return (f"authority {e['authority']}: {e['key_failures']} of {e['verifications']} "
                f"verifications failed on its key ({', '.join(e['reasons'])})")
    return alert.subject
