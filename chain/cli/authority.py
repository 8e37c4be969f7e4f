"""`elicence authority …`: register and accredit issuing authorities (council proposals),
and manage an authority's signing keys (sent by the authority's own account)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import click

from chain.cli.context import (
    command_errors,
    format_time,
    licence_type_codes,
    licence_type_names,
    parse_time,
    pass_installation,
    report_proposal,
)
from chain.installation import Installation
from chain.keystore import compressed_public_key
from chain.records import types_mask
from chain.registry import Registry

KEY_LIFETIME = dt.timedelta(days=5 * 365)

TYPES = click.option("--type", "types", multiple=True, required=True, metavar="TYPE",
                     help="Licence type the authority may issue (driving, business, "
                          "professional). Repeat for several.")
AS_MEMBER = click.option("--as", "member", required=True, metavar="NAME",
                         help="Council member's key file that proposes the change.")
AS_AUTHORITY = click.option("--as", "sender", metavar="NAME",
                            help="Key file of the authority's chain account "
                                 "(default: the authority id).")


@click.group()
def authority() -> None:
    """Register issuing authorities and manage their signing keys."""


@authority.command()
@click.argument("ident", metavar="ID")
@click.option("--name-zh", required=True, help="Display name in Chinese.")
@click.option("--name-en", required=True, help="Display name in English.")
@click.option("--jurisdiction", required=True, help="Jurisdiction code, e.g. CN-31.")
@TYPES
@click.option("--account", metavar="NAME|ADDRESS",
              help="The authority's chain account (default: a key file named after ID, "
                   "created if missing).")
@AS_MEMBER
@pass_installation
def add(installation: Installation, ident: str, name_zh: str, name_en: str, jurisdiction: str,
        types: tuple[str, ...], account: str | None, member: str) -> None:
    """Propose registering an authority, e.g. CN-31-DMV."""
    mask = types_mask(*licence_type_codes(types))
    with command_errors():
        address = installation.address(account or ident, create=True)
        contract = installation.registry(member)
        action = contract.action_register_authority(
            ident, name_zh, name_en, jurisdiction, mask, [address])
        report_proposal(contract.propose(action), contract.threshold())


@authority.command()
@click.argument("ident", metavar="ID")
@TYPES
@AS_MEMBER
@pass_installation
def accredit(installation: Installation, ident: str, types: tuple[str, ...], member: str) -> None:
    """Propose the complete set of licence types an authority is accredited for."""
    mask = types_mask(*licence_type_codes(types))
    propose_for(installation, member, ident, lambda r, n: r.action_set_accreditation(n, mask))


@authority.command()
@click.argument("ident", metavar="ID")
@AS_MEMBER
@pass_installation
def suspend(installation: Installation, ident: str, member: str) -> None:
    """Propose suspending an authority: it can no longer anchor new licences."""
    propose_for(installation, member, ident, lambda r, n: r.action_suspend_authority(n))


@authority.command()
@click.argument("ident", metavar="ID")
@AS_MEMBER
@pass_installation
def reinstate(installation: Installation, ident: str, member: str) -> None:
    """Propose lifting an authority's suspension."""
    propose_for(installation, member, ident, lambda r, n: r.action_reinstate_authority(n))


def propose_for(installation: Installation, member: str, ident: str,
                action: Callable[[Registry, int], bytes]) -> None:
    """Proposes a change concerning one registered authority, as council `member`."""
    with command_errors():
        contract = installation.registry(member)
        number = installation.authority_number(contract, ident)
        report_proposal(contract.propose(action(contract, number)), contract.threshold())


@authority.command("add-key")
@click.argument("ident", metavar="ID")
@click.option("--valid-from", metavar="DATE", help="Start of validity (default: now).")
@click.option("--valid-until", metavar="DATE", help="End of validity (default: in 5 years).")
@AS_AUTHORITY
@pass_installation
def add_key(installation: Installation, ident: str, valid_from: str | None, valid_until: str | None,
            sender: str | None) -> None:
    """Create a P-256 signing key (stored encrypted) and register it on chain."""
    start = parse_time(valid_from)
    end = parse_time(valid_until, default=dt.datetime.fromtimestamp(start, dt.UTC) + KEY_LIFETIME)
    with command_errors():
        key_id = register_new_key(installation, ident, start, end, sender)
    click.echo(f"Key {key_id} of {ident} registered, valid {format_time(start)} to "
               f"{format_time(end)}; stored encrypted as "
               f"keys/signing/{key_file(ident, key_id)}.json")


@authority.command("rotate-key")
@click.argument("ident", metavar="ID")
@click.option("--valid-until", metavar="DATE", help="End of the new key's validity "
                                                    "(default: in 5 years).")
