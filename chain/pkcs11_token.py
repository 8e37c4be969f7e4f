"""Keys inside a PKCS#11 token (a hardware security module, SoftHSM2 in tests and the demo).

The token makes and keeps the private keys (CKA_SENSITIVE, never CKA_EXTRACTABLE) and signs
SHA-256 or Keccak digests with plain CKM_ECDSA, the one EC mechanism every token offers.
This module knows only the token: opening it with the user PIN, making key pairs on a named
curve, finding them again and signing a digest. chain.pkcs11_signers turns that into a
licence signer and a chain account (docs/decisions/0170-keys-in-a-token.md).

The PIN comes from a file (`ELICENCE_PKCS11_PIN_FILE`) or the environment
(`ELICENCE_PKCS11_PIN`), or the command prompts for it: never from the command line, and it
is never printed. One logged-in session per token and process, opened on first use: a
forked worker opens its own (PKCS#11 forbids using the parent's).
"""

from __future__ import annotations

import hashlib
import os
import random
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pkcs11
from pkcs11 import Attribute, KeyType, Mechanism, ObjectClass
from pkcs11.util.ec import encode_named_curve_parameters

from licence.errors import ElicenceError

P256, SECP256K1 = "secp256r1", "secp256k1"


class TokenError(ElicenceError):
    """The token cannot be reached, does not take the PIN, or lacks a key."""

    reason = "token_error"


@dataclass(frozen=True)
class Pin:
    value: str

    def __repr__(self) -> str:  # keep it out of logs and tracebacks
        return "Pin(***)"


@dataclass(frozen=True)
class TokenKey:
    """Where a private key lives: the module, the token's label and the key's label."""

    module: str
    token: str
    label: str

    def as_json(self) -> dict[str, str]:
        return {"module": self.module, "token": self.token, "label": self.label}


def pin_from_env(environ: dict[str, str] | None = None) -> Pin:
    env = os.environ if environ is None else environ
    path = env.get("ELICENCE_PKCS11_PIN_FILE")
    if path:
        try:
            value = Path(path).read_text(encoding="utf-8").rstrip("\r\n")
        except OSError as exc:
            raise TokenError(f"Cannot read the PIN file {path} ({exc.strerror}): check "
                             "ELICENCE_PKCS11_PIN_FILE.", reason="pin_unreadable") from None
    else:
        value = env.get("ELICENCE_PKCS11_PIN", "")
    if not value:
        raise TokenError("No PIN for the token: set ELICENCE_PKCS11_PIN_FILE to a file holding "
                         "the user PIN (or ELICENCE_PKCS11_PIN).", reason="pin_missing")
    return Pin(value)


_lock = threading.RLock()  # one token session is used by one thread at a time
_sessions: dict[tuple[str, str], tuple[bytes, Any]] = {}  # (module, token) -> (PIN digest, session)
_pid = os.getpid()


def session(module: str, token: str, pin: Pin) -> Any:
    """The logged-in read-write session of this process on `token` (opened on first use).

    A token logs in the whole process, not a session: asked with another PIN than the one
    that logged in, the session is closed (logging out) and the new PIN is checked afresh,
    so a wrong PIN is refused even after a right one."""
    global _pid
    with _lock:
        if os.getpid() != _pid:  # a forked worker: the parent's sessions are not ours
            _sessions.clear()
            for lib in list(pkcs11._loaded.values()):
                lib.reinitialize()
            _pid = os.getpid()
        key, digest = (module, token), hashlib.sha256(pin.value.encode()).digest()
        held = _sessions.get(key)
        if held is not None and held[0] != digest:
            del _sessions[key]
            held[1].close()
            held = None
        if held is None:
            held = _sessions[key] = (digest, _open_seeing_new_tokens(module, token, pin))
        return held[1]


_TRIES = 6  # the last one's failure is the answer
_RETRIED = ("token_missing", "token_failing", "pin_not_set")  # what a half-read file looks like


def _open_seeing_new_tokens(module: str, token: str, pin: Pin) -> Any:
    """A session, looking again when the token is not seen or fails to open.

    A module knows the tokens as they were when it was initialised: a token made or plugged in
    since (by another process) is seen after initialising it again, which ends this process's
    sessions on that module. Processes logging in to a SoftHSM token at the same moment
    (issuance workers starting together) can also read its file while another writes it, and
    keep that reading: the token seems absent, without a user PIN, or answers
    CKR_GENERAL_ERROR. Initialising again after a few jittered milliseconds lets them pass one
    by one; a token still absent or failing after that is named."""
    for attempt in range(1, _TRIES):
        try:
            return _open(module, token, pin)
        except TokenError as exc:
            if exc.reason not in _RETRIED:
                raise
            if module in pkcs11._loaded:
                for other in [k for k in _sessions if k[0] == module]:
                    del _sessions[other]
                pkcs11._loaded[module].reinitialize()
        time.sleep(random.uniform(0.005, 0.02) * attempt)
    return _open(module, token, pin)


