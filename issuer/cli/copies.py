"""`elicence copies|revoke-copy|new-claim-code`: a licence's wallet copies, one at a time.

    elicence copies NUMBER --authority ID               devices holding the licence
    elicence revoke-copy NUMBER COPY --authority ID     stop one device's copy (on chain)
    elicence new-claim-code NUMBER --authority ID --out FOLDER
                                                        a fresh one-time code, written to
                                                        FOLDER/claim-codes.csv (never printed)

Exit status: 0 done, 2 usage error, 1 failure (one sentence on stderr).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from chain.cli.context import command_errors, pass_installation
from chain.installation import Installation
from chain.private_files import output_folder, replacing
from issuer.audit import AuditRecord
from issuer.cli.acting import OperatorRole, act, audit, operator_option
from issuer.store import Store, utc_now
from licence.status_reasons import REASONS, UnknownStatusReason, status_reason
from licence.vocabulary import Role

_AUTHORITY = click.option("--authority", "authority_id", required=True, metavar="ID",
                          help="The authority that issued the licence, e.g. CN-31-DMV.")


def _when(seconds: int | None) -> str:
    if seconds is None:
        return "-"
    return dt.datetime.fromtimestamp(seconds, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


@click.command("copies")
@click.argument("number", metavar="LICENCE_NUMBER")
@_AUTHORITY
@pass_installation
def copies(installation: Installation, number: str, authority_id: str) -> None:
    """List the wallet copies of a licence: copy, device, when added, state."""
    from issuer.claims.copies import current_licence, list_copies

    with command_errors():
        store = Store.open(installation.settings.store_url)
        licence = current_licence(store, authority_id, number)
        found = list_copies(store, licence.id)
    if not found:
        click.echo("No wallet holds this licence.")
        return
    click.echo(f"{'COPY':<10} {'DEVICE':<24} {'ADDED':<22} STATE")
    for copy in found:
        state = copy.state if copy.revoked_at is None else \
            f"{copy.state} {_when(copy.revoked_at)}"
        click.echo(f"{copy.fingerprint:<10} {(copy.device_label or '-')[:24]:<24} "
                   f"{_when(copy.added_at):<22} {state}")


@click.command("revoke-copy")
@click.argument("number", metavar="LICENCE_NUMBER")
@click.argument("copy", metavar="COPY")
@_AUTHORITY
@click.option("--reason", "reason_name", default="unspecified", show_default=True,
              metavar="REASON", help="Why, recorded on chain: "
              + ", ".join(r.name for r in REASONS) + " (or its number).")
@operator_option
@pass_installation
def revoke_copy(installation: Installation, number: str, copy: str, authority_id: str,
                reason_name: str, operator: str | None) -> None:
    """Stop one device's copy of a licence for good (COPY as `elicence copies` lists it).
    The printed licence and the other copies stay valid. Running it again after an
    interruption finishes it."""
    from issuer.authority import load_authority
    from issuer.claims.copies import current_licence, find_copy
    from issuer.lifecycle.copy_revocation import revoke_copy as run_revoke

    try:
        reason = status_reason(reason_name).code
    except UnknownStatusReason as exc:
        raise click.BadParameter(exc.message, param_hint="--reason") from None
    with command_errors():
        now = utc_now()
        store = Store.open(installation.settings.store_url)
        who = act(installation, store, authority_id, operator, OperatorRole.CLERK,
                  "revoke-copy")
        record = AuditRecord(authority_id, who.name, "revoke-copy",
                             licences=[number], detail={"copy": copy, "reason": reason})
        loaded = []
        with audit(installation, store, record,
                   registry=lambda: loaded[0].registry if loaded else None):
            licence = current_licence(store, authority_id, number)
            binding = find_copy(store, licence.id, copy)
            loaded.append(load_authority(installation, authority_id, licence_type=None,
                                         now=now, roles=Role.ANCHOR | Role.STATUS))
            changed = run_revoke(store, loaded[0], binding, reason=reason, now=now)
            record.detail["changed"] = changed
    fingerprint = (binding.copy_ref or b"").hex()[:8]
    click.echo(f"Copy {fingerprint} revoked." if changed else
               f"Copy {fingerprint} was already revoked.")


@click.command("new-claim-code")
@click.argument("number", metavar="LICENCE_NUMBER")
@_AUTHORITY
@click.option("--out", "out_dir", required=True,
              type=click.Path(file_okay=False, path_type=Path),
              help="Folder for claim-codes.csv (private: 0700, the file 0600).")
@click.option("--days", default=90, show_default=True, type=click.IntRange(1, 366),
              help="How many days the new code can be used.")
@operator_option
@pass_installation
def new_claim_code(installation: Installation, number: str, authority_id: str,
                   out_dir: Path, days: int, operator: str | None) -> None:
    """Issue a fresh one-time claim code for a licence (the old code stops working; copies
    already in wallets stay). The code goes to FOLDER/claim-codes.csv only, never to the
    screen or logs: print it on a claim-code page and hand it to the holder."""
    with command_errors():
        now = utc_now()
        store = Store.open(installation.settings.store_url)
        who = act(installation, store, authority_id, operator, OperatorRole.CLERK,
                  "new-claim-code")
        with audit(installation, store, AuditRecord(authority_id, who.name,
                                                    "new-claim-code", licences=[number])):
            path, expires = _write_new_code(installation, store, authority_id, number,
                                            out_dir, days, now)
    click.echo(f"New claim code written to {path} (valid until {_when(expires)}); the "
               "previous code no longer works.")


def _write_new_code(installation: Installation, store: Store, authority_id: str, number: str,
                    out_dir: Path, days: int, now: int) -> tuple[Path, int]:
    from chain.keystore import SECRET
    from issuer.claims.copies import current_licence
    from issuer.claims.copies import new_claim_code as make_code
    from issuer.issue.outputs import CLAIM_CODES, CLAIM_CODES_HEADER, claim_line

    licence = current_licence(store, authority_id, number)
    if not installation.keystore.has(SECRET, f"{authority_id}-claim-codes"):
        raise click.ClickException(f"This key store has no claim-code secret for "
                                   f"{authority_id}: run the command where it issues.")
    secret = installation.keystore.secret(f"{authority_id}-claim-codes")
    folder = output_folder(out_dir)
    path = folder / CLAIM_CODES
    # Other rows of an existing file stay; this licence's row is replaced.
    kept = []
    if path.exists():
        kept = [line for line in path.read_text(encoding="utf-8").splitlines()[1:]
                if line and not line.startswith(f"{number},")]
    code, expires = make_code(store, secret, licence, now=now, days=days)
    with replacing(path, "w", encoding="utf-8", newline="") as handle:
        handle.write("\n".join([CLAIM_CODES_HEADER, *kept,
                                claim_line(number, licence.row_number, code, expires)])
                     + "\n")
    return path, expires
