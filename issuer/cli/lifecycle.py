"""`elicence revoke|suspend|reinstate|replace|renew`: one command per lifecycle request.

Exit status as for `issue`: 0 all done, 3 some licences refused (each listed with the
reason), 2 usage error, 1 failure. Running the same command again after an interruption
finishes it; nothing is sent twice.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path

import click

from chain.cli.context import command_errors, pass_installation
from chain.installation import Installation
from issuer.audit import AuditRecord
from issuer.audit.entry import PURGE
from issuer.audit.facts import issuing_files, lifecycle_transactions
from issuer.authority import load_authority
from issuer.cli.acting import (
    OperatorRole,
    act,
    approved_by,
    audit,
    hold_if_needed,
    operator_option,
)
from issuer.issue.validation import valid_until
from issuer.lifecycle.jobs import run
from issuer.lifecycle.request import (
    RENEW,
    REPLACE,
    SUSPEND,
    LifecycleRequest,
    LifecycleSummary,
    read_numbers,
)
from issuer.store import Store, utc_now
from licence.status_reasons import REASONS, UnknownStatusReason, status_reason
from licence.vocabulary import Role

EXIT_SOME_REFUSED = 3
SAMPLE = 5  # licence numbers a held request shows its approver
REASON_NAMES = ", ".join(r.name for r in REASONS)
EPILOG = ("Running the same command again after an interruption finishes it; nothing is sent "
          "twice. Exit status: 0 all done, 3 some licences refused (each listed), 2 usage "
          "error, 1 failure.")


def _common(default_reason: str | None) -> Callable:
    def decorate(fn: Callable) -> Callable:
        options = [
            click.argument("numbers", nargs=-1, metavar="[LICENCE_NUMBER]..."),
            click.option("--authority", "authority_id", required=True, metavar="ID",
                         help="The authority that issued the licences, e.g. CN-31-DMV."),
            click.option("--input", "input_path", metavar="FILE",
                         type=click.Path(exists=True, dir_okay=False, path_type=Path),
                         help="A file of licence numbers, one per line (or the first column "
                              "of a CSV)."),
            click.option("--reason", "reason_name", metavar="REASON",
                         required=default_reason is None, default=default_reason,
                         show_default=default_reason is not None,
                         help=f"Why, recorded on chain: {REASON_NAMES} (or its number)."),
            click.option("--case", metavar="CASE",
                         help="The back office's case number; repeating a finished request "
                              "needs a new one."),
        ]
        for option in reversed(options):
            fn = option(fn)
        return pass_installation(operator_option(fn))
    return decorate


def _reissue_options(fn: Callable) -> Callable:
    fn = click.option("--no-pdf", is_flag=True, help="Skip rendering PDF letters.")(fn)
    return click.option("--out", "out_dir", required=True,
                        type=click.Path(file_okay=False, path_type=Path),
                        help="Folder for the new licences' report.json, claim-codes.csv and "
                             "PDFs.")(fn)


@click.command("revoke", epilog=EPILOG)
@_common(default_reason=None)
def revoke(installation: Installation, numbers: tuple[str, ...], authority_id: str,
           input_path: Path | None, reason_name: str, case: str | None,
           operator: str | None) -> None:
    """Revoke licences for good (final: a revoked licence cannot be reinstated)."""
    _run(installation, "revoke", authority_id, numbers, input_path, reason_name, case,
         operator=operator)


@click.command("suspend", epilog=EPILOG)
@_common(default_reason=None)
@click.option("--until", "until_text", required=True, metavar="DATE",
              help="Last day of the suspension (YYYY-MM-DD, China time).")
def suspend(installation: Installation, numbers: tuple[str, ...], authority_id: str,
            input_path: Path | None, reason_name: str, case: str | None,
            until_text: str, operator: str | None) -> None:
    """Suspend licences until a date; they are valid again after it, or when reinstated."""
    until = _end_of_day(until_text)
    if until <= utc_now():
        raise click.BadParameter("the suspension must end in the future.",
                                 param_hint="--until")
    _run(installation, SUSPEND, authority_id, numbers, input_path, reason_name, case, until=until,
         operator=operator)


@click.command("reinstate", epilog=EPILOG)
@_common(default_reason="unspecified")
def reinstate(installation: Installation, numbers: tuple[str, ...], authority_id: str,
              input_path: Path | None, reason_name: str, case: str | None,
              operator: str | None) -> None:
    """End the suspension of licences now."""
    _run(installation, "reinstate", authority_id, numbers, input_path, reason_name, case,
         operator=operator)


@click.command("replace", epilog=EPILOG)
@_common(default_reason="replaced")
@_reissue_options
def replace(installation: Installation, numbers: tuple[str, ...], authority_id: str,
            input_path: Path | None, reason_name: str, case: str | None, out_dir: Path,
            no_pdf: bool, operator: str | None) -> None:
    """Issue new licences with the same details for lost or damaged ones; the old ones are
    superseded by them."""
    _run(installation, REPLACE, authority_id, numbers, input_path, reason_name, case,
         out_dir=out_dir, render=not no_pdf, operator=operator)


@click.command("renew", epilog=EPILOG)
@_common(default_reason="renewed")
@_reissue_options
@click.option("--until", "until_text", metavar="DATE",
              help="New expiry date (YYYY-MM-DD); default: the current one plus the "
                   "licence type's usual term.")
def renew(installation: Installation, numbers: tuple[str, ...], authority_id: str,
          input_path: Path | None, reason_name: str, case: str | None, out_dir: Path,
          no_pdf: bool, until_text: str | None, operator: str | None) -> None:
    """Issue new licences with a later expiry date; the old ones are superseded by them."""
    until = _end_of_day(until_text) if until_text else None
    _run(installation, RENEW, authority_id, numbers, input_path, reason_name, case, until=until,
         out_dir=out_dir, render=not no_pdf, operator=operator)


def _run(installation: Installation, action: str, authority_id: str, numbers: tuple[str, ...],
         input_path: Path | None, reason_name: str, case: str | None, *,
         until: int | None = None, out_dir: Path | None = None, render: bool = False,
         operator: str | None = None) -> None:
    try:
        reason = status_reason(reason_name).code
    except UnknownStatusReason as exc:
        raise click.BadParameter(exc.message, param_hint="--reason") from None
    wanted = list(numbers)
    if input_path is not None:
        wanted += read_numbers(input_path.read_text(encoding="utf-8-sig").splitlines())
    if not wanted:
        raise click.UsageError("Name the licences: give their numbers or --input FILE.")
    request = LifecycleRequest(action=action, numbers=tuple(wanted), reason=reason,
                               until=until, case=case, out_dir=out_dir)
    with command_errors():
        now = utc_now()
        store = Store.open(installation.settings.store_url)
        who = act(installation, store, authority_id, operator, OperatorRole.CLERK, action)
        hold_if_needed(installation, store, authority_id, who, action, len(wanted), {
            "case": case, "reason": reason, "sample": wanted[:SAMPLE],
            "text": f"{action} {len(wanted):,} licences (reason {reason_name}, case "
                    f"{case or 'none'}), e.g. {', '.join(wanted[:SAMPLE])}."})
        record = AuditRecord(authority_id, who.name, action, case_number=case,
                             approved_by=approved_by(authority_id),
                             detail={"reason": reason, "until": until})
        record.name_licences(wanted)
        loaded = []
        with audit(installation, store, record,
                   registry=lambda: loaded[0].registry if loaded else None):
            loaded.append(load_authority(installation, authority_id, licence_type=None,
                                         now=now, roles=Role.ANCHOR | Role.STATUS))
            summary = run(store, loaded[0], request, now=now, render=render,
                          public_url=installation.settings.public_url)
            record.detail.update(changed=summary.changed, refused=len(summary.refused))
            record.tx_hashes = lifecycle_transactions(store, authority_id, action,
                                                      request.key())
    _report(summary)
    if summary.refused:
        sys.exit(EXIT_SOME_REFUSED)


def _report(summary: LifecycleSummary) -> None:
    for refusal in summary.refused:
        click.echo(refusal.line(), err=True)
    click.echo(summary.line())
    if summary.report is not None:
        click.echo(f"New licences: {summary.report}")


def _end_of_day(text: str) -> int:
    """The last second of that date in China time, as licence expiry dates are read."""
    return valid_until({"expiry_date": _date(text)})


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(f"{text!r} is not a date: use YYYY-MM-DD.") from None


@click.command("reconcile")
@click.option("--authority", "authority_id", required=True, metavar="ID",
              help="The authority whose store records to check against the chain.")
@operator_option
@pass_installation
def reconcile(installation: Installation, authority_id: str, operator: str | None) -> None:
    """Compare the store with the chain and repair what differs: finish interrupted sends,
    and anchor or send again what the chain lost (after a node restart or a reorg).

    Run it while no other command of this authority is running. Exit status 0 when all
    is in order (repaired or not), 1 on failure.
    """
    from issuer.lifecycle.reconcile import reconcile as run_reconcile

    with command_errors():
        now = utc_now()
        store = Store.open(installation.settings.store_url)
        who = act(installation, store, authority_id, operator, OperatorRole.CLERK,
                  "reconcile")
        record = AuditRecord(authority_id, who.name, "reconcile")
        loaded = []
        with audit(installation, store, record,
                   registry=lambda: loaded[0].registry if loaded else None):
            loaded.append(load_authority(installation, authority_id, licence_type=None,
                                         now=now, roles=Role.ANCHOR | Role.STATUS))
            report = run_reconcile(store, loaded[0], now=now)
            record.detail["summary"] = report.summary()
    for line in report.lines:
        click.echo(line)
    click.echo(report.summary())


@click.command("purge")
@click.argument("numbers", nargs=-1, metavar="[LICENCE_NUMBER]...")
@click.option("--authority", "authority_id", required=True, metavar="ID",
              help="The authority whose store to purge.")
@click.option("--expired-before", "before_text", metavar="DATE",
              help="Purge every licence that expired, or was revoked or superseded, before "
                   "this date (YYYY-MM-DD, not in the future).")
@click.option("--files", "list_files", is_flag=True,
              help="List the purged licences' letters, QR images and report.json and "
                   "claim-codes.csv entries instead of removing them.")
@operator_option
@pass_installation
def purge(installation: Installation, numbers: tuple[str, ...], authority_id: str,
          before_text: str | None, list_files: bool, operator: str | None) -> None:
    """Erase the personal data (claims, licence number, wallet copies) of licences whose
    retention period is over, keeping their status and batch records, and remove their
    letters, QR images and entries from the output folders. Licences still valid are
    refused.

    Nothing but the audit log's head is sent to the chain. Exit status 0 done, 3 some
    licences refused, 2 usage error, 1 failure.
    """
    from issuer.errors import PurgeError
    from issuer.lifecycle.purge import purge_expired, purge_numbers

    if bool(numbers) == bool(before_text):
        raise click.UsageError("Give either licence numbers or --expired-before DATE.")
    now = utc_now()
    with command_errors():
        store = Store.open(installation.settings.store_url)
        who = act(installation, store, authority_id, operator, OperatorRole.CLERK, PURGE)
        what = (f"licences that expired before {before_text}" if before_text
                else f"{len(numbers):,} licences, e.g. {', '.join(numbers[:SAMPLE])}")
        hold_if_needed(installation, store, authority_id, who, PURGE, len(numbers), {
            "sample": list(numbers[:SAMPLE]),
            "text": f"purge the personal data of {what}"
                    + (" (files listed, not removed)." if list_files else " and their files.")})
        record = AuditRecord(authority_id, who.name, PURGE, approved_by=approved_by(authority_id),
                             detail={"expired_before": before_text, "files_kept": list_files})
        record.name_licences(list(numbers))
        if numbers:  # their numbers leave the store: keep how the log finds their issuance
            record.detail["issued_from"] = issuing_files(store, authority_id, list(numbers))
        with audit(installation, store, record):
            if before_text:
                try:
                    summary = purge_expired(store, authority_id,
                                            before=_start_of_day(before_text), now=now,
                                            remove_files=not list_files)
                except PurgeError as exc:
                    if exc.reason != "purge_date_in_future":
                        raise
                    raise click.BadParameter(exc.message,
                                             param_hint="--expired-before") from None
                record.licence_count = summary.purged
            else:
                summary = purge_numbers(store, authority_id, list(numbers), now=now,
                                        remove_files=not list_files)
            record.detail.update(purged=summary.purged, refused=len(summary.refused))
    for refusal in summary.refused:
        click.echo(refusal.line(), err=True)
    for folder in summary.folders:
        for line in folder.lines(removed=summary.files_removed):
            click.echo(line, err=folder.missing or folder.unreadable)
    click.echo(summary.line())
    if summary.refused:
        sys.exit(EXIT_SOME_REFUSED)


def _start_of_day(text: str) -> int:
    """00:00 China time on that date: `--expired-before 2026-01-01` keeps what was valid on
    1 January."""
    return valid_until({"expiry_date": _date(text) - dt.timedelta(days=1)}) + 1
