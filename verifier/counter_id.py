"""A counter's id within an installation: one rule for the counter tokens that prove it
(elicence.limits_counters) and the per-counter policies that name it
(verifier.counter_policy), so a policy can be written for every id a token can carry."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from chain.config import ConfigError

COUNTER_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
COUNTER_ID_RULE = ("A counter id is 1 to 64 lower-case letters, digits and hyphens, "
                   "starting with a letter or digit.")


def is_counter_id(text: object) -> bool:
    return isinstance(text, str) and COUNTER_ID.fullmatch(text) is not None


def counter_entries(table: Any, name: str, settings: tuple[str, ...], example: str,
                    kind: str, elsewhere: str = "") -> Iterator[tuple[str, Mapping[str, Any], str]]:
    """The entries of config.json's per-counter table `name` (None: none), each as (counter
    id, entry, "name.id." for messages), after the checks every such table shares: an
    object of counter ids to objects holding only `settings` (each a `kind`). ConfigError with
    one sentence for the first mistake; `elsewhere` ends the unknown-setting sentence."""
    if table is None:
        return
    if not isinstance(table, Mapping):
        raise ConfigError(f"{name} must be an object from counter ids to {example}.")
    for counter_id, entry in table.items():
        if not is_counter_id(counter_id):
            raise ConfigError(f"{name}: {counter_id!r} is not a counter id. {COUNTER_ID_RULE}")
        where = f"{name}.{counter_id}."
        if not isinstance(entry, Mapping):
            raise ConfigError(f"{where[:-1]} must be an object with any of "
                              f"{', '.join(settings)}.")
        unknown = sorted(set(entry) - set(settings))
        if unknown:
            raise ConfigError(f"{where}{unknown[0]} is not a {kind}; use "
                              f"{', '.join(settings)}{elsewhere}.")
        yield counter_id, entry, where
