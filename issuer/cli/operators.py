"""`elicence operator add|list|disable`: the named people who act for an authority.

    elicence operator add NAME --authority ID --role clerk [--role approver] \\
        --passphrase-file FILE --operator OFFICER
    elicence operator list --authority ID
    elicence operator disable NAME --authority ID --operator OFFICER

The new operator's passphrase is read from a file they wrote (never the command line);
their key file is created under ELICENCE_HOME/operators/ID/. Adding and disabling
operators needs the key-officer role, except for an authority's first operator, who must be
a key-officer. Exit status 0 done, 77 refused, 2 usage error, 1 failure."""

from __future__ import annotations

from pathlib import Path

import click

from chain.cli.context import command_errors, pass_installation
from chain.installation import Installation
from chain.keystore import Passphrase
from issuer.audit import AuditRecord
from issuer.cli.acting import (
    OperatorRole,
    act,
    approved_by,
    audit,
    hold_if_needed,
    operator_option,
)
from issuer.errors import OperatorError
from issuer.operators import add_operator, disable_operator, list_operators, parse_roles
from issuer.operators.directory import has_operators
from issuer.requests.policy import OPERATOR_ADD, OPERATOR_DISABLE
from issuer.store import Store, utc_now

_AUTHORITY = click.option("--authority", "authority_id", required=True, metavar="ID",
                          help="The authority the operator acts for, e.g. CN-31-DMV.")


@click.group("operator")
def operator_group() -> None:
    """Add, list and disable the people who act for an authority."""


@operator_group.command("add")
@click.argument("name")
@_AUTHORITY
@click.option("--role", "roles", multiple=True, metavar="ROLE",
              help="clerk, approver, auditor or key-officer (repeat for several).")
@click.option("--passphrase-file", "passphrase_file", required=True, metavar="FILE",
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A file holding the new operator's own passphrase (at least 12 "
                   "characters).")
@operator_option
@pass_installation
def add(installation: Installation, name: str, authority_id: str, roles: tuple[str, ...],
        passphrase_file: Path, operator: str | None) -> None:
    """Add an operator with their own key file and roles."""
    secret = passphrase_file.read_bytes().rstrip(b"\r\n")
    if len(secret) < 12:
        raise click.BadParameter("the passphrase must have at least 12 characters.",
                                 param_hint="--passphrase-file")
    with command_errors():
        try:
            wanted = parse_roles(roles)
        except OperatorError as exc:
            raise click.BadParameter(exc.message, param_hint="--role") from None
        store = Store.open(installation.settings.store_url)
        first = not has_operators(store, authority_id)
        who = act(installation, store, authority_id, operator, OperatorRole.KEY_OFFICER,
                  "add operators")
        roles_text = ", ".join(wanted)
        hold_if_needed(installation, store, authority_id, who, OPERATOR_ADD, 1, {
            "text": f"add operator {name} to {authority_id} as {roles_text} (their key file "
                    f"is made from {passphrase_file}, which must stay until then).",
            "operator": name, "roles": [str(r) for r in wanted]})
        record = AuditRecord(authority_id, who.name, OPERATOR_ADD,
                             approved_by=approved_by(authority_id),
                             detail={"name": name, "roles": [str(r) for r in wanted],
                                     "first": first})
        with audit(installation, store, record):
            add_operator(store, installation.settings.home, authority_id, name, wanted,
                         Passphrase(secret), by=who.name, now=utc_now())
    click.echo(f"{name} added to {authority_id} as {', '.join(wanted)}; their key file is "
               f"in {installation.settings.home / 'operators' / authority_id}.")
    if first:
        click.echo(f"From now on every command of {authority_id} names its operator "
                   "(--operator NAME or ELICENCE_OPERATOR).")


@operator_group.command("list")
@_AUTHORITY
@pass_installation
def list_command(installation: Installation, authority_id: str) -> None:
    """List the authority's operators, their roles and state."""
    with command_errors():
        store = Store.open(installation.settings.store_url)
        operators = list_operators(store, authority_id)
    if not operators:
        click.echo(f"{authority_id} has no operators: commands run as the authority. Add "
                   "the first (a key-officer) with `elicence operator add`.")
        return
    for op in operators:
        click.echo(f"{op.name:<20} {', '.join(op.roles):<40} {op.state}")


@operator_group.command("disable")
@click.argument("name")
@_AUTHORITY
@operator_option
@pass_installation
def disable(installation: Installation, name: str, authority_id: str,
            operator: str | None) -> None:
    """Disable an operator for good (they stay named in the audit log)."""
    with command_errors():
        store = Store.open(installation.settings.store_url)
        who = act(installation, store, authority_id, operator, OperatorRole.KEY_OFFICER,
                  "disable operators")
        hold_if_needed(installation, store, authority_id, who, OPERATOR_DISABLE, 1, {
            "text": f"disable operator {name} at {authority_id} for good.",
            "operator": name})
        record = AuditRecord(authority_id, who.name, OPERATOR_DISABLE,
                             approved_by=approved_by(authority_id),
                             detail={"name": name})
        with audit(installation, store, record):
            changed = disable_operator(store, authority_id, name, now=utc_now())
            record.detail["changed"] = changed
    click.echo(f"{name} disabled." if changed else f"{name} was already disabled.")
