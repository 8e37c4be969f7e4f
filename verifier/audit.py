"""The verification log: one JSON line per verification, with no personal data.

A line holds the time, the id of the counter that asked (the one a counter token proved,
else the installation's own), the licence type, the authority number, the
verdict and its reason, and a salted hash of the status reference: enough to count and
audit uses of a licence (and to show a holder their own, given their reference and the
installation's salt), never names, numbers or other claims. The salt is random per
verifier installation and stays in ELICENCE_HOME, so hashes from two counters cannot be
linked to each other.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path

import orjson

from chain.private_files import open_private, private_folder

from .result import Verification

SALT_FILE = "verifier-salt"
SALT_BYTES = 32


def installation_salt(home: Path) -> bytes:
    """This installation's log salt, created on first use (readable by the owner only)."""
    path = home / SALT_FILE
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    private_folder(home)
    salt = os.urandom(SALT_BYTES)
    try:
        fd = open_private(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
    except FileExistsError:  # another process created it first
        return path.read_bytes()
    with os.fdopen(fd, "wb") as f:
        f.write(salt)
    return salt


def ref_hash(salt: bytes, authority: int, status_ref: bytes) -> str:
    return hmac.new(salt, authority.to_bytes(4, "big") + status_ref,
                    hashlib.sha256).hexdigest()[:32]


class VerificationLog:
    """Appends verification records as JSON lines to `path`.

    One os.write per record on a file opened with O_APPEND: the kernel places each line at
    the end as a whole, so the worker processes of one server share a file without a lock
    and without interleaving, and a record is in the file (not a buffer) when the answer
    leaves. (Python logging's file handler costs four times as much per record.)
    """

    def __init__(self, path: str | Path, salt: bytes, counter_id: str) -> None:
        self.salt = salt
        self.counter_id = counter_id
        private_folder(Path(path).parent)
        self._fd: int | None = open_private(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT)

    def record(self, v: Verification, *, now: int, authority: int | None,
               status_ref: bytes | None, counter: str | None = None) -> None:
        """`counter`: the requesting counter's id (None: the one given at start-up)."""
        entry = {
            "time": now,
            "counter": counter or self.counter_id,
            "licence_type": None if v.licence_type is None else v.licence_type["code"],
            "authority": authority,
            "verdict": v.verdict,
            "reason": None if v.decided_by is None else v.decided_by.reason,
            "presentation": v.presentation,
            "ref": None if authority is None or status_ref is None
            else ref_hash(self.salt, authority, status_ref),
        }
        if self._fd is None:
            raise ValueError("The verification log is closed.")
        os.write(self._fd, orjson.dumps(entry, option=orjson.OPT_APPEND_NEWLINE))

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
