"""`elicence issue`: one command per issuance job."""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import click

from chain.cli.context import command_errors, pass_installation
from chain.installation import Installation
from issuer.audit import AuditRecord
from issuer.audit.entry import ISSUE
from issuer.audit.facts import issue_transactions
from issuer.authority import load_authority
from issuer.cli.acting import (
    OperatorRole,
    act,
    approved_by,
    audit,
    file_sha256,
    hold_if_needed,
    operator_option,
)
from issuer.issue.pipeline import IssueRequest, IssueSummary, Progress, issue
from issuer.issue.rows import input_format, read_rows, scan_input
from issuer.issue.validation import number_field
from issuer.store import Store, utc_now
from licence import load_schema
from licence.errors import ElicenceError

EXIT_SOME_REJECTED = 3
SHOWN_PROBLEMS = 50
SAMPLE_ROWS = 5


class BarProgress(Progress):
    """Progress bars on stderr; silent when stderr is not a terminal or with --quiet."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._bars: dict[str, object] = {}

    def stage(self, name: str, total: int | None):
        if not self.enabled:
            return lambda n: None
        bar = click.progressbar(length=total, label=f"{name:<16}", file=sys.stderr,
                                show_pos=True, show_eta=total is not None)
        bar.__enter__()
        self._bars[name] = bar
        return bar.update

    def done(self, name: str) -> None:
        bar = self._bars.pop(name, None)
        if bar is not None:
            bar.__exit__(None, None, None)


@click.command("issue")
@click.option("--authority", "authority_id", required=True, metavar="ID",
              help="Issuing authority, e.g. CN-31-DMV.")
@click.option("--type", "type_name", required=True, metavar="TYPE",
              help="Licence type: driving, business or professional.")
@click.option("--input", "input_path", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Rows to issue: .csv (UTF-8) or .jsonl; columns are the type's claim names.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for report.json, claim-codes.csv, rejected.csv, PDFs and QR images "
                   "(created private; an existing one must be private).")
@click.option("--dry-run", is_flag=True, help="Only validate the rows and print a summary.")
@click.option("--batch-size", type=click.IntRange(1, 1_000_000), default=10_000,
              show_default=True, help="Licences anchored per transaction.")
@click.option("--no-pdf", is_flag=True,
              help="Skip rendering PDF letters and QR images (bulk runs).")
@click.option("--claim-days", type=click.IntRange(1, 3650), default=90, show_default=True,
              help="Days the holders' claim codes stay usable.")
@click.option("--workers", type=click.IntRange(1, 64), help="Worker processes (default: cores).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bars.")
@operator_option
@pass_installation
def issue_command(installation: Installation, authority_id: str, type_name: str, input_path: Path,
                  out_dir: Path | None, dry_run: bool, batch_size: int, no_pdf: bool,
                  claim_days: int, workers: int | None, quiet: bool,
                  operator: str | None) -> None:
    """Issue licences from an export of rows: validate, sign, anchor, write outputs.

    Running the same command again after an interruption finishes the job; nothing is
    issued twice. Exit status: 0 all issued, 3 some rows rejected (see rejected.csv),
    2 usage error, 1 failure.
    """
    try:
        schema = load_schema(type_name)
        input_format(input_path)
    except ElicenceError as exc:
        raise click.BadParameter(exc.message) from None
    if out_dir is None and not dry_run:
        raise click.UsageError("Name an output folder with --out DIR (or use --dry-run).")
    request = IssueRequest(
        authority_id=authority_id, schema=schema, input_path=input_path,
        out_dir=out_dir or Path("."), batch_size=batch_size, render=not no_pdf,
        claim_validity_days=claim_days, public_url=installation.settings.public_url,
        **({"workers": workers} if workers else {}))
    progress = BarProgress(enabled=not quiet and sys.stderr.isatty())
    with command_errors():
        store = Store.open(installation.settings.store_url)
        sha = file_sha256(input_path)
        who = act(installation, store, authority_id, operator, OperatorRole.CLERK, "issue")
        if not dry_run:
            rows = scan_input(input_path).rows
            hold_if_needed(installation, store, authority_id, who, ISSUE, rows,
                           _request_summary(schema, input_path, sha, rows, out_dir))
        record = AuditRecord(authority_id, who.name, ISSUE, file_sha256=sha,
                             approved_by=approved_by(authority_id),
                             detail={"type": schema.name, "dry_run": dry_run})
        loaded = []
        with audit(installation, store, record,
                   registry=lambda: loaded[0].registry if loaded else None):
            loaded.append(load_authority(installation, authority_id, licence_type=schema.code,
                                         now=utc_now()))
            summary = issue(store, loaded[0], request, dry_run_only=dry_run, progress=progress)
            record.licence_count = summary.issued
            record.detail.update(rows=summary.total, rejected=summary.rejected)
            record.tx_hashes = issue_transactions(store, authority_id, schema.code, sha,
                                                  batch_size)
    _report(summary, dry_run, out_dir)
    if summary.rejected:
        sys.exit(EXIT_SOME_REJECTED)


def _request_summary(schema, input_path: Path, sha: str, rows: int,
                     out_dir: Path | None) -> dict:
    """What a held issuance will do, for the approver: counts, the first rows' licence
    numbers, the file's hash."""
    field = number_field(schema)
    sample = [f"row {row.number}: {row.values.get(field, '?')}"
              for row in itertools.islice(read_rows(input_path), SAMPLE_ROWS)]
    return {"file_sha256": sha, "file": input_path.name, "type": schema.name,
            "out": str(out_dir), "sample": sample,
            "text": f"issue about {rows:,} {schema.name} licences from {input_path.name} "
                    f"(sha256 {sha}) into {out_dir}."}


def _report(summary: IssueSummary, dry_run: bool, out_dir: Path | None) -> None:
    for problem in summary.problems[:SHOWN_PROBLEMS]:
        click.echo(problem.line(), err=True)
    if len(summary.problems) > SHOWN_PROBLEMS:
        more = len(summary.problems) - SHOWN_PROBLEMS
        where = "" if dry_run else f" (all in {out_dir / 'rejected.csv'})"
        click.echo(f"… and {more:,} more problems{where}.", err=True)
    if dry_run:
        click.echo(f"Dry run: {summary.total:,} rows, {summary.issued:,} would be issued, "
                   f"{summary.rejected:,} rejected. Nothing was signed or sent.")
    else:
        click.echo(summary.line())

