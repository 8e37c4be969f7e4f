"""Who runs an issuer command, and its audit record: the `--operator` option every issuer
command takes (or ELICENCE_OPERATOR), and the `audited` block each wraps its work in, so
the command is appended to the authority's audit log and the head anchored when it ends."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from chain.installation import Installation
from chain.registry import Registry
from issuer.audit import AuditRecord, audited
from issuer.authority import role_account
from issuer.store import Store
from licence.vocabulary import Role

# The name recorded while an authority has no operators yet (one person, one key store).
UNNAMED = "authority"


def operator_option(fn: Callable) -> Callable:
    return click.option(
        "--operator", "operator", envvar="ELICENCE_OPERATOR", metavar="NAME",
        help="Who runs this command (or ELICENCE_OPERATOR); recorded in the audit log.")(fn)


def anchor_client(installation: Installation, authority_id: str) -> Callable[[], Registry]:
    """Opens the authority's anchor account only when the audit head is to be anchored."""
    return lambda: installation.registry(role_account(authority_id, Role.ANCHOR))


@contextmanager
def audit(installation: Installation, store: Store, record: AuditRecord, *,
          registry: Callable[[], Registry | None] | None = None) -> Iterator[AuditRecord]:
    """The command's audit block: appended when it ends, then anchored (with the anchor
    account it already holds through `registry`, else the key store's)."""
    opener = registry or anchor_client(installation, record.authority_id)
    with audited(store, record, registry=opener,
                 warn=lambda text: click.echo(text, err=True)) as open_record:
        yield open_record


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
