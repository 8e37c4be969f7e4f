"""`elicence verify`: verify a licence QR code from text, a photo or scan, or stdin.

Exit status: 0 valid, 1 not valid (revoked, suspended, expired, invalid), 2 unreadable
input or usage error, 3 genuine but outside this counter's policy (--accept-*: verdict
not_accepted), 4 unknown (the status cannot be confirmed: an old or unchecked index,
a stuck node, nodes that disagree; docs/verifying.md "Cannot confirm").
"""

from __future__ import annotations

import dataclasses
import json
import os
import sqlite3
import sys
import time
from pathlib import Path

import click

from chain.config import ConfigError, Settings, load_settings
from chain.status import DEFAULT_MAX_HEAD_AGE
from licence.vocabulary import Verdict

from .context import Policy
from .counter_policy import CounterPolicies, CounterPolicy
from .result import Verification, to_json
from .sync import witness_urls
from .timefmt import age_text, utc_text

EXIT_VALID, EXIT_NOT_VALID, EXIT_UNREADABLE, EXIT_NOT_ACCEPTED, EXIT_UNKNOWN = 0, 1, 2, 3, 4

_VERDICT_TEXT = {
    Verdict.VALID: ("VALID", "有效"), Verdict.REVOKED: ("REVOKED", "已吊销"),
    Verdict.SUSPENDED: ("SUSPENDED", "已暂扣"), Verdict.EXPIRED: ("EXPIRED", "已过期"),
    Verdict.INVALID: ("NOT VALID", "无效"), Verdict.UNKNOWN: ("CANNOT CONFIRM", "无法确认"),
    Verdict.UNREADABLE: ("UNREADABLE", "无法识别"),
    Verdict.NOT_ACCEPTED: ("NOT ACCEPTED HERE", "本柜台不受理"),
}


def exit_status(verdict: Verdict) -> int:
    if verdict == Verdict.VALID:
        return EXIT_VALID
    if verdict == Verdict.UNKNOWN:
        return EXIT_UNKNOWN
    if verdict == Verdict.UNREADABLE:
        return EXIT_UNREADABLE
    if verdict == Verdict.NOT_ACCEPTED:
        return EXIT_NOT_ACCEPTED
    return EXIT_NOT_VALID


