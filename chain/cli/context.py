"""What every admin command needs: settings, key files, the registry client, and one way
of turning errors into a single sentence and an exit code at the command's edge."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from functools import cached_property

import click
from eth_account.signers.local import LocalAccount
from eth_utils import is_address, to_checksum_address

from chain.config import ConfigError, Settings, load_settings
from chain.connect import connect
from chain.errors import ChainError
from chain.keystore import Keystore, KeystoreError, passphrase_from_env
from chain.registry import Registry
from chain.transactions import FeePolicy, WaitPolicy


class AdminContext:
    """Lazily opens what a command uses, so `--help` and `node status` stay instant."""

    def __init__(self, settings: Settings | None = None) -> None:
        self._settings = settings

    @cached_property
    def settings(self) -> Settings:
        return self._settings or load_settings()

    @cached_property
    def keystore(self) -> Keystore:
        return Keystore(self.settings.keys_dir, passphrase_from_env())

    @cached_property
    def w3(self):
        return connect(self.settings.rpc_url, expected_chain_id=self.settings.chain_id)

    def account(self, name: str, *, create: bool = False) -> LocalAccount:
        if create and not self.keystore.has("chain-account", name):
            return self.keystore.create_account(name)
        return self.keystore.account(name)

    def address(self, name_or_address: str, *, create: bool = False) -> str:
        """An address given literally, or the address of a key file by that name."""
        if is_address(name_or_address):
            return to_checksum_address(name_or_address)
        if create and not self.keystore.has("chain-account", name_or_address):
            return self.keystore.create_account(name_or_address).address
        return self.keystore.account_address(name_or_address)

    def registry(self, sender: str | None = None) -> Registry:
        account = self.account(sender) if sender else None
        return Registry(
            self.w3,
            self.settings.require_registry(),
            account=account,
            fees=FeePolicy(gas_price=self.settings.gas_price),
            wait=WaitPolicy(confirmations=self.settings.confirmations),
            nonce_locks=self.settings.home / "locks",  # one nonce discipline per home
        )

    def authority_number(self, registry: Registry, ident: str) -> int:
        number = registry.authority_by_id(ident)
        if not number:
            raise click.ClickException(
                f"No authority {ident!r} is registered: list them with `elicence authority list`."
            )
        return number


pass_admin = click.make_pass_decorator(AdminContext, ensure=True)


@contextlib.contextmanager
def command_errors() -> Iterator[None]:
    """Our typed errors become one sentence on stderr and exit status 1."""
    try:
        yield
    except (ChainError, ConfigError, KeystoreError) as exc:
        raise click.ClickException(exc.message) from None


def licence_type_codes(names: tuple[str, ...]) -> list[int]:
    from licence import LicenceError, load_schema

    codes = []
    for name in names:
        try:
            codes.append(load_schema(name).code)
        except LicenceError as exc:
            raise click.BadParameter(str(exc), param_hint="--type") from None
    return codes


def licence_type_names(mask: int) -> str:
    from chain.records import mask_types
    from licence import LicenceError, load_schema

    names = []
    for code in mask_types(mask):
        try:
            names.append(load_schema(code).name)
        except LicenceError:
            names.append(f"type {code}")
    return ", ".join(names) or "none"


def parse_time(value: str | None, *, default: dt.datetime | None = None) -> int:
    """Unix seconds from an ISO date or date-time (UTC when no offset is given)."""
    if value is None:
        return int((default or dt.datetime.now(dt.UTC)).timestamp())
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a date or time: use YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS."
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return int(parsed.timestamp())


def format_time(seconds: int | None) -> str:
    if not seconds:
        return "-"
    return dt.datetime.fromtimestamp(seconds, dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def report_proposal(result, threshold: int) -> None:
    if result.executed:
        click.echo(f"Proposal {result.proposal_id} approved and carried out (block "
                   f"{result.block_number}).")
    else:
        approvals = sum(1 for e in result.events if e.name == "ProposalApproved")
        last = [e.args["approvals"] for e in result.events if e.name == "ProposalApproved"]
        count = last[-1] if last else approvals
        click.echo(f"Proposal {result.proposal_id} has {count} of {threshold} approvals; "
                   f"another council member approves it with: "
                   f"elicence council approve {result.proposal_id} --as MEMBER")