# What the token answered when opening a session: the sentence for it ({token}, {module})
# and its reason.
_OPEN_REFUSALS: tuple[tuple[tuple[type[Exception], ...], str, str], ...] = (
    ((pkcs11.NoSuchToken,), "No token labelled {token!r} is present in {module}: check "
     "--token (softhsm2-util --show-slots lists them).", "token_missing"),
    ((pkcs11.GeneralError,), "Token {token!r} fails to open (CKR_GENERAL_ERROR): check that "
     "its files are intact and readable, then try again.", "token_failing"),
    ((pkcs11.UserPinNotInitialized,), "Token {token!r} has no user PIN yet: its security "
     "officer must set one (see docs/issuing.md, Keys in an HSM).", "pin_not_set"),
    ((pkcs11.PinIncorrect,), "The PIN is not correct for token {token!r}: check "
     "ELICENCE_PKCS11_PIN_FILE (the token locks after repeated wrong PINs).", "wrong_pin"),
    ((pkcs11.PinLocked,), "Token {token!r} is locked after too many wrong PINs: its security "
     "officer must unlock it (see docs/issuing.md, Keys in an HSM).", "pin_locked"),
    ((pkcs11.PinInvalid, pkcs11.PinLenRange), "Token {token!r} cannot take that PIN (wrong "
     "length or characters): check ELICENCE_PKCS11_PIN_FILE.", "wrong_pin"),
)
_REFUSED = tuple(kind for kinds, _, _ in _OPEN_REFUSALS for kind in kinds)


def _open(module: str, token: str, pin: Pin) -> Any:
    if not Path(module).exists():
        raise TokenError(f"The PKCS#11 module {module} does not exist: install the token's "
                         "library or correct --pkcs11.", reason="pkcs11_module_missing")
    try:
        return pkcs11.lib(module).get_token(token_label=token).open(user_pin=pin.value, rw=True)
    except _REFUSED as exc:
        sentence, reason = next((sentence, reason) for kinds, sentence, reason in _OPEN_REFUSALS
                                if isinstance(exc, kinds))
        raise TokenError(sentence.format(token=token, module=module), reason=reason) from None


def generate(where: TokenKey, pin: Pin, curve: str) -> bytes:
    """Makes a key pair on `curve` inside the token and returns the public point (65-byte
    uncompressed SEC1). The private half is sensitive and not extractable: no one, the
    security officer included, can read it out."""
    with _lock:
        s = session(where.module, where.token, pin)
        if _find(s, where.label, ObjectClass.PRIVATE_KEY) is not None:
            raise TokenError(f"Token {where.token!r} already holds a key labelled "
                             f"{where.label!r}.", reason="key_exists")
        params = s.create_domain_parameters(
            KeyType.EC, {Attribute.EC_PARAMS: encode_named_curve_parameters(curve)}, local=True)
        key_id = os.urandom(16)
        public, _ = params.generate_keypair(
            store=True, label=where.label, id=key_id,
            public_template={Attribute.VERIFY: True},
            private_template={Attribute.SENSITIVE: True, Attribute.EXTRACTABLE: False,
                              Attribute.SIGN: True, Attribute.PRIVATE: True})
        return bytes(decode_ec_point_bytes(public[Attribute.EC_POINT]))


def destroy(where: TokenKey, pin: Pin) -> None:
    """Removes a key pair that was never registered anywhere (a failed add-key)."""
    with _lock:
        s = session(where.module, where.token, pin)
        for cls in (ObjectClass.PRIVATE_KEY, ObjectClass.PUBLIC_KEY):
            found = _find(s, where.label, cls)
            if found is not None:
                found.destroy()


def sign_digest(where: TokenKey, pin: Pin, digest: bytes) -> bytes:
    """CKM_ECDSA over an already computed 32-byte digest: the 64-byte r||s."""
    with _lock:
        return bytes(private_key(where, pin).sign(digest, mechanism=Mechanism.ECDSA))


def private_key(where: TokenKey, pin: Pin) -> Any:
    """The token's handle of the private key (opening the token, so a wrong PIN or a missing
    key is reported here, before any work is done with it)."""
    with _lock:
        key = _find(session(where.module, where.token, pin), where.label,
                    ObjectClass.PRIVATE_KEY)
        if key is None:
            raise TokenError(f"Token {where.token!r} holds no key labelled {where.label!r}: "
                             "was the token replaced or the key deleted?",
                             reason="token_key_missing")
        return key


def _find(s: Any, label: str, cls: ObjectClass) -> Any:
    found = list(s.get_objects({Attribute.CLASS: cls, Attribute.LABEL: label,
                                Attribute.KEY_TYPE: KeyType.EC}))
    if len(found) > 1:
        raise TokenError(f"The token holds {len(found)} keys labelled {label!r}: remove the "
                         "duplicates with the token's own tool.", reason="token_key_ambiguous")
    return found[0] if found else None


def decode_ec_point_bytes(der: bytes) -> bytes:
    """CKA_EC_POINT is a DER OCTET STRING around the SEC1 point (as PKCS#11 v2.40 says)."""
    if len(der) == 67 and der[:2] == b"\x04\x41":
        return der[2:]
    if len(der) == 65 and der[0] == 0x04:  # some tokens give the bare point
        return der
    raise TokenError("The token returned a public key in an unknown form.",
                     reason="token_public_key")


__all__ = ["P256", "SECP256K1", "Pin", "TokenError", "TokenKey", "destroy", "generate",
           "pin_from_env", "private_key", "session", "sign_digest"]
