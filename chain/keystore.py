"""Encrypted key files: authority signing keys (P-256 or SM2) and chain account keys
(secp256k1).

Both are 32-byte secrets kept in one envelope format (JSON, scrypt + AES-256-GCM, the
key's kind and name bound in as associated data so a file cannot be swapped for
another). The passphrase comes from a file (`ELICENCE_PASSPHRASE_FILE`) or the
environment (`ELICENCE_PASSPHRASE`), never from the command line, and is never logged.
"""

from __future__ import annotations

import json
import os
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from eth_account import Account
from eth_account.signers.local import LocalAccount

from chain.private_files import private_folder, write_private
from licence import (
    ES256,
    SUITES,
    Suite,
    encoded_public_key,
    generate_private_key,
    private_key_from_scalar,
    private_scalar,
)
from licence._suites import PrivateKey
from licence.errors import ElicenceError

SIGNING = "p256-signing"  # the kind of every signing key file; an SM2 one says so in "public"
ACCOUNT = "chain-account"
SECRET = "secret"  # symmetric secrets, e.g. an authority's claim-code secret
_FOLDERS = {SIGNING: "signing", ACCOUNT: "accounts", SECRET: "secrets"}
_SCRYPT_N = 2**17  # OWASP minimum for scrypt; about 0.3 s per unlock on one core
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class KeystoreError(ElicenceError):
    """A key file is missing, unreadable, or the passphrase does not open it."""

    reason = "keystore_error"


@dataclass(frozen=True)
class Passphrase:
    value: bytes

    def __repr__(self) -> str:  # keep it out of logs and tracebacks
        return "Passphrase(***)"


def passphrase_from_env(environ: dict[str, str] | None = None) -> Passphrase:
    env = os.environ if environ is None else environ
    path = env.get("ELICENCE_PASSPHRASE_FILE")
    if path:
        try:
            value = Path(path).read_bytes().rstrip(b"\r\n")
        except OSError as exc:
            raise KeystoreError(
                f"Cannot read the passphrase file {path} ({exc.strerror}): "
                "check ELICENCE_PASSPHRASE_FILE.", reason="passphrase_unreadable") from None
    else:
        value = env.get("ELICENCE_PASSPHRASE", "").encode()
    if not value:
        raise KeystoreError(
            "No passphrase for the key store: set ELICENCE_PASSPHRASE_FILE to a file "
            "holding it (or ELICENCE_PASSPHRASE).", reason="passphrase_missing")
    return Passphrase(value)


