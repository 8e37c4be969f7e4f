"""`elicence requests policy|list|show|approve|reject|run`: four-eyes approval.

A command the authority's policy holds (issuance files over N rows, revocations of more
than M licences, purges) is stored as a request and exits 75. A second operator with the
approver role reads exactly what it will do (`show`), then approves it, which runs it at
once, or rejects it. A run interrupted by a crash is finished by `requests run` (the jobs
it starts resume; nothing is issued or sent twice). Exit status: 0 done, 77 refused,
2 usage error, 1 failure."""

from __future__ import annotations

import datetime as dt
import importlib
import json

import click

from chain.cli.context import command_errors, pass_installation
from chain.installation import Installation
from issuer.audit import AuditRecord
from issuer.cli.acting import (
    RUNNING_REQUEST,
    OperatorRole,
    act,
    approved_by,
    audit,
    file_sha256,
    hold_if_needed,
    operator_option,
)
from issuer.errors import RequestError
from issuer.requests import (
    DONE,
    PENDING,
    RUNNING,
    Policy,
    approve,
    finish,
    get,
    list_requests,
    policy_for,
    reject,
    set_policy,
    start,
)
from issuer.requests.held import digest
from issuer.requests.policy import KEY_CHANGES, POLICY
from issuer.store import ApprovalRequest, Store, utc_now

# The commands a request may hold, by action (their own click commands run it).
COMMANDS = {"issue": "issuer.cli.issue:issue_command", "revoke": "issuer.cli.lifecycle:revoke",
            "purge": "issuer.cli.lifecycle:purge",
            "add-key": "chain.cli.authority:add_key",
            "rotate-key": "chain.cli.authority:rotate_key",
            "compromise-key": "chain.cli.authority:mark_compromised",
            "operator-add": "issuer.cli.operators:add",
            "operator-disable": "issuer.cli.operators:disable",
            "policy": "issuer.cli.requests:policy"}
# Key changes that make a key: run again after a crash they would make a second one (the
# issuance and lifecycle jobs resume instead; operator and policy changes are checked).
NOT_RESUMABLE = ("add-key", "rotate-key")
DONE_EXITS = (0, 3)  # done, some rows or licences refused (listed): the request has run

_AUTHORITY = click.option("--authority", "authority_id", required=True, metavar="ID",
                          help="The authority, e.g. CN-31-DMV.")
_ID = click.argument("request_id", type=int, metavar="REQUEST")


@click.group("requests")
def requests_group() -> None:
    """Requests held for a second operator's approval."""


@requests_group.command("policy")
@_AUTHORITY
@click.option("--issue-rows-over", type=click.IntRange(0), metavar="N",
              help="Issuance files of more than N rows need approval.")
@click.option("--revoke-over", type=click.IntRange(0), metavar="M",
              help="Revocations of more than M licences need approval.")
@click.option("--purges/--no-purges", default=None, help="Purges need approval.")
@click.option("--key-changes/--no-key-changes", default=None,
              help="Key changes (add-key, rotate-key, mark-compromised) and operator changes "
                   "(operator add, disable) need approval.")
@operator_option
@pass_installation
def policy(installation: Installation, authority_id: str, issue_rows_over: int | None,
           revoke_over: int | None, purges: bool | None, key_changes: bool | None,
           operator: str | None) -> None:
    """Show, or with options set, what needs a second approval (key-officer)."""
    with command_errors():
        store = Store.open(installation.settings.store_url)
        current = policy_for(store, authority_id)
        if issue_rows_over is None and revoke_over is None and purges is None and \
                key_changes is None:
            click.echo(current.describe())
            return
        who = act(installation, store, authority_id, operator, OperatorRole.KEY_OFFICER,
                  "change the approval policy")
        new = Policy(issue_rows_over if issue_rows_over is not None else current.issue_rows_over,
                     revoke_over if revoke_over is not None else current.revoke_over,
                     current.purges if purges is None else purges,
                     current.key_changes if key_changes is None else key_changes)
        # Under a policy that covers key changes, changing the policy needs approval too:
        # otherwise one key-officer could switch four eyes off and act alone.
        if current.key_changes:
            hold_if_needed(installation, store, authority_id, who, POLICY, 1, {
                "text": f"change {authority_id}'s approval policy to this. {new.describe()}"})
        record = AuditRecord(authority_id, who.name, POLICY,
                             approved_by=approved_by(authority_id),
                             detail={"issue_rows_over": new.issue_rows_over,
                                     "revoke_over": new.revoke_over, "purges": new.purges,
                                     "key_changes": new.key_changes})
        with audit(installation, store, record):
            set_policy(store, authority_id, new, by=who.name, now=utc_now())
    click.echo(new.describe())


@requests_group.command("list")
@_AUTHORITY
@click.option("--all", "show_all", is_flag=True, help="Also decided and finished requests.")
@pass_installation
def list_command(installation: Installation, authority_id: str, show_all: bool) -> None:
    """Requests waiting for approval (or all of them)."""
    with command_errors():
        store = Store.open(installation.settings.store_url)
        rows = list_requests(store, authority_id, states=() if show_all else (PENDING,))
    for row in rows:
        click.echo(f"{row.id:>5}  {row.state:<9} {row.action:<8} {row.summary['count']:>9,}  "
                   f"by {row.requested_by} at {_when(row.requested_at)}")
    click.echo(f"{len(rows):,} requests.")


