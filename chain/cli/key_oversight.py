"""The seam through which an authority's key changes (`elicence authority add-key`,
`rotate-key`, `mark-compromised`) are overseen: who runs them (a named operator with the
key-officer role), whether they wait for a second operator's approval, and their entry in
the authority's audit log.

Those rules live in issuer/ (operators, four-eyes requests, audit), which chain/ may not
import (the layering). So the `elicence` root command, the composition root, puts the
issuer's oversight into the click context's `meta` under META_KEY, and each key change runs
inside `overseen(...)`. Without it (chain's commands run on their own), a key change runs
unsupervised, as before."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

import click

from chain.installation import Installation

META_KEY = "elicence.key_oversight"  # ctx.meta: a factory of the KeyOversight to apply

OPERATOR = click.option(
    "--operator", "operator", envvar="ELICENCE_OPERATOR", metavar="NAME",
    help="Who runs this command (or ELICENCE_OPERATOR): a key-officer of the authority "
         "once it has named operators; recorded in its audit log.")


@dataclass
class KeyChange:
    """What the command is about to do, and (filled in while it runs) what it did."""

    authority_id: str
    action: str  # add-key, rotate-key, compromise-key
    operator: str | None
    summary: str  # one sentence for the approver: what will happen
    detail: dict[str, Any] = field(default_factory=dict)  # key numbers, validity, token
    tx_hashes: list[str] = field(default_factory=list)


class KeyOversight(Protocol):
    def __call__(self, installation: Installation,
                 change: KeyChange) -> AbstractContextManager[KeyChange]: ...


@contextmanager
def overseen(installation: Installation, change: KeyChange) -> Iterator[KeyChange]:
    """Runs the block under the oversight the root command installed (logs in the operator,
    may hold the change for approval and exit 75, records it in the audit log)."""
    ctx = click.get_current_context(silent=True)
    factory: Callable[[], KeyOversight] | None = ctx.meta.get(META_KEY) if ctx else None
    if factory is None:
        yield change
        return
    with factory()(installation, change) as running:
        yield running
