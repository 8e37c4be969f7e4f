"""`elicence export`: a genuine licence in a standard format, for wallets and verifiers
built by others (docs/issuing.md "Exports").

Exit status as `elicence verify` for the licence (1 not valid, 2 unreadable input or
usage error, 4 status cannot be confirmed), and 1 when the export itself is refused.
"""

from __future__ import annotations

import base64
import json
import sys
import time
from pathlib import Path

import click

from chain.config import ConfigError, load_settings
from chain.installation import Installation
from chain.private_files import write_private
from licence.errors import ElicenceError
from licence.exports import FORMATS
from verifier.cli import EXIT_NOT_VALID, EXIT_UNREADABLE, exit_status, read_input, try_sync
from verifier.context import Policy

EXPORT_COUNTER = "export"  # the verification log's counter id for the check before export


def read_holder_key(path: Path | None) -> dict | None:
    if path is None:
        return None
    try:
        jwk = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        raise click.BadParameter(f"{path} is not a readable JSON file: give the holder's "
                                 "device public key as a JWK.", param_hint="--holder-key"
                                 ) from None
    return jwk


@click.command("export")
@click.argument("qr_text", required=False, metavar="[QR_TEXT | -]")
@click.option("--image", type=click.Path(dir_okay=False, path_type=Path),
              help="A photo or scan (PNG, JPEG) of the printed licence's QR code.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), required=True,
              help="sd-jwt-vc (IETF SD-JWT VC), vc-jwt (W3C VC 2.0 as vc+jwt) or mdoc "
                   "(ISO/IEC 18013-5 mDL, driving licences).")
@click.option("--holder-key", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="The holder's device public key (P-256 JWK): sd-jwt-vc puts it in cnf, "
                   "vc-jwt in the subject; mdoc requires it.")
@click.option("--key", "key_id", type=click.IntRange(1), metavar="N",
              help="Sign with the authority's key N (default: its newest current key).")
@click.option("--out", "out_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the export here (readable by its owner only); default: print it "
                   "(mdoc as base64url).")
@click.option("--no-sync", is_flag=True, help="Verify from the local index as it is.")
def export_command(qr_text: str | None, image: Path | None, fmt: str, holder_key: Path | None,
                   key_id: int | None, out_file: Path | None, no_sync: bool) -> None:
    """Export a printed licence (QR_TEXT, --image FILE, or - for stdin) as SD-JWT VC, W3C
    vc+jwt or ISO mdoc, signed with the issuing authority's registered ES256 key.

    The licence is verified first: an invalid, revoked, expired or unconfirmable licence is
    refused. Third parties check exports with `elicence authority export-trust`'s files.
    """
    from verifier.cli import _verify

    from .export import export

    text = read_input(qr_text, image)
    if fmt == "mdoc" and holder_key is None:
        raise click.UsageError("An mdoc is bound to the holder's device: give the device's "
                               "public key with --holder-key JWK_FILE.")
    holder = read_holder_key(holder_key)
    try:
        settings = load_settings()
        settings.require_registry()
    except ConfigError as exc:
        raise click.ClickException(exc.message) from None
    if not no_sync:
        try_sync(settings, ())
    verification = _verify(text, settings, counter=EXPORT_COUNTER, policy=Policy(),
                           log_path=settings.home / "verifications.jsonl")
    if not verification.is_valid:
        why = verification.decided_by.message if verification.decided_by else ""
        click.echo(f"Not exported: the licence is {verification.verdict}. {why}".strip(),
                   err=True)
        sys.exit(exit_status(verification.verdict))
    try:
        result = export(Installation(settings), text, verification, fmt, holder_jwk=holder,
                        key_id=key_id, now=int(time.time()))
    except ElicenceError as exc:
        click.echo(exc.message, err=True)
        sys.exit(EXIT_UNREADABLE if exc.reason.startswith("holder_key") else EXIT_NOT_VALID)
    if out_file is not None:
        write_private(out_file, result.data)  # personal data: owner-only, like issue outputs
        click.echo(f"Exported as {fmt}, signed by {result.authority} key {result.key_id}, "
                   f"to {out_file}.", err=True)
    elif fmt == "mdoc":
        click.echo(base64.urlsafe_b64encode(result.data).rstrip(b"=").decode("ascii"))
    else:
        click.echo(result.data.decode("ascii"))
