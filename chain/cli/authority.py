"""`elicence authority …`: register issuing authorities with their (licence type, region)
scopes and role accounts, suspend them (council proposals), and manage an authority's
signing keys (sent by the authority's keys account, `<ID>-keys` by default)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import click

from chain.cli.context import (
    command_errors,
    format_scope,
    format_time,
    parse_scope,
    parse_time,
    pass_installation,
    report_proposal,
    role_account,
)
from chain.cli.key_oversight import OPERATOR, KeyChange, overseen
from chain.cli.pkcs11_options import check_token_options, token_options, unlock_token
from chain.installation import Installation
from chain.registry import Registry
from licence import (
    SUITES,
    SignatureError,
    authority_key_from_bytes,
    encoded_public_key,
    suite_of_key,
)
from licence.vocabulary import Role

KEY_LIFETIME = dt.timedelta(days=5 * 365)
ROTATION_MARGIN = 30  # seconds: a rotation's transaction is mined well within this

SCOPES = click.option("--scope", "scopes", multiple=True, required=True, metavar="TYPE:REGION",
                      help="A licence type and the GB/T 2260 region prefix it may be issued "
                           "in, e.g. driving:31 (Shanghai), business:3201 (Nanjing), "
                           "professional: (nationwide). Repeat for several.")
AS_MEMBER = click.option("--as", "member", required=True, metavar="NAME",
                         help="Council member's key file that proposes the change.")
AS_KEYS = click.option("--as", "sender", metavar="NAME",
                       help="Key file of the authority's keys account (default: ID-keys).")
SUITE_NAMES = {s.name: s for s in SUITES}
ALGORITHM = click.option("--algorithm", type=click.Choice(list(SUITE_NAMES)), default="es256",
                         show_default=True,
                         help="Signature suite: es256 (P-256, SHA-256) or sm2 (SM2 with SM3, "
                              "GM/T 0003; its licences hash with SM3).")
GRACE = click.option("--grace-until", metavar="DATE",
                     help="Licences already issued stay valid (with a warning) until then; "
                          "default: invalid at once.")


@click.group()
def authority() -> None:
    """Register issuing authorities and manage their signing keys."""


@authority.command()
@click.argument("ident", metavar="ID")
@click.option("--name-zh", required=True, help="Display name in Chinese.")
@click.option("--name-en", required=True, help="Display name in English.")
@click.option("--jurisdiction", required=True, help="Jurisdiction code, e.g. CN-31.")
@SCOPES
@click.option("--account-anchor", metavar="NAME|ADDRESS",
              help="The account that anchors batches, the only one the claim server holds "
                   "(default: key file ID-anchor, created if missing).")
@click.option("--account-status", metavar="NAME|ADDRESS",
              help="The account that revokes, suspends and supersedes licences "
                   "(default: key file ID-status, created if missing).")
@click.option("--account-keys", metavar="NAME|ADDRESS",
              help="The account that registers and retires signing keys "
                   "(default: key file ID-keys, created if missing).")
@AS_MEMBER
@pass_installation
def add(installation: Installation, ident: str, name_zh: str, name_en: str, jurisdiction: str,
        scopes: tuple[str, ...], account_anchor: str | None, account_status: str | None,
        account_keys: str | None, member: str) -> None:
    """Propose registering an authority, e.g. CN-31-DMV, with its scopes and role accounts."""
    parsed = [parse_scope(text) for text in scopes]
    given = {Role.ANCHOR: account_anchor, Role.STATUS: account_status, Role.KEYS: account_keys}
    with command_errors():
        accounts = [(installation.address(name or role_account(ident, role), create=True), role)
                    for role, name in given.items()]
        contract = installation.registry(member)
        action = contract.action_register_authority(
            ident, name_zh, name_en, jurisdiction, scopes=parsed, accounts=accounts)
        report_proposal(contract.propose(action), contract.threshold())


@authority.command()
@click.argument("ident", metavar="ID")
@click.argument("scope", metavar="TYPE:REGION")
@click.option("--remove", is_flag=True, help="Withdraw the scope instead of adding it.")
@GRACE
@AS_MEMBER
@pass_installation
def scope(installation: Installation, ident: str, scope: str, remove: bool,
          grace_until: str | None, member: str) -> None:
    """Propose adding a (licence type, region) scope, or removing one with --remove."""
    parsed = parse_scope(scope)
    if grace_until and not remove:
        raise click.BadParameter("a grace date only applies with --remove.",
                                 param_hint="--grace-until")
    grace = parse_time(grace_until) if grace_until else 0
    propose_for(installation, member, ident,
                lambda r, n: r.action_set_scope(n, parsed, not remove, grace_until=grace))


@authority.command("set-account")
@click.argument("ident", metavar="ID")
@click.argument("account", metavar="NAME|ADDRESS")
@click.option("--role", "roles", multiple=True, type=click.Choice(["anchor", "status", "keys"]),
              help="A role the account holds from now on (repeat; none: remove the account).")
@AS_MEMBER
@pass_installation
def set_account(installation: Installation, ident: str, account: str, roles: tuple[str, ...],
                member: str) -> None:
    """Propose giving an account exactly these roles for an authority (none: remove it)."""
    wanted = Role(0)
    for name in roles:
        wanted |= Role[name.upper()]
    with command_errors():
        address = installation.address(account, create=bool(roles))
    propose_for(installation, member, ident,
                lambda r, n: r.action_set_authority_account(n, address, wanted))


@authority.command()
@click.argument("ident", metavar="ID")
@GRACE
@AS_MEMBER
@pass_installation
def suspend(installation: Installation, ident: str, grace_until: str | None, member: str) -> None:
    """Propose suspending an authority: it can no longer anchor or add keys; licences it
    issued before stay valid (with a warning) until --grace-until, then are invalid."""
    grace = parse_time(grace_until) if grace_until else 0
    propose_for(installation, member, ident,
                lambda r, n: r.action_suspend_authority(n, grace_until=grace))


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
@ALGORITHM
@AS_KEYS
@token_options
@OPERATOR
@pass_installation
def add_key(installation: Installation, ident: str, valid_from: str | None, valid_until: str | None,
            algorithm: str, sender: str | None, module: str | None,
            token: str | None, operator: str | None) -> None:
    """Create a signing key (ES256 on P-256, or SM2 with SM3; stored encrypted, or made
    inside a PKCS#11 token with --pkcs11, P-256 only) and register it on chain."""
    check_token_options(module, token)
    token_key_suite(module, algorithm)
    start = parse_time(valid_from)
    end = parse_time(valid_until, default=dt.datetime.fromtimestamp(start, dt.UTC) + KEY_LIFETIME)
    where_made = f"in token {token!r}" if module else "in a key file"
    change = KeyChange(ident, "add-key", operator,
                       f"add a {SUITE_NAMES[algorithm].label} signing key to {ident}, made "
                       f"{where_made}, valid {format_time(start)} to {format_time(end)}.",
                       {"algorithm": algorithm, "token": token, "valid_from": start,
                        "valid_until": end})
    with command_errors(), overseen(installation, change):
        if module:
            unlock_token(installation)
        key_id = register_new_key(installation, ident, start, end, sender, algorithm,
                                  token=(module, token) if module and token else None,
                                  tx_hashes=change.tx_hashes)
        change.detail["key"] = key_id
    where = (f"made in token {token!r}, referenced by" if module else "stored encrypted as")
    click.echo(f"Key {key_id} of {ident} registered ({SUITE_NAMES[algorithm].label}), valid "
               f"{format_time(start)} to {format_time(end)}; {where} "
               f"keys/signing/{key_file(ident, key_id)}.json")


@authority.command("add-account")
@click.argument("name", metavar="NAME")
@token_options
@pass_installation
def add_account(installation: Installation, name: str, module: str | None,
                token: str | None) -> None:
    """Make a chain account inside a PKCS#11 token (e.g. CN-31-DMV-anchor before `authority
    add`): the token signs its transactions and never lets the key out."""
    check_token_options(module, token)
    if not module or not token:
        raise click.UsageError("add-account makes an account in a token: give --pkcs11 MODULE "
                               "--token LABEL (key files are made by `authority add`).")
    with command_errors():
        unlock_token(installation)
        account = installation.keystore.create_token_account(name, module, token)
    click.echo(f"Account {name} ({account.address}) made in token {token!r}; referenced by "
               f"keys/accounts/{name}.json")


@authority.command("rotate-key")
@click.argument("ident", metavar="ID")
@click.option("--valid-until", metavar="DATE", help="End of the new key's validity "
                                                    "(default: in 5 years).")
@click.option("--algorithm", type=click.Choice(list(SUITE_NAMES)), default=None,
              help="Signature suite of the new key (default: that of the newest current key).")
@AS_KEYS
@token_options
@OPERATOR
@pass_installation
def rotate_key(installation: Installation, ident: str, valid_until: str | None,
               algorithm: str | None, sender: str | None, module: str | None,
               token: str | None, operator: str | None) -> None:
    """Register a new signing key and end the validity of the current ones (within half a
    minute, once the chain has recorded the change).

    Licences anchored while an old key was valid stay valid.
    """
    check_token_options(module, token)
    now = parse_time(None)
    end = parse_time(valid_until, default=dt.datetime.fromtimestamp(now, dt.UTC) + KEY_LIFETIME)
    where_made = f"in token {token!r}" if module else "in a key file"
    change = KeyChange(ident, "rotate-key", operator,
                       f"rotate {ident}'s signing key: a new key made {where_made}, valid to "
                       f"{format_time(end)}, signs from now on and the current keys end "
                       "within half a minute.", {"token": token, "valid_until": end})
    with command_errors(), overseen(installation, change):
        if module:
            unlock_token(installation)
        contract = installation.registry(sender or role_account(ident, Role.KEYS))
        number = installation.authority_number(contract, ident)
        current = [k for k in _keys(contract, number)
                   if k.valid_from <= now < k.valid_until and not k.compromised_at]
        if algorithm is None:
            algorithm = _suite_name(current[-1].public_key) if current else "es256"
        token_key_suite(module, algorithm)
        key_id = register_new_key(installation, ident, now, end, sender, algorithm,
                                  token=(module, token) if module and token else None,
                                  tx_hashes=change.tx_hashes)
        change.detail.update(key=key_id, algorithm=algorithm,
                             retired=[k.key_id for k in current])
        # The keys account may not end a validity before the block that records it (only
        # the council may), so the old keys end a short margin after the chain's time.
        chain_now = int(installation.w3.eth.get_block("latest")["timestamp"])
        end_old = max(now, chain_now) + ROTATION_MARGIN
        for old in current:  # a key must stay valid for at least its first second
            change.tx_hashes.append(contract.set_key_valid_until(
                old.key_id, max(end_old, old.valid_from + 1)).tx_hash)
    retired = ", ".join(str(k.key_id) for k in current) or "none"
    click.echo(f"Key {key_id} of {ident} now signs; retired key(s): {retired}.")


@authority.command("mark-compromised")
@click.argument("ident", metavar="ID")
@click.option("--key", "key_id", type=click.IntRange(1), required=True, help="Key number.")
@AS_KEYS
@OPERATOR
@pass_installation
def mark_compromised(installation: Installation, ident: str, key_id: int,
                     sender: str | None, operator: str | None) -> None:
    """Stop trusting a signing key from now on (batches anchored earlier stay valid).

    A compromise that began earlier is the council's to record:
    elicence council mark-compromised ID --key N --since TIME.
    """
    change = KeyChange(ident, "compromise-key", operator,
                       f"mark key {key_id} of {ident} compromised from now on: licences it "
                       "signs from then on are invalid.", {"key": key_id})
    with command_errors(), overseen(installation, change):
        contract = installation.registry(sender or role_account(ident, Role.KEYS))
        installation.authority_number(contract, ident)
        result = contract.mark_key_compromised(key_id)
        change.tx_hashes.append(result.tx_hash)
    at = result.event("KeyCompromiseSet").args["compromisedAt"]
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
    state = (f"SUSPENDED, earlier licences valid until {format_time(record.grace_until)}"
             if record.suspended else "active")
    click.echo(f"{record.id} (#{number}, {state})")
    click.echo(f"  {record.name_zh} / {record.name_en}")
    click.echo(f"  jurisdiction {record.jurisdiction}; scopes "
               f"{', '.join(format_scope(s) for s in record.scopes) or 'none'}")
    for k in keys:
        flag = f", COMPROMISED since {format_time(k.compromised_at)}" if k.compromised_at else ""
        click.echo(f"  key {k.key_id}: {k.public_key.hex()} ({_suite_label(k.public_key)}) "
                   f"valid {format_time(k.valid_from)} "
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
        scopes = ", ".join(format_scope(s) for s in r.scopes) or "no scope"
        click.echo(f"{r.id:<14} {r.jurisdiction:<8} {scopes:<24} {r.name_en}{state}")


def _suite_name(encoded: bytes) -> str:
    try:
        return suite_of_key(authority_key_from_bytes(encoded)).name
    except SignatureError:
        return "es256"


def _suite_label(encoded: bytes) -> str:
    """The suite a registered key's curve names (docs/decisions/0190)."""
    try:
        return suite_of_key(authority_key_from_bytes(encoded)).label
    except SignatureError:
        return "not a valid key"


def key_file(ident: str, key_id: int) -> str:
    return f"{ident}-{key_id}"


def token_key_suite(module: str | None, algorithm: str) -> None:
    """Refuses SM2 in a token: PKCS#11 defines no SM2 mechanism, so token keys are P-256."""
    if module and algorithm != "es256":
        raise click.UsageError("A PKCS#11 token holds P-256 (ES256) keys only: leave out "
                               "--pkcs11 for an SM2 key file, or use --algorithm es256.")


def register_new_key(installation: Installation, ident: str, valid_from: int, valid_until: int,
                     sender: str | None, algorithm: str = "es256", *,
                     token: tuple[str, str] | None = None,
                     tx_hashes: list[str] | None = None) -> int:
    """Creates the key file (or the key in `token`, a module and a token label) first, then
    registers its public key, so a registered key always has its private half at hand. The
    key number is predicted from the chain and checked against the KeyAdded event."""
    contract = installation.registry(sender or role_account(ident, Role.KEYS))
    number = installation.authority_number(contract, ident)
    expected = contract.authority(number).key_count + 1
    name = key_file(ident, expected)
    if token is None:
        public = encoded_public_key(
            installation.keystore.create_signing_key(name, SUITE_NAMES[algorithm]))
    else:
        public = installation.keystore.create_token_signing_key(name, *token).public_key
    try:
        result = contract.add_key(public, valid_from, valid_until)
    except Exception:
        installation.keystore.remove_signing_key(name)
        raise
    if tx_hashes is not None:
        tx_hashes.append(result.tx_hash)
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
