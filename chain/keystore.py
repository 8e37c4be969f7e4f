"""Encrypted key files: authority signing keys (P-256 or SM2) and chain account keys
(secp256k1).

Both are 32-byte secrets kept in one envelope format (JSON, scrypt + AES-256-GCM, the
key's kind and name bound in as associated data so a file cannot be swapped for
another). The passphrase comes from a file (`ELICENCE_PASSPHRASE_FILE`) or the
environment (`ELICENCE_PASSPHRASE`), never from the command line, and is never logged.

A key made inside a PKCS#11 token has a reference file of the same name instead: no secret,
only its public half and where it lives (module, token, key label). Callers get a signer
or an account either way (docs/decisions/0170-keys-in-a-token.md).
"""

from __future__ import annotations

import json
import os
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from eth_account import Account
from eth_account.signers.local import LocalAccount

from chain.private_files import private_folder, write_private, write_private_new
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
from licence.signer import KeySigner, Signer

if TYPE_CHECKING:
    from chain.pkcs11_signers import TokenAccount, TokenSigningKey
    from chain.pkcs11_token import Pin, TokenKey

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


def passphrase_from_env(environ: dict[str, str] | None = None, *,
                        variable: str = "ELICENCE_PASSPHRASE",
                        whose: str = "the key store") -> Passphrase:
    """The passphrase from the file named by `variable`_FILE, else from `variable` itself."""
    env = os.environ if environ is None else environ
    path = env.get(f"{variable}_FILE")
    if path:
        try:
            value = Path(path).read_bytes().rstrip(b"\r\n")
        except OSError as exc:
            raise KeystoreError(
                f"Cannot read the passphrase file {path} ({exc.strerror}): "
                f"check {variable}_FILE.", reason="passphrase_unreadable") from None
    else:
        value = env.get(variable, "").encode()
    if not value:
        raise KeystoreError(
            f"No passphrase for {whose}: set {variable}_FILE to a file holding it (or "
            f"{variable}).", reason="passphrase_missing")
    return Passphrase(value)