@requests_group.command("show")
@_ID
@_AUTHORITY
@click.option("--json", "as_json", is_flag=True, help="The request as JSON.")
@pass_installation
def show(installation: Installation, request_id: int, authority_id: str, as_json: bool) -> None:
    """Exactly what the request will do: counts, sample rows by number, the file's hash."""
    with command_errors():
        store = Store.open(installation.settings.store_url)
        row = get(store, authority_id, request_id)
    if as_json:
        click.echo(json.dumps(_as_dict(row), ensure_ascii=False, indent=1))
        return
    summary = row.summary
    click.echo(f"Request {row.id} ({row.state}) by {row.requested_by} at "
               f"{_when(row.requested_at)}: {summary['text']}")
    click.echo(f"  count: {summary['count']:,}")
    if summary.get("file_sha256"):
        click.echo(f"  file sha256: {summary['file_sha256']}")
    if summary.get("case"):
        click.echo(f"  case: {summary['case']}")
    for line in summary.get("sample", []):
        click.echo(f"  sample: {line}")
    if row.decided_by:
        click.echo(f"  decided by {row.decided_by} at {_when(row.decided_at)}")


@requests_group.command("approve")
@_ID
@_AUTHORITY
@operator_option
@pass_installation
@click.pass_context
def approve_command(ctx: click.Context, installation: Installation, request_id: int,
                    authority_id: str, operator: str | None) -> None:
    """Approve another operator's request (approver) and run it now."""
    with command_errors():
        store = Store.open(installation.settings.store_url)
        who = act(installation, store, authority_id, operator, OperatorRole.APPROVER,
                  "approve requests")
        row = get(store, authority_id, request_id)
        record = AuditRecord(authority_id, who.name, "approve", licence_count=row.summary[
            "count"], file_sha256=row.summary.get("file_sha256"),
            case_number=row.summary.get("case"),
            detail={"request": row.id, "action": row.action, "requested_by": row.requested_by})
        with audit(installation, store, record):
            signature = who.key.sign(digest(row)) if who.key is not None else b""
            approve(store, row, by=who.name, signature=signature, now=utc_now())
    click.echo(f"Request {request_id} approved by {who.name}; running it.")
    _run(ctx, store, get(store, authority_id, request_id))


@requests_group.command("reject")
@_ID
@_AUTHORITY
@operator_option
@pass_installation
def reject_command(installation: Installation, request_id: int, authority_id: str,
                   operator: str | None) -> None:
    """Reject a request (approver): it will never run."""
    with command_errors():
        store = Store.open(installation.settings.store_url)
        who = act(installation, store, authority_id, operator, OperatorRole.APPROVER,
                  "reject requests")
        row = get(store, authority_id, request_id)
        record = AuditRecord(authority_id, who.name, "reject",
                             detail={"request": row.id, "action": row.action})
        with audit(installation, store, record):
            reject(store, row, by=who.name, now=utc_now())
    click.echo(f"Request {request_id} rejected by {who.name}.")


@requests_group.command("run")
@_ID
@_AUTHORITY
@operator_option
@pass_installation
@click.pass_context
def run_command(ctx: click.Context, installation: Installation, request_id: int,
                authority_id: str, operator: str | None) -> None:
    """Finish an approved request whose run was interrupted (a clerk; a key-officer for key
    and operator changes)."""
    with command_errors():
        store = Store.open(installation.settings.store_url)
        row = get(store, authority_id, request_id)
        role = OperatorRole.KEY_OFFICER if row.action in KEY_CHANGES else OperatorRole.CLERK
        act(installation, store, authority_id, operator, role, "run requests")
    _run(ctx, store, row)


def _run(ctx: click.Context, store: Store, row: ApprovalRequest) -> None:
    """Runs the held command once: approved → running → done. A crash leaves it running,
    and running it again resumes the command's own job."""
    with command_errors():
        if row.state == DONE:
            raise RequestError(f"Request {row.id} has already run: nothing is done twice.",
                               reason="request_done")
        if row.action == "issue" and file_sha256(_path(row.params["input_path"])) != \
                row.summary["file_sha256"]:
            raise RequestError(f"The input file of request {row.id} changed since it was "
                               "requested: make a new request from the file as it is now.",
                               reason="request_file_changed")
        if row.action in NOT_RESUMABLE and row.state == RUNNING:
            raise RequestError(
                f"Request {row.id} was interrupted while it ran, and a key is never made "
                f"twice blindly: check `elicence authority show {row.authority_id}` and the "
                "audit log, then make a new request if the key is not there.",
                reason="request_interrupted")
        start(store, row)
    module, attribute = COMMANDS[row.action].split(":")
    command = getattr(importlib.import_module(module), attribute)
    token = RUNNING_REQUEST.set(row)
    code = 0
    try:
        ctx.invoke(command, **_restored(command, row.params))
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except click.exceptions.Exit as exc:
        code = exc.exit_code
    finally:
        RUNNING_REQUEST.reset(token)
    if code in DONE_EXITS:
        finish(store, row, now=utc_now())
        click.echo(f"Request {row.id} done.")
    ctx.exit(code)


def _restored(command: click.Command, params: dict) -> dict:
    """The stored parameters as the command's callback takes them (paths, tuples)."""
    values = {}
    for param in command.params:
        value = params.get(param.name)
        if isinstance(value, list):
            value = tuple(value)
        if isinstance(param.type, click.Path) and value is not None:
            value = _path(value)
        values[param.name] = value
    return values


def _path(text: str):
    from pathlib import Path

    return Path(text)


def _as_dict(row: ApprovalRequest) -> dict:
    return {"id": row.id, "authority": row.authority_id, "action": row.action,
            "state": row.state, "requested_by": row.requested_by,
            "requested_at": _when(row.requested_at), "decided_by": row.decided_by,
            "decided_at": _when(row.decided_at) if row.decided_at else None,
            "summary": row.summary, "params": row.params,
            "approval_signature": (row.signature or b"").hex() or None}


def _when(seconds: int | None) -> str:
    if seconds is None:
        return "-"
    return dt.datetime.fromtimestamp(seconds, dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
