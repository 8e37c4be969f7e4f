"""`elicence audit show|verify|export|anchor`: the authority's audit trail for its IT and
inspection staff.

`--operator` filters `show` by who acted; who runs an audit command is given by
ELICENCE_OPERATOR (or `--as NAME`). Exit status of `verify`: 0 intact, 4 the log was
changed (the first bad entry is named), 1 it could not be checked."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from chain.cli.context import command_errors, parse_time, pass_installation
from chain.installation import Installation
from issuer.audit import AuditRecord, anchor_head, entries, verify
from issuer.audit.entry import EXPORT
from issuer.audit.export import as_dict, write_csv
from issuer.audit.facts import issuing_files
from issuer.authority import role_account
from issuer.cli.acting import OperatorRole, act, audit
from issuer.store import Store
from licence.errors import ElicenceError
from licence.vocabulary import Role

EXIT_TAMPERED = 4

_AUTHORITY = click.option("--authority", "authority_id", required=True, metavar="ID",
                          help="The authority whose audit log to read, e.g. CN-31-DMV.")
_RUNNER = click.option("--as", "runner", envvar="ELICENCE_OPERATOR", metavar="NAME",
                       help="Who runs this command (or ELICENCE_OPERATOR).")


@click.group("audit")
def audit_group() -> None:
    """Read, check and export the authority's hash-chained audit log."""


@audit_group.command("show")
@_AUTHORITY
@click.option("--licence", "licence", metavar="NUMBER",
              help="Only entries about this licence (its issuance, changes, claims).")
@click.option("--operator", "operator", metavar="NAME", help="Only what this operator did.")
@click.option("--since", "since", metavar="DATE", help="Only entries from this date or time "
              "on (YYYY-MM-DD or ISO date-time, UTC).")
@click.option("--json", "as_json", is_flag=True, help="One JSON array instead of lines.")
@_RUNNER
@pass_installation
def show(installation: Installation, authority_id: str, licence: str | None,
         operator: str | None, since: str | None, as_json: bool, runner: str | None) -> None:
    """Who did what, when, on whose approval: one line per entry, oldest first."""
    try:
        since_at = parse_time(since) if since else None
    except click.BadParameter as exc:
        raise click.BadParameter(exc.message, param_hint="--since") from None
    with command_errors():
        store = Store.open(installation.settings.store_url)
        act(installation, store, authority_id, runner, OperatorRole.AUDITOR, "read the audit log")
        files = issuing_files(store, authority_id, [licence]) if licence else []
        rows = entries(store, authority_id, licence=licence, operator=operator,
                       since=since_at, file_hashes=files)
    if as_json:
        click.echo(json.dumps([as_dict(row) for row in rows], ensure_ascii=False, indent=1))
        return
    for row in rows:
        click.echo(_line(as_dict(row)))
    click.echo(f"{len(rows):,} entries.")


@audit_group.command("verify")
@_AUTHORITY
@_RUNNER
@pass_installation
def verify_command(installation: Installation, authority_id: str, runner: str | None) -> None:
    """Check the chain of hashes and the heads anchored on chain; name the first bad entry.
    Exit status 0 intact, 4 changed, 1 cannot check."""
    with command_errors():
        store = Store.open(installation.settings.store_url)
        act(installation, store, authority_id, runner, OperatorRole.AUDITOR,
            "verify the audit log")
        reader = installation.registry()
        number = reader.authority_by_id(authority_id)
        if not number:
            raise click.ClickException(f"No authority {authority_id!r} is registered: check "
                                       "the id with `elicence authority list`.")
        report = verify(authority_id, entries(store, authority_id),
                        reader.audit_anchors(number))
    click.echo(report.line())
    if not report.ok:
        sys.exit(EXIT_TAMPERED)


@audit_group.command("export")
@_AUTHORITY
@click.option("--out", "out_path", required=True, metavar="FILE",
              type=click.Path(dir_okay=False, path_type=Path),
              help="The CSV file to write (created 0600).")
@_RUNNER
@pass_installation
def export(installation: Installation, authority_id: str, out_path: Path,
           runner: str | None) -> None:
    """Write the whole log as CSV for inspectors (the export is itself logged)."""
    with command_errors():
        store = Store.open(installation.settings.store_url)
        who = act(installation, store, authority_id, runner, OperatorRole.AUDITOR,
                  "export the audit log")
        record = AuditRecord(authority_id, who.name, EXPORT,
                             detail={"what": "audit log"})
        with audit(installation, store, record):
            rows = entries(store, authority_id)
            write_csv(out_path, rows)
            record.licence_count = 0
            record.detail["entries"] = len(rows)
    click.echo(f"{len(rows):,} entries written to {out_path}.")


@audit_group.command("anchor")
@_AUTHORITY
@_RUNNER
@pass_installation
def anchor(installation: Installation, authority_id: str, runner: str | None) -> None:
    """Anchor the log's head on chain now (run it from cron, e.g. every 10 minutes, so the
    claim server's entries are anchored too)."""
    with command_errors():
        store = Store.open(installation.settings.store_url)
        act(installation, store, authority_id, runner, OperatorRole.AUDITOR,
            "anchor the audit log")
        try:
            registry = installation.registry(role_account(authority_id, Role.ANCHOR))
        except ElicenceError as exc:
            raise click.ClickException(exc.message) from None
        tx_hash = anchor_head(store, registry, authority_id)
    click.echo(f"Audit head anchored in {tx_hash}." if tx_hash
               else "Nothing new to anchor: the chain already has this head.")


def _line(entry: dict) -> str:
    parts = [f"#{entry['sequence']}", entry["time_utc"].replace("+00:00", "Z"),
             entry["action"], f"by {entry['operator']}"]
    if entry["approved_by"]:
        parts.append(f"approved by {entry['approved_by']}")
    if entry["case_number"]:
        parts.append(f"case {entry['case_number']}")
    shown = entry["licences"][:5]
    count = entry["licence_count"]
    if shown:
        more = f" +{count - len(shown):,}" if count > len(shown) else ""
        parts.append(f"{count:,} licence(s) {', '.join(shown)}{more}")
    elif count:
        parts.append(f"{count:,} licences")
    if entry["file_sha256"]:
        parts.append(f"file {entry['file_sha256'][:16]}…")
    if entry["tx_hashes"]:
        parts.append(f"{len(entry['tx_hashes'])} tx {entry['tx_hashes'][0][:12]}…")
    parts.append(entry["outcome"])
    return "  ".join(parts)