class Keystore:
    """Key files under one directory: `accounts/NAME.json` and `signing/NAME.json`."""

    def __init__(self, directory: Path, passphrase: Passphrase) -> None:
        self.directory = directory
        self._passphrase = passphrase
        self._cache: dict[tuple[str, str], bytes] = {}

    # -- chain accounts
    def create_account(self, name: str, private_key: bytes | None = None) -> LocalAccount:
        account = Account.from_key(private_key) if private_key else Account.create()
        self._write(ACCOUNT, name, bytes(account.key), {"address": account.address})
        return account

    def account(self, name: str) -> LocalAccount:
        return Account.from_key(self._read(ACCOUNT, name))

    def account_address(self, name: str) -> str:
        return self._metadata(ACCOUNT, name)["address"]

    def accounts(self) -> list[str]:
        return self._names(ACCOUNT)

    # -- authority signing keys
    def create_signing_key(self, name: str, suite: Suite = ES256) -> PrivateKey:
        """A new key of `suite`; an SM2 key file records "algorithm": "sm2" (bound into the
        envelope's associated data), an ES256 one keeps the original form."""
        key = generate_private_key(suite)
        public = {"public_key": encoded_public_key(key).hex()}
        if suite is not ES256:
            public["algorithm"] = suite.name
        self._write(SIGNING, name, private_scalar(key).to_bytes(32, "big"), public)
        return key

    def signing_key(self, name: str) -> PrivateKey:
        secret = self._read(SIGNING, name)
        public = self._metadata(SIGNING, name)
        suite = {s.name: s for s in SUITES}.get(public.get("algorithm", ES256.name))
        if suite is None:
            raise KeystoreError(f"The key file {name!r} names an unknown algorithm "
                                f"{public.get('algorithm')!r}.", reason="key_unreadable")
        return private_key_from_scalar(suite, int.from_bytes(secret, "big"),
                                       bytes.fromhex(public.get("public_key", "")))

    def signing_keys(self) -> list[str]:
        return self._names(SIGNING)

    def remove_signing_key(self, name: str) -> None:
        """Deletes a key file; only for a key that was never registered anywhere."""
        self._path(SIGNING, name).unlink(missing_ok=True)
        self._cache.pop((SIGNING, name), None)

    # -- symmetric secrets
    def secret(self, name: str, *, create: bool = False) -> bytes:
        """A 32-byte secret; with `create`, made on first use."""
        if create and not self.has(SECRET, name):
            secret = os.urandom(32)
            self._write(SECRET, name, secret, {})
            return secret
        return self._read(SECRET, name)

    def unlock(self, items: list[tuple[str, str]]) -> None:
        """Opens several key files at once (scrypt releases the GIL, so threads run the
        derivations in parallel). Missing files are left for the caller to report."""
        present = [item for item in items if self.has(*item)]
        with ThreadPoolExecutor(max_workers=max(1, len(present))) as pool:
            list(pool.map(lambda item: self._read(*item), present))

    def has(self, kind: str, name: str) -> bool:
        return self._path(kind, name).exists()

    # -- envelope
    def _path(self, kind: str, name: str) -> Path:
        if not _NAME.match(name):
            raise KeystoreError(f"{name!r} cannot name a key file: use letters, digits, '.', "
                                "'_' or '-'.", reason="bad_key_name")
        return self.directory / _FOLDERS[kind] / f"{name}.json"

    def _names(self, kind: str) -> list[str]:
        folder = self.directory / _FOLDERS[kind]
        return sorted(p.stem for p in folder.glob("*.json")) if folder.exists() else []

    def _write(self, kind: str, name: str, secret: bytes, public: dict) -> None:
        path = self._path(kind, name)
        if path.exists():
            raise KeystoreError(f"A key named {name!r} already exists in {path.parent}.",
                                reason="key_exists")
        salt, nonce = os.urandom(16), os.urandom(12)
        header = {"version": 1, "kind": kind, "name": name, "public": public}
        aad = json.dumps(header, sort_keys=True).encode()
        ciphertext = AESGCM(self._derive(salt, _SCRYPT_N)).encrypt(nonce, secret, aad)
        document = {
            **header,
            "kdf": {"name": "scrypt", "n": _SCRYPT_N, "r": 8, "p": 1, "salt": salt.hex()},
            "cipher": {"name": "aes-256-gcm", "nonce": nonce.hex()},
            "ciphertext": ciphertext.hex(),
        }
        private_folder(path.parent)
        write_private(path, json.dumps(document, indent=2, sort_keys=True))
        self._cache[(kind, name)] = secret

    def _load(self, kind: str, name: str) -> dict:
        path = self._path(kind, name)
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise KeystoreError(
                f"No key named {name!r} in {path.parent}: create it first "
                "(signing keys: `elicence authority add-key`).", reason="key_missing") from None
        except (OSError, ValueError) as exc:
            raise KeystoreError(f"The key file {path} cannot be read ({exc}).",
                                reason="key_unreadable") from None
        if document.get("version") != 1 or document.get("kind") != kind:
            raise KeystoreError(f"The key file {path} is not an elicence {kind} key.",
                                reason="key_unreadable")
        return document

    def _metadata(self, kind: str, name: str) -> dict:
        return self._load(kind, name)["public"]

    def _read(self, kind: str, name: str) -> bytes:
        if (kind, name) in self._cache:
            return self._cache[(kind, name)]
        document = self._load(kind, name)
        header = {k: document[k] for k in ("version", "kind", "name", "public")}
        kdf = document["kdf"]
        try:
            key = self._derive(bytes.fromhex(kdf["salt"]), int(kdf["n"]))
            secret = AESGCM(key).decrypt(
                bytes.fromhex(document["cipher"]["nonce"]),
                bytes.fromhex(document["ciphertext"]),
                json.dumps(header, sort_keys=True).encode(),
            )
        except InvalidTag:
            raise KeystoreError(f"The passphrase does not open the key {name!r}: check "
                                "ELICENCE_PASSPHRASE_FILE.", reason="wrong_passphrase") from None
        self._cache[(kind, name)] = secret
        return secret

    def _derive(self, salt: bytes, n: int) -> bytes:
        return Scrypt(salt=salt, length=32, n=n, r=8, p=1).derive(self._passphrase.value)


def compressed_public_key(key: ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey) -> bytes:
    public = key.public_key() if isinstance(key, ec.EllipticCurvePrivateKey) else key
    return public.public_bytes(Encoding.X962, PublicFormat.CompressedPoint)
