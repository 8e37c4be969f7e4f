"""An operator's own credential: a P-256 key in a key file under
`<home>/operators/<AUTHORITY>/`, in the key store's envelope (scrypt + AES-256-GCM, kind
and name bound in), opened by the operator's own passphrase, never the installation's.
The store keeps the public key, so a file swapped for another operator's is refused too.

The passphrase comes from ELICENCE_OPERATOR_PASSPHRASE_FILE (or ELICENCE_OPERATOR_
PASSPHRASE), never from the command line."""

from __future__ import annotations

from pathlib import Path

from chain.keystore import (
    Keystore,
    KeystoreError,
    Passphrase,
    compressed_public_key,
    passphrase_from_env,
)
from issuer.errors import OperatorError
from licence.signer import Signer


def operator_folder(home: Path, authority_id: str) -> Path:
    return home / "operators" / authority_id


def operator_passphrase(environ: dict[str, str] | None = None) -> Passphrase:
    try:
        return passphrase_from_env(environ, variable="ELICENCE_OPERATOR_PASSPHRASE",
                                   whose="your operator key file")
    except KeystoreError as exc:
        raise OperatorError(exc.message, reason="login_failed") from None


def create_credential(home: Path, authority_id: str, name: str,
                      passphrase: Passphrase) -> bytes:
    """Writes the operator's key file (0600) and returns its compressed public key."""
    key = Keystore(operator_folder(home, authority_id), passphrase).create_signing_key(name)
    return compressed_public_key(key)


def open_credential(home: Path, authority_id: str, name: str,
                    passphrase: Passphrase) -> Signer:
    try:
        return Keystore(operator_folder(home, authority_id), passphrase).signing_key(name)
    except KeystoreError as exc:
        if exc.reason == "wrong_passphrase":
            raise OperatorError(f"The passphrase does not open {name}'s key file: check "
                                "ELICENCE_OPERATOR_PASSPHRASE_FILE.",
                                reason="login_failed") from None
        raise OperatorError(f"{name}'s key file cannot be opened on this machine "
                            f"({exc.message})", reason="login_failed") from None