@AS_AUTHORITY
@pass_installation
def rotate_key(installation: Installation, ident: str, valid_until: str | None,
               sender: str | None) -> None:
    """Register a new signing key and end the validity of the current ones now.

    Licences anchored while an old key was valid stay valid.
    """
    now = parse_time(None)
    end = parse_time(valid_until, default=dt.datetime.fromtimestamp(now, dt.UTC) + KEY_LIFETIME)
    with command_errors():
        contract = installation.registry(sender or ident)
        number = installation.authority_number(contract, ident)
        current = [k for k in _keys(contract, number)
                   if k.valid_from <= now < k.valid_until and not k.compromised_at]
        key_id = register_new_key(installation, ident, now, end, sender)
        for old in current:  # a key must stay valid for at least its first second
            contract.set_key_valid_until(old.key_id, max(now, old.valid_from + 1))
    retired = ", ".join(str(k.key_id) for k in current) or "none"
    click.echo(f"Key {key_id} of {ident} now signs; retired key(s): {retired}.")


@authority.command("mark-compromised")
@click.argument("ident", metavar="ID")
@click.option("--key", "key_id", type=click.IntRange(1), required=True, help="Key number.")
@click.option("--since", metavar="TIME",
              help="When the key was compromised (default: now). Batches anchored from then "
                   "on are rejected; earlier ones stay valid.")
@AS_AUTHORITY
@pass_installation
def mark_compromised(installation: Installation, ident: str, key_id: int, since: str | None,
                     sender: str | None) -> None:
    """Mark a signing key compromised from a point in time."""
    at = parse_time(since)
    with command_errors():
        contract = installation.registry(sender or ident)
        installation.authority_number(contract, ident)
        contract.mark_key_compromised(key_id, at)
    click.echo(f"Key {key_id} of {ident} marked compromised since {format_time(at)}.")


@authority.command()
@click.argument("ident", metavar="ID")
@pass_installation
def show(installation: Installation, ident: str) -> None:
    """Show an authority's record and signing keys."""
    with command_errors():
        contract = installation.registry()
        number = installation.authority_number(contract, ident)
        record = contract.authority(number)
        keys = _keys(contract, number)
    state = "SUSPENDED" if record.suspended else "active"
    click.echo(f"{record.id} (#{number}, {state})")
    click.echo(f"  {record.name_zh} / {record.name_en}")
    click.echo(f"  jurisdiction {record.jurisdiction}; accredited for "
               f"{licence_type_names(record.accredited_types)}")
    for k in keys:
        flag = f", COMPROMISED since {format_time(k.compromised_at)}" if k.compromised_at else ""
        click.echo(f"  key {k.key_id}: {k.public_key.hex()} valid {format_time(k.valid_from)} "
                   f"to {format_time(k.valid_until)}{flag}")


@authority.command("list")
@pass_installation
def list_authorities(installation: Installation) -> None:
    """List registered authorities."""
    with command_errors():
        contract = installation.registry()
        records = [contract.authority(n) for n in range(1, contract.authority_count() + 1)]
    if not records:
        click.echo("No authorities registered yet: propose one with `elicence authority add`.")
    for r in records:
        state = " SUSPENDED" if r.suspended else ""
        click.echo(f"{r.id:<14} {r.jurisdiction:<8} {licence_type_names(r.accredited_types):<24} "
                   f"{r.name_en}{state}")


def key_file(ident: str, key_id: int) -> str:
    return f"{ident}-{key_id}"


def register_new_key(installation: Installation, ident: str, valid_from: int, valid_until: int,
                     sender: str | None) -> int:
    """Creates the key file first, then registers its public key, so a registered key
    always has its private half on disk. The key number is predicted from the chain and
    checked against the KeyAdded event."""
    contract = installation.registry(sender or ident)
    number = installation.authority_number(contract, ident)
    expected = contract.authority(number).key_count + 1
    name = key_file(ident, expected)
    key = installation.keystore.create_signing_key(name)
    try:
        result = contract.add_key(compressed_public_key(key), valid_from, valid_until)
    except Exception:
        installation.keystore.remove_signing_key(name)
        raise
    added = [e.args["keyId"] for e in result.events if e.name == "KeyAdded"]
    if added != [expected]:
        raise click.ClickException(
            f"The registry numbered the new key {added} instead of {expected}: another "
            f"process added a key at the same time; rename keys/signing/{name}.json to match."
        )
    return expected


def _keys(contract, number: int):
    count = contract.authority(number).key_count
    return [contract.key(number, key_id) for key_id in range(1, count + 1)]