class Keystore:
    """Key files under one directory: `accounts/NAME.json` and `signing/NAME.json`."""

    def __init__(self, directory: Path, passphrase: Passphrase) -> None:
        self.directory = directory
        self._passphrase = passphrase
        self._cache: dict[tuple[str, str], bytes] = {}
        self.token_pin: Pin | None = None  # a prompted PIN; else read from the environment

    # -- chain accounts
    def create_account(self, name: str, private_key: bytes | None = None) -> LocalAccount:
        account = Account.from_key(private_key) if private_key else Account.create()
        self._write(ACCOUNT, name, bytes(account.key), {"address": account.address})
        return account

    def account(self, name: str) -> LocalAccount | TokenAccount:
        where = self.token_key(ACCOUNT, name)
        if where is not None:
            from chain.pkcs11_signers import TokenAccount
            from chain.pkcs11_token import private_key

            private_key(where, self._pin())  # a wrong PIN is refused now, not mid-job
            return TokenAccount(where, self._pin(), self.account_address(name))
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

    def signing_key(self, name: str) -> Signer:
        """The signer of key file `name`: its key in memory, or a reference to a token key."""
        where = self.token_key(SIGNING, name)
        if where is not None:
            from chain.pkcs11_signers import TokenSigningKey
            from chain.pkcs11_token import private_key

            private_key(where, self._pin())  # a wrong PIN is refused now, not mid-job
            public = bytes.fromhex(self._metadata(SIGNING, name)["public_key"])
            return TokenSigningKey(where, self._pin(), public)
        secret = self._read(SIGNING, name)
        public = self._metadata(SIGNING, name)
        suite = {s.name: s for s in SUITES}.get(public.get("algorithm", ES256.name))
        if suite is None:
            raise KeystoreError(f"The key file {name!r} names an unknown algorithm "
                                f"{public.get('algorithm')!r}.", reason="key_unreadable")
        return KeySigner(private_key_from_scalar(suite, int.from_bytes(secret, "big"),
                                                 bytes.fromhex(public.get("public_key", ""))))

    def signing_keys(self) -> list[str]:
        return self._names(SIGNING)

    def remove_signing_key(self, name: str) -> None:
        """Deletes a key file (or a token key and its reference); only for a key that was
        never registered anywhere."""
        where = self.token_key(SIGNING, name) if self.has(SIGNING, name) else None
        if where is not None:
            from chain.pkcs11_token import destroy

            destroy(where, self._pin())
        self._path(SIGNING, name).unlink(missing_ok=True)
        self._cache.pop((SIGNING, name), None)

    # -- keys inside a PKCS#11 token
    def create_token_signing_key(self, name: str, module: str, token: str) -> TokenSigningKey:
        """Makes a P-256 key pair inside the token and a reference file for it."""
        from chain.pkcs11_signers import TokenSigningKey
        from chain.pkcs11_token import P256, TokenKey, generate

        where = TokenKey(module, token, name)
        self._path(SIGNING, name)  # a bad name is refused before the token is touched
        if self.has(SIGNING, name):
            raise KeystoreError(f"A key named {name!r} already exists in "
                                f"{self._path(SIGNING, name).parent}.", reason="key_exists")
        point = generate(where, self._pin(), P256)
        public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
        compressed = compressed_public_key(public)
        self._write_reference(SIGNING, name, where, {"public_key": compressed.hex()})
        return TokenSigningKey(where, self._pin(), compressed)

    def create_token_account(self, name: str, module: str, token: str) -> TokenAccount:
        """Makes a secp256k1 chain account inside the token and a reference file for it."""
        from chain.pkcs11_signers import TokenAccount, address_of
        from chain.pkcs11_token import SECP256K1, TokenKey, generate

        where = TokenKey(module, token, name)
        if self.has(ACCOUNT, name):
            raise KeystoreError(f"A key named {name!r} already exists in "
                                f"{self._path(ACCOUNT, name).parent}.", reason="key_exists")
        address = address_of(generate(where, self._pin(), SECP256K1))
        self._write_reference(ACCOUNT, name, where, {"address": address})
        return TokenAccount(where, self._pin(), address)

    def token_key(self, kind: str, name: str) -> TokenKey | None:
        """Where the key `name` lives when it is in a token; None for a key file."""
        found = self._load(kind, name).get("pkcs11")
        if found is None:
            return None
        from chain.pkcs11_token import TokenKey

        return TokenKey(found["module"], found["token"], found["label"])

    def _pin(self) -> Pin:
        if self.token_pin is None:
            from chain.pkcs11_token import pin_from_env

            self.token_pin = pin_from_env()
        return self.token_pin

    def _write_reference(self, kind: str, name: str, where: TokenKey, public: dict) -> None:
        document = {"version": 1, "kind": kind, "name": name, "public": public,
                    "pkcs11": where.as_json()}
        path = self._path(kind, name)
        private_folder(path.parent)
        write_private(path, json.dumps(document, indent=2, sort_keys=True))

    # -- symmetric secrets
    def secret(self, name: str, *, create: bool = False) -> bytes:
        """A 32-byte secret; with `create`, made on first use."""
        if create and not self.has(SECRET, name):
            secret = os.urandom(32)
            try:
                self._write(SECRET, name, secret, {})
                return secret
            except KeystoreError as exc:
                # Another process (a second web worker starting) made it first: every
                # process must use that one, or a claim challenge made by one worker would
                # be refused by the other.
                if exc.reason != "key_exists":
                    raise
        return self._read(SECRET, name)

    def unlock(self, items: list[tuple[str, str]]) -> None:
        """Opens several key files at once (scrypt releases the GIL, so threads run the
        derivations in parallel). Missing files are left for the caller to report."""
        present = [item for item in items if self.has(*item) and self.token_key(*item) is None]
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
        try:
            write_private_new(path, json.dumps(document, indent=2, sort_keys=True))
        except FileExistsError:  # made meanwhile by another process: never replaced
            raise KeystoreError(f"A key named {name!r} already exists in {path.parent}.",
                                reason="key_exists") from None
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
        if "pkcs11" in document:
            raise KeystoreError(f"The key {name!r} lives in a token and cannot be read out.",
                                reason="key_in_token")
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
