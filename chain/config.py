"""Where elicence keeps its state, and the settings read from it.

Everything lives under one home directory, `ELICENCE_HOME` (default `./var`), so two
installations can run side by side. Settings come from `$ELICENCE_HOME/config.json`,
then `ELICENCE_*` environment variables override them (deployments configure by env).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path

from chain.private_files import private_folder, write_private
from licence.errors import ElicenceError

DEFAULT_HOME = "var"
DEFAULT_RPC_URL = "http://127.0.0.1:8545"
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"

# Settings that may be overridden by an environment variable ELICENCE_<NAME upper-cased>.
_ENV_OVERRIDES = ("rpc_url", "registry_address", "database_url", "confirmations", "gas_price",
                  "public_url")


class ConfigError(ElicenceError):
    """The configuration is missing something or holds a value that cannot be used."""

    reason = "config_invalid"


@dataclass(frozen=True)
class Settings:
    home: Path
    rpc_url: str = DEFAULT_RPC_URL
    registry_address: str | None = None
    registry_block: int = 0  # block of the registry's deployment: where indexers start
    chain_id: int | None = None
    database_url: str | None = None  # default: SQLite file in home
    confirmations: int = 1
    gas_price: int | None = None  # None: ask the node; 0 on zero-gas-price networks
    node_port: int = 8545
    # Where holders and counters reach the web app; printed on licence letters.
    public_url: str = DEFAULT_PUBLIC_URL
    extra: dict = field(default_factory=dict)

    @property
    def config_file(self) -> Path:
        return self.home / "config.json"

    @property
    def keys_dir(self) -> Path:
        return self.home / "keys"

    @property
    def node_dir(self) -> Path:
        return self.home / "node"

    @property
    def locks_dir(self) -> Path:
        """One lock file per chain account: every process of this installation takes a
        nonce under it (chain/nonce_lock.py)."""
        return self.home / "locks"

    @property
    def index_path(self) -> Path:
        return self.home / "index.sqlite"

    @property
    def store_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home / 'store.sqlite'}"

    def require_registry(self) -> str:
        if not self.registry_address:
            raise ConfigError(
                "No registry is configured: deploy one with `elicence registry deploy` "
                "or set ELICENCE_REGISTRY_ADDRESS."
            )
        return self.registry_address

    def with_values(self, **values) -> Settings:
        return replace(self, **values)

    def save(self) -> None:
        """Writes the file-backed settings (not env overrides' origin: whatever is current)."""
        self.ensure_home()
        data = {k: v for k, v in asdict(self).items() if k not in ("home", "extra")}
        data.update(self.extra)
        write_private(self.config_file, json.dumps(data, indent=2, sort_keys=True) + "\n")

    def ensure_home(self) -> Path:
        """The home folder, created (or tightened) to mode 0700: it holds keys, the store
        and every log."""
        return private_folder(self.home)


def home_dir(environ: dict[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    return Path(env.get("ELICENCE_HOME") or DEFAULT_HOME).resolve()


def load_settings(home: Path | None = None, environ: dict[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ
    home = home or home_dir(env)
    known = {f.name for f in fields(Settings)} - {"home", "extra"}
    values: dict = {}
    extra: dict = {}
    config_file = home / "config.json"
    if config_file.exists():
        try:
            stored = json.loads(config_file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigError(
                f"Cannot read {config_file} ({exc}): fix the JSON or remove the file."
            ) from exc
        for key, value in stored.items():
            (values if key in known else extra)[key] = value
    for name in _ENV_OVERRIDES:
        raw = env.get(f"ELICENCE_{name.upper()}")
        if raw is not None and raw != "":
            values[name] = _parse_override(name, raw)
    return Settings(home=home, extra=extra, **values)


def _parse_override(name: str, raw: str) -> str | int:
    if name in ("confirmations", "gas_price"):
        try:
            value = int(raw)
        except ValueError:
            raise ConfigError(
                f"ELICENCE_{name.upper()} must be a whole number, not {raw!r}."
            ) from None
        if value < 0:
            raise ConfigError(f"ELICENCE_{name.upper()} must not be negative.")
        return value
    return raw
