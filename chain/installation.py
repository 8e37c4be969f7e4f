"""One installation of elicence: its settings, key store, chain connection and registry.

Every consumer (the command line, the web app, issuance, the demo, the benchmarks) opens
what it needs through an `Installation`, so a registry client is built from settings in
exactly one place. Each part opens lazily, so `--help` and `node status` stay instant and
a verifier that only reads the index never connects to the node. Errors are ours
(ConfigError, KeystoreError, ChainError); the command line converts them at its edge.

    installation = Installation()                   # ELICENCE_HOME's settings
    registry = installation.registry()              # reads only
    anchoring = installation.registry("CN-31-DMV")  # sends as that account's key file
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

from chain.config import Settings, load_settings
from chain.errors import ChainError
from chain.keystore import ACCOUNT, Keystore, passphrase_from_env

if TYPE_CHECKING:
    from eth_account.signers.local import LocalAccount
    from web3 import Web3

    from chain.records import TxResult
    from chain.registry import Registry

READ_TIMEOUT = 10.0  # seconds a node may take to answer before it counts as unreachable


class AuthorityUnknown(ChainError):
    reason = "authority_unknown"

    def __init__(self, ident: str) -> None:
        super().__init__(f"No authority {ident!r} is registered: list them with "
                         "`elicence authority list`.", ident=ident)


class Installation:
    """Settings given, or read from ELICENCE_HOME on first use (ConfigError if bad)."""

    def __init__(self, settings: Settings | None = None, *,
                 timeout: float = READ_TIMEOUT) -> None:
        self._settings = settings
        self.timeout = timeout

    # ------------------------------------------------------------------ parts
    @cached_property
    def settings(self) -> Settings:
        return self._settings or load_settings()

    @cached_property
    def keystore(self) -> Keystore:
        return Keystore(self.settings.keys_dir, passphrase_from_env())

    @cached_property
    def w3(self) -> Web3:
        from chain.connect import connect

        return connect(self.settings.rpc_url, expected_chain_id=self.settings.chain_id,
                       timeout=self.timeout)

    def registry(self, sender: str | None = None) -> Registry:
        """The configured registry; sending as the account key file `sender` when given.

        Every client of one installation shares the same nonce lock directory, so the
        command line and a server sending from one account never collide.
        """
        from chain.registry import Registry

        return Registry(self.w3, self.settings.require_registry(),
                        account=self.account(sender) if sender else None,
                        **self._sending_options())

    def deploy_registry(self, deployer: str, council: Sequence[str], threshold: int, *,
                        dev: bool = False) -> tuple[Registry, TxResult]:
        """Deploys a registry sent from the account key file `deployer` (created if
        missing), with this installation's fees, confirmations and nonce locks."""
        from chain.registry import Registry

        return Registry.deploy(self.w3, self.account(deployer, create=True), council,
                               threshold, dev=dev, **self._sending_options())

    def _sending_options(self) -> dict[str, Any]:
        from chain.transactions import FeePolicy, WaitPolicy

        return {"fees": FeePolicy(gas_price=self.settings.gas_price),
                "wait": WaitPolicy(confirmations=self.settings.confirmations),
                "nonce_locks": self.settings.locks_dir}

    # ------------------------------------------------------------------ accounts
    def account(self, name: str, *, create: bool = False) -> LocalAccount:
        if create and not self.keystore.has(ACCOUNT, name):
            return self.keystore.create_account(name)
        return self.keystore.account(name)

    def address(self, name_or_address: str, *, create: bool = False) -> str:
        """An address given literally, or the address of a key file by that name."""
        from eth_utils import is_address, to_checksum_address

        if is_address(name_or_address):
            return to_checksum_address(name_or_address)
        if create and not self.keystore.has(ACCOUNT, name_or_address):
            return self.keystore.create_account(name_or_address).address
        return self.keystore.account_address(name_or_address)

    def authority_number(self, registry: Registry, ident: str) -> int:
        """The number of the authority registered as `ident`; AuthorityUnknown if none."""
        number = registry.authority_by_id(ident)
        if not number:
            raise AuthorityUnknown(ident)
        return number
