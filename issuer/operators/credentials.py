"""An operator's own credential: a P-256 key in a key file under
`<home>/operators/<AUTHORITY>/`, in the key store's envelope (scrypt + AES-256-GCM, kind
and name bound in), opened by the operator's own passphrase, never the installation's.
The store keeps the public key, so a file swapped for another operator's is refused too.

The passphrase comes from ELICENCE_OPERATOR_PASSPHRASE_FILE (or ELICENCE_OPERATOR_
PASSPHRASE), never from the command line."""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ec

from chain.keystore import Keystore, KeystoreError, Passphrase, compressed_public_key
from issuer.errors import OperatorError


def operator_folder(home: Path, authority_id: str) -> Path:
    return home / "operators" / authority_id


def operator_passphrase(environ: dict[str, str] | None = None) -> Passphrase:
    env = os.environ if environ is None else environ
    path = env.get("ELICENCE_OPERATOR_PASSPHRASE_FILE")
    if path:
        try:
            value = Path(path).read_bytes().rstrip(b"\r\n")
        except OSError as exc:
            raise OperatorError(f"Cannot read the operator passphrase file {path} "
                                f"({exc.strerror}): check ELICENCE_OPERATOR_PASSPHRASE_FILE.",
                                reason="login_failed") from None
    else:
        value = env.get("ELICENCE_OPERATOR_PASSPHRASE", "").encode()
    if not value:
        raise OperatorError("No operator passphrase: set ELICENCE_OPERATOR_PASSPHRASE_FILE to "
                            "a file holding yours (or ELICENCE_OPERATOR_PASSPHRASE).",
                            reason="login_failed")
    return Passphrase(value)


def create_credential(home: Path, authority_id: str, name: str,
                      passphrase: Passphrase) -> bytes:
    """Writes the operator's key file (0600) and returns its compressed public key."""
    key = Keystore(operator_folder(home, authority_id), passphrase).create_signing_key(name)
    return compressed_public_key(key)


def open_credential(home: Path, authority_id: str, name: str,
                    passphrase: Passphrase) -> ec.EllipticCurvePrivateKey:
    try:
        return Keystore(operator_folder(home, authority_id), passphrase).signing_key(name)
    except KeystoreError as exc:
        if exc.reason == "wrong_passphrase":
            raise OperatorError(f"The passphrase does not open {name}'s key file: check "
                                "ELICENCE_OPERATOR_PASSPHRASE_FILE.",
                                reason="login_failed") from None
        raise OperatorError(f"{name}'s key file cannot be opened on this machine "
                            f"({exc.message})", reason="login_failed") from None
