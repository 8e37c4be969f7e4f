"""Who runs an issuer command, and its audit record: the `--operator` option every issuer
command takes (or ELICENCE_OPERATOR), and the `audited` block each wraps its work in, so
the command is appended to the authority's audit log and the head anchored when it ends."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

import click

from chain.installation import Installation
from chain.registry import Registry
from issuer.audit import AuditRecord, audited
from issuer.authority import role_account
from issuer.errors import OperatorError
from issuer.operators import UNNAMED, OperatorRole, act_as
from issuer.operators.login import Acting
from issuer.requests import create as create_request
from issuer.requests import needs_approval, policy_for
from issuer.store import ApprovalRequest, Store, utc_now
from licence.vocabulary import Role

EXIT_REFUSED = 77  # sysexits EX_NOPERM: who runs the command may not
EXIT_HELD = 75  # sysexits EX_TEMPFAIL: held for a second operator's approval
# The approved request being run by `elicence requests approve|run` (issuer.cli.requests).
RUNNING_REQUEST: ContextVar[ApprovalRequest | None] = ContextVar("running_request",
                                                                 default=None)

__all__ = ["UNNAMED", "Acting", "OperatorRole", "act", "anchor_client", "audit", "file_sha256",
           "operator_option"]


def operator_option(fn: Callable) -> Callable:
    return click.option(
        "--operator", "operator", envvar="ELICENCE_OPERATOR", metavar="NAME",
        help="Who runs this command (or ELICENCE_OPERATOR); recorded in the audit log.")(fn)


class Refused(click.ClickException):
    """Not this operator, or not with this role: exit status 77 (EX_NOPERM)."""

    exit_code = EXIT_REFUSED


def act(installation: Installation, store: Store, authority_id: str, name: str | None,
        role: OperatorRole, action: str) -> Acting:
    """The logged-in operator allowed to run `action` (see issuer.operators.login). While
    an approved request runs, its requester acts: the approver logged in to approve it."""
    held = RUNNING_REQUEST.get()
    if held is not None and held.authority_id == authority_id:
        return Acting(held.requested_by)
    try:
        return act_as(store, installation.settings.home, authority_id, name, role,
                      action=action)
    except OperatorError as exc:
        raise Refused(exc.message) from None


def approved_by(authority_id: str) -> str | None:
    """The approver of the request now running (None outside an approved request)."""
    held = RUNNING_REQUEST.get()
    return held.decided_by if held is not None and held.authority_id == authority_id else None


def hold_if_needed(installation: Installation, store: Store, authority_id: str, who: Acting,
                   action: str, count: int, summary: dict[str, Any]) -> None:
    """When the authority's policy wants a second operator for this command, stores it as a
    request, logs that, prints how to approve it and exits 75; otherwise returns."""
    if RUNNING_REQUEST.get() is not None:
        return
    if not needs_approval(policy_for(store, authority_id), action, count):
        return
    ctx = click.get_current_context()
    params = {k: _portable(v) for k, v in ctx.params.items()}
    request = create_request(store, authority_id, action, params, {"count": count, **summary},
                             by=who.name, now=utc_now())
    record = AuditRecord(authority_id, who.name, "request", licence_count=count,
                         file_sha256=summary.get("file_sha256"),
                         case_number=summary.get("case"),
                         detail={"request": request.id, "action": action})
    with audit(installation, store, record):
        pass
    click.echo(f"Request {request.id} waits for a second operator's approval: "
               f"{summary['text']} See it with `elicence requests show {request.id} "
               f"--authority {authority_id}`; an approver runs it with `elicence requests "
               f"approve {request.id} --authority {authority_id}`.")
    raise click.exceptions.Exit(EXIT_HELD)


def _portable(value: Any) -> Any:
    if isinstance(value, Path):
        return str(value.resolve())
    if isinstance(value, tuple):
        return [_portable(v) for v in value]
    return value


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
