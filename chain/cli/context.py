"""What every command shares: the installation (chain.installation) passed to it, one way
of turning our errors into a single sentence and an exit code at the command's edge, and
the parsing and formatting of the values commands take and print."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator

import click

from chain.installation import Installation
from chain.records import Scope
from licence.errors import ElicenceError
from licence.vocabulary import Role

# Commands take the installation as their first argument; it opens lazily, so `--help`
# and `node status` stay instant.
pass_installation = click.make_pass_decorator(Installation, ensure=True)


@contextlib.contextmanager
def command_errors() -> Iterator[None]:
    """Our errors become one sentence on stderr and exit status 1."""
    try:
        yield
    except ElicenceError as exc:
        raise click.ClickException(exc.message) from None


def licence_type_codes(names: tuple[str, ...]) -> list[int]:
    from licence import load_schema

    codes = []
    for name in names:
        try:
            codes.append(load_schema(name).code)
        except ElicenceError as exc:
            raise click.BadParameter(exc.message, param_hint="--type") from None
    return codes


def role_account(ident: str, role: Role) -> str:
    """The default key file of an authority's role account, e.g. CN-31-DMV-anchor."""
    return f"{ident}-{(role.name or '').lower()}"


def parse_scope(text: str) -> Scope:
    """`driving:31` → Scope(1, "31"); `professional:` is nationwide."""
    from chain.records import encode_region

    name, sep, region = text.partition(":")
    if not sep:
        raise click.BadParameter(
            f"{text!r} is no scope: write TYPE:REGION, e.g. driving:31 (or driving: for "
            "nationwide).", param_hint="--scope")
    (code,) = licence_type_codes((name,))
    try:
        encode_region(region)
    except ElicenceError as exc:
        raise click.BadParameter(exc.message, param_hint="--scope") from None
    return Scope(code, region)


def format_scope(scope: Scope) -> str:
    from licence import load_schema

    try:
        name = load_schema(scope.licence_type).name
    except ElicenceError:
        name = f"type {scope.licence_type}"
    return f"{name}:{scope.region or '(nationwide)'}"


def parse_time(value: str | None, *, default: dt.datetime | None = None) -> int:
    """Unix seconds from an ISO date or date-time (UTC when no offset is given)."""
    if value is None:
        return int((default or dt.datetime.now(dt.UTC)).timestamp())
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a date or time: use YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS."
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return int(parsed.timestamp())


def format_time(seconds: int | None) -> str:
    if not seconds:
        return "-"
    return dt.datetime.fromtimestamp(seconds, dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def report_proposal(result, threshold: int) -> None:
    if result.executed:
        click.echo(f"Proposal {result.proposal_id} approved and carried out (block "
                   f"{result.block_number}).")
    else:
        approvals = sum(1 for e in result.events if e.name == "ProposalApproved")
        last = [e.args["approvals"] for e in result.events if e.name == "ProposalApproved"]
        count = last[-1] if last else approvals
        click.echo(f"Proposal {result.proposal_id} has {count} of {threshold} approvals; "
                   f"another council member approves it with: "
                   f"elicence council approve {result.proposal_id} --as MEMBER")
