"""`elicence registry …` and `elicence council …`: deploying the registry and the council's
M-of-N approvals of registry changes."""

from __future__ import annotations

import click

from chain.cli.context import (
    command_errors,
    format_time,
    parse_time,
    pass_installation,
    report_proposal,
)
from chain.errors import NoContract
from chain.installation import Installation
from chain.registry import MAX_REFS, Registry
from licence.vocabulary import StatusCode

AS_MEMBER = click.option(
    "--as", "member", required=True, metavar="NAME",
    help="Council member's key file (in ELICENCE_HOME/keys) that signs.",
)


@click.group()
def registry() -> None:
    """Deploy and inspect the licence registry contract."""


@registry.command()
@click.option("--council", "members", multiple=True, required=True, metavar="NAME|ADDRESS",
              help="A council member: a key file name (created if missing) or an address. Repeat.")
@click.option("--threshold", type=click.IntRange(1),
              help="Approvals needed: at least 2 and more than half the council (default: the "
                   "smallest such majority).")
@click.option("--dev", is_flag=True,
              help="A single-machine set-up: allow any threshold from 1 (never in production).")
@click.option("--as", "deployer", default="deployer", show_default=True, metavar="NAME",
              help="Key file of the account that sends the deployment (created if missing).")
@click.option("--replace", is_flag=True, help="Deploy a new registry even if one is configured.")
@pass_installation
def deploy(installation: Installation, members: tuple[str, ...], threshold: int | None,
           dev: bool, deployer: str, replace: bool) -> None:
    """Deploy a registry governed by a council of root authorities."""
    with command_errors():
        settings = installation.settings
        if settings.registry_address and not replace and _deployed(installation):
            raise click.ClickException(
                f"A registry is already deployed at {settings.registry_address}: use it, or "
                "pass --replace to deploy another."
            )
        addresses = [installation.address(m, create=True) for m in members]
        if len(set(addresses)) != len(addresses):
            raise click.BadParameter("a council member is named twice.", param_hint="--council")
        threshold = threshold or max(len(addresses) // 2 + 1, 1 if dev else 2)
        if threshold > len(addresses):
            raise click.BadParameter(
                f"{threshold} approvals cannot be reached by {len(addresses)} members.",
                param_hint="--threshold",
            )
        if not dev and (threshold < 2 or 2 * threshold <= len(addresses)):
            raise click.BadParameter(
                f"{threshold} of {len(addresses)} is not a majority of at least two: name at "
                "least two members and a threshold above half of them (or pass --dev for a "
                "single-machine set-up).", param_hint="--threshold")
        contract, result = installation.deploy_registry(deployer, addresses, threshold,
                                                        dev=dev)
        settings.with_values(
            registry_address=contract.address, registry_block=result.block_number,
            chain_id=installation.w3.eth.chain_id,
        ).save()
    click.echo(f"Registry deployed at {contract.address} (block {result.block_number}, "
               f"{result.gas_used:,} gas); council of {len(addresses)}, "
               f"{threshold} approvals needed{' (dev set-up)' if dev else ''}.")


@registry.command()
@pass_installation
def show(installation: Installation) -> None:
    """Show the configured registry: address, council, threshold, authorities."""
    with command_errors():
        contract = installation.registry()
        members = contract.council_members()
        click.echo(f"Registry {contract.address} on chain {installation.w3.eth.chain_id} "
                   f"(deployed in block {installation.settings.registry_block})")
        dev = " — dev set-up" if contract.dev() else ""
        click.echo(f"Council ({contract.threshold()} of {len(members)} approvals{dev}):")
        for member in members:
            click.echo(f"  {member}")
        click.echo(f"Authorities: {contract.authority_count()}")


def _deployed(installation: Installation) -> bool:
    try:
        installation.registry()
    except NoContract:
        return False
    return True


@click.group()
def council() -> None:
    """Propose, approve and list registry changes (M-of-N council approvals)."""


@council.group()
def propose() -> None:
    """Propose a change to the council (the proposer's approval counts)."""


def _propose(installation: Installation, member: str, build_action) -> None:
    with command_errors():
        contract = installation.registry(member)
        result = contract.propose(build_action(contract))
        report_proposal(result, contract.threshold())


@propose.command("add-member")
@click.argument("account", metavar="NAME|ADDRESS")
@AS_MEMBER
@pass_installation
def propose_add_member(installation: Installation, account: str, member: str) -> None:
    """Add a council member."""
    address = installation.address(account, create=True)
    _propose(installation, member, lambda r: r.action_add_council_member(address))


@propose.command("remove-member")
@click.argument("account", metavar="NAME|ADDRESS")
@AS_MEMBER
@pass_installation
def propose_remove_member(installation: Installation, account: str, member: str) -> None:
    """Remove a council member (the threshold must stay reachable)."""
    address = installation.address(account)
    _propose(installation, member, lambda r: r.action_remove_council_member(address))


@propose.command("threshold")
@click.argument("approvals", type=click.IntRange(1, 255))
@AS_MEMBER
@pass_installation
def propose_threshold(installation: Installation, approvals: int, member: str) -> None:
    """Change how many approvals a change needs."""
    _propose(installation, member, lambda r: r.action_set_threshold(approvals))


@council.command()
@click.argument("proposal_id", type=click.IntRange(1))
@AS_MEMBER
@pass_installation
def approve(installation: Installation, proposal_id: int, member: str) -> None:
    """Approve a proposal; it is carried out when enough members have approved."""
    with command_errors():
        contract = installation.registry(member)
        report_proposal(contract.approve(proposal_id), contract.threshold())


@council.command()
@click.argument("proposal_id", type=click.IntRange(1))
@AS_MEMBER
@pass_installation
def cancel(installation: Installation, proposal_id: int, member: str) -> None:
    """Withdraw a proposal you made."""
    with command_errors():
        installation.registry(member).cancel(proposal_id)
    click.echo(f"Proposal {proposal_id} cancelled.")


def _hex16(values: tuple[str, ...], what: str, option: str) -> list[bytes]:
    out = []
    for value in values:
        try:
            raw = bytes.fromhex(value.removeprefix("0x"))
        except ValueError:
            raw = b""
        if len(raw) != 16:
            raise click.BadParameter(f"{value!r} is not a {what}: give 32 hex digits.",
                                     param_hint=option)
        out.append(raw)
    if not 1 <= len(out) <= MAX_REFS:
        raise click.BadParameter(f"give 1 to {MAX_REFS} values per proposal.", param_hint=option)
    return out


def _propose_for_authority(installation: Installation, member: str, ident: str,
                           build_action) -> None:
    with command_errors():
        contract = installation.registry(member)
        number = installation.authority_number(contract, ident)
        report_proposal(contract.propose(build_action(contract, number)), contract.threshold())


@council.command()
@click.argument("ident", metavar="ID")
@click.option("--ref", "refs", multiple=True, required=True, metavar="HEX",
              help="A licence's status reference (32 hex digits). Repeat.")
@AS_MEMBER
@pass_installation
def withdraw(installation: Installation, ident: str, refs: tuple[str, ...], member: str) -> None:
    """Propose revoking licences of any authority (reason class council_withdrawn)."""
    packed = _hex16(refs, "status reference", "--ref")
    _propose_for_authority(installation, member, ident, lambda r, n: r.action_set_status(
        n, StatusCode.REVOKED, packed))


@council.command("withdraw-batch")
@click.argument("ident", metavar="ID")
@click.option("--root", "roots", multiple=True, required=True, metavar="HEX",
              help="A batch root as anchored (32 hex digits). Repeat for several.")
@AS_MEMBER
@pass_installation
def withdraw_batch(installation: Installation, ident: str, roots: tuple[str, ...],
                   member: str) -> None:
    """Propose withdrawing whole batches of any authority: every licence under them is
    invalid from then on."""
    packed = _hex16(roots, "batch root", "--root")
    _propose_for_authority(installation, member, ident,
                           lambda r, n: r.action_withdraw_batches(n, packed))


@council.command("mark-compromised")
@click.argument("ident", metavar="ID")
@click.option("--key", "key_id", type=click.IntRange(1), required=True, help="Key number.")
@click.option("--since", metavar="TIME",
              help="When the compromise began, possibly in the past: batches anchored from "
                   "then on are rejected, earlier ones stay valid.")
@click.option("--clear", is_flag=True, help="Remove a mistaken mark instead.")
@AS_MEMBER
@pass_installation
def council_mark_compromised(installation: Installation, ident: str, key_id: int,
                             since: str | None, clear: bool, member: str) -> None:
    """Propose marking an authority's key compromised from a time (back-dating is the
    council's alone), or clearing a mistaken mark."""
    if clear == bool(since):
        raise click.UsageError("give either --since TIME or --clear.")
    at = 0 if clear else parse_time(since)
    _propose_for_authority(installation, member, ident,
                           lambda r, n: r.action_set_key_compromised(n, key_id, at))


@council.command("list")
@click.option("--all", "show_all", is_flag=True,
              help="Include proposals carried out, cancelled or expired.")
@pass_installation
def list_proposals(installation: Installation, show_all: bool) -> None:
    """List open proposals with what they would do."""
    with command_errors():
        contract = installation.registry()
        threshold = contract.threshold()
        now = int(installation.w3.eth.get_block("latest")["timestamp"])
        shown = 0
        for proposal_id in range(1, contract.proposal_count() + 1):
            record = contract.proposal(proposal_id)
            if not record.open_at(now) and not show_all:
                continue
            if record.executed:
                state = "carried out"
            elif record.cancelled:
                state = "cancelled"
            elif not record.open_at(now):
                state = f"expired {format_time(record.expires_at)}"
            else:
                state = (f"{record.approvals}/{threshold} approvals, expires "
                         f"{format_time(record.expires_at)}")
            click.echo(f"#{proposal_id}  {describe_action(contract, record.action)}  [{state}]")
            shown += 1
    if not shown:
        click.echo("No open proposals." if not show_all else "No proposals yet.")


def describe_action(contract: Registry, action: bytes) -> str:
    """A proposal's calldata in words, e.g. `setThreshold(threshold=2)`."""
    try:
        function, args = contract.contract.decode_function_input(action)
    except ValueError:
        return f"unrecognised action 0x{action[:4].hex()}…"
    shown = ", ".join(
        f"{k}={('0x' + v.hex()) if isinstance(v, bytes) else v}" for k, v in args.items()
    )
    return f"{function.fn_name}({shown})"