@click.command("verify")
@click.argument("qr_text", required=False, metavar="[QR_TEXT | -]")
@click.option("--image", type=click.Path(dir_okay=False, path_type=Path),
              help="A photo or scan (PNG, JPEG) containing the licence's QR code.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option("-v", "--verbose", is_flag=True, help="List every check and its outcome.")
@click.option("--no-sync", is_flag=True,
              help="Do not contact the chain node; verify from the local index as it is.")
@click.option("--max-staleness", type=click.IntRange(min=1), default=300, show_default=True,
              help="Seconds after which the status index is too old to say valid.")
@click.option("--max-head-age", type=click.IntRange(min=1), envvar="ELICENCE_MAX_HEAD_AGE",
              default=DEFAULT_MAX_HEAD_AGE, show_default=True,
              help="Seconds after which the newest chain block seen is too old to say valid "
                   "(env ELICENCE_MAX_HEAD_AGE).")
@click.option("--rpc", "witnesses", multiple=True, metavar="URL",
              help="A witness node: the synced block's hash must be the same there "
                   "(repeatable; also ELICENCE_WITNESS_RPC_URLS, comma-separated).")
@click.option("--counter", envvar="ELICENCE_COUNTER_ID", default="cli", show_default=True,
              help="This counter's id in the verification log, and whose policy applies: "
                   "its entry in config.json counter_policies, else the installation's "
                   "(env ELICENCE_COUNTER_ID).")
@click.option("--log", "log_path", envvar="ELICENCE_VERIFY_LOG",
              type=click.Path(dir_okay=False, path_type=Path),
              help="Verification log file (JSON lines; env ELICENCE_VERIFY_LOG; default "
                   "$ELICENCE_HOME/verifications.jsonl).")
@click.option("--accept-type", "accept_types",
              metavar="TYPES", help="Licence types this counter accepts, comma-separated "
              "(e.g. business); others are `not_accepted`. Overrides the configured policy "
              "(ELICENCE_ACCEPT_TYPES, config.json).")
@click.option("--accept-authority", "accept_authorities",
              metavar="IDS", help="Authority ids this counter accepts, comma-separated. "
              "Overrides the configured policy (ELICENCE_ACCEPT_AUTHORITIES, config.json).")
@click.option("--accept-region", "accept_regions",
              metavar="PREFIXES", help="Region code prefixes whose licences this counter "
              "accepts, comma-separated, e.g. 33. Overrides the configured policy "
              "(ELICENCE_ACCEPT_REGIONS, config.json).")
def verify_command(qr_text: str | None, image: Path | None, as_json: bool, verbose: bool,
                   no_sync: bool, max_staleness: int, max_head_age: int,
                   witnesses: tuple[str, ...], counter: str, log_path: Path | None,
                   accept_types: str | None = None, accept_authorities: str | None = None,
                   accept_regions: str | None = None) -> None:
    """Verify an electronic licence: QR_TEXT, --image FILE, or - to read stdin.

    Checks the signature, the batch on chain, the authority and key, the licence's status
    and dates against the local index (synced first when the node is reachable).
    """
    text = read_input(qr_text, image)
    try:
        given = CounterPolicy.parse(accept_types, accept_authorities, accept_regions)
    except ConfigError as exc:
        raise click.UsageError(exc.message) from None
    try:
        settings = load_settings()
        configured = CounterPolicies.from_settings(settings.extra, os.environ).of(counter)
    except ConfigError as exc:
        raise click.ClickException(exc.message) from None
    accept = dataclasses.replace(  # each --accept-* given replaces that part of the policy
        configured,
        licence_types=configured.licence_types if accept_types is None else given.licence_types,
        authorities=configured.authorities if accept_authorities is None else given.authorities,
        regions=configured.regions if accept_regions is None else given.regions)
    try:
        witness_urls(settings, witnesses)
    except ConfigError as exc:
        raise click.UsageError(exc.message) from None
    if not no_sync:
        try_sync(settings, witnesses)
    policy = Policy(max_staleness=max_staleness, max_head_age=max_head_age)
    try:
        verification = _verify(text, settings, counter=counter, policy=policy, accept=accept,
                               log_path=log_path or settings.home / "verifications.jsonl")
    except sqlite3.DatabaseError:
        click.echo(f"The status index at {settings.index_path} is damaged: delete it and run "
                   "`elicence verify` again with the chain node reachable to rebuild it.",
                   err=True)
        sys.exit(EXIT_UNKNOWN)
    if as_json:
        click.echo(json.dumps(to_json(verification), ensure_ascii=False, indent=2))
    else:
        click.echo(render(verification, now=int(time.time()), verbose=verbose))
    sys.exit(exit_status(verification.verdict))


def read_input(qr_text: str | None, image: Path | None) -> str:
    if (qr_text is None) == (image is None):
        raise click.UsageError("Give exactly one of QR_TEXT, --image FILE, or - for stdin.")
    if image is not None:
        from .qr_image import ImageError, read_qr_image

        try:
            return read_qr_image(image).strip()
        except ImageError as exc:
            click.echo(exc.message, err=True)
            sys.exit(EXIT_UNREADABLE)
    if qr_text == "-":
        return sys.stdin.read(1 << 16).strip()
    return (qr_text or "").strip()


def try_sync(settings: Settings, witnesses: tuple[str, ...]) -> None:
    from .sync import sync_index

    try:
        sync_index(settings, witnesses=witnesses)
    except ConfigError:
        click.echo("No registry is configured, so the status index was not updated.", err=True)
    except Exception as exc:  # unreachable node, wrong chain...: verify from the index
        message = getattr(exc, "message", None) or type(exc).__name__
        click.echo(f"Could not update the status index ({message}); verifying from the local "
                   "index as it is.", err=True)


def _verify(text: str, settings: Settings, *, counter: str, policy: Policy,
            log_path: Path, accept: CounterPolicy | None = None) -> Verification:
    from chain.errors import ChainError
    from chain.index import LicenceIndex

    from .audit import VerificationLog, installation_salt
    from .checks import default_checks
    from .checks.acceptance import AcceptanceCheck
    from .verification import Verifier

    try:
        index: LicenceIndex | None = LicenceIndex(settings.index_path)
    except ChainError:
        index = None  # no index yet: nothing about status can be confirmed
    log = VerificationLog(log_path, installation_salt(settings.home), counter)
    try:
        checks = default_checks()
        if accept is not None and not accept.accepts_everything:
            checks.append(AcceptanceCheck(accept))
        verifier = Verifier(index, checks=checks, policy=policy, log=log)
        return verifier.verify(text, now=int(time.time()))
    finally:
        log.close()
        if index is not None:
            index.close()


def _claim_lines(v: Verification) -> list[str]:
    from licence import load_schema

    from .result import json_claims

    assert v.licence_type is not None
    by_name = load_schema(v.licence_type["code"]).by_name
    lines = []
    for name, value in json_claims(v.claims).items():
        title = by_name[name].title
        if isinstance(value, bool):
            shown = "yes 是" if value else "no 否"
        else:
            shown = ", ".join(value) if isinstance(value, list) else str(value)
        lines.append(f"  {title.get('en', name)} {title.get('zh', '')}: {shown}")
    return lines


def render(v: Verification, *, now: int, verbose: bool = False) -> str:
    """The human-readable result: verdict first, then why, then what the licence says."""
    en, zh = _VERDICT_TEXT.get(v.verdict, (v.verdict.upper(), v.verdict))
    lines = [f"{en} — {zh}"]
    if v.decided_by is not None:
        lines += [f"  {v.decided_by.message}", f"  {v.decided_by.message_zh}"]
    if v.licence_type is not None:
        kind = f"{v.licence_type['title_en']} {v.licence_type['title_zh']}"
        issuer = "unknown authority"
        if v.authority is not None:
            issuer = (f"{v.authority['name_en']} {v.authority['name_zh']} "
                      f"({v.authority['id']})")
        lines.append(f"{kind} · {issuer} · {v.presentation}")
        lines += _claim_lines(v)
    if v.status is not None and v.status.get("successor"):
        lines.append(f"  replaced by the licence with status reference {v.status['successor']}")
    if v.status_as_of is None:
        lines.append("Status index: none yet")
    else:
        a = v.status_as_of
        lines.append(f"Status as of block {a.block} ({utc_text(a.block_time)}), index updated "
                     f"{age_text(max(0, now - a.synced_at))}")
    if verbose:
        lines += [f"  [{c.result:>7}] {c.name}: {c.message}" for c in v.checks]
    return "\n".join(lines)
